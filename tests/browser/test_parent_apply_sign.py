"""A parent applies on a phone, the school approves, the parent reads and signs the service
agreement, confirms the accident insurance and sees the child enrolled."""

import pytest
from playwright.sync_api import expect

from enrollment.models import Application
from tests.enrollment.test_applications_fixtures import build_apps
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_parent_applies_signs_confirms_insurance_and_sees_the_child_active(
    bworld, log_in, live_server
):
    apps = build_apps(bworld)
    student = apps.student("a1")
    apps.agreement(body="第一条 学校在放学后提供看护服务。\n第二条 家长按时接送孩子。")

    page = log_in(apps.user("parent_a1").mobile, PASSWORD)
    page.get_by_role("link", name="课后服务报名").first.click()
    expect(page.locator("h1")).to_have_text("课后服务报名")
    card = page.get_by_test_id("child-application")
    expect(card).to_contain_text(student.name)
    expect(card.get_by_label("是")).to_be_checked()  # basic care: yes by default
    card.get_by_label("单亲家庭").check()
    card.get_by_label("给学校的留言（选填）").fill("孩子对花生过敏")
    card.get_by_label("我自愿为孩子申请参加课后服务。").check()
    card.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("status")).to_have_text(
        f"{student.name}的申请已提交，下一步由班主任审核。"
    )
    expect(page.get_by_test_id("status")).to_have_text("已申请")

    app = Application.objects.get(student=student)
    assert (app.channel, app.priority_groups) == ("web", ["single_parent"])
    assert "Chrome" in app.user_agent and app.client_ip == "127.0.0.1"
    apps.approve(app)  # the school approves

    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("学校已核准")
    expect(page.get_by_test_id("todo")).to_have_text("已核准。下一步：请阅读并签署服务协议。")
    page.get_by_test_id("agreement-link").click()
    expect(page.locator("h1")).to_have_text("服务协议与学平险")
    expect(page.get_by_test_id("agreement-text")).to_contain_text("第二条 家长按时接送孩子。")
    expect(page.get_by_test_id("todo")).to_contain_text("还需两步")
    page.get_by_label("我已阅读并同意本服务协议。").check()
    page.get_by_role("button", name="签署协议").click()
    expect(page.get_by_role("status")).to_have_text("协议已签署，谢谢！")
    expect(page.get_by_test_id("signed")).to_contain_text("第 1 版")
    expect(page.get_by_test_id("todo")).to_have_text("还需一步：确认学平险。")

    page.get_by_label("我的孩子本学期已购买学生意外伤害保险（学平险）。").check()
    page.get_by_label("保单号（选填）").fill("PICC-2026-0815")
    page.get_by_role("button", name="确认学平险").click()
    expect(page.get_by_role("status")).to_have_text("学平险已确认。")
    expect(page.get_by_test_id("active")).to_have_text(
        f"{student.name}已正式参加课后服务，可以按时参加。"
    )

    page.get_by_role("link", name="课后服务报名").first.click()
    expect(page.get_by_test_id("active")).to_be_visible()
    app.refresh_from_db()
    assert app.is_active and app.insurance_note == "PICC-2026-0815"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]
