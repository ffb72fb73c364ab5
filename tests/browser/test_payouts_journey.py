"""On a phone: the principal reviews and approves a month of teacher subsidies, drafts the
term-end disclosure from the ledger; the parents' committee reviewer confirms it; the
principal publishes it; the public page shows it."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import DisclosureStatus, DisclosureVersion, PayoutRun, PayoutStatus
from billing.money import fmt
from billing.services import payouts
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
