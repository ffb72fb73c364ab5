"""A billing world on top of the tenant matrix: a semester running today in each district,
its policy ("shandong": basic care ≤ 1.80 per 课时 and ≤ 350 per semester), and a published
plan per school key with paid basic care (1.50 yuan per 课时, 2 课时 a day Monday–Friday)
and one course (书法, 20 yuan per 课时, Wednesdays). ``enroll`` makes a child active (approved,
agreement signed, insurance confirmed) directly in the database — the application workflow
has its own tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from aftercare.models import Semester
from enrollment.models import (
    Application,
    ApplicationStatus,
    CourseCapacity,
    CourseRegistration,
    SeatStatus,
    ServiceAgreement,
)
from plans.models import Course, FeeUnit, PlanStatus, PlanVersion, SchoolPlan, ServicePeriod
from plans.services import policy as policy_services
from tests.factories import GuardianshipFactory, SchoolClassFactory, StudentFactory


@dataclass
class BillWorld:
    world: object
    semesters: dict = field(default_factory=dict)
    plans: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    courses: dict = field(default_factory=dict)
    agreements: dict = field(default_factory=dict)

    def user(self, key):
        return self.world.users[key]

    def enroll(self, key="a1", *, student=None, basic=True, courses=(), parent=None, at=None):
        """An active application of ``student`` (default: the world's student of ``key``)."""
        school = self.world.schools[key]
        plan = self.plans[key]
        student = student or self.world.students[key]
        parent = parent or self.user(f"parent_{key}")
        at = at or timezone.make_aware(datetime.combine(plan.semester.start_date, time(8, 0)))
        app = Application.objects.create(
            district=school.district,
            school=school,
            semester=plan.semester,
            plan=plan,
            student=student,
            basic_care=basic,
            status=ApplicationStatus.APPROVED,
            applied_by=parent,
            applied_at=at,
            approved_at=at,
            agreement=self.agreements[key],
            signed_by=parent,
            signed_at=at,
            insurance_confirmed_at=at,
            insurance_confirmed_by=parent,
            courses_taken=len(courses),
        )
        for name in courses:
            CourseCapacity.objects.filter(course=self.courses[key][name]).update(
                taken=F("taken") + 1
            )
            CourseRegistration.objects.create(
                district=school.district,
                school=school,
                course=self.courses[key][name],
                student=student,
                application=app,
                status=SeatStatus.CONFIRMED,
                created_by=parent,
                created_at=at,
            )
        return app

    def child(self, key="a1", *, grade=3, parent=None):
        klass = SchoolClassFactory(school=self.world.schools[key], grade=grade)
        student = StudentFactory(school_class=klass)
        GuardianshipFactory(student=student, user=parent or self.user(f"parent_{key}"))
        return student


def build_plan(world, key, semester, *, basic_fee="1.50", unit=FeeUnit.PER_LESSON, course_fee="20"):
    school = world.schools[key]
    plan = SchoolPlan.objects.create(district=school.district, school=school, semester=semester)
    version = PlanVersion.objects.create(
        district=school.district,
        school=school,
        plan=plan,
        number=1,
        basic_fee_unit=unit,
        basic_fee_amount=Decimal(basic_fee),
        fee_notice="基础托管每课时1.50元；书法每课时20元。期初一次性收取，期末按实结算、多退少补。",
    )
    ServicePeriod.objects.create(
        district=school.district,
        school=school,
        version=version,
        grades=[1, 2, 3, 4, 5, 6],
        weekdays=[0, 1, 2, 3, 4],
        start_time=time(15, 30),
        end_time=time(16, 50),
    )
    course = Course.objects.create(
        district=school.district,
        school=school,
        version=version,
        name="书法",
        grades=[1, 2, 3, 4, 5, 6],
        weekdays=[2],
        start_time=time(16, 50),
        end_time=time(17, 30),
        capacity=40,
        min_size=1,
        fee_per_lesson=Decimal(course_fee),
    )
    CourseCapacity.objects.create(
        course=course, district=school.district, school=school, capacity=40, taken=0
    )
    PlanVersion.objects.filter(pk=version.pk).update(
        status=PlanStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return plan, version, course


def build_billing(world, *, keys=("a1", "b1"), preset="shandong", start_offset=30) -> BillWorld:
    today = timezone.localdate()
    bw = BillWorld(world=world)
    for district_key, district in (("a", world.a), ("b", world.b)):
        semester = Semester.objects.create(
            district=district,
            name=f"收费学期-{district_key}",
            start_date=today - timedelta(days=start_offset),
            end_date=today - timedelta(days=start_offset) + timedelta(days=140),
        )
        policy_services.create_policy_from_preset(
            actor=world.users[f"official_{district_key}"], semester=semester, preset=preset
        )
        bw.semesters[district_key] = semester
    for key in keys:
        semester = bw.semesters[key[0]]
        plan, version, course = build_plan(world, key, semester)
        bw.plans[key], bw.versions[key] = plan, version
        bw.courses[key] = {"书法": course}
        bw.agreements[key] = ServiceAgreement.objects.create(
            district=plan.district,
            school=plan.school,
            semester=semester,
            title="课后服务协议",
            body="……",
        )
    return bw
