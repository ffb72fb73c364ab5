"""Published plans, children and entries built with the factories (tests/factories.py), for
the registration and lottery tests: no service chain, one line per fact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from aftercare.models import Role
from enrollment.models import Application, Student
from tests.factories import (
    ApplicationFactory,
    GuardianshipFactory,
    ParentUserFactory,
    PublishedPlanFactory,
    SemesterFactory,
    StudentFactory,
    member,
)

HOUR = timedelta(hours=1)


def semester_now(district, *, name=None):
    today = timezone.localdate()
    return SemesterFactory(
        district=district,
        start_date=today - timedelta(days=20),
        end_date=today + timedelta(days=120),
        **({"name": name} if name else {}),
    )


def published(world, *, school="a1", semester=None, **kwargs):
    """A published version of a plan of ``world.schools[school]`` in a running semester."""
    school = world.schools[school]
    return PublishedPlanFactory(
        plan__school=school, plan__semester=semester or semester_now(school.district), **kwargs
    )


def closed_then_open(now=None, *, lottery=False):
    """Round one (closed an hour ago) and round two (open now)."""
    now = now or timezone.now().replace(microsecond=0)
    return [
        {
            "opens_at": now - 26 * HOUR,
            "closes_at": now - 2 * HOUR,
            "mode": "lottery" if lottery else "fcfs",
        },
        {"round": 2, "opens_at": now - HOUR, "closes_at": now + 23 * HOUR},
    ]


@dataclass
class Child:
    student: Student
    parent: object
    application: Application


def child(world, version, *, school="a1", **application) -> Child:
    """A pupil of the school's grade-3 class with a parent (a member of the school) who
    applied for the plan's semester."""
    student = StudentFactory(school_class=world.classes[school])
    parent = member(ParentUserFactory(), Role.PARENT, school=world.schools[school])
    GuardianshipFactory(student=student, user=parent)
    app = ApplicationFactory(student=student, plan=version.plan, applied_by=parent, **application)
    return Child(student=student, parent=parent, application=app)


def course(version, name):
    return version.courses.get(name=name)
