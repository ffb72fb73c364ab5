"""The annual assessment in a browser (Playwright, Debian's Chromium, 390 px phone): the
inspector opens a school's sheet, reads the evidence behind a computed score and enters the
inspection findings; once the official has published, the principal reads the school's own
sheet with its rank."""

import pytest
from playwright.sync_api import expect

from aftercare.models import Role
from reporting.models import CriterionScore
from reporting.services import assessment as services
from tests.factories import PASSWORD, UserFactory, member
from tests.reporting.compliance_world import build_compliance

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def patient():
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


def test_inspector_completes_and_principal_reads_the_assessment(
    bworld, log_in, live_server, page, tmp_path
):
    c = build_compliance(bworld)
    inspector = member(UserFactory(username="inspector-a"), Role.INSPECTOR, district=bworld.a)
    official = bworld.users["official_a"]
    start = c.semester.start_date
    sheet = services.create_score_sheet(
        actor=official,
        district=bworld.a,
        year=start.year if start.month >= 8 else start.year - 1,
        title="2026—2027学年课后服务绩效评估",
    )
    a1 = sheet.schools.get(school=c.school)

    log_in(inspector.username, PASSWORD)
    page.goto(f"{live_server.url}/assessment/schools/{a1.public_id}/")
    expect(page.get_by_test_id("criterion-complaints")).to_be_visible()
    page.locator("#id_criterion").select_option("inspection")
    page.locator("#id_score").fill("88")
    page.locator("#id_note").fill("实地督导：台账齐全，安全预案演练到位。")
    button = page.get_by_test_id("enter-score")
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    page.screenshot(path=str(tmp_path / "inspector.png"), full_page=True)
    button.click()
    expect(page.get_by_test_id("criterion-inspection")).to_contain_text("台账齐全")
    row = CriterionScore.objects.get(assessment=a1, criterion="inspection")
    assert (row.entered, row.entered_by) == (88, inspector)

    # the rest, by service; the official publishes
    for assessment in sheet.schools.all():
        for score in CriterionScore.objects.filter(
            assessment=assessment, computed__isnull=True, entered__isnull=True
        ):
            services.enter_score(
                actor=inspector,
                assessment=assessment,
                criterion=score.criterion,
                score=80,
                note="督导",
            )
    services.publish_score_sheet(actor=official, sheet=sheet)

    page.context.clear_cookies()
    log_in(bworld.users["principal_a1"].username, PASSWORD)
    page.goto(f"{live_server.url}/school/{c.school.public_id}/assessment/")
    page.get_by_test_id("assessment-link").click()
    expect(page.get_by_test_id("assessment-total")).to_be_visible()
    expect(page.get_by_test_id("enter-score")).to_have_count(0)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    page.screenshot(path=str(tmp_path / "principal.png"), full_page=True)
