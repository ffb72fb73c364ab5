"""A parent's whole semester start on a phone: sign up, bind the child, apply, register for
an extended course in the rush (and see the waiting list when it is full), sign the
agreement, confirm the insurance."""

import re

import pytest
from playwright.sync_api import expect

from aftercare.sms import LoggingBackend
from enrollment.models import Application, CourseRegistration
from enrollment.services import applications as app_services
from tests.factories import StudentFactory
from tests.registration_world import build_rush

pytestmark = pytest.mark.browser
MOBILE = "13766665555"


def test_parent_binds_applies_registers_and_signs(bworld, page, live_server):
    rush = build_rush(bworld, courses=(("书法", 1, 1), ("围棋", 10, 1)), students=1)
    app_services.publish_agreement(
        actor=bworld.users["principal_a1"],
        plan=rush.plan,
        title="课后服务协议",
        body="第一条 学校在放学后提供看护服务。",
    )
    child = StudentFactory(school_class=bworld.classes["a1"], name="周小雨", guardian_mobile=MOBILE)
    # Someone else took the only seat of 书法 a moment earlier.
    from enrollment.services import registration

    registration.register(
        actor=rush.parents[rush.students[0].pk], student=rush.students[0], info=rush.info("书法")
    )

    # Sign up with the SMS code, bind the child
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("手机号").fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()
    code = re.search(r"\d{6}", LoggingBackend.outbox[-1][1]).group(0)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("您的姓名").fill("周丽")
    page.get_by_label(re.compile(r"^密码")).fill("kehou-mama-2026")
    page.get_by_label("确认密码").fill("kehou-mama-2026")
    page.get_by_role("button", name="注册").click()
    page.get_by_label("学籍号").fill(child.student_number)
    page.get_by_label("孩子姓名").fill("周小雨")
    page.get_by_label("母亲").check()
    page.get_by_role("button", name="绑定").click()
    expect(page.get_by_role("status")).to_have_text("已成功绑定周小雨。")

    # Apply
    page.goto(f"{live_server.url}/family/applications/")
    card = page.get_by_test_id("child-application")
    card.get_by_label("我自愿为孩子申请参加课后服务。").check()
    card.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("status")).to_have_text("已申请")

    # Register: 书法 is full (waiting list), 围棋 has seats
    page.get_by_role("link", name="拓展课程").first.click()
    expect(page.get_by_test_id("window-open")).to_be_visible()
    full = page.locator("[data-testid=course][data-course='书法']")
    expect(full.get_by_test_id("seats")).to_have_text("剩余名额 0 / 1")
    full.get_by_role("button", name="加入候补").click()
    expect(page.get_by_role("status")).to_contain_text("已进入候补名单")
    expect(full.get_by_test_id("waitlist-position")).to_have_text("候补排第 1 位")
    go = page.locator("[data-testid=course][data-course='围棋']")
    go.get_by_role("button", name="报名").click()
    expect(go.get_by_test_id("registration-status")).to_contain_text("已报上")
    expect(go.get_by_test_id("seats")).to_have_text("剩余名额 9 / 10")
    expect(go.get_by_role("button", name="报名")).to_have_count(0)
    assert CourseRegistration.objects.filter(student=child).count() == 2

    # The school approves; the parent signs and confirms the insurance
    app = Application.objects.get(student=child)
    app_services.approve_applications(
        actor=bworld.users["principal_a1"], plan=rush.plan, selected=[app]
    )
    page.goto(f"{live_server.url}/family/applications/")
    page.get_by_test_id("agreement-link").click()
    page.get_by_label("我已阅读并同意本服务协议。").check()
    page.get_by_role("button", name="签署协议").click()
    page.get_by_label("我的孩子本学期已购买学生意外伤害保险（学平险）。").check()
    page.get_by_role("button", name="确认学平险").click()
    expect(page.get_by_test_id("active")).to_have_text("周小雨已正式参加课后服务，可以按时参加。")
    app.refresh_from_db()
    assert app.is_active and app.channel == "web"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
