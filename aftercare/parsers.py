"""The API's JSON parser: any body gets a 4xx in the error shape, never a 500.

DRF's parser lets ``RecursionError`` escape (a body of ~1,000 nested ``[`` answered 500 on
every endpoint, the anonymous sign-up, token and SMS-code ones included), and hands a JSON
array, string or number to views that expect an object (``request.data.get`` then failed
with a 500). Here: nesting too deep is ``parse_error`` (400); a top level that is not an
object is ``parse_error`` too, unless the view sets ``accepts_json_array = True``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - the data is nested too deeply.")) from exc
        view = (parser_context or {}).get("view")
        if isinstance(data, dict):
            return data
        if isinstance(data, list) and getattr(view, "accepts_json_array", False):
            return data
        raise ParseError(_("JSON parse error - the body must be a JSON object."))
