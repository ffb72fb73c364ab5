"""The roll sheet of a session and a teacher's sessions of the day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from enrollment.models import Guardianship, Student
from scheduling.models import Assignment, DutyRole, Session, SessionStatus

from ..models import (
    AttendanceMark,
    Departure,
    LeaveRequest,
    MarkStatus,
    PickupPerson,
    RollCall,
    StaffAttendance,
    StaffStatus,
)
from .common import approved_leave_on, roster_students


@dataclass
class Pickup:
    key: str  # the id to send when recording the pickup (person or guardian's user)
    name: str
    relation: str
    phone: str
    guardian: bool


@dataclass
class RollRow:
    student: Student
    leave: LeaveRequest | None
    mark: AttendanceMark | None
    pickups: list[Pickup] = field(default_factory=list)
    departure: Departure | None = None

    @property
    def status(self) -> str:
        if self.mark is not None:
            return self.mark.status
        return MarkStatus.LEAVE if self.leave is not None else ""

    @property
    def here(self) -> bool:
        return self.status in (MarkStatus.PRESENT, MarkStatus.LATE)


def roll_sheet(session: Session) -> list[RollRow]:
    """Every child of the roll with approved leave, mark, who may pick them up and their
    departure — in six queries whatever the size of the group."""
    students = list(roster_students(session))
    ids = [s.pk for s in students]
    leaves = approved_leave_on(session.date, ids)
    marks = {m.student_id: m for m in AttendanceMark.objects.filter(session_id=session.pk)}
    pickups: dict[int, list[Pickup]] = defaultdict(list)
    for g in (
        Guardianship.objects.filter(student_id__in=ids)
        .select_related("user")
        .order_by("created_at", "pk")
    ):
        pickups[g.student_id].append(
            Pickup(
                str(g.user.public_id),
                g.user.full_name or _("Guardian"),
                g.get_relation_display(),
                g.user.mobile or "",
                True,
            )
        )
    for p in PickupPerson.objects.filter(student_id__in=ids, removed_at__isnull=True).order_by(
        "added_at", "pk"
    ):
        pickups[p.student_id].append(
            Pickup(str(p.public_id), p.name, p.get_relation_display(), p.phone, False)
        )
    departures = {d.student_id: d for d in Departure.objects.filter(session_id=session.pk)}
    return [
        RollRow(
            student=s,
            leave=leaves.get(s.pk),
            mark=marks.get(s.pk),
            pickups=pickups.get(s.pk, []),
            departure=departures.get(s.pk),
        )
        for s in students
    ]


def sheet_counts(rows: list[RollRow]) -> dict:
    counts = dict.fromkeys(MarkStatus.values, 0)
    counts["unmarked"] = 0
    for row in rows:
        counts[row.mark.status if row.mark else "unmarked"] += 1
    counts["total"] = len(rows)
    counts["on_leave"] = sum(1 for r in rows if r.leave is not None)
    counts["gone"] = sum(1 for r in rows if r.departure is not None)
    counts["here"] = sum(1 for r in rows if r.here and r.departure is None)
    return counts


def teacher_sessions_on(user, day: date) -> list[Session]:
    """The sessions ``user`` teaches on ``day`` (assigned to the group on the session's
    timetable weekday, or the recorded substitute), with roll state: ``roll_taken``,
    ``roll_closed``, ``n_marked``, ``n_here``."""
    assigned = Assignment.objects.filter(
        group_id=OuterRef("group_id"),
        weekday=OuterRef("weekday"),
        role=DutyRole.TEACHER,
        staff__user=user,
    )
    substitute = StaffAttendance.objects.filter(
        session_id=OuterRef("pk"),
        substitute__user=user,
        status=StaffStatus.SUBSTITUTED,
        superseded_by__isnull=True,
    )
    rolls = RollCall.objects.filter(session_id=OuterRef("pk"))
    sessions = (
        Session.objects.filter(date=day)
        .annotate(_a=Exists(assigned), _s=Exists(substitute))
        .filter(Q(_a=True) | Q(_s=True))
        .annotate(
            roll_taken=Exists(rolls),
            roll_closed=Exists(rolls.filter(closed_at__isnull=False)),
        )
        .select_related("group", "school")
        .order_by("start_time", "group__name")
    )
    sessions = list(sessions)
    counts = defaultdict(dict)
    for row in (
        AttendanceMark.objects.filter(session_id__in=[s.pk for s in sessions])
        .values("session_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts[row["session_id"]][row["status"]] = row["n"]
    for s in sessions:
        c = counts.get(s.pk, {})
        s.n_marked = sum(c.values())
        s.n_here = c.get(MarkStatus.PRESENT, 0) + c.get(MarkStatus.LATE, 0)
        s.n_absent = c.get(MarkStatus.ABSENT, 0)
        s.is_cancelled = s.status == SessionStatus.CANCELLED
    return sessions
