"""Open follow-up flags with each child's warnings, for the school and homeroom teachers."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from aftercare.tenancy import Scope

from ..models import AttendanceWarning, Dismissal, FollowUp, FollowUpStatus


def follow_ups_for(*, scope: Scope, status: str = FollowUpStatus.OPEN) -> list[FollowUp]:
    flags = list(
        FollowUp.objects.visible_to(scope)
        .filter(
            Q(school_id__in=scope.manager_schools)
            | Q(student__school_class__homeroom_teacher=scope.user)
        )
        .filter(status=status)
        .select_related("student__school_class", "school")
        .order_by("-opened_at")
    )
    ids = {f.student_id for f in flags}
    warnings = defaultdict(list)
    for w in AttendanceWarning.objects.filter(student_id__in=ids).order_by("issued_at"):
        warnings[w.student_id].append(w)
    dismissed = set(
        Dismissal.objects.filter(student_id__in=ids).values_list("student_id", flat=True)
    )
    for f in flags:
        f.warning_list = warnings.get(f.student_id, [])
        f.dismissed = f.student_id in dismissed
    return flags
