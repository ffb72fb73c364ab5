"""Demo students and guardians for ``aftercare.demo.seed_demo`` (set-based, idempotent)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aftercare.demo import ADULT_GIVEN, PARENT_WITH_TWO_CHILDREN, SURNAMES, _name
from aftercare.models import Membership, Role, School, SchoolClass, User
from enrollment.models import Gender, Guardianship, Relation, Student


def seed_students(
    *,
    rng: random.Random,
    school: School,
    classes: list[SchoolClass],
    spec,
    school_index: int,
    password_hash: str,
    parent_mobiles: Iterator[int],
) -> None:
    district = school.district
    students: list[Student] = []
    # (student_number, mobile, full_name, relation)
    links: list[tuple[str, str, str, str]] = []
    previous_family: list[tuple[str, str, str]] = []
    for school_class in classes:
        entry_year = 2026 - school_class.grade + 1
        low, high = spec.students_per_class
        for seq in range(1, rng.randint(low, high) + 1):
            gender = rng.choice((Gender.MALE, Gender.FEMALE))
            name = _name(rng)
            number = (
                f"{spec.short.upper()}{entry_year}{school_class.grade}"
                f"{school_class.number:02d}{seq:02d}"
            )
            students.append(
                Student(
                    district=district,
                    school=school,
                    school_class=school_class,
                    student_number=number,
                    name=name,
                    gender=gender,
                )
            )
            if previous_family and rng.random() < 0.05:
                family = previous_family[: rng.choice((1, 2))]  # a sibling's guardians
            else:
                family = [(str(next(parent_mobiles)), name[0] + rng.choice(ADULT_GIVEN), "father")]
                if rng.random() < 0.7:
                    family.append(
                        (
                            str(next(parent_mobiles)),
                            rng.choice(SURNAMES) + rng.choice(ADULT_GIVEN),
                            "mother",
                        )
                    )
            previous_family = family
            links += [(number, mobile, full, rel) for mobile, full, rel in family]

    if school_index == 0:
        # A mother of two children in this school (both families had no mother on file yet),
        # and a homeroom teacher who is also the mother of a grade-4 pupil.
        with_father = {n for n, _, _, rel in links if rel == "father"}
        with_mother = {n for n, _, _, rel in links if rel == "mother"}
        only_father = with_father - with_mother

        def first_of(grade: int, pool: set[str]) -> str:
            return next(
                s.student_number
                for s in students
                if s.school_class.grade == grade and s.student_number in pool
            )

        links += [
            (first_of(1, only_father), PARENT_WITH_TWO_CHILDREN, "林晓燕", Relation.MOTHER),
            (first_of(3, only_father), PARENT_WITH_TWO_CHILDREN, "林晓燕", Relation.MOTHER),
            (first_of(4, only_father), f"username:{spec.short}-t21", "", Relation.MOTHER),
        ]

    Student.objects.bulk_create(students, ignore_conflicts=True)
    by_number = {
        s.student_number: s for s in Student.objects.filter(district=district, school=school)
    }
    mobiles = {m for _, m, _, _ in links if not m.startswith("username:")}
    User.objects.bulk_create(
        [
            User(mobile=m, full_name=full, password=password_hash)
            for m, full in {(m, f) for _, m, f, _ in links if m in mobiles}
        ],
        ignore_conflicts=True,
    )
    users = {u.mobile: u for u in User.objects.filter(mobile__in=mobiles)}
    for key in {m for _, m, _, _ in links if m.startswith("username:")}:
        users[key] = User.objects.get(username=key.removeprefix("username:"))
    Guardianship.objects.bulk_create(
        [
            Guardianship(
                district=district,
                school=school,
                student=by_number[number],
                user=users[mobile],
                relation=relation,
            )
            for number, mobile, _, relation in links
        ],
        ignore_conflicts=True,
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, district=district, school=school, role=Role.PARENT)
            for user in {users[m] for _, m, _, _ in links}
        ],
        ignore_conflicts=True,
    )
