"""Enrollment's demo steps, run by the kernel's ``seed_demo`` (see ``EnrollmentConfig``)."""

from __future__ import annotations

from enrollment.demo.applications import seed_applications, seed_round_two
from enrollment.demo.students import seed_students
from enrollment.models import Student


def students_step(demo) -> None:
    """Students and guardians of every demo school."""
    rng = demo.rng("students")
    parent_mobiles = iter(range(13900000002, 13999999999))
    for entry in demo.schools:
        seed_students(
            rng=rng,
            school=entry.school,
            classes=entry.classes,
            spec=entry.spec,
            school_index=entry.index,
            password_hash=demo.password_hash,
            parent_mobiles=parent_mobiles,
        )
    n = Student.objects.filter(district=demo.district).count()
    demo.summary.append(f"{n} students")


def applications_step(demo) -> None:
    """Applications, reviews and a replayed registration rush at the first school."""
    seed_applications(school=demo.schools[0].school, now=demo.now)


def round_two_step(demo) -> None:
    """Round two of the amended plan (plans' step 32), open now."""
    seed_round_two(school=demo.schools[0].school, now=demo.now)
