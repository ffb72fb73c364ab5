"""A parent signs up on a phone with an SMS code, binds a child and sees it on /family/."""

import re

import pytest
from playwright.sync_api import expect

from aftercare.sms import LoggingBackend
from enrollment.models import Student

pytestmark = pytest.mark.browser

MOBILE = "13966668888"


def sms_code() -> str:
    mobile, text = LoggingBackend.outbox[-1]
    assert mobile == MOBILE
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_parent_signs_up_binds_a_child_and_sees_it(bworld, page, live_server):
    LoggingBackend.outbox.clear()
    student = bworld.students["a1"]
    # The school's roster names this mobile as the guardian's: the binding is immediate.
    Student.objects.filter(pk=student.pk).update(guardian_mobile=MOBILE)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="用手机号注册").click()
    expect(page.locator("h1")).to_have_text("家长注册")
    page.get_by_label("手机号").fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()

    expect(page.get_by_role("status")).to_have_text("验证码已发送至 139****8888。")
    page.get_by_label("短信验证码").fill("000000" if sms_code() != "000000" else "111111")
    page.get_by_label("您的姓名").fill("郑丽")
    page.get_by_label(re.compile(r"^密码")).fill("kehou-mama-2026")
    page.get_by_label("确认密码").fill("kehou-mama-2026")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("alert")).to_have_text("验证码错误，还可以再试 4 次。")

    page.get_by_label("短信验证码").fill(sms_code())
    page.get_by_label(re.compile(r"^密码")).fill("kehou-mama-2026")
    page.get_by_label("确认密码").fill("kehou-mama-2026")
    page.get_by_role("button", name="注册").click()

    expect(page.locator("h1")).to_have_text("绑定孩子")
    expect(page.get_by_role("status")).to_have_text("注册成功！请绑定您的孩子。")
    page.get_by_label("学籍号").fill(student.student_number)
    page.get_by_label("孩子姓名").fill(student.name + "x")
    page.get_by_label("母亲").check()
    page.get_by_role("button", name="绑定").click()
    expect(page.get_by_role("alert")).to_contain_text("学籍号与姓名不匹配")

    page.get_by_label("孩子姓名").fill(student.name)
    page.get_by_role("button", name="绑定").click()

    assert page.url == f"{live_server.url}/family/"
    expect(page.locator("h1")).to_have_text("我的孩子")
    expect(page.get_by_role("status")).to_have_text(f"已成功绑定{student.name}。")
    child = page.get_by_test_id("child")
    expect(child).to_have_count(1)
    expect(child).to_contain_text(student.name)
    expect(child).to_contain_text("郑丽（母亲）")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # nothing runs off a phone screen
