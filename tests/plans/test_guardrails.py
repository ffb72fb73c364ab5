"""Guardrails on the plan pages: approving asks first, a draft whose registration windows have
closed is warned, each violation links to the period or course causing it, and the course
form shows the district's fee cap next to the fee."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from plans.models import PlanStatus
from plans.services import plans as plan_services

pytestmark = pytest.mark.django_db


def test_approving_a_plan_asks_first(setup, client, login):
    setup.make_policy()
    plan, version = setup.make_plan()
    plan_services.submit_plan(actor=setup.principal, version=version)
    url = reverse("plan_action", args=[plan.public_id, "approve"])
    login(setup.official)
    response = client.post(url, {"comment": "同意"})
    assert response.status_code == 200
    assert 'data-testid="confirm-approve"' in response.content.decode()
    version.refresh_from_db()
    assert version.status == PlanStatus.SUBMITTED  # nothing decided yet
    response = client.post(url, {"comment": "同意", "confirmed": "yes"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.status, version.review_comment) == (PlanStatus.APPROVED, "同意")


def test_the_confirmation_is_for_reviewers_only(setup, client, login):
    setup.make_policy()
    plan, version = setup.make_plan()
    plan_services.submit_plan(actor=setup.principal, version=version)
    login(setup.principal)
    response = client.post(reverse("plan_action", args=[plan.public_id, "approve"]))
    assert response.status_code == 403


def test_draft_with_closed_windows_is_warned_and_violations_link_to_their_part(
    setup, client, login
):
    setup.make_policy()
    plan, version = setup.make_plan(end=time(19, 30))  # later than the policy allows
    now = timezone.now()
    plan_services.save_plan_part(
        actor=setup.principal,
        version=version,
        kind="window",
        data={
            "kind": "basic",
            "round": 1,
            "mode": "fcfs",
            "opens_at": now - timedelta(days=3),
            "closes_at": now - timedelta(days=1),
        },
    )
    login(setup.principal)
    response = client.get(reverse("plan_detail", args=[plan.public_id]))
    body = response.content.decode()
    assert 'data-testid="past-windows"' in body
    (window,) = response.context["past_windows"]
    assert reverse("plan_part_edit", args=[plan.public_id, "window", window.pk]) in body
    period = version.periods.get()
    links = {v.code: url for v, url in response.context["problem_links"]}
    assert reverse("plan_part_edit", args=[plan.public_id, "period", period.pk]) in links.values()


def test_course_form_shows_the_fee_cap(setup, client, login):
    setup.make_policy("one_plus_x")
    plan, _version = setup.make_plan()
    login(setup.principal)
    response = client.get(reverse("plan_part_new", args=[plan.public_id, "course"]))
    help_text = str(response.context["form"].fields["fee_per_lesson"].help_text)
    assert help_text == gettext("District cap: %(cap)s yuan per lesson.") % {
        "cap": Decimal("20.00")
    }
    assert help_text in response.content.decode()


def test_public_plan_links_the_hotline_and_the_participant_list(setup, client):
    setup.make_policy()
    plan, version = setup.make_plan()
    version = plan_services.submit_plan(actor=setup.principal, version=version)
    version = plan_services.approve_plan(actor=setup.official, version=version)
    plan_services.publish_plan(actor=setup.principal, version=version)
    body = client.get(reverse("public_plan", args=[plan.public_id])).content.decode()
    assert 'href="tel:0531-12345678"' in body
    assert reverse("public_participants", args=[plan.public_id]) in body
