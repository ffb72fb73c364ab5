"""The applications API: what the pages do, with the one error shape, 404 across tenants and
families, 403 for a wrong role, 409 for a wrong state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enrollment.models import Application, ApplicationStatus, PriorityGroup
from enrollment.services import applications as services
from plans.models import WindowKind
from tests.enrollment.test_applications_fixtures import build_apps, make_plan

pytestmark = pytest.mark.django_db

S = ApplicationStatus
BASE = "/api/v1/applications/"


@pytest.fixture
def apps(world):
    return build_apps(world)


def post(client, url, data=None):
    return client.post(url, data or {}, format="json")


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


def test_a_parent_applies_through_the_api(apps, api):
    client = api(apps.user("parent_a1"))
    student = apps.student("a1")
    response = client.post(
        BASE,
        {
            "student": str(student.public_id),
            "basic_care": True,
            "priority_groups": ["single_parent"],
            "parent_note": "周五奶奶接",
        },
        format="json",
        HTTP_USER_AGENT="KehouApp/1.2 (Android)",
        REMOTE_ADDR="198.51.100.4",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "applied" and body["status_label"] == "已申请"
    assert body["student"]["name"] == student.name and body["is_active"] is False
    assert body["plan"] == str(apps.plans["a1"].public_id)
    app = Application.objects.get()
    assert (app.channel, app.user_agent, app.client_ip) == (
        "api",
        "KehouApp/1.2 (Android)",
        "198.51.100.4",
    )

    again = post(client, BASE, {"student": str(student.public_id), "basic_care": False})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_applied"
    bad = post(client, BASE, {"student": str(student.public_id), "priority_groups": ["vip"]})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"basic_care", "priority_groups.0"}


def test_apply_refusals(apps, api, world):
    opens = apps.now + timedelta(days=3)
    make_plan(
        world,
        "a2",
        apps.semesters["a"],
        windows=[(WindowKind.BASIC, opens, opens + timedelta(days=1))],
    )
    response = post(
        api(apps.user("parent_a2")),
        BASE,
        {"student": str(apps.student("a2").public_id), "basic_care": True},
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "window_closed"
    assert f"{timezone.localtime(opens):%Y-%m-%d %H:%M}" in error["message"]
    foreign = post(
        api(apps.user("outsider")),
        BASE,
        {"student": str(apps.student("a1").public_id), "basic_care": True},
    )
    assert foreign.status_code == 404
    staff = post(
        api(apps.user("teacher_a1")),
        BASE,
        {"student": str(apps.student("a1").public_id), "basic_care": True},
    )
    assert staff.status_code == 403
    assert not Application.objects.exists()


def test_lists_are_scoped_by_role(apps, api):
    a1 = apps.apply()
    a1_other = apps.apply(student=apps.child(grade=5))  # another class, no homeroom teacher
    b1 = apps.apply("b1")
    every = {str(a.public_id) for a in (a1, a1_other, b1)}
    expected = {
        "parent_a1": {a1, a1_other},
        "teacher_a1": {a1},
        "principal_a1": {a1, a1_other},
        "official_a": {a1, a1_other},
        "care_a1": set(),
        "principal_a2": set(),
        "parent_b1": {b1},
        "official_b": {b1},
    }
    for key, apps_seen in expected.items():
        response = api(apps.user(key)).get(BASE)
        assert response.status_code == 200
        assert ids(response) == {str(a.public_id) for a in apps_seen}, key
        assert ids(response) <= every
    client = api(apps.user("principal_a1"))
    assert ids(client.get(BASE, {"status": "approved"})) == set()
    assert ids(client.get(BASE, {"school_class": str(apps.world.classes["a1"].public_id)})) == {
        str(a1.public_id)
    }
    foreign = client.get(f"{BASE}{b1.public_id}/")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "not_found"


def test_review_bulk_approve_and_publish_through_the_api(apps, api):
    first = apps.apply()
    second = apps.apply(student=apps.child(grade=1), priority_groups=[PriorityGroup.MIGRANT])
    third = apps.apply(student=apps.child())
    teacher = api(apps.user("teacher_a1"))
    rejected = post(teacher, f"{BASE}{third.public_id}/review/", {"decision": "reject"})
    assert rejected.status_code == 400
    assert list(rejected.json()["error"]["fields"]) == ["note"]
    response = post(
        teacher,
        f"{BASE}{third.public_id}/review/",
        {"decision": "flag", "needs_accompaniment": True},
    )
    assert response.status_code == 200 and response.json()["status"] == "flagged"
    assert response.json()["needs_accompaniment"] is True
    assert (
        post(
            api(apps.user("parent_a1")), f"{BASE}{first.public_id}/review/", {"decision": "approve"}
        ).status_code
        == 403
    )

    # Only the priority groups the school verified count.
    verify = f"{BASE}{second.public_id}/verify-priority/"
    own_class = f"{BASE}{first.public_id}/verify-priority/"  # the teacher sees it: wrong role
    assert post(api(apps.user("teacher_a1")), own_class, {"groups": []}).status_code == 403
    assert post(api(apps.user("teacher_a1")), verify, {"groups": ["migrant"]}).status_code == 404
    assert post(api(apps.user("principal_b1")), verify, {"groups": ["migrant"]}).status_code == 404
    wrong = post(api(apps.user("principal_a1")), verify, {"groups": ["disabled"]})
    assert wrong.status_code == 400 and list(wrong.json()["error"]["fields"]) == ["groups"]
    verified = post(api(apps.user("principal_a1")), verify, {"groups": ["migrant"]})
    assert verified.status_code == 200, verified.json()
    assert verified.json()["priority_verified"] == ["migrant"]
    assert verified.json()["priority_groups"] == ["migrant"]

    plan = apps.plans["a1"].public_id
    approve = f"/api/v1/plans/{plan}/applications/approve/"
    assert post(api(apps.user("official_a")), approve).status_code == 403
    assert post(api(apps.user("principal_b1")), approve).status_code == 404
    principal = api(apps.user("principal_a1"))
    response = post(principal, approve, {"limit": 1, "expected_last_rank": 0})
    assert response.status_code == 200, response.json()
    assert response.json()["approved"] == [
        {"id": str(second.public_id), "student": second.student.name, "approval_rank": 1}
    ]
    assert response.json()["remaining"] == 1 and response.json()["last_rank"] == 1
    stale = post(principal, approve, {"limit": 1, "expected_last_rank": 0})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    chosen = post(principal, approve, {"applications": [str(third.public_id)]})
    assert [a["approval_rank"] for a in chosen.json()["approved"]] == [2]
    b_app = apps.apply("b1")
    foreign = post(principal, approve, {"applications": [str(b_app.public_id)]})
    assert foreign.status_code == 404

    publish = post(principal, f"/api/v1/plans/{plan}/applications/publish/")
    assert publish.status_code == 200
    assert publish.json()["added"] == 2 and publish.json()["listed"] == 2
    assert publish.json()["url"].endswith(f"/public/participants/{plan}/")


def test_agreement_sign_and_insurance_through_the_api(apps, api):
    app = apps.approve(apps.apply())
    plan = apps.plans["a1"].public_id
    principal = api(apps.user("principal_a1"))
    url = f"/api/v1/plans/{plan}/agreements/"
    assert post(principal, url, {"title": "", "body": "x"}).status_code == 400
    assert post(api(apps.user("teacher_a1")), url, {"title": "x", "body": "y"}).status_code == 403
    created = post(principal, url, {"title": "课后服务协议", "body": "第一条……"})
    assert created.status_code == 201 and created.json()["version"] == 1
    assert [a["version"] for a in principal.get(url).json()] == [1]

    parent = api(apps.user("parent_a1"))
    listed = parent.get("/api/v1/agreements/", {"school": str(apps.world.schools["a1"].public_id)})
    assert [a["id"] for a in listed.json()["results"]] == [created.json()["id"]]
    assert (
        api(apps.user("outsider")).get(f"/api/v1/agreements/{created.json()['id']}/").status_code
        == 404
    )
    assert api(apps.user("outsider")).get(url).status_code == 404

    signed = post(parent, f"{BASE}{app.public_id}/sign/", {"agreement_version": 1})
    assert signed.status_code == 200
    assert signed.json()["agreement_version"] == 1 and signed.json()["is_active"] is False
    again = post(parent, f"{BASE}{app.public_id}/sign/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_signed"
    insured = post(parent, f"{BASE}{app.public_id}/insurance/", {"policy_number": "P-1"})
    assert insured.status_code == 200 and insured.json()["is_active"] is True
    assert insured.json()["insurance_note"] == "P-1"
    assert (
        post(api(apps.user("principal_a1")), f"{BASE}{app.public_id}/insurance/").status_code == 403
    )


def test_change_and_withdrawal_through_the_api(apps, api):
    parent = api(apps.user("parent_a1"))
    app = apps.apply()
    response = parent.patch(f"{BASE}{app.public_id}/", {"basic_care": False}, format="json")
    assert response.status_code == 200 and response.json()["basic_care"] is False
    assert parent.put(f"{BASE}{app.public_id}/", {}, format="json").status_code == 405
    assert api(apps.user("outsider")).patch(f"{BASE}{app.public_id}/", {}).status_code == 404

    apps.approve(app)
    today = timezone.localdate()
    bad = post(
        parent, f"{BASE}{app.public_id}/withdrawal/", {"reason": "x", "last_day": "2000-01-01"}
    )
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["last_day"]
    asked = post(
        parent,
        f"{BASE}{app.public_id}/withdrawal/",
        {"reason": "搬家", "last_day": (today + timedelta(days=2)).isoformat()},
    )
    assert asked.status_code == 200 and asked.json()["status"] == "withdrawal_requested"
    principal = api(apps.user("principal_a1"))
    declined = post(principal, f"{BASE}{app.public_id}/withdrawal/decline/", {"reason": "不行"})
    assert declined.status_code == 200 and declined.json()["status"] == "approved"
    assert post(principal, f"{BASE}{app.public_id}/withdrawal/approve/").status_code == 409
    post(
        parent,
        f"{BASE}{app.public_id}/withdrawal/",
        {"reason": "搬家", "last_day": today.isoformat()},
    )
    assert post(parent, f"{BASE}{app.public_id}/withdrawal/approve/").status_code == 403
    approved = post(principal, f"{BASE}{app.public_id}/withdrawal/approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == "withdrawn"
    assert approved.json()["withdrawal_effective_date"] == today.isoformat()


def test_the_api_list_has_a_constant_query_count(apps, api):
    client = api(apps.user("principal_a1"))
    apps.agreement()
    parent = apps.user("parent_a1")

    def n():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BASE).status_code == 200
        return len(ctx.captured_queries)

    apps.approve(apps.apply())
    before = n()
    for _ in range(2):
        app = apps.approve(apps.apply(student=apps.child()))
        services.sign_agreement(actor=parent, application=app)
    assert n() == before
