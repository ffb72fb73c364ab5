"""The application pages: parents apply, change, sign and withdraw; homeroom teachers review;
the school approves, publishes the list, writes the agreement and answers withdrawals; the
public list shows masked names only. Field errors in place, nothing half-written, 404 across
tenants and families, 403 for a wrong role, and list pages with a constant query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent, SchoolClass
from enrollment.models import Application, ApplicationStatus, PriorityGroup
from enrollment.services import applications as services
from plans.models import WindowKind
from tests.enrollment.test_applications_fixtures import build_apps, make_plan
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db

S = ApplicationStatus


@pytest.fixture
def apps(world):
    return build_apps(world)


def text(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- parent


def test_a_parent_applies_on_the_page_and_the_evidence_is_kept(apps, client, login):
    login(apps.user("parent_a1"))
    student = apps.student("a1")
    page = client.get(reverse("family_applications"))
    assert page.status_code == 200
    assert 'data-testid="apply-form"' in text(page)
    assert "我自愿为孩子申请参加课后服务。" in text(page)

    response = client.post(
        reverse("application_apply"),
        {
            "student": student.public_id,
            "basic_care": "yes",
            "priority_groups": [PriorityGroup.LEFT_BEHIND],
            "parent_note": "周三需提前接",
            "consent": "on",
        },
        REMOTE_ADDR="192.0.2.7",
        HTTP_USER_AGENT="MicroMessenger/8.0 (iPhone)",
    )
    assert response.status_code == 302
    app = Application.objects.get(student=student)
    assert (app.channel, app.client_ip, app.user_agent) == (
        "web",
        "192.0.2.7",
        "MicroMessenger/8.0 (iPhone)",
    )
    assert (app.applied_by, app.basic_care, app.priority_groups) == (
        apps.user("parent_a1"),
        True,
        ["left_behind"],
    )
    page = client.get(reverse("family_applications"))
    assert "已申请" in text(page) and "留守儿童" in text(page)
    assert 'data-testid="apply-form"' not in text(page)


def test_applying_twice_or_without_consent_shows_the_error_in_place(apps, client, login):
    login(apps.user("parent_a1"))
    student = apps.student("a1")
    data = {"student": student.public_id, "basic_care": "no"}
    response = client.post(reverse("application_apply"), data)
    assert response.status_code == 400
    consent = text(response).split(f'id="id_{student.public_id}_consent"')[1]
    assert consent.index("此项为必填项。") < consent.index("</div>")  # right under the box
    assert not Application.objects.exists()
    apps.apply()
    response = client.post(reverse("application_apply"), {**data, "consent": "on"})
    assert response.status_code == 400
    assert "已有本学期的申请" in text(response)
    assert Application.objects.count() == 1


def test_outside_the_window_the_page_shows_the_registration_times(apps, client, login):
    opens = apps.now + timedelta(days=1)
    make_plan(
        apps.world,
        "a2",
        apps.semesters["a"],
        windows=[(WindowKind.BASIC, opens, opens + timedelta(days=1))],
    )
    login(apps.user("parent_a2"))
    page = client.get(reverse("family_applications"))
    assert "当前不在报名时间内" in text(page)
    assert f"{timezone.localtime(opens):%Y-%m-%d %H:%M}" in text(page)
    assert 'data-testid="apply-form"' not in text(page)
    response = client.post(
        reverse("application_apply"),
        {"student": apps.student("a2").public_id, "basic_care": "yes", "consent": "on"},
    )
    assert response.status_code == 400
    assert "当前不在报名时间内" in text(response)
    assert not Application.objects.exists()


def test_the_parent_changes_basic_care_while_the_application_waits(apps, client, login):
    app = apps.apply(basic_care=True)
    login(apps.user("parent_a1"))
    response = client.post(
        reverse("application_change", args=[app.public_id]),
        {"basic_care": "no", "parent_note": "x" * 201},
    )
    assert response.status_code == 400
    assert "open" in text(response)
    app.refresh_from_db()
    assert app.basic_care is True
    response = client.post(
        reverse("application_change", args=[app.public_id]), {"basic_care": "no"}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.basic_care is False


def test_another_family_and_staff_cannot_act_for_a_child(apps, client, login):
    app = apps.apply()
    other_child = apps.child(key="a1", parent=apps.user("parent_a2"))
    login(apps.user("parent_a2"))
    for name in ("application_change", "application_withdraw", "application_sign"):
        assert client.post(reverse(name, args=[app.public_id])).status_code == 404
    assert client.get(reverse("application_agreement", args=[app.public_id])).status_code == 404
    assert (
        client.post(
            reverse("application_apply"), {"student": apps.student("a1").public_id}
        ).status_code
        == 404
    )
    assert other_child.school_id == app.school_id
    login(apps.user("teacher_a1"))  # sees the class's application, is not its guardian
    assert client.post(reverse("application_change", args=[app.public_id])).status_code == 403
    assert client.post(reverse("application_withdraw", args=[app.public_id])).status_code == 403


# --------------------------------------------------------------------------- agreement page


def test_the_parent_signs_and_confirms_insurance_and_sees_the_child_active(apps, client, login):
    app = apps.approve(apps.apply())
    url = reverse("application_agreement", args=[app.public_id])
    login(apps.user("parent_a1"))
    assert "学校尚未发布服务协议" in text(client.get(url))
    apps.agreement(body="第一条 服务时间为每周一至周五放学后。")
    page = client.get(url)
    assert "第一条 服务时间为每周一至周五放学后。" in text(page)
    assert "还需两步" in text(page)
    response = client.post(reverse("application_sign", args=[app.public_id]), {"version": 1})
    assert response.status_code == 400  # the box was not ticked
    assert Application.objects.get(pk=app.pk).signed_at is None
    response = client.post(
        reverse("application_sign", args=[app.public_id]), {"version": 1, "agree": "on"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("application_insurance", args=[app.public_id]),
        {"confirm": "on", "policy_number": "PICC-9"},
    )
    assert response.status_code == 302
    page = client.get(url)
    assert 'data-testid="active"' in text(page)
    assert "已正式参加课后服务" in text(page)
    assert "PICC-9" in text(page)
    app.refresh_from_db()
    assert app.is_active and app.agreement.version == 1
    assert "已正式参加课后服务" in text(client.get(reverse("family_applications")))


def test_signing_an_outdated_version_is_refused_in_place(apps, client, login):
    app = apps.approve(apps.apply())
    apps.agreement(body="旧版")
    apps.agreement(body="新版")
    login(apps.user("parent_a1"))
    response = client.post(
        reverse("application_sign", args=[app.public_id]), {"version": 1, "agree": "on"}
    )
    assert response.status_code == 400
    assert "请阅读第 2 版后重新签署" in text(response)
    assert Application.objects.get(pk=app.pk).signed_at is None


# --------------------------------------------------------------------------- teacher


def test_the_homeroom_teacher_reviews_on_the_page(apps, client, login):
    first, second = apps.apply(), apps.apply(student=apps.child(name="王小红"))
    login(apps.user("teacher_a1"))
    page = client.get(reverse("teacher_applications"))
    assert page.status_code == 200
    assert text(page).count('data-testid="application"') == 2
    assert "待审核 (2)" in text(page)

    response = client.post(
        reverse("application_review", args=[first.public_id]),
        {"decision": "approve", "origin": "teacher"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("application_review", args=[second.public_id]),
        {"decision": "reject", "note": "", "origin": "teacher"},
    )
    assert response.status_code == 400
    assert "请填写不通过的原因。" in text(response)
    assert Application.objects.get(pk=second.pk).status == S.APPLIED
    response = client.post(
        reverse("application_review", args=[second.public_id]),
        {"decision": "reject", "note": "已转学", "origin": "teacher"},
    )
    assert response.status_code == 302
    assert [a.status for a in Application.objects.order_by("id")] == [
        S.CLASS_APPROVED,
        S.REJECTED,
    ]
    page = client.get(reverse("teacher_applications") + "?status=rejected")
    assert text(page).count('data-testid="application"') == 1 and "已转学" in text(page)


def test_only_the_class_teacher_reviews(apps, client, login):
    app = apps.apply()
    other = member(UserFactory(), "homeroom_teacher", school=apps.world.schools["a1"])
    SchoolClass.objects.create(
        district=apps.world.a,
        school=apps.world.schools["a1"],
        grade=2,
        number=7,
        homeroom_teacher=other,
    )
    url = reverse("application_review", args=[app.public_id])
    data = {"decision": "approve"}
    for user in (other, apps.user("care_a1"), apps.user("teacher_a2"), apps.user("principal_a2")):
        login(user)
        assert client.post(url, data).status_code == 404  # not their class: not found
    for key in ("parent_a1", "official_a"):  # they see it, may not review it
        login(apps.user(key))
        assert client.post(url, data).status_code == 403
    login(apps.user("parent_a1"))
    assert client.get(reverse("teacher_applications")).status_code == 403
    assert Application.objects.get(pk=app.pk).status == S.APPLIED
    login(other)
    assert 'data-testid="application"' not in text(client.get(reverse("teacher_applications")))


# --------------------------------------------------------------------------- school


def test_the_school_page_bulk_approves_with_a_limit_and_publishes_the_list(apps, client, login):
    plain = apps.apply()
    priority = apps.apply(student=apps.child(), priority_groups=[PriorityGroup.DISABLED])
    principal = apps.user("principal_a1")
    login(principal)
    url = reverse("school_applications", args=[apps.world.schools["a1"].public_id])
    body = text(client.get(url))
    assert 'data-testid="verify-priority"' in body
    assert body.index(plain.student.name) < body.index(priority.student.name)  # only declared
    verify = reverse("application_verify_priority", args=[priority.public_id])
    assert client.post(verify, {"groups": [PriorityGroup.DISABLED]}).status_code == 302
    assert Application.objects.get(pk=priority.pk).priority_verified == ["disabled"]
    page = client.get(url)
    assert page.status_code == 200
    body = text(page)
    assert body.index(priority.student.name) < body.index(plain.student.name)  # order shown
    approve = reverse("applications_bulk_approve", args=[apps.plans["a1"].public_id])
    response = client.post(approve, {"limit": "0", "expected_last_rank": "0"})
    assert response.status_code == 400
    assert Application.objects.filter(status=S.APPROVED).count() == 0
    response = client.post(approve, {"limit": "1", "expected_last_rank": "0"})
    assert response.status_code == 302
    assert list(Application.objects.filter(status=S.APPROVED)) == [priority]
    response = client.post(approve, {"limit": "1", "expected_last_rank": "0"}, follow=True)
    assert "其间已有其他申请被核准" in text(response)  # a second click of the same form
    response = client.post(
        reverse("applications_publish_list", args=[apps.plans["a1"].public_id]), follow=True
    )
    assert "名单已公示：新增 1 名学生。" in text(response)
    assert Application.objects.get(pk=priority.pk).listed_at is not None


def test_the_school_selects_flagged_ones_and_rejects_with_a_reason(apps, client, login):
    teacher = apps.user("teacher_a1")
    flagged = apps.apply()
    services.review_application(actor=teacher, application=flagged, decision="flag", note="陪同")
    other = apps.apply(student=apps.child())
    login(apps.user("admin_a1"))
    approve = reverse("applications_bulk_approve", args=[apps.plans["a1"].public_id])
    response = client.post(approve, {"selected": [flagged.public_id], "expected_last_rank": "0"})
    assert response.status_code == 302
    assert Application.objects.get(pk=flagged.pk).status == S.APPROVED
    review = reverse("application_review", args=[other.public_id])
    response = client.post(review, {"decision": "reject", "origin": "school"})
    assert response.status_code == 400
    assert "请填写不通过的原因。" in text(response)
    response = client.post(review, {"decision": "reject", "note": "名额已满", "origin": "school"})
    assert response.status_code == 302
    assert Application.objects.get(pk=other.pk).rejection_reason == "名额已满"


def test_school_page_roles_and_export(apps, client, login):
    apps.apply(priority_groups=[PriorityGroup.HARDSHIP])
    url = reverse("school_applications", args=[apps.world.schools["a1"].public_id])
    login(apps.user("official_a"))
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="approve-all"' not in text(page)
    for key in ("teacher_a1", "parent_a1", "care_a1"):
        login(apps.user(key))
        assert client.get(url).status_code == 403
    login(apps.user("principal_a2"))
    assert client.get(url).status_code == 404
    login(apps.user("principal_a1"))
    response = client.get(url + "?export=csv")
    assert response.status_code == 200
    content = response.content.decode("utf-8-sig")
    assert apps.student("a1").student_number in content and "家庭经济困难" in content
    assert AuditEvent.objects.filter(action="application.exported").count() == 1
    filtered = client.get(url + "?status=approved")
    assert apps.student("a1").name not in text(filtered).split('data-testid="applications"')[1]


def test_the_agreement_editor_publishes_versions(apps, client, login):
    url = reverse("agreement_editor", args=[apps.plans["a1"].public_id])
    login(apps.user("principal_a1"))
    response = client.post(url, {"title": "课后服务协议", "body": ""})
    assert response.status_code == 400 and "field-error" in text(response)
    response = client.post(url, {"title": "课后服务协议", "body": "第一条……"})
    assert response.status_code == 302
    response = client.post(url, {"title": "课后服务协议", "body": "第一条（修订）……"})
    page = client.get(url)
    assert text(page).count('data-testid="agreement-version"') == 2
    login(apps.user("official_a"))
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "x", "body": "y"}).status_code == 403
    login(apps.user("teacher_a1"))
    assert client.get(url).status_code == 403


def test_the_school_answers_withdrawal_requests(apps, client, login):
    parent = apps.user("parent_a1")
    first = apps.approve(apps.apply())
    second = apps.approve(apps.apply(student=apps.child()))
    today = timezone.localdate()
    login(parent)
    response = client.post(
        reverse("application_withdraw", args=[first.public_id]),
        {"reason": "", "last_day": today.isoformat()},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("application_withdraw", args=[first.public_id]),
        {"reason": "搬家", "last_day": (today + timedelta(days=5)).isoformat()},
    )
    assert response.status_code == 302
    services.request_withdrawal(actor=parent, application=second, reason="想退", last_day=today)
    login(apps.user("principal_a1"))
    page = client.get(reverse("school_applications", args=[apps.world.schools["a1"].public_id]))
    assert 'data-testid="withdrawals"' in text(page) and "搬家" in text(page)
    decide = "application_withdrawal_decision"
    response = client.post(reverse(decide, args=[first.public_id, "approve"]), {})
    assert response.status_code == 302
    response = client.post(reverse(decide, args=[second.public_id, "decline"]), {"reason": ""})
    assert response.status_code == 400
    response = client.post(
        reverse(decide, args=[second.public_id, "decline"]), {"reason": "学期中不能退出"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.withdrawal_effective_date) == (
        S.WITHDRAWN,
        today + timedelta(days=5),
    )
    assert second.status == S.APPROVED
    assert client.post(reverse(decide, args=[first.public_id, "cancel"])).status_code == 404
    login(parent)
    assert client.post(reverse(decide, args=[second.public_id, "approve"])).status_code == 403


# --------------------------------------------------------------------------- public list


def test_the_public_list_needs_no_login_and_shows_nothing_personal(apps, client):
    student = apps.child(name="张小明")
    app = apps.approve(
        apps.apply(student=student, priority_groups=[PriorityGroup.DISABLED], note="过敏")
    )
    url = reverse("public_participants", args=[apps.plans["a1"].public_id])
    assert "学校尚未公示参加名单" in text(client.get(url))
    services.publish_participant_list(actor=apps.user("principal_a1"), plan=apps.plans["a1"])
    page = client.get(url)
    body = text(page)
    assert page.status_code == 200
    assert "张*明" in body and str(student.school_class.name) in body
    for private in (
        "张小明",
        student.student_number,
        "残疾儿童",
        "过敏",
        apps.user("parent_a1").full_name,
        apps.user("parent_a1").mobile,
        str(app.public_id),
        str(student.public_id),
    ):
        assert private not in body, private
    assert client.get(reverse("public_participants", args=[app.public_id])).status_code == 404


# --------------------------------------------------------------------------- navigation


def test_navigation_entries(apps, client, login):
    login(apps.user("parent_a1"))
    assert reverse("family_applications") in text(client.get(reverse("family_home")))
    login(apps.user("teacher_a1"))
    assert reverse("teacher_applications") in text(client.get(reverse("teacher_home")))
    login(apps.user("care_a1"))
    assert reverse("teacher_applications") not in text(client.get(reverse("teacher_home")))
    login(apps.user("principal_a1"))
    school = apps.world.schools["a1"]
    home = client.get(reverse("school_home", args=[school.public_id]))
    assert reverse("school_applications", args=[school.public_id]) in text(home)


# --------------------------------------------------------------------------- query counts


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _approved_and_listed(apps, n):
    out = []
    for _ in range(n):
        app = apps.approve(apps.apply(student=apps.child(), priority_groups=["hardship"]))
        out.append(app)
    services.publish_participant_list(actor=apps.user("principal_a1"), plan=apps.plans["a1"])
    return out


def test_list_pages_have_a_constant_query_count(apps, client, login):
    parent, teacher, principal = (
        apps.user("parent_a1"),
        apps.user("teacher_a1"),
        apps.user("principal_a1"),
    )
    apps.agreement()
    _approved_and_listed(apps, 1)
    pages = {
        parent: reverse("family_applications"),
        teacher: reverse("teacher_applications"),
        principal: reverse("school_applications", args=[apps.world.schools["a1"].public_id]),
    }
    public = reverse("public_participants", args=[apps.plans["a1"].public_id])
    before = {}
    for user, url in pages.items():
        login(user)
        before[url] = count(client, url)
    client.logout()
    public_before = count(client, public)

    _approved_and_listed(apps, 2)
    apps.child(grade=4)  # a child without an application on the family page
    for user, url in pages.items():
        login(user)
        assert count(client, url) == before[url], url
    client.logout()
    assert count(client, public) == public_before
