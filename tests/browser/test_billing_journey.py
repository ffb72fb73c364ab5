"""A parent on a phone opens the fee notice, pays in the sandbox cashier, downloads the
receipt, later withdraws and sees the refund and how it was computed."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing import gateway
from billing.models import BillingRun, Invoice, Refund
from billing.services import refunds, runs
from enrollment.services.applications import approve_withdrawal
from tests.billing.world import build_billing
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("BILLING_SHOTS", "/tmp/billing-shots"))


@pytest.fixture
def sandbox(live_server, tmp_path, monkeypatch):
    monkeypatch.setenv("BILLING_SANDBOX", "1")
    monkeypatch.setenv("BILLING_GATEWAY", "sandbox")
    monkeypatch.setenv("BILLING_SANDBOX_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("BILLING_PRIVATE_ROOT", str(tmp_path / "private"))
    monkeypatch.setenv("BILLING_NOTIFY_BASE_URL", live_server.url)
    gateway.reset()
    yield
    gateway.reset()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_parent_pays_gets_a_receipt_withdraws_and_sees_the_refund(bworld, sandbox, log_in):
    bill = build_billing(bworld, keys=("a1",))
    app = bill.enroll("a1", courses=["书法"])
    version = bill.versions["a1"]
    run = BillingRun.objects.create(
        district=version.district,
        school=version.school,
        semester=bill.semesters["a"],
        plan_version=version,
        total=1,
    )
    runs.process_run(run_id=run.pk)
    runs.send_fee_notices(run_id=run.pk)
    invoice = Invoice.objects.get()

    page = log_in(bill.user("parent_a1").mobile, PASSWORD)
    shot(page, "01-family-home")
    base = "/".join(page.url.split("/")[:3])
    page.goto(f"{base}/inbox/")  # the fee notice is in the inbox
    page.locator(f"a[href*='{invoice.public_id}']").first.click()
    expect(page.get_by_test_id("invoice")).to_contain_text(bill.world.students["a1"].name)
    expect(page.get_by_test_id("line")).to_have_count(2)
    shot(page, "02-fee-notice")

    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("cashier")).to_be_visible()
    shot(page, "03-sandbox-cashier")
    page.get_by_test_id("sandbox-pay").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "paid")
    shot(page, "04-paid")
    with page.expect_download() as download:
        page.get_by_test_id("receipt").click()
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")

    # Later: the family asks to leave, the school approves, beat's sweeper refunds.
    page.goto(page.url.rsplit("/family/", 1)[0] + "/family/applications/")
    form = page.locator("form[action$='/withdraw/']")
    page.locator("summary", has_text="退出").first.click() if page.locator(
        "summary", has_text="退出"
    ).count() else None
    last_day = timezone.localdate() + timedelta(days=2)
    form.locator("[name=reason]").fill("搬家转学")
    form.locator("[name=last_day]").fill(last_day.isoformat())
    form.locator("button").click()
    app.refresh_from_db()
    assert app.status == "withdrawal_requested"
    approve_withdrawal(actor=bill.user("principal_a1"), application=app)
    assert refunds.refund_withdrawals() == 1
    refund = Refund.objects.get()
    assert refund.status == "succeeded"  # the sandbox's signed REFUND notification came back

    page.goto(f"{base}/family/invoices/{invoice.public_id}/")
    expect(page.get_by_test_id("refund")).to_contain_text(f"{refund.amount_fen / 100:.2f}")
    expect(page.get_by_test_id("refund-status")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("refund")).to_contain_text("书法")
    shot(page, "05-refund")
