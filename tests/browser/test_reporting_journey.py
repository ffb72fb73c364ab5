"""督导 in the browser, on a desktop: a district official opens an alert from the dashboard,
follows it to its evidence, acknowledges it with a note and exports the tables.

Selectors are data-testid attributes: the page text is Chinese once the lead merges the pending
translations, English before."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from plans.models import PlanVersion
from reporting.models import Alert
from reporting.rollups import refresh_rollups
from reporting.services.alerts import recompute_alerts
from tests.factories import PASSWORD
from tests.reporting.compliance_world import build_compliance

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def district(bworld):
    c = build_compliance(bworld)
    c.add_children(4)
    # The plan went public an hour before the district approved it.
    PlanVersion.objects.filter(pk=c.version.pk).update(
        decided_at=c.version.published_at + timedelta(hours=1),
        decided_by=bworld.users["official_a"],
    )
    refresh_rollups(district=c.district, start=c.semester.start_date, end=c.semester.end_date)
    recompute_alerts(district=c.district, semester=c.semester)
    return c


def test_an_official_follows_an_alert_to_its_evidence_acknowledges_and_exports(
    district, browser, live_server
):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号或用户名").fill("official-a")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/district/dashboard/")
    expect(page.locator("[data-testid=table-coverage]")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    alert = Alert.objects.get(rule="plan_unapproved")
    page.locator(f"a[href^='/district/alerts/{alert.public_id}/']").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-testid=alert-message]")).to_contain_text(district.school.name)
    expect(page.locator("[data-testid=alert-state]")).to_have_text(alert.get_state_display())

    # The evidence: the version's dates, and the way to the plan itself.
    evidence = page.locator("[data-testid=table-evidence] tbody tr")
    expect(evidence).to_have_count(1)
    page.locator("#evidence a.more").first.click()
    page.wait_for_load_state("networkidle")
    assert f"/plans/{district.plan.public_id}/" in page.url
    page.go_back()
    page.wait_for_load_state("networkidle")

    with page.expect_download() as download:
        page.locator("[data-testid=export-evidence]").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.locator("textarea[name=note]").fill("已约谈校长，方案已补办审批手续")
    page.locator("[data-testid=acknowledge]").click()
    page.wait_for_load_state("networkidle")
    alert.refresh_from_db()
    assert alert.state == "acknowledged" and alert.note == "已约谈校长，方案已补办审批手续"
    expect(page.locator("[data-testid=alert-state]")).to_have_text(alert.get_state_display())
    expect(page.locator("[data-testid=acknowledge]")).to_have_count(0)

    # Back on the dashboard: export a table.
    page.goto(f"{live_server.url}/district/dashboard/")
    with page.expect_download() as download:
        page.locator("[data-testid=export-operation]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    context.close()
