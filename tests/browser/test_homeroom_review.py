"""A homeroom teacher reviews their class's applications on a phone: approves one, and
rejects another — first forgetting the reason (the error shows in place), then with it."""

import pytest
from playwright.sync_api import expect

from enrollment.models import Application, ApplicationStatus
from tests.enrollment.test_applications_fixtures import build_apps
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_homeroom_teacher_approves_one_and_rejects_one_on_a_phone(bworld, log_in, live_server):
    apps = build_apps(bworld)
    first = apps.apply(note="周三奶奶接")
    second = apps.apply(student=apps.child(name="王小红"))

    page = log_in("teacher-a1", PASSWORD)
    page.get_by_role("link", name="报名审核").first.click()
    expect(page.locator("h1")).to_have_text("本班课后服务申请")
    cards = page.get_by_test_id("application")
    expect(cards).to_have_count(2)
    expect(page.get_by_test_id("status-tabs")).to_contain_text("待审核 (2)")

    card = cards.filter(has_text=first.student.name)
    expect(card).to_contain_text("周三奶奶接")
    card.get_by_role("button", name="通过", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"{first.student.name}：已通过。")
    card = page.get_by_test_id("application").filter(has_text=first.student.name)
    expect(card.get_by_test_id("status")).to_have_text("班主任已审核")

    card = page.get_by_test_id("application").filter(has_text="王小红")
    card.locator("summary", has_text="不通过").click()
    card.get_by_role("button", name="确认不通过").click()
    card = page.get_by_test_id("application").filter(has_text="王小红")
    expect(card.get_by_role("alert")).to_have_text("请填写不通过的原因。")
    assert Application.objects.get(pk=second.pk).status == ApplicationStatus.APPLIED
    card.get_by_label("不通过原因").fill("已转学至外区")
    card.get_by_role("button", name="确认不通过").click()
    expect(page.get_by_role("status")).to_have_text("王小红：未通过。")
    card = page.get_by_test_id("application").filter(has_text="王小红")
    expect(card.get_by_test_id("status")).to_have_text("未通过")
    expect(card.get_by_test_id("rejection")).to_have_text("已转学至外区")

    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.status, second.status) == ("class_approved", "rejected")
    assert second.rejection_reason == "已转学至外区"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # nothing runs off a phone screen
