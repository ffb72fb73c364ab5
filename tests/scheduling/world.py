"""The scheduling tests' world: a published plan with participants, staff and rooms.

``sched`` builds, on the ``world`` matrix, for school a1 (and b1, for cross-tenant cases) in
the world's semester (2026-09-01 – 2027-01-22):
  the district policy (seed 002's ratios: 45 per teacher, another above 30; a manager per 5
  groups, one above 3; 40 per group; 30 to stand alone), the national-day holidays
  (10-01 … 10-07) and a make-up Saturday 10-10 that follows Thursday's timetable;
  a published plan: grades 1–2 15:05–17:30, 3–4 15:50–17:30 (16:50–18:00 in September's
  summer time), 5–6 16:00–17:30, Monday to Friday; the course 围棋 on Wednesday 16:00–16:40;
  participants added per class with ``sched.participants(grade, number, n)``;
  staff: the care teacher and homeroom teacher of a1 as teachers of the school.
Applications and the published version are written straight to the database (the plan and
application workflows are tested in their apps); scheduling starts from their result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from django.utils import timezone

from aftercare.models import CalendarException, CalendarKind, SchoolClass
from enrollment.models import Application, ApplicationStatus, Guardianship, Student
from plans.models import Course, DistrictPolicy, PlanStatus, PlanVersion, SchoolPlan, ServicePeriod
from scheduling.models import Room, StaffKind, StaffMember
from tests.factories import ParentUserFactory

HOLIDAYS = [date(2026, 10, d) for d in range(1, 8)]
MAKEUP = date(2026, 10, 10)  # a Saturday following Thursday's timetable
PERIODS = (
    ([1, 2], time(15, 5), time(17, 30)),
    ([3, 4], time(15, 50), time(17, 30)),
    ([5, 6], time(16, 0), time(17, 30)),
)


@dataclass
class Sched:
    world: object
    key: str
    plan: SchoolPlan
    version: PlanVersion
    policy: DistrictPolicy
    course: Course
    students: list = field(default_factory=list)
    classes: dict = field(default_factory=dict)

    @property
    def school(self):
        return self.world.schools[self.key]

    @property
    def principal(self):
        return self.world.users[f"principal_{self.key}"]

    def school_class(self, grade: int, number: int) -> SchoolClass:
        key = (grade, number)
        if key not in self.classes:
            self.classes[key], _ = SchoolClass.objects.get_or_create(
                district=self.school.district, school=self.school, grade=grade, number=number
            )
        return self.classes[key]

    def participants(self, grade: int, number: int, n: int, *, status=ApplicationStatus.APPROVED):
        """``n`` approved basic-care participants in class ``grade``-``number``."""
        school_class = self.school_class(grade, number)
        parent = self.world.users[f"parent_{self.key}"]
        start = Student.objects.filter(school=self.school).count()
        made = Student.objects.bulk_create(
            [
                Student(
                    district=self.school.district,
                    school=self.school,
                    school_class=school_class,
                    student_number=f"S{self.key}{grade}{number}{start + i:05d}",
                    name=f"学生{grade}{number}{start + i}",
                    gender="F",
                )
                for i in range(n)
            ]
        )
        self.apply(made, parent=parent, status=status)
        self.students += made
        return made

    def apply(self, students, *, parent=None, status=ApplicationStatus.APPROVED, basic=True):
        now = timezone.now()
        parent = parent or self.world.users[f"parent_{self.key}"]
        approved = status in (ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWAL_REQUESTED)
        return Application.objects.bulk_create(
            [
                Application(
                    district=self.school.district,
                    school=self.school,
                    semester=self.plan.semester,
                    plan=self.plan,
                    student=s,
                    basic_care=basic,
                    status=status,
                    applied_by=parent,
                    approved_at=now if approved else None,
                    approved_by=self.principal if approved else None,
                )
                for s in students
            ]
        )

    def teacher(self, user_key: str, **extra) -> StaffMember:
        user = self.world.users[user_key]
        return StaffMember.objects.create(
            district=self.school.district,
            school=self.school,
            kind=StaffKind.SCHOOL_TEACHER,
            full_name=extra.pop("full_name", user.full_name or user.username),
            user=user,
            **extra,
        )

    def person(self, name: str, kind=StaffKind.EXTERNAL, **extra) -> StaffMember:
        return StaffMember.objects.create(
            district=self.school.district,
            school=self.school,
            kind=kind,
            full_name=name,
            mobile=extra.pop("mobile", f"137{abs(hash(name)) % 10**8:08d}"),
            **extra,
        )

    def room(self, name: str, capacity=None) -> Room:
        return Room.objects.create(
            district=self.school.district, school=self.school, name=name, capacity=capacity
        )


def make_policy(semester, **changes) -> DistrictPolicy:
    values = {
        "service_weekdays": [0, 1, 2, 3, 4],
        "latest_end_time": time(18, 0),
        "students_per_teacher": 45,
        "teacher_remainder_threshold": 30,
        "groups_per_manager": 5,
        "manager_remainder_threshold": 3,
        "max_basic_group_size": 40,
        "group_merge_threshold": 30,
        **changes,
    }
    return DistrictPolicy.objects.create(
        district=semester.district, semester=semester, version=1, **values
    )


def published_plan(school, semester, *, periods=PERIODS, seasonal=True, course=True):
    plan = SchoolPlan.objects.create(district=school.district, school=school, semester=semester)
    version = PlanVersion.objects.create(
        district=school.district, school=school, plan=plan, number=1
    )
    for grades, start, end in periods:
        ServicePeriod.objects.create(
            district=school.district,
            school=school,
            version=version,
            grades=grades,
            weekdays=[0, 1, 2, 3, 4],
            start_time=start,
            end_time=end,
        )
    if seasonal:
        ServicePeriod.objects.create(
            district=school.district,
            school=school,
            version=version,
            grades=[3, 4],
            weekdays=[0, 1, 2, 3, 4],
            start_time=time(16, 50),
            end_time=time(18, 0),
            valid_from=date(2026, 9, 1),
            valid_until=date(2026, 9, 30),
        )
    made = None
    if course:
        made = Course.objects.create(
            district=school.district,
            school=school,
            version=version,
            name="围棋",
            grades=[3, 4, 5, 6],
            weekdays=[2],
            start_time=time(16, 0),
            end_time=time(16, 40),
            capacity=30,
            min_size=1,
        )
    PlanVersion.objects.filter(pk=version.pk).update(
        status=PlanStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return plan, version, made


def calendar(semester) -> None:
    for day in HOLIDAYS:
        CalendarException.objects.create(
            district=semester.district,
            semester=semester,
            date=day,
            kind=CalendarKind.HOLIDAY,
            note="国庆节",
        )
    CalendarException.objects.create(
        district=semester.district,
        semester=semester,
        date=MAKEUP,
        kind=CalendarKind.MAKEUP_DAY,
        note="国庆调休",
        follows_weekday=3,
    )


def build_sched(world, key: str = "a1", *, semester=None, **policy) -> Sched:
    semester = semester or world.semesters[key[0]]
    if not DistrictPolicy.objects.filter(semester=semester).exists():
        make_policy(semester, **policy)
        calendar(semester)
    plan, version, course = published_plan(world.schools[key], semester)
    sched = Sched(
        world=world,
        key=key,
        plan=plan,
        version=version,
        policy=DistrictPolicy.objects.get(semester=semester),
        course=course,
    )
    sched.classes[(3, world.classes[key].number)] = world.classes[key]
    # The world's own student (a1's parent's child) takes part too.
    sched.apply([world.students[key]])
    sched.students.append(world.students[key])
    return sched


def another_parent(sched: Sched, student) -> object:
    parent = ParentUserFactory()
    Guardianship.objects.create(
        district=student.district,
        school=student.school,
        student=student,
        user=parent,
        relation="mother",
    )
    return parent


@dataclass
class Staffed:
    sched: Sched
    members: list
    teachers: dict  # group name -> StaffMember
    rooms: dict  # group name -> Room
    leader: StaffMember


def care_teacher(sched: Sched, name: str):
    """A new care teacher of the school (user, role and staff record)."""
    from aftercare.models import Role
    from tests.factories import UserFactory, member

    user = member(UserFactory(full_name=name), Role.CARE_TEACHER, school=sched.school)
    return StaffMember.objects.create(
        district=sched.school.district,
        school=sched.school,
        kind=StaffKind.SCHOOL_TEACHER,
        full_name=name,
        user=user,
    )


def staff_everything(sched: Sched, *, first_teacher: StaffMember | None = None) -> Staffed:
    """Propose, give every group its teachers and room on every day it meets, a duty leader
    and the managers every day, and confirm (through the services)."""
    from scheduling.models import DutyRole
    from scheduling.selectors import load_board
    from scheduling.services import assignments, grouping
    from scheduling.staffing import required_managers, required_teachers

    grouping.propose_groups(actor=sched.principal, plan=sched.plan)
    board = load_board(sched.plan, with_calendar=True)
    teachers, rooms = {}, {}
    for index, group in enumerate(board.groups):
        days = board.weekdays(group)
        need = required_teachers(board.sizes[group.pk], board.rules.staffing)
        for n in range(need):
            staff = (
                first_teacher
                if index == 0 and n == 0 and first_teacher
                else care_teacher(sched, f"看护{index}-{n}")
            )
            assignments.assign_staff(
                actor=sched.principal,
                plan=sched.plan,
                staff=staff,
                role=DutyRole.TEACHER,
                weekdays=days,
                group=group,
            )
            teachers.setdefault(group.name, staff)
        rooms[group.name] = sched.room(f"{200 + index}教室", 45)
        if days:
            assignments.book_room(
                actor=sched.principal,
                plan=sched.plan,
                group=group,
                room=rooms[group.name],
                weekdays=days,
            )
    leader = care_teacher(sched, "值班校长")
    service_days = board.service_weekdays()
    assignments.assign_staff(
        actor=sched.principal,
        plan=sched.plan,
        staff=leader,
        role=DutyRole.DUTY_LEADER,
        weekdays=service_days,
    )
    groups = sum(1 for g in board.groups if board.sizes[g.pk])
    for n in range(required_managers(groups, board.rules.staffing)):
        assignments.assign_staff(
            actor=sched.principal,
            plan=sched.plan,
            staff=care_teacher(sched, f"管理{n}"),
            role=DutyRole.MANAGER,
            weekdays=service_days,
        )
    grouping.confirm_grouping(actor=sched.principal, plan=sched.plan)
    return Staffed(
        sched=sched, members=list(sched.students), teachers=teachers, rooms=rooms, leader=leader
    )


def staffed_world(sched: Sched, *, first_teacher=None) -> Staffed:
    """The ``staffed`` fixture's school: the world's grade-3 class with 31 participants, a
    second grade-3 class with 12 and a grade-4 class with 14, fully staffed and confirmed."""
    number = sched.world.classes[sched.key].number
    sched.participants(3, number, 30)
    sched.participants(3, 2 if number != 2 else 3, 12)
    sched.participants(4, 1, 14)
    return staff_everything(sched, first_teacher=first_teacher)


def foreign_scheduling(world) -> dict:
    """District b's scheduling objects (school b1), for the cross-tenant route matrix: a
    confirmed and staffed grouping with sessions, a vetted external person, an institution."""
    from datetime import date as day

    from aftercare.models import Semester
    from scheduling.models import (
        Assignment,
        CareGroup,
        GroupKind,
        Institution,
        RoomBooking,
        Session,
        VettingRecord,
    )
    from scheduling.services.sessions import generate_sessions

    own = Semester.objects.create(
        district=world.b, name="排班学期-b", start_date=day(2026, 9, 1), end_date=day(2027, 1, 22)
    )
    sched = build_sched(world, "b1", semester=own)
    staffed = staffed_world(sched)
    generate_sessions(actor=sched.principal, plan=sched.plan)
    group = CareGroup.objects.filter(plan=sched.plan, kind=GroupKind.BASIC).first()
    external = sched.person("外聘甲")
    record = VettingRecord.objects.create(
        district=sched.school.district,
        school=sched.school,
        staff=external,
        step="background_check",
        done_on=day(2026, 8, 1),
        document="vetting/none.pdf",
        original_name="check.pdf",
        content_type="application/pdf",
        size=10,
        uploaded_by=sched.principal,
    )
    institution = Institution.objects.create(
        district=world.b, name="乙区机构", licence_number="B-1"
    )
    return {
        "sched": sched,
        "staffed": staffed,
        "school": sched.school,
        "plan": sched.plan,
        "group": group,
        "staff": external,
        "record": record,
        "room": staffed.rooms[group.name],
        "institution": institution,
        "assignment": Assignment.objects.filter(plan=sched.plan, group=group).first(),
        "booking": RoomBooking.objects.filter(group=group).first(),
        "session": Session.objects.filter(group=group).first(),
    }
