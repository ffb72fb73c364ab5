"""An exemption verified late (issue 10): an invoice already paid is never re-priced, the
difference goes back to the original payment through the gateway, recorded in the ledger
and shown to the family; an unpaid one is re-priced (a new order if a payment had started);
a category that applies only to the next billing changes neither. Later refunds (withdrawal,
term end) count the fee at the new rate. As a table."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from aftercare.models import Semester
from aftercare.tenancy import Scope
from billing.gateway import sandbox as sandbox_module
from billing.models import (
    Invoice,
    InvoiceStatus,
    OrderStatus,
    PaymentOrder,
    Refund,
    RefundReason,
    RefundStatus,
)
from billing.money import percent_of, to_fen
from billing.selectors import district_exemptions
from billing.services import exemptions, ledger, payments, refunds, settlement
from plans.calendar import plan_calendar
from plans.models import DistrictPolicy
from tests.billing.test_exemptions import apply
from tests.billing.test_payments import deliver
from tests.billing.test_refunds import _bill, _pay, _withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _deliver_in_process(monkeypatch):
    monkeypatch.setattr(
        sandbox_module,
        "transport",
        lambda url, headers, body: deliver(Client(), headers, body).status_code,
    )


def _only_next_billing(bill, code):
    policy = DistrictPolicy.objects.get(semester=bill.semesters["a"])
    rows = [dict(r) for r in policy.exemptions]
    for r in rows:
        if r["code"] == code:
            r["applies_to_unpaid"] = False
    DistrictPolicy.objects.filter(pk=policy.pk).update(exemptions=rows)


def _verify(bill, category):
    e = apply(bill, category=category)
    return exemptions.verify_exemption(actor=bill.user("principal_a1"), exemption=e)


# category, percent, applies to the current semester, invoice state when verified,
#   expected: refund (fen: "diff" = the percentage of each line's fee), revision, status
CASES = [
    ("hardship", 50, True, "paid", "diff", 1, InvoiceStatus.PAID),
    ("poverty_registered", 100, True, "paid", "diff", 1, InvoiceStatus.PAID),
    ("hardship", 50, False, "paid", 0, 1, InvoiceStatus.PAID),
    ("hardship", 50, True, "open", 0, 2, InvoiceStatus.OPEN),
    ("poverty_registered", 100, True, "open", 0, 2, InvoiceStatus.NOTHING_DUE),
    ("hardship", 50, True, "order_started", 0, 2, InvoiceStatus.OPEN),
    ("hardship", 50, False, "open", 0, 1, InvoiceStatus.OPEN),
]


@pytest.mark.parametrize(
    ("category", "percent", "current", "state", "refund", "revision", "status"), CASES
)
def test_late_exemption_table(bill, category, percent, current, state, refund, revision, status):
    if not current:
        _only_next_billing(bill, category)
    app = bill.enroll("a1", courses=["书法"])
    _bill(bill)
    invoice = Invoice.objects.get(application=app)
    before = (invoice.gross_fen, invoice.amount_fen)
    lines = list(invoice.lines.all())
    order = None
    if state == "paid":
        invoice = _pay(bill, invoice)
    elif state == "order_started":
        order = payments.start_payment(actor=bill.user("parent_a1"), invoice=invoice)

    _verify(bill, category)

    invoice.refresh_from_db()
    assert invoice.revision == revision and invoice.status == status
    bal = ledger.balances(school_id=invoice.school_id, district_id=invoice.district_id)
    if state == "paid":
        # The paid invoice is untouched: same revision, amounts and lines.
        assert (invoice.gross_fen, invoice.amount_fen) == before
        assert list(invoice.lines.all()) == lines
        expected = sum(percent_of(x.gross_fen, percent) for x in lines) if refund else 0
        got = Refund.objects.filter(invoice=invoice, reason=RefundReason.EXEMPTION)
        if expected:
            r = got.get()
            assert r.amount_fen == expected and r.status == RefundStatus.SUCCEEDED
            assert r.payment.invoice_id == invoice.pk  # to the original payment
            assert sum(row["refund"] for row in r.computation["lines"]) == expected
            assert bal["refunds"] == expected
            assert bal["gateway_clearing"] == before[1] - expected
        else:
            assert not got.exists() and bal["refunds"] == 0
        assert bal["receivable"] == 0
    else:
        assert not Refund.objects.exists()
        if revision == 2:
            assert invoice.amount_fen == before[0] - sum(
                percent_of(x.gross_fen, percent) for x in lines
            )
            assert bal["receivable"] == invoice.amount_fen
        if order is not None:
            order.refresh_from_db()
            assert order.status == OrderStatus.CLOSED
            again = payments.start_payment(actor=bill.user("parent_a1"), invoice=invoice)
            assert again.pk != order.pk and again.amount_fen == invoice.amount_fen
            assert again.revision == 2
    # Double entry holds whatever happened.
    assert sum(bal.values()) == 0


def test_the_refund_is_once_and_shown_to_the_family(bill, client, login):
    app = bill.enroll("a1")
    _bill(bill)
    invoice = _pay(bill, Invoice.objects.get(application=app))
    e = _verify(bill, "hardship")
    refund = Refund.objects.get(reason=RefundReason.EXEMPTION)
    assert refunds.refund_exemption(invoice=invoice, exemption=e) == refund  # once
    assert Refund.objects.count() == 1
    login(bill.user("parent_a1"))
    with translation.override("en"):
        page = client.get(
            reverse("billing_invoice", args=[invoice.public_id]), HTTP_ACCEPT_LANGUAGE="en"
        )
        rule = refunds.exemption_computation(invoice, e)["rule"]
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="refund"' in text and "after you paid" in rule
    assert rule.split(" ", 1)[0] in text or refund.computation["rule"][:6] in text
    # The district's exemption overview counts the refunded difference.
    rows = district_exemptions(scope=Scope(bill.user("official_a")), district=bill.world.a)
    assert sum(r["reduced"] for r in rows) == refund.amount_fen


def test_a_later_withdrawal_counts_the_new_rate(bill):
    app = bill.enroll("a1")
    _bill(bill)
    invoice = _pay(bill, Invoice.objects.get(application=app))
    _verify(bill, "hardship")
    late = Refund.objects.get(reason=RefundReason.EXEMPTION).amount_fen
    last_day = timezone.localdate()
    _withdraw(bill, app, last_day)
    refunds.refund_withdrawals()
    left = to_fen(
        plan_calendar(bill.versions["a1"]).basic_fee(3, from_date=last_day + timedelta(days=1))
    )
    withdrawal = Refund.objects.get(reason=RefundReason.WITHDRAWAL).amount_fen
    assert withdrawal == left - percent_of(left, 50)  # not the full rate again
    assert late + withdrawal <= invoice.amount_fen


def test_withdrawal_first_then_late_exemption_refunds_only_the_kept_part(bill):
    app = bill.enroll("a1")
    _bill(bill)
    invoice = _pay(bill, Invoice.objects.get(application=app))
    last_day = timezone.localdate()
    _withdraw(bill, app, last_day)
    refunds.refund_withdrawals()
    _verify(bill, "hardship")
    cal = plan_calendar(bill.versions["a1"])
    kept = to_fen(cal.basic_fee(3, from_date=invoice.from_date, until=last_day))
    late = Refund.objects.get(reason=RefundReason.EXEMPTION)
    assert late.amount_fen == percent_of(kept, 50)


def test_term_end_settlement_after_a_late_exemption_invoices_no_shortfall(bill):
    app = bill.enroll("a1")
    _bill(bill)
    invoice = _pay(bill, Invoice.objects.get(application=app))
    _verify(bill, "hardship")
    semester = bill.semesters["a"]
    Semester.objects.filter(pk=semester.pk).update(
        end_date=timezone.localdate() - timedelta(days=1)
    )
    semester.refresh_from_db()
    Invoice.objects.filter(pk=invoice.pk).update(until=semester.end_date)
    settlement.start_settlement(
        actor=bill.user("principal_a1"), school=bill.world.schools["a1"], semester=semester
    )
    assert not Invoice.objects.filter(kind="supplement").exists()
    invoice.refresh_from_db()
    bal = ledger.balances(school_id=invoice.school_id, district_id=invoice.district_id)
    # What the family finally paid = the fee of the shortened service at 50 %.
    due = to_fen(
        plan_calendar(bill.versions["a1"]).basic_fee(
            3, from_date=invoice.from_date, until=semester.end_date
        )
    )
    assert bal["gateway_clearing"] == due - percent_of(due, 50)
    assert PaymentOrder.objects.count() == 1
