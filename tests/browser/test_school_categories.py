"""The district official defines two school categories with different caps on a phone,
assigns the schools, and the rural school's plan shows the rural limit (issue 16).

Screenshots of the pages at 390 px are written to ``$SCREENSHOT_DIR`` when it is set."""

import os
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from plans.services import plans as plan_services
from plans.services import policy as policy_services
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def district(bworld):
    """District a under the 2021 city plan (no caps on basic care), and a draft plan of each
    school charging 350 元 a semester for basic care."""
    semester = bworld.semesters["a"]
    policy_services.create_policy_from_preset(
        actor=bworld.users["official_a"], semester=semester, preset="city_2021"
    )
    for key in ("a1", "a2"):
        principal = bworld.users[f"principal_{key}"]
        plan = plan_services.create_plan(
            actor=principal, school=bworld.schools[key], semester=semester
        )
        version = plan_services.update_plan_general(
            actor=principal,
            version=plan.versions.get(),
            data={
                "hotline": "0531-12345678",
                "safety_plan": "安全预案",
                "leadership_group": "组长：校长",
                "prohibitions_confirmed": True,
                "fee_notice": "基础托管每学期350元",
                "basic_fee_unit": "per_semester",
                "basic_fee_amount": Decimal("350.00"),
            },
        )
        plan_services.save_plan_part(
            actor=principal,
            version=version,
            kind="period",
            data={
                "grades": [3],
                "weekdays": [0, 1, 2, 3, 4],
                "start_time": time(15, 30),
                "end_time": time(17, 0),
            },
        )
        bworld.plans = {**getattr(bworld, "plans", {}), key: plan}
    return bworld


def add_category(page, name):
    form = page.locator("#add-category")
    form.locator("input[name=name]").fill(name)
    form.locator("button").click()
    expect(page.locator("[data-testid=category-table]")).to_contain_text(name)


def set_semester_cap(page, name, value):
    page.locator("[data-testid=category-table]").get_by_role("link", name=name).click()
    page.locator("select[name=override-0-rule]").select_option("basic_cap_per_semester")
    page.locator("input[name=override-0-value]").fill(value)
    shot(page, f"category-{value}")
    page.locator("form.card button.primary").click()
    expect(page.locator("[data-testid=category-table]")).to_be_visible()


def test_official_sets_categories_and_the_rural_plan_shows_its_limit(
    district, page, log_in, live_server
):
    semester = district.semesters["a"]
    a1, a2 = district.schools["a1"], district.schools["a2"]
    page = log_in("official-a", PASSWORD)
    page.goto(f"{live_server.url}/semesters/{semester.public_id}/policy/")
    page.locator("[data-testid=categories-link]").click()

    add_category(page, "城区")
    add_category(page, "农村")
    set_semester_cap(page, "城区", "400")
    set_semester_cap(page, "农村", "320")

    table = page.locator("[data-testid=category-table]")
    expect(table.locator("[data-testid=override]")).to_have_count(2)
    expect(table.locator("tr[data-category]").nth(2)).to_contain_text("320.00")
    expect(page.locator("[data-testid=category-warnings]")).to_contain_text("城区")

    schools = page.locator("#schools")
    schools.locator(f"select[name=school_{a1.pk}]").select_option(label="城区")
    schools.locator(f"select[name=school_{a2.pk}]").select_option(label="农村")
    schools.locator("button").click()
    expect(page.locator("[data-testid=category-warnings]")).to_have_count(0)
    expect(page.locator("[data-testid=school-count]").first).to_be_visible()
    shot(page, "categories")
    # The page fits the phone: nothing but the table scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The version history names the overrides.
    page.goto(f"{live_server.url}/semesters/{semester.public_id}/policy/")
    history = page.locator("[data-testid=policy-history]")
    expect(history).to_contain_text("农村")
    expect(history).to_contain_text("320.00")
    shot(page, "policy")

    # The rural school's principal sees the rural limit on the plan.
    page.context.clear_cookies()
    page = log_in("principal-a2", PASSWORD)
    page.goto(f"{live_server.url}/plans/{district.plans['a2'].public_id}/")
    expect(page.locator("[data-testid=school-category]")).to_contain_text("农村")
    violation = page.locator("[data-testid=violation]").filter(has_text="320.00")
    expect(violation.first).to_have_text(
        "农村小学 基础托管每学期收费 350.00 元（三年级），超过区政策上限 320.00 元"
    )
    shot(page, "plan-rural")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The town school charging the same is within its cap.
    page.context.clear_cookies()
    page = log_in("principal-a1", PASSWORD)
    page.goto(f"{live_server.url}/plans/{district.plans['a1'].public_id}/")
    expect(page.locator("[data-testid=school-category]")).to_contain_text("城区")
    expect(page.locator("[data-testid=violation]").filter(has_text="基础托管每学期")).to_have_count(
        0
    )
