"""API settings hooks: the one error shape and pagination (imported by DRF's settings).

Every error body is ``{"error": {"code": str, "message": str, "fields": {field: [{"code",
"message"}]}}}`` — ``fields`` only for validation errors. Kept free of viewset imports:
DRF imports this module while it is still loading its generic views.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from aftercare.errors import DomainError


def error_body(code: str, message, fields: dict | None = None) -> dict:
    body = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _field_errors(detail, prefix: str = "") -> dict:
    """Flatten DRF's nested ErrorDetail structures into {"a.b": [{"code", "message"}]}."""
    out: dict[str, list[dict]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_field_errors(value, name))
    elif isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in detail):
            out[prefix or "non_field_errors"] = [
                {"code": getattr(item, "code", "invalid"), "message": str(item)} for item in detail
            ]
        else:
            for index, item in enumerate(detail):
                out.update(_field_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [
            {"code": getattr(detail, "code", "invalid"), "message": str(detail)}
        ]
    return out


def exception_handler(exc, context):
    """The one place where an API view's exception becomes a response: domain errors with
    their status (400 bad input, 403 wrong role, 409 wrong state), another tenant's object
    404, DRF's own errors (401, 405, 415, 429 …) — all in the error shape above. Whatever
    the view wrote is rolled back."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.api_fields()), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            "validation_error", _("Some of the data is not valid."), _field_errors(exc.detail)
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if not isinstance(code, str):
            code = "error"
        response.data = error_body(code, detail)
    return response


class Pagination(pagination.PageNumberPagination):
    """Pages of 50 (``page_size`` up to 500). A ``page_size`` that is not a positive whole
    number is a 400, not silently the default (issue 14: no bad parameter is ignored)."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("Give a whole number of at least 1.")]}
            )
        return super().get_page_size(request)
