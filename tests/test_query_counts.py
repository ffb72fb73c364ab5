"""List pages and endpoints: the query count does not grow with the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftercare.audit import record_event
from tests.factories import GuardianshipFactory, SchoolClassFactory, SchoolFactory, StudentFactory

pytestmark = pytest.mark.django_db


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_district_home(world, client, login):
    login(world.users["official_a"])
    url = reverse("district_home")
    before = count(client, url)
    for _ in range(2):
        school = SchoolFactory(district=world.a)
        GuardianshipFactory(student=StudentFactory(school_class=SchoolClassFactory(school=school)))
        record_event(actor=world.users["official_a"], action="x", obj=school)
    assert count(client, url) == before


def test_school_home_and_class_roll(world, client, login):
    login(world.users["principal_a1"])
    school = world.schools["a1"]
    url = reverse("school_home", args=[school.public_id])
    roll = reverse("class_detail", args=[world.classes["a1"].public_id])
    before, roll_before = count(client, url), count(client, roll)
    for _ in range(2):
        SchoolClassFactory(school=school, grade=5)
        StudentFactory(school_class=world.classes["a1"])
    assert count(client, url) == before
    assert count(client, roll) == roll_before


def test_family_home(world, client, login):
    parent = world.users["parent_a1"]
    login(parent)
    url = reverse("family_home")
    before = count(client, url)
    for _ in range(2):
        GuardianshipFactory(user=parent, student=StudentFactory(school_class=world.classes["a1"]))
    assert count(client, url) == before


def test_audit_log(world, client, login):
    login(world.users["official_a"])
    record_event(actor=world.users["official_a"], action="x", obj=world.schools["a1"])
    before = count(client, reverse("audit_log"))
    for _ in range(2):
        record_event(actor=world.users["official_a"], action="x", obj=world.schools["a2"])
    assert count(client, reverse("audit_log")) == before


@pytest.mark.parametrize("path", ["/api/v1/students/", "/api/v1/schools/", "/api/v1/classes/"])
def test_api_lists(world, api, path):
    client = api(world.users["official_a"])

    def n():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    before = n()
    for _ in range(2):
        StudentFactory(school_class=SchoolClassFactory(school=SchoolFactory(district=world.a)))
    assert n() == before
