"""The duty leader's board of a school day: every group with its roll and whether it is
still open, handovers (mismatches first), patrols, the clearing, staff check-ins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q

from aftercare.models import School

from ..models import (
    AttendanceMark,
    Clearing,
    Handover,
    HandoverStatus,
    MarkStatus,
    Patrol,
    RollCall,
    StaffAttendance,
)
from ..services.duty import day_sessions, open_state


@dataclass
class DayBoard:
    school: School
    day: date
    sessions: list = field(default_factory=list)
    handovers: list = field(default_factory=list)
    patrols: list = field(default_factory=list)
    clearing: Clearing | None = None

    @property
    def open_sessions(self):
        return [s for s in self.sessions if s.is_open]

    @property
    def mismatches(self):
        return [h for h in self.handovers if h.status == HandoverStatus.MISMATCH]


def day_board(school: School, day: date) -> DayBoard:
    sessions = list(day_sessions(school, day))
    state = open_state(sessions)
    ids = [s.pk for s in sessions]
    rolls = {
        r.session_id: r
        for r in RollCall.objects.filter(session_id__in=ids).select_related("taken_by")
    }
    counts = {
        row["session_id"]: row
        for row in AttendanceMark.objects.filter(session_id__in=ids)
        .values("session_id")
        .annotate(
            here=Count("pk", filter=Q(status__in=[MarkStatus.PRESENT, MarkStatus.LATE])),
            absent=Count("pk", filter=Q(status=MarkStatus.ABSENT)),
            leave=Count("pk", filter=Q(status=MarkStatus.LEAVE)),
        )
    }
    checked_in = set(
        StaffAttendance.objects.filter(
            session_id__in=ids, superseded_by__isnull=True, checked_in_at__isnull=False
        ).values_list("session_id", flat=True)
    )
    for s in sessions:
        s.roll = rolls.get(s.pk)
        s.is_open, s.waiting = state[s.pk]
        c = counts.get(s.pk, {})
        s.n_here, s.n_absent, s.n_leave = c.get("here", 0), c.get("absent", 0), c.get("leave", 0)
        s.teacher_checked_in = s.pk in checked_in
    handovers = list(
        Handover.objects.filter(school=school, date=day)
        .select_related("session__group", "from_class", "from_session__group", "handed_by")
        .order_by("status", "handed_at")
    )
    handovers.sort(key=lambda h: (h.status != HandoverStatus.MISMATCH, h.handed_at))
    return DayBoard(
        school=school,
        day=day,
        sessions=sessions,
        handovers=handovers,
        patrols=list(
            Patrol.objects.filter(school=school, date=day)
            .select_related("recorded_by", "session__group")
            .order_by("-at")
        ),
        clearing=Clearing.objects.filter(school=school, date=day)
        .select_related("confirmed_by")
        .first(),
    )


def open_mismatches(school_ids) -> list[Handover]:
    return list(
        Handover.objects.filter(school_id__in=school_ids, status=HandoverStatus.MISMATCH)
        .select_related("session__group", "from_class", "from_session__group", "school")
        .order_by("mismatch_at")
    )
