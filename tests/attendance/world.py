"""A school day on top of the tenant matrix (tests/conftest.py ``world``).

``build_daily(world, "a1", children=5)`` gives school a1 a semester around ``DAY`` (a
Wednesday), its district's policy, a published plan, a confirmed grouping with one basic-care
group of the a1 class (the world's student plus ``children`` more, each with a guardian of
their own; all approved, agreement signed, insurance confirmed), staff records, assignments
(``care_a1`` teaches the group every weekday, ``teacher_a1`` is the duty leader) and a session
of the group on ``DAY - 1``, ``DAY`` and ``DAY + 1``, 15:30–17:30.

Time is frozen with the ``clock`` fixture (``django.utils.timezone.now`` patched; the services
and pages read "today" and "now" from it): ``clock.set(16, 5)`` moves it on ``DAY``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from aftercare.models import Role, Semester
from enrollment.models import (
    Application,
    ApplicationStatus,
    CourseRegistration,
    ServiceAgreement,
)
from plans.models import PlanStatus, PlanVersion, SchoolPlan
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
from tests.factories import (
    CourseFactory,
    DistrictPolicyFactory,
    GuardianshipFactory,
    ParentUserFactory,
    StudentFactory,
    member,
)

DAY = date(2026, 12, 2)  # a Wednesday
START, END = time(15, 30), time(17, 30)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class Daily:
    world: object
    key: str
    semester: Semester
    plan: SchoolPlan
    version: PlanVersion
    group: CareGroup
    children: list = field(default_factory=list)
    parents: dict = field(default_factory=dict)  # student pk -> guardian user
    sessions: dict = field(default_factory=dict)  # -1, 0, 1 -> Session
    staff: dict = field(default_factory=dict)  # "care", "teacher", "principal" -> StaffMember
    policy: object = None

    @property
    def school(self):
        return self.world.schools[self.key]

    @property
    def today(self) -> Session:
        return self.sessions[0]

    def user(self, name: str):
        return self.world.users[f"{name}_{self.key}"]

    def add_session(self, day: date, start=START, end=END, group=None) -> Session:
        group = group or self.group
        minutes = (datetime.combine(day, end) - datetime.combine(day, start)).seconds // 60
        return Session.objects.create(
            district=self.school.district,
            school=self.school,
            plan=self.plan,
            version=self.version,
            group=group,
            date=day,
            weekday=day.weekday(),
            start_time=start,
            end_time=end,
            minutes=minutes,
            lessons=max(1, minutes // 40),
        )

    def add_group(self, name: str, students=()) -> CareGroup:
        group = CareGroup.objects.create(
            district=self.school.district,
            school=self.school,
            plan=self.plan,
            grouping=self.group.grouping,
            kind=GroupKind.BASIC,
            name=name,
            position=CareGroup.objects.filter(plan=self.plan).count(),
            grades=[3],
        )
        for student in students:
            GroupMember.objects.filter(plan=self.plan, student=student).update(group=group)
        return group

    def add_section(self, name: str, students=()) -> CareGroup:
        """A course section (its members: the course's confirmed seats)."""
        course = self.course  # the plan's course (parts of a published version are frozen)
        group = CareGroup.objects.create(
            district=self.school.district,
            school=self.school,
            plan=self.plan,
            grouping=self.group.grouping,
            kind=GroupKind.COURSE,
            name=name,
            position=CareGroup.objects.filter(plan=self.plan).count(),
            grades=[3],
            course=course,
            lineage=course.lineage,
        )
        for student in students:
            CourseRegistration.objects.create(
                district=self.school.district,
                school=self.school,
                course=course,
                student=student,
                application=Application.objects.get(plan=self.plan, student=student),
                status="confirmed",
                created_by=self.parents[student.pk],
            )
        return group

    def add_child(self, *, school_class=None, group=None):
        klass = school_class or self.world.classes[self.key]
        student = StudentFactory(school_class=klass)
        parent = member(ParentUserFactory(), Role.PARENT, school=self.school)
        GuardianshipFactory(student=student, user=parent)
        self.enroll(student, group=group)
        self.children.append(student)
        self.parents[student.pk] = parent
        return student

    def enroll(self, student, *, group=None):
        now = at(8, 0, self.semester.start_date)
        parent = self.parents.get(student.pk) or student.guardianships.first().user
        app = Application.objects.create(
            district=self.school.district,
            school=self.school,
            semester=self.semester,
            plan=self.plan,
            student=student,
            basic_care=True,
            status=ApplicationStatus.APPROVED,
            applied_by=parent,
            applied_at=now,
            approved_at=now,
            agreement=self.agreement,
            signed_by=parent,
            signed_at=now,
            insurance_confirmed_at=now,
            insurance_confirmed_by=parent,
        )
        GroupMember.objects.create(
            district=self.school.district,
            school=self.school,
            plan=self.plan,
            group=group or self.group,
            student=student,
            application=app,
            placement=Placement.PROPOSED,
            placed_at=now,
        )
        return app


def staff_member(school, user, name: str) -> StaffMember:
    return StaffMember.objects.create(
        district=school.district,
        school=school,
        kind=StaffKind.SCHOOL_TEACHER,
        full_name=name,
        user=user,
    )


def build_daily(world, key: str = "a1", *, children: int = 5) -> Daily:
    school = world.schools[key]
    district = school.district
    semester = Semester.objects.create(
        district=district,
        name=f"考勤学期-{key}",
        start_date=DAY - timedelta(days=60),
        end_date=DAY + timedelta(days=60),
    )
    policy = DistrictPolicyFactory(semester=semester, district=district)
    principal = world.users[f"principal_{key}"]
    plan = SchoolPlan.objects.create(district=district, school=school, semester=semester)
    version = PlanVersion.objects.create(
        district=district,
        school=school,
        plan=plan,
        number=1,
        policy=policy,
    )
    course = CourseFactory(version=version, name="书法", weekdays=[DAY.weekday()])
    PlanVersion.objects.filter(pk=version.pk).update(
        status=PlanStatus.PUBLISHED, published_at=at(8, 0, semester.start_date)
    )
    version.refresh_from_db()
    grouping = Grouping.objects.create(
        district=district,
        school=school,
        plan=plan,
        status=GroupingStatus.CONFIRMED,
        proposed_at=at(8, 0, semester.start_date),
        proposed_by=principal,
        confirmed_at=at(9, 0, semester.start_date),
        confirmed_by=principal,
    )
    group = CareGroup.objects.create(
        district=district,
        school=school,
        plan=plan,
        grouping=grouping,
        kind=GroupKind.BASIC,
        name="三年级托管1组",
        grades=[3],
    )
    daily = Daily(
        world=world,
        key=key,
        semester=semester,
        plan=plan,
        version=version,
        group=group,
        policy=policy,
    )
    daily.course = course
    daily.agreement = ServiceAgreement.objects.create(
        district=district, school=school, semester=semester, title="课后服务协议", body="……"
    )
    first = world.students[key]
    daily.parents[first.pk] = world.users[f"parent_{key}"]
    daily.enroll(first)
    daily.children.append(first)
    for _ in range(children):
        daily.add_child()
    daily.staff = {
        "care": staff_member(school, world.users[f"care_{key}"], "看护老师"),
        "teacher": staff_member(school, world.users[f"teacher_{key}"], "班主任老师"),
        "principal": staff_member(school, principal, "校长"),
    }
    for weekday in range(5):
        Assignment.objects.create(
            district=district,
            school=school,
            plan=plan,
            weekday=weekday,
            role=DutyRole.TEACHER,
            staff=daily.staff["care"],
            group=group,
            created_by=principal,
        )
        Assignment.objects.create(
            district=district,
            school=school,
            plan=plan,
            weekday=weekday,
            role=DutyRole.DUTY_LEADER,
            staff=daily.staff["teacher"],
            created_by=principal,
        )
    for offset in (-1, 0, 1):
        daily.sessions[offset] = daily.add_session(DAY + timedelta(days=offset))
    return daily
