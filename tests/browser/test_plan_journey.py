"""A principal builds a plan on a phone, meets a violation, fixes it and submits; the district
returns it with a comment, then approves; the public page shows the published plan."""

import re

import pytest
from playwright.sync_api import expect

from aftercare.models import SchoolClass
from plans.services import policy as policy_services
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def district(bworld):
    semester = bworld.semesters["a"]
    policy_services.create_policy_from_preset(
        actor=bworld.users["official_a"], semester=semester, preset="city_2021"
    )
    school = bworld.schools["a1"]
    SchoolClass.objects.filter(school=school).update(grade=1)  # a one-grade school
    return bworld


def switch_user(page, log_in, login):
    page.context.clear_cookies()
    return log_in(login, PASSWORD)


def test_plan_journey(district, page, log_in, live_server):
    school = district.schools["a1"]
    page = log_in("principal-a1", PASSWORD)
    page.get_by_role("link", name="一校一案").first.click()
    page.get_by_role("button", name="创建方案").first.click()
    expect(page.locator("[data-testid=plan-status]")).to_have_text("草稿")

    # General part
    page.locator("#general").get_by_role("link", name="编辑").click()
    page.get_by_label("投诉电话").fill("0531-88886666")
    page.get_by_label("安全制度与应急预案").fill("交接签字，逐一清点人数。")
    page.get_by_label("领导小组").fill("组长：校长")
    page.get_by_label("我校承诺遵守区政策中的严禁事项").check()
    page.get_by_role("button", name="保存").click()

    # A period that ends too late
    page.get_by_role("link", name="+ 添加时段").click()
    page.get_by_text("一年级", exact=True).click()
    for day in ("星期一", "星期二", "星期三", "星期四", "星期五"):
        page.get_by_text(day, exact=True).click()
    page.get_by_label("开始时间").fill("15:30")
    page.get_by_label("结束时间").fill("18:10")
    page.get_by_role("button", name="保存").click()
    violation = page.locator("[data-testid=violation]").filter(has_text="18:10")
    expect(violation.first).to_have_text("一年级 结束时间 18:10 晚于区政策上限 18:00")
    expect(page.get_by_role("button", name="提交区教育局审核")).to_be_disabled()

    # Fix it on the period's own form, where the violation is shown too
    page.locator("[data-testid=period]").get_by_role("link", name="编辑").click()
    expect(page.locator("[data-testid=violation]").first).to_contain_text("18:10")
    page.get_by_label("结束时间").fill("17:30")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("方案符合区政策，内容完整。")).to_be_visible()
    page.get_by_role("button", name="提交区教育局审核").click()
    expect(page.locator("[data-testid=plan-status]")).to_have_text("已提交待审核")
    plan_url = page.url.split("#")[0]

    # The district returns it with a comment
    page = switch_user(page, log_in, "official-a")
    page.get_by_role("link", name="学校方案").first.click()
    page.get_by_role("link", name=school.name).click()
    page.get_by_label("给学校的意见").fill("请补充家长接送安排。")
    page.get_by_role("button", name="退回修改").click()
    expect(page.locator("[data-testid=plan-status]")).to_have_text("已退回修改")

    # The principal sees the comment and submits again
    page = switch_user(page, log_in, "principal-a1")
    page.goto(plan_url)
    expect(page.locator("[data-testid=review-comment]")).to_contain_text("请补充家长接送安排。")
    page.locator("#general").get_by_role("link", name="编辑").click()
    page.get_by_label("安全制度与应急预案").fill("交接签字，逐一清点人数。家长在校门口接送。")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="提交区教育局审核").click()

    # The district approves, the principal publishes
    page = switch_user(page, log_in, "official-a")
    page.goto(plan_url)
    page.get_by_role("button", name="批准").click()
    expect(page.get_by_test_id("confirm-approve")).to_be_visible()  # asked first
    page.get_by_test_id("confirm").click()
    expect(page.locator("[data-testid=plan-status]")).to_have_text("已批准")
    page = switch_user(page, log_in, "principal-a1")
    page.goto(plan_url)
    page.get_by_role("button", name="公示方案").click()
    expect(page.locator("[data-testid=plan-status]")).to_have_text("已公示")

    # The public page, without login
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/public/{district.a.code}/")
    page.get_by_role("link", name="已公示").click()
    expect(page.get_by_test_id("hotline")).to_have_text("0531-88886666")
    expect(page.locator("h1")).to_contain_text(school.name)
    assert re.search(
        r"一年级 · 星期一、星期二、星期三、星期四、星期五 · 15:30–17:30", page.content()
    )
