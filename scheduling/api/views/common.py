"""Shared by the scheduling API views: error responses, the school lookup."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse

from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA
from aftercare.models import School
from aftercare.tenancy import get_visible_or_404
from scheduling import rules

CONFLICT = {409: OpenApiResponse(ERROR_SCHEMA, description="Wrong state for this step")}
WRITE_ERRORS = {**ERROR_RESPONSES, **CONFLICT}


def school_or_404(scope, public_id) -> School:
    return get_visible_or_404(School, scope, public_id=public_id)


def require_view(scope, school) -> None:
    if not rules.can_view_school(scope, school):
        raise PermissionDenied
