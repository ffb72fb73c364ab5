"""A district with one school plan in force, for the compliance rules.

``build_compliance(world)`` is the billing world of school a1 (tests/billing/world.py: a
semester running today, the "shandong" policy, a published plan with basic care Monday–Friday
15:30–16:50 at 1.50 yuan per 课时 and 书法 on Wednesdays 16:50–17:30 at 20 yuan), plus, for the
scheduling rules, a confirmed grouping with one basic-care group of grade 3 and its teacher on
every weekday. Each case of the rule table then bends one fact to just over (fires) or just
at (near miss) the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from aftercare.models import Role
from plans.models import PolicySeason
from plans.selectors import current_policy
from scheduling.models import (
    Assignment,
    CareGroup,
    DutyRole,
    Grouping,
    GroupingStatus,
    GroupKind,
    GroupMember,
    Placement,
    Session,
    StaffKind,
    StaffMember,
)
from tests.billing.world import BillWorld, build_billing
from tests.factories import StudentFactory, UserFactory, member


@dataclass
class Compliance:
    world: object
    bw: BillWorld
    group: CareGroup = None
    teacher: StaffMember = None

    @property
    def district(self):
        return self.world.a

    @property
    def school(self):
        return self.world.schools["a1"]

    @property
    def semester(self):
        return self.bw.semesters["a"]

    @property
    def plan(self):
        return self.bw.plans["a1"]

    @property
    def version(self):
        return self.bw.versions["a1"]

    @property
    def policy(self):
        return current_policy(self.semester)

    def set_policy(self, **fields):
        type(self.policy).objects.filter(pk=self.policy.pk).update(**fields)

    def at(self, day, hour=12, minute=0):
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def add_children(self, n: int, *, school_class=None, group=None):
        """``n`` participants (approved, basic care) of the world's grade-3 class, in the
        group."""
        school_class = school_class or self.world.classes["a1"]
        apps = []
        for _ in range(n):
            student = StudentFactory(school_class=school_class)
            app = self.bw.enroll("a1", student=student)
            GroupMember.objects.create(
                district=self.district,
                school=self.school,
                plan=self.plan,
                group=group or self.group,
                student=student,
                application=app,
                placement=Placement.PROPOSED,
                placed_at=timezone.now(),
            )
            apps.append(app)
        return apps

    def staff(self, kind=StaffKind.EXTERNAL, name="外聘老师") -> StaffMember:
        user = None
        if kind == StaffKind.SCHOOL_TEACHER:
            user = member(UserFactory(), Role.CARE_TEACHER, school=self.school)
        return StaffMember.objects.create(
            district=self.district, school=self.school, kind=kind, full_name=name, user=user
        )

    def assign(self, staff, weekdays=range(5), group=None):
        for weekday in weekdays:
            Assignment.objects.create(
                district=self.district,
                school=self.school,
                plan=self.plan,
                weekday=weekday,
                role=DutyRole.TEACHER,
                staff=staff,
                group=group or self.group,
                created_by=self.world.users["principal_a1"],
            )

    def session(self, day, *, lessons=2, group=None):
        return Session.objects.create(
            district=self.district,
            school=self.school,
            plan=self.plan,
            version=self.version,
            group=group or self.group,
            date=day,
            weekday=day.weekday(),
            start_time=time(15, 30),
            end_time=time(16, 50),
            minutes=80,
            lessons=lessons,
        )


def build_compliance(world) -> Compliance:
    bw = build_billing(world, keys=("a1",))
    c = Compliance(world=world, bw=bw)
    PolicySeason.objects.filter(policy=c.policy).delete()
    principal = world.users["principal_a1"]
    grouping = Grouping.objects.create(
        district=c.district,
        school=c.school,
        plan=c.plan,
        status=GroupingStatus.CONFIRMED,
        proposed_at=timezone.now() - timedelta(days=1),
        proposed_by=principal,
        confirmed_at=timezone.now(),
        confirmed_by=principal,
    )
    c.group = CareGroup.objects.create(
        district=c.district,
        school=c.school,
        plan=c.plan,
        grouping=grouping,
        kind=GroupKind.BASIC,
        name="三年级托管1组",
        grades=[3],
    )
    c.teacher = c.staff(StaffKind.SCHOOL_TEACHER, "看护老师")
    c.assign(c.teacher)
    return c
