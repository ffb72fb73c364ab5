"""Staff attendance as billing needs it: per staff member and month, sessions served, late
arrivals, early leaves (早退), missed sessions (空堂), handover violations — each with the ids
of the records it was counted from (evidence), read from the chains' heads only (the current
state; corrections supersede).

    staff_month(school=..., year=2026, month=10)  ->  {staff_id: StaffMonth}

``sessions_served`` counts a session for the staff member who taught it: present as the
assigned teacher, or the substitute of a ``substituted`` record. ``unrecorded`` lists the
sessions (public ids) a teacher was assigned to and nobody recorded anything for: billing
decides what they are worth.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F

from aftercare.models import School
from scheduling.models import DutyRole, Session, SessionStatus, StaffMember

from ..models import Fault, Handover, HandoverStatus, StaffAttendance, StaffStatus


@dataclass
class StaffMonth:
    staff_id: int
    sessions_served: int = 0
    served: list[str] = field(default_factory=list)  # record public ids
    late_arrivals: int = 0
    late: list[str] = field(default_factory=list)
    early_leaves: int = 0
    early: list[str] = field(default_factory=list)
    missed_sessions: int = 0
    missed: list[str] = field(default_factory=list)
    substituted_sessions: int = 0
    substituted: list[str] = field(default_factory=list)
    handover_violations: int = 0
    handovers: list[str] = field(default_factory=list)  # handover public ids
    unrecorded: list[str] = field(default_factory=list)  # session public ids


def month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def heads_between(school_id: int, start: date, end: date):
    return StaffAttendance.objects.filter(
        school_id=school_id, date__gte=start, date__lte=end, superseded_by__isnull=True
    ).select_related("session")


def staff_month(
    *, school: School | int, year: int, month: int, staff_ids=None
) -> dict[int, StaffMonth]:
    """The month's figures per staff member of ``school`` (see the module docstring), in
    three queries. ``staff_ids`` limits the result."""
    school_id = school if isinstance(school, int) else school.pk
    out = staff_months(schools=[school_id], year=year, month=month).get(school_id, {})
    if staff_ids is not None:
        wanted = set(staff_ids)
        out = {k: v for k, v in out.items() if k in wanted}
    return out


def staff_months(*, schools, year: int, month: int) -> dict[int, dict[int, StaffMonth]]:
    """``staff_month`` for many schools at once — {school id: {staff id: StaffMonth}} — in
    the same three queries whatever the number of schools (a district's monthly payout job
    reads the whole district's month this way)."""
    school_ids = [s if isinstance(s, int) else s.pk for s in schools]
    start, end = month_range(year, month)
    out: dict[int, dict[int, StaffMonth]] = defaultdict(dict)

    def of(school_id: int, staff_id: int) -> StaffMonth:
        mine = out[school_id]
        if staff_id not in mine:
            mine[staff_id] = StaffMonth(staff_id)
        return mine[staff_id]

    recorded: set[tuple[int, int]] = set()
    # Plain tuples, not model instances: a school-month is thousands of records (payouts).
    rows = StaffAttendance.objects.filter(
        school_id__in=school_ids,
        date__gte=start,
        date__lte=end,
        superseded_by__isnull=True,
        session__status=SessionStatus.SCHEDULED,
    ).values_list(
        "school_id",
        "session_id",
        "staff_id",
        "public_id",
        "status",
        "minutes_late",
        "minutes_early",
        "substitute_id",
    )
    for school_id, session_id, row_staff, public_id, status, late, early, substitute_id in rows:
        recorded.add((session_id, row_staff))
        evidence = str(public_id)
        if status == StaffStatus.PRESENT:
            m = of(school_id, row_staff)
            m.sessions_served += 1
            m.served.append(evidence)
            if late > 0:
                m.late_arrivals += 1
                m.late.append(evidence)
            if early > 0:
                m.early_leaves += 1
                m.early.append(evidence)
        elif status == StaffStatus.MISSED:
            m = of(school_id, row_staff)
            m.missed_sessions += 1
            m.missed.append(evidence)
        else:
            m = of(school_id, row_staff)
            m.substituted_sessions += 1
            m.substituted.append(evidence)
            sub = of(school_id, substitute_id)
            sub.sessions_served += 1
            sub.served.append(evidence)
    for school_id, staff_id, public_id in Handover.objects.filter(
        school_id__in=school_ids,
        date__gte=start,
        date__lte=end,
        status=HandoverStatus.RESOLVED,
        fault__in=[Fault.HANDING, Fault.RECEIVING],
        fault_staff__isnull=False,
    ).values_list("school_id", "fault_staff_id", "public_id"):
        m = of(school_id, staff_id)
        m.handover_violations += 1
        m.handovers.append(str(public_id))
    # The sessions a teacher was assigned to and nobody recorded anything for: one query, the
    # assignments joined in (no correlated subquery per session).
    unrecorded = (
        Session.objects.filter(
            school_id__in=school_ids,
            date__gte=start,
            date__lte=end,
            status=SessionStatus.SCHEDULED,
            group__assignments__role=DutyRole.TEACHER,
            group__assignments__weekday=F("weekday"),
        )
        .values_list("school_id", "pk", "public_id", "group__assignments__staff_id")
        .order_by("date", "pk")
    )
    for school_id, pk, public_id, staff_id in unrecorded:
        if (pk, staff_id) not in recorded:
            of(school_id, staff_id).unrecorded.append(str(public_id))
    return dict(out)


def session_staff(session: Session) -> list[dict]:
    """The staff of a session: each assigned teacher (and recorded substitute) with the
    current record and the chain's history (oldest first)."""
    staff = list(
        StaffMember.objects.filter(
            assignments__group_id=session.group_id,
            assignments__weekday=session.weekday,
            assignments__role=DutyRole.TEACHER,
        ).distinct()
    )
    rows = list(
        StaffAttendance.objects.filter(session_id=session.pk)
        .select_related("recorded_by", "substitute", "staff")
        .order_by("pk")
    )
    known = {s.pk for s in staff}
    for r in rows:
        if r.staff_id not in known:
            staff.append(r.staff)
            known.add(r.staff_id)
    chains = defaultdict(list)
    superseded = {r.supersedes_id for r in rows if r.supersedes_id}
    for r in rows:
        chains[r.staff_id].append(r)
    return [
        {
            "staff": s,
            "head": next((r for r in reversed(chains[s.pk]) if r.pk not in superseded), None),
            "history": chains[s.pk],
        }
        for s in staff
    ]
