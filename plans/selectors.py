"""Reads of district policy that several parts of the app share."""

from __future__ import annotations

from plans.models import DistrictPolicy


def current_policy(semester) -> DistrictPolicy | None:
    """The semester's latest policy version (with its seasons), or None before one is set."""
    return (
        DistrictPolicy.objects.filter(semester=semester)
        .prefetch_related("seasons")
        .order_by("-version")
        .first()
    )
