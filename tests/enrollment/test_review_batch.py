"""The homeroom teacher's review on a phone: it opens on what waits (待审核), approves a
ticked batch only after a confirmation page naming the children, refuses an empty batch, and
updates one card in place for htmx. The school's bulk approval with nothing ticked and no
number asks first instead of approving everything."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from enrollment.models import Application
from enrollment.models import ApplicationStatus as S
from tests.enrollment.test_applications_fixtures import build_apps

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps(world):
    return build_apps(world)


def text(response) -> str:
    return response.content.decode()


def test_review_opens_on_the_pending_ones(apps, client, login):
    pending = apps.apply()
    done = apps.apply(student=apps.child(name="王小红"))
    Application.objects.filter(pk=done.pk).update(status=S.REJECTED, rejection_reason="已转学")
    login(apps.user("teacher_a1"))
    page = client.get(reverse("teacher_applications"))
    assert page.context["status"] == S.APPLIED
    assert [a.pk for a in page.context["applications"]] == [pending.pk]
    assert 'data-testid="batch"' in text(page)
    every = client.get(reverse("teacher_applications") + "?status=all")
    assert {a.pk for a in every.context["applications"]} == {pending.pk, done.pk}


def test_batch_approval_confirms_first_and_never_means_all(apps, client, login):
    first, second = apps.apply(), apps.apply(student=apps.child(name="王小红"))
    third = apps.apply(student=apps.child(name="李小明"))
    login(apps.user("teacher_a1"))
    url = reverse("teacher_applications_batch")

    response = client.post(url, {}, follow=True)  # nothing ticked
    assert gettext("Select the applications to approve first.") in text(response)
    assert Application.objects.filter(status=S.APPLIED).count() == 3

    ids = [first.public_id, second.public_id]
    response = client.post(url, {"selected": ids})
    assert response.status_code == 200  # the confirmation page, nothing written yet
    assert 'data-testid="confirm-batch"' in text(response)
    assert first.student.name in text(response) and "王小红" in text(response)
    assert Application.objects.filter(status=S.APPLIED).count() == 3

    response = client.post(url, {"selected": ids, "confirmed": "yes"})
    assert response.status_code == 302
    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: S.CLASS_APPROVED,
        second.pk: S.CLASS_APPROVED,
        third.pk: S.APPLIED,
    }


def test_batch_ignores_another_class(apps, client, login):
    mine = apps.apply()
    other = apps.apply(student=apps.child(grade=4))  # another class of the school
    login(apps.user("teacher_a1"))
    client.post(
        reverse("teacher_applications_batch"),
        {"selected": [mine.public_id, other.public_id], "confirmed": "yes"},
    )
    assert Application.objects.get(pk=mine.pk).status == S.CLASS_APPROVED
    assert Application.objects.get(pk=other.pk).status == S.APPLIED


def test_a_review_through_htmx_answers_the_card_only(apps, client, login):
    app = apps.apply()
    login(apps.user("teacher_a1"))
    url = reverse("application_review", args=[app.public_id])
    response = client.post(
        url, {"decision": "reject", "note": "", "origin": "teacher"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert text(response).lstrip().startswith('<article class="card"')
    assert "请填写不通过的原因。" in text(response)
    response = client.post(
        url, {"decision": "approve", "origin": "teacher"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'role="status"' in text(response) and "<html" not in text(response)
    assert Application.objects.get(pk=app.pk).status == S.CLASS_APPROVED


def test_school_bulk_approval_with_nothing_ticked_asks_first(apps, client, login):
    apps.apply()
    apps.apply(student=apps.child())
    login(apps.user("principal_a1"))
    url = reverse("applications_bulk_approve", args=[apps.plans["a1"].public_id])
    response = client.post(url, {"expected_last_rank": "0"})
    assert response.status_code == 200
    assert 'data-testid="confirm-bulk"' in text(response)
    assert response.context["waiting"] == 2
    assert Application.objects.filter(status=S.APPROVED).count() == 0
    response = client.post(url, {"expected_last_rank": "0", "confirmed": "yes"})
    assert response.status_code == 302
    assert Application.objects.filter(status=S.APPROVED).count() == 2
