"""Who registered for a course: the school's view of one row of its registration page."""

from __future__ import annotations

from django.db.models import QuerySet

from enrollment.models import CourseRegistration, SeatStatus

# The order a school reads a course's list in: seats first, then offers, the line, entries.
STATUS_ORDER = [
    SeatStatus.CONFIRMED,
    SeatStatus.OFFERED,
    SeatStatus.WAITLISTED,
    SeatStatus.ENTERED,
]


def registrants_of(course, *, status: str = "") -> QuerySet[CourseRegistration]:
    """Every registration of ``course`` (and of its predecessors' carried-over rows, which
    the amendment moved onto it), with child and class, oldest first. ``status`` filters."""
    rows = (
        CourseRegistration.objects.filter(course=course)
        .select_related("student", "student__school_class")
        .order_by("created_at", "pk")
    )
    if status:
        rows = rows.filter(status=status)
    return rows


def status_counts(course) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in CourseRegistration.objects.filter(course=course).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts
