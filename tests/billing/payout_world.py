"""A payout month on top of the attendance world (tests/attendance/world.py ``build_daily``):
school ``key`` with its semester around 2026-12-02, one basic-care group, ``care_<key>``
teaching it every weekday and ``teacher_<key>`` as duty leader; the district's subsidy rules
from the seed-004 preset (20 yuan per 课时, 10 yuan per safety-duty day, admin duty 8% at 7
yuan per 节); a session of the group on every weekday of November 2026 (15:30–17:30: 3 课时).

Staff attendance, patrols, clearings and handovers are written directly (the attendance
services have their own tests): ``serve``, ``patrol``, ``clear``, ``handover_fault``.
``NOW`` is a moment after November when the month may be paid.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from attendance.models import (
    Clearing,
    Fault,
    Handover,
    HandoverStatus,
    Patrol,
    StaffAttendance,
    StaffAttendanceSource,
    StaffStatus,
)
from billing.services import subsidies
from scheduling.models import Session, StaffKind, StaffMember
from tests.attendance.world import build_daily

MONTH = date(2026, 11, 1)
NOW = timezone.make_aware(datetime(2026, 12, 3, 9, 0))


def november_weekdays() -> list[date]:
    day, out = MONTH, []
    while day.month == 11:
        if day.weekday() < 5:
            out.append(day)
        day += timedelta(days=1)
    return out


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class PayoutWorld:
    daily: object
    rules: object
    sessions: list = field(default_factory=list)  # November sessions of the group

    @property
    def school(self):
        return self.daily.school

    @property
    def semester(self):
        return self.daily.semester

    @property
    def care(self) -> StaffMember:
        return self.daily.staff["care"]

    @property
    def leader(self) -> StaffMember:
        return self.daily.staff["teacher"]

    def user(self, name):
        return self.daily.user(name)

    def session_on(self, day: date) -> Session:
        return next(s for s in self.sessions if s.date == day)

    def serve(self, staff=None, days=None, *, early=(), missed=(), substitute=None):
        """Staff attendance for ``staff`` (default the care teacher) on ``days`` (default every
        November session): present, leaving 10 minutes early on ``early``, missed on
        ``missed``; ``substitute`` teaches the missed ones instead (substituted)."""
        staff = staff or self.care
        days = november_weekdays() if days is None else days
        rows = []
        for day in days:
            session = self.session_on(day)
            status = StaffStatus.PRESENT
            if day in missed:
                status = StaffStatus.SUBSTITUTED if substitute else StaffStatus.MISSED
            present = status == StaffStatus.PRESENT
            rows.append(
                StaffAttendance(
                    district=self.school.district,
                    school=self.school,
                    session=session,
                    staff=staff,
                    date=day,
                    status=status,
                    checked_in_at=at(day, 15, 30) if present else None,
                    checked_out_at=at(day, 17, 20 if day in early else 30) if present else None,
                    minutes_early=10 if present and day in early else 0,
                    substitute=substitute if status == StaffStatus.SUBSTITUTED else None,
                    source=StaffAttendanceSource.RECORDED,
                    recorded_by=self.user("principal"),
                    recorded_at=at(day, 18, 0),
                )
            )
        StaffAttendance.objects.bulk_create(rows)
        return rows

    def patrol(self, user, day: date) -> Patrol:
        return Patrol.objects.create(
            district=self.school.district,
            school=self.school,
            date=day,
            at=at(day, 16, 10),
            note="课间巡查，秩序正常",
            recorded_by=user,
        )

    def clear(self, user, day: date) -> Clearing:
        return Clearing.objects.create(
            district=self.school.district,
            school=self.school,
            date=day,
            confirmed_by=user,
            confirmed_at=at(day, 17, 45),
        )

    def handover_fault(self, staff: StaffMember, day: date) -> Handover:
        return Handover.objects.create(
            district=self.school.district,
            school=self.school,
            session=self.session_on(day),
            date=day,
            from_class=self.daily.world.classes[self.daily.key],
            handed_by=self.user("teacher"),
            handed_at=at(day, 15, 25),
            count=5,
            status=HandoverStatus.RESOLVED,
            mismatch_at=at(day, 15, 40),
            resolved_by=self.user("principal"),
            resolved_at=at(day, 16, 0),
            resolution_note="交接名单漏报一名学生",
            fault=Fault.RECEIVING,
            fault_staff=staff,
        )

    def add_staff(self, name: str, kind=StaffKind.EXTERNAL, user=None) -> StaffMember:
        return StaffMember.objects.create(
            district=self.school.district,
            school=self.school,
            kind=kind,
            full_name=name,
            user=user,
            mobile=None,
        )


def build_payout_world(world, key: str = "a1", *, preset: str = "per_session") -> PayoutWorld:
    daily = build_daily(world, key, children=0)
    rules = subsidies.save_rules(
        actor=world.users[f"official_{key[0]}"], semester=daily.semester, preset=preset
    )
    pw = PayoutWorld(daily=daily, rules=rules)
    pw.sessions = [daily.add_session(day) for day in november_weekdays()]
    return pw


def unique_note() -> str:
    return uuid.uuid4().hex[:8]
