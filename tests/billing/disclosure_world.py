"""An ended semester of district a with a ledger to disclose: school ``key``'s journals of
spring 2026 (fees charged and paid, an exemption, a refund, the district's subsidy, teacher
subsidies, materials), and a parents' committee reviewer of the school.

Journals are posted through ``billing.services.ledger.post`` (the one way into the ledger);
the services that normally post them have their own tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from aftercare.models import Role, Semester
from billing.models import Category, JournalKind
from billing.services import ledger
from tests.factories import UserFactory, member

SPRING = (date(2026, 2, 24), date(2026, 7, 10))


@dataclass
class DisclosureWorld:
    school: object
    semester: Semester
    principal: object
    reviewer: object
    official: object


def spring_semester(district) -> Semester:
    semester, _created = Semester.objects.get_or_create(
        district=district,
        name="2025学年第二学期",
        defaults={"start_date": SPRING[0], "end_date": SPRING[1]},
    )
    return semester


def post(school, semester, key: str, kind: str, lines) -> None:
    with transaction.atomic():
        ledger.post(
            district_id=school.district_id,
            school_id=school.pk,
            movements=[ledger.Movement(kind, key, lines, semester_id=semester.pk)],
        )


# (key, kind, lines): what the spring ledger holds, in fen.
SPRING_LEDGER = [
    (
        "fee",
        JournalKind.CHARGE,
        [(Category.RECEIVABLE, 3_000_000), (Category.FEE_INCOME, -3_000_000)],
    ),
    ("exempt", JournalKind.CHARGE, [(Category.EXEMPTIONS, 60_000), (Category.RECEIVABLE, -60_000)]),
    ("paid", JournalKind.PAYMENT, [(Category.BANK, 2_800_000), (Category.RECEIVABLE, -2_800_000)]),
    ("refund", JournalKind.REFUND, [(Category.REFUNDS, 45_000), (Category.BANK, -45_000)]),
    (
        "subsidy",
        JournalKind.SUBSIDY,
        [(Category.BANK, 500_000), (Category.SUBSIDY_INCOME, -500_000)],
    ),
    (
        "teachers",
        JournalKind.PAYOUT,
        [(Category.EXP_TEACHER, 1_900_000), (Category.BANK, -1_900_000)],
    ),
    (
        "materials",
        JournalKind.EXPENSE,
        [(Category.EXP_MATERIALS, 123_456), (Category.BANK, -123_456)],
    ),
]


def build_disclosure_world(world, key: str = "a1") -> DisclosureWorld:
    school = world.schools[key]
    semester = spring_semester(school.district)
    for k, kind, lines in SPRING_LEDGER:
        post(school, semester, f"test:{k}", kind, lines)
    reviewer = member(
        UserFactory(username=f"committee-{key}", mobile=f"138{abs(hash(key)) % 10**8:08d}"),
        Role.PARENT_COMMITTEE,
        school=school,
    )
    return DisclosureWorld(
        school=school,
        semester=semester,
        principal=world.users[f"principal_{key}"],
        reviewer=reviewer,
        official=world.users[f"official_{key[0]}"],
    )
