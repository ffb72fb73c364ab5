"""Worlds for the reporting tests, on top of the attendance test world (``build_daily``).

``build_operation(world)`` gives district a's schools a1 and a2 each a published plan with two
basic-care groups (a1: the grade-3 class and a grade-4 class), children, care teachers, an
approved leave per child, and sessions over ``DAYS`` school days around ``DAY``. The tests then
write marks, pickups, handovers, clearings, staff attendance, application steps and ledger
journals on it — by hand (the alert table) or drawn by hypothesis (rollup == raw).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from aftercare.models import Role
from attendance.models import LeaveRequest
from scheduling.models import Assignment, DutyRole, Session
from tests.attendance.world import DAY, Daily, at, build_daily, staff_member
from tests.factories import SchoolClassFactory, UserFactory, member

DAYS = [DAY + timedelta(days=d) for d in (-9, -8, -7, -6, -5, -2, -1, 0, 1, 2)]


@dataclass
class Operation:
    world: object
    schools: dict = field(default_factory=dict)  # key -> Daily
    sessions: list = field(default_factory=list)  # every session of both schools
    children: list = field(default_factory=list)  # (Daily, student, group)
    leaves: dict = field(default_factory=dict)  # student pk -> LeaveRequest

    @property
    def district(self):
        return self.world.a

    @property
    def days(self) -> list[date]:
        return DAYS


def _leave(daily: Daily, student) -> LeaveRequest:
    parent = daily.parents[student.pk]
    return LeaveRequest.objects.create(
        district=daily.school.district,
        school=daily.school,
        student=student,
        start_date=DAYS[0],
        end_date=DAYS[-1],
        reason="sick",
        status="approved",
        requested_by=parent,
        requested_at=at(8, 0, DAYS[0]),
        decided_by=daily.user("teacher"),
        decided_at=at(9, 0, DAYS[0]),
    )


def build_operation(world, *, children: int = 3) -> Operation:
    op = Operation(world=world)
    for key in ("a1", "a2"):
        daily = build_daily(world, key, children=children)
        second_class = SchoolClassFactory(school=daily.school, grade=4)
        group2 = daily.add_group(f"{key}-四年级组")
        for _ in range(2):
            daily.add_child(school_class=second_class, group=group2)
        care2 = staff_member(
            daily.school,
            member(UserFactory(), Role.CARE_TEACHER, school=daily.school),
            f"{key} 看护老师2",
        )
        for weekday in range(5):
            Assignment.objects.create(
                district=daily.school.district,
                school=daily.school,
                plan=daily.plan,
                weekday=weekday,
                role=DutyRole.TEACHER,
                staff=care2,
                group=group2,
                created_by=daily.user("principal"),
            )
        daily.staff["care2"] = care2
        daily.group2 = group2
        daily.second_class = second_class
        existing = {s.date for s in daily.sessions.values()}
        for day in DAYS:
            if day not in existing:
                daily.add_session(day)
            daily.add_session(day, group=group2)
        op.schools[key] = daily
        for student in daily.children:
            group = group2 if student.school_class_id == second_class.pk else daily.group
            op.children.append((daily, student, group))
            op.leaves[student.pk] = _leave(daily, student)
    op.sessions = list(
        Session.objects.filter(district=world.a).select_related("group").order_by("date", "id")
    )
    return op


def local(day: date, hour: int = 12):
    return timezone.make_aware(
        timezone.datetime.combine(day, timezone.datetime.min.time())
    ).replace(hour=hour)
