"""School days of a semester: Monday–Friday, minus holidays and events, plus make-up days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from aftercare.models import WEEKDAYS, CalendarException, CalendarKind, School, Semester


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


@dataclass(frozen=True)
class CalendarRange:
    """Consecutive days with the same kind, school, note and timetable — 国庆 as one row.

    Storage stays one row per day (``school_days`` and the plans' calendar read every day);
    this is how people see and edit them."""

    first: date
    last: date
    kind: str
    school_id: int | None
    note: str
    follows_weekday: int | None
    ids: tuple[int, ...]
    school_name: str = ""

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def pk(self) -> int:
        """The range is addressed by its first day's entry."""
        return self.ids[0]

    def get_kind_display(self) -> str:
        return CalendarKind(self.kind).label

    def get_follows_weekday_display(self) -> str:
        return str(dict(WEEKDAYS).get(self.follows_weekday, ""))


def ranges_of(exceptions) -> list[CalendarRange]:
    """Group one-day entries into ranges of consecutive days alike (sorted by first day)."""
    ranges: list[CalendarRange] = []
    open_runs: dict[tuple, CalendarRange] = {}
    for exc in sorted(exceptions, key=lambda e: (e.date, e.school_id or 0)):
        key = (exc.kind, exc.school_id, exc.note, exc.follows_weekday)
        run = open_runs.get(key)
        if run is not None and run.last + timedelta(days=1) == exc.date:
            grown = CalendarRange(
                run.first, exc.date, *key, ids=(*run.ids, exc.pk), school_name=run.school_name
            )
            ranges[ranges.index(run)] = grown
            open_runs[key] = grown
            continue
        name = exc.school.name if exc.school_id and "school" in exc._state.fields_cache else ""
        run = CalendarRange(exc.date, exc.date, *key, ids=(exc.pk,), school_name=name)
        ranges.append(run)
        open_runs[key] = run
    return sorted(ranges, key=lambda r: (r.first, r.school_id or 0))


def range_containing(exceptions, exception_id: int) -> CalendarRange | None:
    return next((r for r in ranges_of(exceptions) if exception_id in r.ids), None)


@dataclass(frozen=True)
class MonthDay:
    date: date
    in_month: bool
    in_semester: bool
    kind: str  # "school", "weekend", or a CalendarKind value
    note: str = ""


def month_grid(semester: Semester, year: int, month: int, exceptions) -> list[list[MonthDay]]:
    """Weeks (Monday first) of one month: each day a school day, a weekend, or the kind of
    its calendar entry (a school's own entry over the district's)."""
    by_date: dict[date, CalendarException] = {}
    for exc in sorted(exceptions, key=lambda e: e.school_id is not None):
        by_date[exc.date] = exc
    first = date(year, month, 1)
    last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    day = first - timedelta(days=first.weekday())
    weeks: list[list[MonthDay]] = []
    while day <= last:
        week = []
        for _i in range(7):
            exc = by_date.get(day)
            if exc is not None:
                kind, note = exc.kind, exc.note
            else:
                kind, note = ("school" if day.weekday() < 5 else "weekend"), ""
            in_semester = semester.start_date <= day <= semester.end_date
            week.append(MonthDay(day, day.month == month, in_semester, kind, note))
            day += timedelta(days=1)
        weeks.append(week)
    return weeks
