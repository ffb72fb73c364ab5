"""Every role logs in on a phone-sized screen and lands on its Chinese home page."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("user_key", "heading"),
    [
        ("official_a", "第"),  # the district's name, 第N区教育局
        ("principal_a1", "第"),  # the school's name, 第N小学
        ("admin_a1", "第"),
        ("teacher_a1", "我的班级"),
        ("care_a1", "我的班级"),
        ("parent_a1", "我的孩子"),
    ],
)
def test_role_logs_in_and_sees_chinese_home(bworld, log_in, user_key, heading):
    user = bworld.users[user_key]
    page = log_in(user.username or user.mobile, PASSWORD)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    h1 = page.locator("h1").first.inner_text()
    assert h1.startswith(heading), h1
    assert page.get_by_role("link", name="课后服务", exact=True).is_visible()
    # The menu opens on a phone and offers logout.
    page.locator("summary").click()
    assert page.get_by_role("button", name="退出登录").is_visible()


def test_parent_sees_own_child_only(bworld, log_in):
    page = log_in(bworld.users["parent_a1"].mobile, PASSWORD)
    children = page.get_by_test_id("child")
    assert children.count() == 1
    assert bworld.students["a1"].name in children.first.inner_text()


def test_wrong_password_shows_error_in_place(bworld, log_in):
    page = log_in("principal-a1", "wrong-password")
    assert "手机号/用户名或密码错误" in page.content()
    assert page.url.endswith("/accounts/login/")


def test_official_filters_the_audit_log(bworld, log_in, live_server):
    from aftercare.audit import record_event

    record_event(
        actor=bworld.users["principal_a1"], action="plan.submitted", obj=bworld.schools["a1"]
    )
    record_event(actor=bworld.users["official_a"], action="semester.created", obj=bworld.a)
    page = log_in("official-a", PASSWORD)
    page.get_by_role("link", name="审计日志").first.click()
    rows = page.get_by_test_id("audit-events").locator("tbody tr")
    # count() does not wait for the navigation the click started (a loaded machine is slow).
    expect(rows).to_have_count(2)
    page.get_by_label("操作", exact=True).fill("plan.")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    assert "提交方案" in rows.first.inner_text()


def test_language_switch(bworld, log_in):
    page = log_in("official-a", PASSWORD)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Audit log").first.is_visible()
