"""Plan and policy pages fail the one way (aftercare.views.errors): a wrong role is the 403
page naming the rule (plans.rules), a wrong state a message on the page it came from."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_403_page_names_the_rule_on_a_plan_action(setup, client, login):
    setup.make_policy()
    plan, _version = setup.make_plan()
    login(setup.principal)
    response = client.post(reverse("plan_action", args=[plan.public_id, "approve"]))
    assert response.status_code == 403
    assert "只有区教育局工作人员可以审核方案" in response.content.decode()


def test_a_frozen_policy_is_a_message_not_a_403(setup, client, login):
    """Starting a frozen policy again is the wrong state (409 as a message on the page);
    it used to answer 403, as if the official had the wrong role."""
    from plans.services import plans as plan_services

    setup.make_policy()
    _plan, version = setup.make_plan()
    plan_services.submit_plan(actor=setup.principal, version=version)
    plan_services.approve_plan(actor=setup.official, version=version)
    login(setup.official)
    url = reverse("policy_detail", args=[setup.semester.public_id])
    response = client.post(url, {"preset": "one_plus_x"})
    assert (response.status_code, response.url) == (302, url)
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "冻结" in text
