"""Consent is part of binding: a parent who binds a child goes straight on to the district's
current privacy notice and decides per purpose; the home to-do stays for a later notice
version (a new semester's)."""

import pytest
from django.urls import reverse

from safety.models import ConsentDecision
from safety.services.consent import publish_notice
from tests.factories import ParentUserFactory

pytestmark = pytest.mark.django_db

NOTICE = {
    "purposes": "课后服务",
    "data_kept": "姓名、考勤",
    "storage_location": "境内",
    "retention": "三年",
    "responsible_contact": "王老师 123",
}


def _bind(client, student):
    return client.post(
        reverse("bind_child"),
        {
            "student_number": student.student_number,
            "student_name": student.name,
            "relation": "mother",
        },
    )


def _roster(student, user):
    type(student).objects.filter(pk=student.pk).update(guardian_mobile=user.mobile)


def test_binding_goes_on_to_the_notice_and_consent(world, client, login):
    notice = publish_notice(actor=world.users["official_a"], district=world.a, **NOTICE)
    parent = ParentUserFactory(full_name="周建国")
    student = world.students["a1"]
    _roster(student, parent)
    login(parent)
    response = _bind(client, student)
    consent_url = reverse("safety_consent", args=[student.public_id]) + "?flow=binding"
    assert response.status_code == 302 and response.url == consent_url
    page = client.get(consent_url).content.decode()
    assert 'data-testid="binding-step"' in page and 'data-testid="notice"' in page
    assert "王老师 123" in page  # the notice itself, read in the flow
    response = client.post(
        consent_url,
        {"notice_version": notice.version, "service": "on", "medical": "on"},
    )
    assert response.status_code == 302 and response.url == reverse("family_home")
    decided = dict(
        ConsentDecision.objects.filter(student=student, guardian=parent).values_list(
            "purpose", "granted"
        )
    )
    assert decided == {"service": True, "medical": True, "photos": False}
    home = client.get(reverse("family_home")).content.decode()
    assert reverse("safety_consent", args=[student.public_id]) not in home
    # binding again: nothing more to decide, straight home
    assert _bind(client, student).url == reverse("family_home")
    # a new notice version (a new semester's): the home to-do, not the binding flow
    publish_notice(actor=world.users["official_a"], district=world.a, **NOTICE)
    home = client.get(reverse("family_home")).content.decode()
    assert reverse("safety_consent", args=[student.public_id]) in home


def test_without_a_notice_binding_ends_at_home(world, client, login):
    parent = ParentUserFactory(full_name="周建国")
    student = world.students["a1"]
    _roster(student, parent)
    login(parent)
    assert _bind(client, student).url == reverse("family_home")


def test_a_stale_notice_version_is_refused_in_the_flow(world, client, login):
    notice = publish_notice(actor=world.users["official_a"], district=world.a, **NOTICE)
    parent = ParentUserFactory(full_name="周建国")
    student = world.students["a1"]
    _roster(student, parent)
    login(parent)
    consent_url = _bind(client, student).url
    publish_notice(actor=world.users["official_a"], district=world.a, **NOTICE)
    response = client.post(consent_url, {"notice_version": notice.version, "service": "on"})
    assert response.status_code == 200  # shown again with the error, nothing recorded
    assert not ConsentDecision.objects.filter(student=student).exists()
