"""The inspector (督学): a district-level role that reads the reporting pages and acts nowhere —
no existing write path treats it as an official."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from aftercare.models import Membership, Role
from aftercare.services import grant_role
from aftercare.tenancy import Scope
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspector(world):
    return member(UserFactory(username="inspector-a"), Role.INSPECTOR, district=world.a)


def test_the_role_is_held_at_district_level(world):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=user, district=world.a, school=world.schools["a1"], role=Role.INSPECTOR
        )
    membership = grant_role(
        actor=world.users["official_a"],
        user=user,
        role=Role.INSPECTOR,
        district=world.a,
        school=world.schools["a1"],
    )
    assert membership.school is None


def test_an_inspector_is_no_official(world, inspector):
    scope = Scope(inspector)
    assert not scope.is_official() and not scope.is_official(world.a.pk)
    assert scope.official_districts == frozenset()
    assert scope.inspector_districts == {world.a.pk}


@pytest.mark.parametrize(
    "name",
    [
        "district_home",
        "audit_log",
        "semester_list",
        "policy_index",
        "district_plans",
        "billing_district",
        "scheduling_institutions",
    ],
)
def test_official_pages_are_403_for_inspectors(client, login, inspector, name):
    login(inspector)
    assert client.get(reverse(name)).status_code == 403


def test_inspectors_cannot_grant_roles(world, inspector):
    from aftercare.errors import NotAllowed

    with pytest.raises(NotAllowed):
        grant_role(
            actor=inspector,
            user=UserFactory(),
            role=Role.PARENT,
            district=world.a,
            school=world.schools["a1"],
        )


def test_inspectors_cannot_set_the_policy(world, inspector):
    from aftercare.errors import NotAllowed
    from plans.services import policy as policy_services

    with pytest.raises(NotAllowed):
        policy_services.create_policy_from_preset(
            actor=inspector, semester=world.semesters["a"], preset="city_2021"
        )
