"""Shared pieces of the attendance API."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import PermissionDenied

from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA
from aftercare.errors import InvalidInput

ERRORS = {**ERROR_RESPONSES, 409: OpenApiResponse(ERROR_SCHEMA, description="Wrong state")}


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


def uuid_field(data, name: str, *, required: bool = True) -> uuid.UUID | None:
    raw = data.get(name) if hasattr(data, "get") else None
    if raw in (None, ""):
        if required:
            raise InvalidInput(fields={name: [_("This field is required.")]})
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise InvalidInput(fields={name: [_("Must be a valid UUID.")]}) from exc


def date_field(data, name: str, *, required: bool = True):
    raw = data.get(name) if hasattr(data, "get") else None
    if raw in (None, ""):
        if required:
            raise InvalidInput(fields={name: [_("This field is required.")]})
        return None
    try:
        value = parse_date(str(raw))
    except ValueError:
        value = None
    if value is None:
        raise InvalidInput(fields={name: [_("Give a date as YYYY-MM-DD.")]})
    return value


def datetime_field(data, name: str) -> datetime | None:
    raw = data.get(name) if hasattr(data, "get") else None
    if raw in (None, ""):
        return None
    try:
        value = parse_datetime(str(raw))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise InvalidInput(
            fields={name: [_("Give a time as an ISO 8601 timestamp with its offset.")]}
        )
    return value
