"""School days of a semester: Monday–Friday, minus holidays and events, plus make-up days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from aftercare.models import CalendarException, CalendarKind, School, Semester


@dataclass(frozen=True)
class SchoolDay:
    date: date
    weekday: int  # the timetable that applies: a make-up Saturday may follow Monday's
    note: str = ""


def exceptions_for(semester: Semester, school: School | None) -> list[CalendarException]:
    q = Q(school__isnull=True)
    if school is not None:
        q |= Q(school=school)
    return list(semester.exceptions.filter(q))


def school_days(
    semester: Semester,
    school: School | None = None,
    exceptions: list[CalendarException] | None = None,
) -> list[SchoolDay]:
    """Service days of ``semester`` at ``school`` (district-wide days when ``school`` is None).

    A school's own entry for a date overrides the district's entry for the same date.
    """
    if exceptions is None:
        exceptions = exceptions_for(semester, school)
    by_date: dict[date, CalendarException] = {}
    for exc in sorted(exceptions, key=lambda e: e.school_id is not None):
        if exc.school_id is None or (school is not None and exc.school_id == school.pk):
            by_date[exc.date] = exc
    days: list[SchoolDay] = []
    day = semester.start_date
    while day <= semester.end_date:
        exc = by_date.get(day)
        if exc is None:
            if day.weekday() < 5:
                days.append(SchoolDay(day, day.weekday()))
        elif exc.kind == CalendarKind.MAKEUP_DAY:
            weekday = exc.follows_weekday if exc.follows_weekday is not None else day.weekday()
            days.append(SchoolDay(day, weekday, exc.note))
        day += timedelta(days=1)
    return days
