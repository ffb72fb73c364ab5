"""A child's attendance and leave history, as the family (and the school) see it."""

from __future__ import annotations

from collections import Counter

from enrollment.models import Student

from ..models import AttendanceMark, Departure, LeaveRequest, MarkStatus


def child_history(student: Student, *, limit: int = 120) -> dict:
    marks = list(
        AttendanceMark.objects.filter(student=student)
        .select_related("session__group", "leave")
        .order_by("-date", "-session__start_time")[:limit]
    )
    departures = {
        d.session_id: d
        for d in Departure.objects.filter(
            student=student, session_id__in=[m.session_id for m in marks]
        )
    }
    for m in marks:
        m.departure = departures.get(m.session_id)
    counts = Counter(
        AttendanceMark.objects.filter(student=student).values_list("status", flat=True)
    )
    late_pickups = Departure.objects.filter(student=student, is_late=True).count()
    return {
        "marks": marks,
        "leaves": list(
            LeaveRequest.objects.filter(student=student)
            .select_related("decided_by")
            .order_by("-start_date")[:50]
        ),
        "counts": {s: counts.get(s, 0) for s in MarkStatus.values},
        "late_pickups": late_pickups,
    }
