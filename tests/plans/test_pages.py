"""Policy and plan pages: render, edit, workflow, permissions."""

from datetime import time

import pytest
from django.urls import reverse

from plans.models import PlanStatus, PlanVersion, SchoolPlan
from plans.services import plans as plan_services

pytestmark = pytest.mark.django_db


def test_official_starts_policy_from_preset_and_changes_it(setup, client, login):
    login(setup.official)
    url = reverse("policy_detail", args=[setup.semester.public_id])
    page = client.get(url)
    assert page.status_code == 200 and "从预设开始" in page.content.decode()
    client.post(url, {"preset": "shandong"})
    page = client.get(url).content.decode()
    assert "1.80" in page and "350.00" in page
    edit = reverse("policy_edit", args=[setup.semester.public_id])
    form = client.get(edit)
    assert form.status_code == 200
    data = {k: v for k, v in form.context["form"].initial.items() if v is not None}
    data.update(
        {
            "service_weekdays": [0, 1, 2, 3, 4],
            "latest_end_time": "18:30",
            "exemption-TOTAL_FORMS": "1",
            "exemption-INITIAL_FORMS": "0",
            "exemption-0-name": "建档立卡贫困家庭",
            "exemption-0-reduction_percent": "100",
            "prohibitions": "严禁A\n严禁B",
            "season-TOTAL_FORMS": "0",
            "season-INITIAL_FORMS": "0",
            "change_note": "延长到18:30",
        }
    )
    for key in ("evening_latest_end_time",):
        data[key] = "20:30"
    for key in list(data):
        if isinstance(data[key], bool):
            data[key] = "on" if data[key] else ""
    response = client.post(edit, data)
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(url).content.decode()
    assert "v2" in page and "延长到18:30" in page
    assert "18:00 → 18:30" in page


def test_principal_reads_policy_but_cannot_edit(setup, client, login):
    setup.make_policy()
    login(setup.principal)
    assert client.get(reverse("policy_detail", args=[setup.semester.public_id])).status_code == 200
    assert client.get(reverse("policy_edit", args=[setup.semester.public_id])).status_code == 403


def test_plan_page_shows_violation_in_chinese_and_blocks_submit(setup, client, login):
    setup.make_policy()
    plan, version = setup.make_plan(end=time(18, 10))
    login(setup.principal)
    page = client.get(reverse("plan_detail", args=[plan.public_id])).content.decode()
    assert (
        "一年级、二年级、三年级、四年级、五年级、六年级 结束时间 18:10 晚于区政策上限 18:00" in page
    )
    response = client.post(reverse("plan_action", args=[plan.public_id, "submit"]))
    assert response.status_code == 302
    assert PlanVersion.objects.get(pk=version.pk).status == PlanStatus.DRAFT


def test_plan_edit_forms_save_and_show_item_violations(setup, client, login):
    setup.make_policy("one_plus_x")
    plan, version = setup.make_plan()
    login(setup.principal)
    new_course = reverse("plan_part_new", args=[plan.public_id, "course"])
    assert client.get(new_course).status_code == 200
    response = client.post(
        new_course,
        {
            "name": "书法",
            "grades": [3, 4],
            "weekdays": [1, 3],
            "start_time": "16:40",
            "end_time": "17:20",
            "capacity": 30,
            "min_size": 10,
            "fee_per_lesson": "25.00",
        },
    )
    assert response.status_code == 302
    course = version.courses.get()
    edit = client.get(reverse("plan_part_edit", args=[plan.public_id, "course", course.pk]))
    text = edit.content.decode()
    assert "课程“书法”最低开班人数 10 少于区政策要求的 15" in text
    assert "课程“书法”每课时收费 25.00 元，超过区政策上限 20.00 元" in text


def test_bad_form_input_shows_field_errors_and_writes_nothing(setup, client, login):
    setup.make_policy()
    plan, version = setup.make_plan()
    login(setup.principal)
    response = client.post(
        reverse("plan_part_new", args=[plan.public_id, "period"]),
        {
            "grades": [1],
            "weekdays": [0],
            "start_time": "17:00",
            "end_time": "16:00",
        },
    )
    assert response.status_code == 200
    assert "结束时间必须晚于开始时间" in response.content.decode()
    assert version.periods.count() == 1


def test_full_workflow_in_the_browser_pages(setup, client, login):
    setup.make_policy()
    plan, version = setup.make_plan()
    login(setup.principal)
    client.post(reverse("plan_action", args=[plan.public_id, "submit"]))
    version.refresh_from_db()
    assert version.status == PlanStatus.SUBMITTED
    # A principal cannot approve.
    assert client.post(reverse("plan_action", args=[plan.public_id, "approve"])).status_code == 403
    login(setup.official)
    client.post(
        reverse("plan_action", args=[plan.public_id, "return"]), {"comment": "请补充应急预案"}
    )
    version.refresh_from_db()
    assert version.status == PlanStatus.RETURNED and version.review_comment == "请补充应急预案"
    login(setup.principal)
    page = client.get(reverse("plan_detail", args=[plan.public_id])).content.decode()
    assert "请补充应急预案" in page
    client.post(reverse("plan_action", args=[plan.public_id, "submit"]))
    login(setup.official)
    client.post(reverse("plan_action", args=[plan.public_id, "approve"]), {"confirmed": "yes"})
    login(setup.principal)
    client.post(reverse("plan_action", args=[plan.public_id, "publish"]))
    version.refresh_from_db()
    assert version.status == PlanStatus.PUBLISHED
    public = client.get(reverse("public_plan", args=[plan.public_id]))
    assert public.status_code == 200 and "0531-12345678" in public.content.decode()
    index = client.get(reverse("public_district", args=[setup.world.a.code]))
    assert reverse("public_plan", args=[plan.public_id]) in index.content.decode()


def test_official_of_another_district_gets_404(setup, client, login):
    setup.make_policy()
    plan, _version = setup.make_plan()
    login(setup.world.users["official_b"])
    for url in (
        reverse("plan_detail", args=[plan.public_id]),
        reverse("policy_detail", args=[setup.semester.public_id]),
        reverse("school_plans", args=[setup.school.public_id]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("plan_action", args=[plan.public_id, "approve"])).status_code == 404


def test_unpublished_plan_is_not_public(setup, client):
    setup.make_policy()
    plan, _version = setup.make_plan()
    assert client.get(reverse("public_plan", args=[plan.public_id])).status_code == 404


def test_school_plans_page_creates_a_plan(setup, client, login):
    setup.make_policy()
    login(setup.principal)
    url = reverse("school_plans", args=[setup.school.public_id])
    assert client.get(url).status_code == 200
    client.post(url, {"semester": setup.semester.public_id})
    assert SchoolPlan.objects.filter(school=setup.school, semester=setup.semester).exists()


def test_district_plans_lists_status(setup, client, login):
    setup.make_policy()
    _plan, version = setup.make_plan()
    plan_services.submit_plan(actor=setup.principal, version=version)
    login(setup.official)
    page = client.get(reverse("district_plans")).content.decode()
    assert "1 份方案等待您审核" in page
