"""A published plan with extended courses and an open registration window, plus students
with applications — for the registration tests, the browser journeys and the benchmark."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal

from django.utils import timezone

from aftercare.models import Role, Semester
from enrollment.models import Application, Guardianship, Student
from enrollment.services import registration
from plans.services import plans as plan_services
from plans.services import policy as policy_services
from tests.factories import ParentUserFactory, StudentFactory, member


@dataclass
class Rush:
    semester: Semester
    plan: object
    version: object
    courses: dict = field(default_factory=dict)  # name -> Course
    students: list = field(default_factory=list)
    parents: dict = field(default_factory=dict)  # student pk -> parent user
    opens_at: object = None
    closes_at: object = None

    def info(self, name):
        return registration.course_info(self.courses[name].public_id, fresh=True)


def build_rush(
    world,
    *,
    courses=(("书法", 10, 1),),
    mode="fcfs",
    students=0,
    max_per_student=2,
    school_key="a1",
    opens_in=timedelta(hours=-1),
    length=timedelta(hours=24),
    round_two=True,
) -> Rush:
    """``courses``: (name, capacity, min_size). Window round 1 opens ``opens_in`` from now."""
    registration.clear_cache()
    district = world.a if school_key.startswith("a") else world.b
    official = world.users[f"official_{school_key[0]}"]
    principal = world.users[f"principal_{school_key}"]
    school = world.schools[school_key]
    today = timezone.localdate()
    semester = Semester.objects.create(
        district=district,
        name=f"抢课学期{school_key}",
        start_date=today - timedelta(days=20),
        end_date=today + timedelta(days=120),
    )
    policy_services.create_policy_from_preset(
        actor=official, semester=semester, preset="one_plus_x"
    )
    policy_services.update_policy(
        actor=official,
        semester=semester,
        changes={"min_extended_course_size": 1, "complaint_hotline": "12345"},
    )
    plan = plan_services.create_plan(actor=principal, school=school, semester=semester)
    version = plan_services.update_plan_general(
        actor=principal,
        version=plan.versions.get(),
        data={
            "safety_plan": "安全预案",
            "leadership_group": "组长：校长",
            "prohibitions_confirmed": True,
            "fee_notice": "拓展课程每课时20元",
            "max_courses_per_student": max_per_student,
        },
    )
    grades = sorted(set(school.classes.values_list("grade", flat=True)))
    plan_services.save_plan_part(
        actor=principal,
        version=version,
        kind="period",
        data={
            "grades": grades,
            "weekdays": [0, 1, 2, 3, 4],
            "start_time": time(15, 30),
            "end_time": time(17, 30),
        },
    )
    for name, capacity, min_size in courses:
        plan_services.save_plan_part(
            actor=principal,
            version=version,
            kind="course",
            data={
                "name": name,
                "grades": grades,
                "weekdays": [1, 3],
                "start_time": time(16, 40),
                "end_time": time(17, 20),
                "capacity": capacity,
                "min_size": min_size,
                "fee_per_lesson": Decimal("20.00"),
            },
        )
    now = timezone.now().replace(microsecond=0)
    opens_at, closes_at = now + opens_in, now + opens_in + length
    plan_services.save_plan_part(
        actor=principal,
        version=version,
        kind="window",
        data={
            "kind": "extended",
            "round": 1,
            "mode": mode,
            "opens_at": opens_at,
            "closes_at": closes_at,
        },
    )
    if round_two:
        plan_services.save_plan_part(
            actor=principal,
            version=version,
            kind="window",
            data={
                "kind": "extended",
                "round": 2,
                "mode": "fcfs",
                "opens_at": closes_at + timedelta(hours=1),
                "closes_at": closes_at + timedelta(hours=25),
            },
        )
    version = plan_services.submit_plan(actor=principal, version=version)
    version = plan_services.approve_plan(actor=official, version=version)
    version = plan_services.publish_plan(actor=principal, version=version)
    rush = Rush(
        semester=semester,
        plan=plan,
        version=version,
        opens_at=opens_at,
        closes_at=closes_at,
        courses={c.name: c for c in version.courses.all()},
    )
    for _ in range(students):
        add_student(rush, world, school_key=school_key)
    return rush


def add_student(rush: Rush, world, *, school_key="a1", parent=None, apply=True) -> Student:
    student = StudentFactory(school_class=world.classes[school_key])
    parent = parent or member(ParentUserFactory(), Role.PARENT, school=world.schools[school_key])
    Guardianship.objects.create(
        district=student.district,
        school=student.school,
        student=student,
        user=parent,
        relation="mother",
    )
    if apply:
        Application.objects.create(
            district=student.district,
            school=student.school,
            semester=rush.semester,
            plan=rush.plan,
            student=student,
            applied_by=parent,
            basic_care=True,
        )
    rush.students.append(student)
    rush.parents[student.pk] = parent
    return student
