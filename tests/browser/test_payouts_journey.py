"""On a phone: the principal reviews and approves a month of teacher subsidies, drafts the
term-end disclosure from the ledger; the parents' committee reviewer confirms it; the
principal publishes it; the public page shows it."""

import os
from datetime import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import (
    DisclosureStatus,
    DisclosureVersion,
    LabourAgreement,
    PayoutRun,
    PayoutStatus,
    SafetyIncident,
    SchoolSubsidyRules,
    SubsidyRules,
)
from billing.money import fmt
from billing.services import payouts
from safety.models import Incident
from scheduling.models import StaffKind
from tests.billing.disclosure_world import build_disclosure_world
from tests.billing.payout_world import MONTH, NOW, build_payout_world, november_weekdays
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PAYOUT_SHOTS", "/tmp/payout-shots"))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_payout_approved_disclosure_confirmed_published_and_public(
    bworld, log_in, live_server, tmp_path, monkeypatch
):
    monkeypatch.setenv("BILLING_PRIVATE_ROOT", str(tmp_path / "private"))
    pw = build_payout_world(bworld)
    days = november_weekdays()
    pw.serve(early=[days[2]])
    for day in days[:5]:
        pw.clear(pw.user("teacher"), day)
    run = payouts.start_payout_run(
        actor=pw.user("principal"), school=pw.school, month=MONTH, now=NOW
    )
    dw = build_disclosure_world(bworld)
    principal = pw.user("principal")

    # The principal reviews the month on a phone, adjusts one line with a reason, approves.
    page = log_in(principal.username, PASSWORD)
    base = live_server.url
    page.goto(f"{base}/school/{pw.school.public_id}/payouts/")
    page.get_by_test_id("payout-run-link").first.click()
    expect(page.get_by_test_id("payout-run-status")).to_have_attribute("data-status", "review")
    care = page.get_by_test_id("payout-line").filter(has_text="看护老师")
    expect(care.get_by_test_id("deduction")).to_contain_text("早退")
    care.locator("summary").click()
    care.locator("input[name=amount]").fill("30")
    care.locator("input[name=reason]").fill("期末质量奖")
    shot(page, "01-run-adjust")
    care.get_by_test_id("adjust").click()
    expect(page.get_by_test_id("payout-line").filter(has_text="看护老师")).to_contain_text(
        "期末质量奖"
    )
    approve = page.get_by_test_id("approve-payout")
    assert approve.bounding_box()["height"] >= 44
    approve.click()
    expect(page.get_by_test_id("payout-run-status")).to_have_attribute("data-status", "approved")
    shot(page, "02-run-approved")
    assert PayoutRun.objects.get(pk=run.pk).status == PayoutStatus.APPROVED

    # The principal drafts the spring semester's disclosure from the ledger.
    page.goto(f"{base}/school/{dw.school.public_id}/disclosures/")
    page.locator("#semester").select_option(str(dw.semester.public_id))
    page.get_by_test_id("draft-disclosure").click()
    expect(page.get_by_test_id("disclosure-status")).to_have_attribute("data-status", "draft")
    version = DisclosureVersion.objects.get(disclosure__semester=dw.semester)
    expect(page.get_by_test_id("income")).to_have_text(fmt(version.income_fen))
    expect(page.get_by_test_id("publish-disclosure")).to_have_count(0)  # not confirmed yet
    shot(page, "03-disclosure-draft")

    # The parents' committee reviewer lands on their list and confirms.
    page.context.clear_cookies()
    page = log_in(dw.reviewer.username, PASSWORD)
    page.get_by_test_id("review-link").first.click()
    page.locator("#note").fill("已与家委会账目核对")
    confirm = page.get_by_test_id("confirm-disclosure")
    assert confirm.bounding_box()["height"] >= 44
    shot(page, "04-committee-review")
    confirm.click()
    expect(page.get_by_test_id("disclosure-status")).to_have_attribute("data-status", "reviewed")

    # The principal publishes.
    page.context.clear_cookies()
    page = log_in(principal.username, PASSWORD)
    page.goto(f"{base}/billing/disclosures/{version.public_id}/")
    page.get_by_test_id("publish-disclosure").click()
    expect(page.get_by_test_id("disclosure-status")).to_have_attribute("data-status", "published")
    version.refresh_from_db()
    assert version.status == DisclosureStatus.PUBLISHED

    # Anyone: the public page shows the disclosure and its PDF.
    page.context.clear_cookies()
    page.goto(f"{base}/public/disclosures/{version.disclosure.public_id}/")
    expect(page.get_by_test_id("public-version")).to_have_count(1)
    expect(page.get_by_test_id("carried-out")).to_have_text(fmt(version.carried_out_fen))
    expect(page.get_by_test_id("public-pdf")).to_be_visible()
    shot(page, "05-public")


