"""Leave requests as the teacher and the family see them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from aftercare.tenancy import Scope

from ..models import LeaveRequest, LeaveStatus


def leave_for_staff(*, scope: Scope, status: str | None = LeaveStatus.PENDING) -> QuerySet:
    """Requests the caller decides on: a homeroom teacher's classes, a manager's schools."""
    qs = LeaveRequest.objects.visible_to(scope).filter(
        Q(school_id__in=scope.manager_schools)
        | Q(student__school_class__homeroom_teacher=scope.user)
    )
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("student__school_class", "requested_by", "decided_by").order_by(
        "start_date", "requested_at"
    )


def leave_for_family(*, scope: Scope, user) -> QuerySet:
    return (
        LeaveRequest.objects.visible_to(scope)
        .filter(student__guardianships__user=user)
        .select_related("student", "decided_by")
        .distinct()
        .order_by("-start_date", "-requested_at")
    )
