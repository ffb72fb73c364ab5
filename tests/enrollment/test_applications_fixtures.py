"""Helpers shared by the application tests (each test_applications*.py module defines its
``apps`` fixture with ``build_apps``).

``build_apps`` builds, on top of the ``world`` matrix, a semester running today in district a, the
district's policy (families may NOT join basic care mid-semester unless a test says so),
and a published plan of school a1 whose basic-care window is open now. District b gets the
same for school b1, so cross-tenant cases have real objects to aim at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from aftercare.models import Semester
from enrollment.models import Application
from enrollment.services import applications as services
from plans.models import Course, PlanStatus, PlanVersion, RegistrationWindow, SchoolPlan, WindowKind
from plans.services import policy as policy_services
from tests.factories import GuardianshipFactory, SchoolClassFactory, StudentFactory


@dataclass
class Apps:
    world: object
    now: datetime
    semesters: dict = field(default_factory=dict)
    plans: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    windows: dict = field(default_factory=dict)

    def user(self, key):
        return self.world.users[key]

    def student(self, key):
        return self.world.students[key]

    def apply(self, key="a1", *, student=None, parent=None, **kwargs) -> Application:
        """Apply as the child's parent (via the service)."""
        kwargs.setdefault("basic_care", True)
        return services.apply_for_service(
            actor=parent or self.user(f"parent_{key}"),
            student=student or self.student(key),
            **kwargs,
        )

    def approve(self, app: Application, key="a1") -> Application:
        services.approve_applications(
            actor=self.user(f"principal_{key}"), plan=app.plan, selected=[app]
        )
        app.refresh_from_db()
        return app

    def agreement(self, key="a1", body="第一条 学校提供课后服务……"):
        return services.publish_agreement(
            actor=self.user(f"principal_{key}"),
            plan=self.plans[key],
            title="课后服务协议",
            body=body,
        )

    def child(self, key="a1", *, grade=None, name=None, parent=None):
        """Another child in school ``key`` (a new class when ``grade`` is given), with the
        given parent (default: the world's parent of that school)."""
        school_class = (
            SchoolClassFactory(school=self.world.schools[key], grade=grade)
            if grade is not None
            else self.world.classes[key]
        )
        extra = {"name": name} if name else {}
        student = StudentFactory(school_class=school_class, **extra)
        GuardianshipFactory(student=student, user=parent or self.user(f"parent_{key}"))
        return student


def make_plan(world, key: str, semester: Semester, *, windows):
    """A published plan of school ``key`` with one course and ``windows``: (kind, opens,
    closes) triples. Returns (plan, version, [windows])."""
    school = world.schools[key]
    plan = SchoolPlan.objects.create(district=school.district, school=school, semester=semester)
    version = PlanVersion.objects.create(
        district=school.district, school=school, plan=plan, number=1
    )
    made = [
        RegistrationWindow.objects.create(
            district=school.district,
            school=school,
            version=version,
            kind=kind,
            round=1,
            opens_at=opens,
            closes_at=closes,
        )
        for kind, opens, closes in windows
    ]
    Course.objects.create(
        district=school.district,
        school=school,
        version=version,
        name="围棋",
        grades=[1, 2, 3, 4, 5, 6],
        weekdays=[2],
        start_time=time(16, 0),
        end_time=time(16, 40),
        capacity=1,
        min_size=1,
    )
    # Straight from draft to published (the trigger allows it; the workflow is tested
    # elsewhere): the parts cannot change any more.
    PlanVersion.objects.filter(pk=version.pk).update(
        status=PlanStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return plan, version, made


def build_apps(world, *, mid_semester: bool = False) -> Apps:
    now = timezone.now()
    today = timezone.localdate(now)
    apps = Apps(world=world, now=now)
    opens, closes = now - timedelta(hours=2), now + timedelta(days=2)
    for district_key, district, school_key in (("a", world.a, "a1"), ("b", world.b, "b1")):
        semester = Semester.objects.create(
            district=district,
            name=f"本学期-{district_key}",
            start_date=today - timedelta(days=30),
            end_date=today + timedelta(days=120),
        )
        official = world.users[f"official_{district_key}"]
        policy_services.create_policy_from_preset(
            actor=official, semester=semester, preset="city_2021"
        )
        policy_services.update_policy(
            actor=official, semester=semester, changes={"basic_join_mid_semester": mid_semester}
        )
        plan, version, (window,) = make_plan(
            world, school_key, semester, windows=[(WindowKind.BASIC, opens, closes)]
        )
        apps.semesters[district_key] = semester
        apps.plans[school_key], apps.versions[school_key] = plan, version
        apps.windows[school_key] = window
    return apps


def statuses(*apps_) -> list[str]:
    out = []
    for app in apps_:
        app.refresh_from_db()
        out.append(app.status)
    return out