def test_subsidy_settings_pages_on_a_phone(bworld, log_in, live_server):
    """The district's rule-set editor, the school's own values, a serious safety record
    confirmed for the subsidy from the principal's home to-do, a labour agreement: each page
    at phone width (no sideways scroll, primary buttons ≥ 44 px)."""
    pw = build_payout_world(bworld)
    coach = pw.add_staff("外聘足球教练", StaffKind.EXTERNAL)
    when = timezone.make_aware(datetime.combine(november_weekdays()[3], datetime.min.time()))
    Incident.objects.create(
        district=pw.school.district,
        school=pw.school,
        student=bworld.students["a1"],
        kind="injury",
        severity="serious",
        occurred_at=when,
        place="操场",
        description="看护期间学生摔伤骨折",
        action_taken="送医",
        recorded_by=pw.user("care"),
        recorded_at=when,
        escalated_at=when,
    )
    base = live_server.url

    page = log_in(bworld.users["official_a"].username, PASSWORD)
    page.goto(f"{base}/district/semesters/{pw.semester.public_id}/subsidy-rules/")
    page.locator("#id_rate_fen").fill("22.00")
    page.locator("#id_change_note").fill("提高课时补助")
    save = page.get_by_test_id("save-rules")
    assert save.bounding_box()["height"] >= 44
    shot(page, "10-district-rules")
    save.click()
    expect(page.locator("#id_rate_fen")).to_have_value("22.00")
    page.wait_for_load_state()
    versions = SubsidyRules.objects.filter(semester=pw.semester)
    expect(page.locator("#id_change_note")).to_have_value("")  # the saved page, reloaded
    assert versions.latest("version").rate_fen == 2200 and versions.count() == 2

    page.context.clear_cookies()
    page = log_in(pw.user("principal").username, PASSWORD)
    page.goto(f"{base}/school/{pw.school.public_id}/subsidy-rules/")
    page.locator("#id_rate").fill("30")
    page.get_by_test_id("save-school-rules").click()
    expect(page.locator(".field-error").first).to_be_visible()  # above the district's
    page.locator("#id_rate").fill("18")
    shot(page, "11-school-rules")
    page.get_by_test_id("save-school-rules").click()
    page.wait_for_url("**/subsidy-rules/**")
    assert SchoolSubsidyRules.objects.get(school=pw.school).rate_fen == 1800

    page.goto(f"{base}/")
    todo = page.get_by_test_id("incident-offers")
    expect(todo).to_be_visible()
    todo.get_by_role("link").first.click()
    offer = page.get_by_test_id("offered-incidents")
    offer.locator("select").first.select_option(label=pw.care.full_name)
    offer.locator("input[name$=percent]").fill("50")
    confirm = page.get_by_test_id("confirm-incident")
    assert confirm.bounding_box()["height"] >= 44
    shot(page, "12-incidents")
    confirm.click()
    expect(page.get_by_test_id("incidents")).to_contain_text("50%")
    assert SafetyIncident.objects.get().staff == pw.care

    page.goto(f"{base}/school/{pw.school.public_id}/payouts/agreements/")
    page.locator("#id_staff").select_option(str(coach.public_id))
    page.locator("#id_rate_unit").select_option("lesson")
    page.locator("#id_rate").fill("60")
    shot(page, "13-agreements")
    page.get_by_test_id("save-agreement").click()
    expect(page.get_by_test_id("agreements")).to_contain_text("60.00")
    assert LabourAgreement.objects.get().rate_fen == 6000
