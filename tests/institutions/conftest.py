"""Fixtures of the institutions tests: the shared two-district world plus, in district a, a
price policy (ceiling 80 yuan per lesson), an open batch, an institution's account with one
instructor whose checks are valid, and a second institution of a (the "other" one)."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from institutions import services
from institutions.models import AdmissionBatch, InstitutionAccount, Instructor
from tests.institutions.helpers import instructor_data


@dataclass
class Inst:
    world: object
    batch: AdmissionBatch
    account: InstitutionAccount
    other: InstitutionAccount
    instructor: Instructor
    account_b: InstitutionAccount

    @property
    def institution(self):
        return self.account.institution

    def apply(self, **over):
        today = timezone.localdate()
        kwargs = {
            "actor": self.account.user,
            "institution": self.institution,
            "batch": self.batch,
            "licence_number": "办学许可 2024-7",
            "licence_valid_until": today + timedelta(days=365),
            "supervision_platform_no": "JG-3301-0007",
            "courses": [
                {"name": "少儿书法", "content": "楷书基本笔画", "price_fen": 6000},
                {"name": "围棋", "content": "入门与对弈", "price_fen": 8000},
            ],
            "staff": [self.instructor],
        }
        kwargs.update(over)
        return services.submit_application(**kwargs)


def _account(official, district, name, username):
    return services.open_account(
        actor=official, district=district, name=name, username=username, password="secret-pass-1"
    )


@pytest.fixture
def inst(world) -> Inst:
    today = timezone.localdate()
    official = world.users["official_a"]
    for key, district in (("a", world.a), ("b", world.b)):
        services.save_policy(
            actor=world.users[f"official_{key}"],
            district=district,
            price_ceiling_fen=8000,
            ceiling_basis="不高于少年宫同类课程均价",
        )
    batch = services.open_batch(
        actor=official,
        district=world.a,
        title="2026年秋季校外机构进校园",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=14),
        requirements="持有效办学许可证",
    )
    account = _account(official, world.a, "青山书画培训中心", "inst-a")
    other = _account(official, world.a, "绿茵体育俱乐部", "inst-a-other")
    account_b = _account(world.users["official_b"], world.b, "外区机构", "inst-b")
    instructor = services.save_instructor(
        actor=account.user, institution=account.institution, data=instructor_data()
    )
    return Inst(world, batch, account, other, instructor, account_b)


@pytest.fixture
def today():
    return timezone.localdate()
