"""The OpenAPI schema, true to the answers (issue 14).

* Times of day are written ``HH:MM`` ("16:40", plans' ``HHMMTimeField``) or ISO
  ``HH:MM[:SS[.ffffff]]`` (DRF's TimeField), never with a UTC offset: not OpenAPI's
  ``format: time`` (RFC 3339 ``full-time`` needs seconds and an offset), but a ``pattern`` each.
* Every operation lists the errors it can answer, in the one error shape
  (``components/schemas/Error``): 400 when it takes a body or query parameters, 401 and 403
  when it needs a login, 404 when its path names an object. Operations that documented
  their own keep them.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"
ISO_TIME = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


class TimeFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = build_basic_type(OpenApiTypes.STR)
        if direction == "response":
            hhmm = getattr(field, "format", None) == "%H:%M"
        else:
            hhmm = list(getattr(field, "input_formats", None) or []) == ["%H:%M"]
        schema["pattern"] = HHMM if hhmm else ISO_TIME
        schema["example"] = "16:40" if hhmm else "16:40:00"
        return schema


ERRORS = {
    "400": "Invalid input (the body or a query parameter); nothing was written",
    "401": "Not logged in, or the token is invalid, expired or revoked",
    "403": "Your own tenant, a role that may not do this",
    "404": "Not found (or another tenant's, school's or family's)",
}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def document_errors(result, generator, request, public):
    """Postprocessing hook: the error answers of every operation (see the module doc)."""
    if "Error" not in result.get("components", {}).get("schemas", {}):
        return result
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            params = operation.get("parameters", [])
            wanted = []
            if "requestBody" in operation or any(p.get("in") == "query" for p in params):
                wanted.append("400")
            security = operation.get("security", [])
            if security and all(s for s in security):  # no anonymous ({}) alternative
                wanted += ["401", "403"]
            if "{" in path:
                wanted.append("404")
            for code in wanted:
                responses.setdefault(code, _error_response(ERRORS[code]))
    return result
