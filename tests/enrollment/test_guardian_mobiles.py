"""Guardians' mobiles (issue 14): another guardian of the child sees them masked (138****0002),
as do district officials; the school's staff, who call families, see them in full and that
read is audited; a guardian always sees their own number. Page and API alike."""

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent, Role
from tests.factories import GuardianshipFactory, ParentUserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_guardians(world):
    """Child a1 with its parent_a1 and a second guardian (the other parent)."""
    student = world.students["a1"]
    other = member(ParentUserFactory(mobile="13800000002"), Role.PARENT, school=student.school)
    GuardianshipFactory(student=student, user=other, relation="father")
    world.users["parent_a1"].mobile = "13900000001"
    world.users["parent_a1"].save(update_fields=["mobile"])
    return student


def _page(client, user, student) -> str:
    client.force_login(user, backend="aftercare.auth.MobileOrUsernameBackend")
    response = client.get(reverse("student_detail", args=[student.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def _api(api, user, student) -> dict:
    response = api(user).get(f"/api/v1/students/{student.public_id}/")
    assert response.status_code == 200, response.content
    return {g["mobile"] for g in response.json()["guardians"]}


def test_a_guardian_sees_the_other_guardian_masked_and_their_own_in_full(
    world, client, api, two_guardians
):
    parent = world.users["parent_a1"]
    html = _page(client, parent, two_guardians)
    assert "138****0002" in html and "13800000002" not in html
    assert "13900000001" in html
    assert _api(api, parent, two_guardians) == {"138****0002", "13900000001"}
    assert not AuditEvent.objects.filter(action="student.viewed").exists()  # a family read


@pytest.mark.parametrize("user_key", ["principal_a1", "admin_a1", "teacher_a1"])
def test_school_staff_see_them_in_full_and_the_read_is_audited(
    world, client, api, two_guardians, user_key
):
    user = world.users[user_key]
    html = _page(client, user, two_guardians)
    assert "13800000002" in html and "13900000001" in html
    assert _api(api, user, two_guardians) == {"13800000002", "13900000001"}
    events = AuditEvent.objects.filter(action="student.viewed", actor=user)
    assert events.count() == 2
    assert all(e.payload == {"guardian_mobiles": True} for e in events)
    assert {e.object_id for e in events} == {str(two_guardians.public_id)}


def test_district_officials_see_them_masked(world, client, api, two_guardians):
    official = world.users["official_a"]
    html = _page(client, official, two_guardians)
    assert "138****0002" in html and "139****0001" in html and "13800000002" not in html
    assert _api(api, official, two_guardians) == {"138****0002", "139****0001"}
    event = AuditEvent.objects.filter(action="student.viewed", actor=official).first()
    assert event is not None and event.payload == {}  # a staff read, no full numbers


def test_staff_of_another_school_do_not_reach_the_child(world, api, two_guardians):
    response = api(world.users["principal_a2"]).get(f"/api/v1/students/{two_guardians.public_id}/")
    assert response.status_code == 404
