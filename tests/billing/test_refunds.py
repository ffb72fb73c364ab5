"""Refunds on withdrawal and term-end settlement (多退少补), through the sandbox gateway."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from aftercare.models import Semester
from billing import gateway
from billing.gateway import sandbox as sandbox_module
from billing.models import (
    BillingRun,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Refund,
    RefundReason,
    RefundStatus,
)
from billing.money import percent_of, to_fen
from billing.services import ledger, payments, refunds, runs, settlement
from enrollment.services.applications import approve_withdrawal, request_withdrawal
from plans.calendar import plan_calendar
from plans.models import DistrictPolicy, ExtendedRefund, RefundBasis
from scheduling.models import DayCancellation
from tests.billing.test_payments import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _deliver_in_process(monkeypatch):
    """The sandbox POSTs its refund notifications to the endpoint through the test client."""
    monkeypatch.setattr(
        sandbox_module,
        "transport",
        lambda url, headers, body: deliver(Client(), headers, body).status_code,
    )


def _bill(bill, key="a1"):
    version = bill.versions[key]
    run = BillingRun.objects.create(
        district=version.district,
        school=version.school,
        semester=bill.semesters[key[0]],
        plan_version=version,
        total=runs.participants(version).count(),
    )
    return runs.process_run(run_id=run.pk)


def _pay(bill, invoice):
    guardian = invoice.student.guardianships.first().user
    order = payments.start_payment(actor=guardian, invoice=invoice)
    _url, headers, body = gateway.get("sandbox").pay(order.out_trade_no)
    assert deliver(Client(), headers, body).status_code == 204
    invoice.refresh_from_db()
    return invoice


def _withdraw(bill, app, last_day, key="a1"):
    request_withdrawal(
        actor=bill.user(f"parent_{key}"), application=app, reason="搬家", last_day=last_day
    )
    app.refresh_from_db()
    return approve_withdrawal(
        actor=bill.user(f"principal_{key}"), application=app, effective_date=last_day
    )


def _policy(bill, **changes):
    DistrictPolicy.objects.filter(semester=bill.semesters["a"]).update(**changes)


def test_withdrawal_refunds_the_sessions_left_to_the_original_payment(bill):
    app = bill.enroll("a1", courses=["书法"])
    _bill(bill)
    invoice = _pay(bill, Invoice.objects.get(application=app))
    last_day = timezone.localdate() + timedelta(days=3)
    _withdraw(bill, app, last_day)
    assert refunds.refund_withdrawals() == 1
    refund = Refund.objects.get()
    cal = plan_calendar(bill.versions["a1"])
    expected = to_fen(cal.basic_fee(3, from_date=last_day + timedelta(days=1)))
    assert refund.reason == RefundReason.WITHDRAWAL and refund.amount_fen == expected
    # The course is not refunded for leaving (policy: force majeure only); it says so.
    course_row = next(r for r in refund.computation["lines"] if r["label"] == "书法")
    assert course_row["refund"] == 0
    assert refund.status == RefundStatus.SUCCEEDED  # confirmed by the signed notification
    bal = ledger.balances(school_id=invoice.school_id, district_id=invoice.district_id)
    assert bal["refunds"] == expected
    assert bal["gateway_clearing"] == invoice.amount_fen - expected
    assert refunds.refund_withdrawals() == 0  # handled once


def test_pro_rata_policy_refunds_courses_too_and_months_basis_whole_months(bill):
    _policy(bill, extended_refund=ExtendedRefund.PRO_RATA, refund_basis=RefundBasis.MONTHS)
    app = bill.enroll("a1", courses=["书法"])
    _bill(bill)
    invoice = _pay(bill, Invoice.objects.get(application=app))
    last_day = timezone.localdate()
    _withdraw(bill, app, last_day)
    refunds.refund_withdrawals()
    refund = Refund.objects.get()
    first = (last_day.replace(day=1) + timedelta(days=32)).replace(day=1)
    cal = plan_calendar(bill.versions["a1"])
    course = bill.courses["a1"]["书法"]
    expected = to_fen(cal.basic_fee(3, from_date=first)) + to_fen(
        cal.course_fee(course.pk, from_date=first)
    )
    assert refund.amount_fen == min(expected, invoice.amount_fen)


def test_withdrawal_before_paying_reissues_the_invoice_for_what_was_used(bill):
    app = bill.enroll("a1")
    _bill(bill)
    invoice = Invoice.objects.get(application=app)
    last_day = timezone.localdate()
    _withdraw(bill, app, last_day)
    refunds.refund_withdrawals()
    invoice.refresh_from_db()
    cal = plan_calendar(bill.versions["a1"])
    assert invoice.revision == 2
    assert invoice.amount_fen == to_fen(
        cal.basic_fee(3, from_date=invoice.from_date, until=last_day)
    )
    assert not Refund.objects.exists()
    bal = ledger.balances(school_id=invoice.school_id, district_id=invoice.district_id)
    assert bal["receivable"] == invoice.amount_fen


def test_a_wrong_refund_amount_notification_is_refused(bill, client, monkeypatch):
    monkeypatch.setattr(sandbox_module, "transport", lambda *a: 0)  # nothing delivered
    app = bill.enroll("a1")
    _bill(bill)
    _pay(bill, Invoice.objects.get(application=app))
    _withdraw(bill, app, timezone.localdate())
    refunds.refund_withdrawals()
    refund = Refund.objects.get()
    assert refund.status == RefundStatus.PROCESSING
    gw = gateway.get("sandbox")
    remote = refund.payment.order.out_trade_no
    from billing.models import SandboxRefund

    sr = SandboxRefund.objects.get(out_refund_no=refund.out_refund_no)
    sr.amount_fen += 1
    headers, body = gw.refund_notification(sr)
    assert deliver(client, headers, body).status_code == 400
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROCESSING and remote
    # The reconciliation asks the gateway and applies the true answer.
    refunds.reconcile_refunds(now=timezone.now() + timedelta(minutes=3))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED


def test_term_end_settlement_credits_cancelled_days_and_refunds_the_balance(bill):
    app = bill.enroll("a1", courses=["书法"])
    _bill(bill)
    invoice = _pay(bill, Invoice.objects.get(application=app))
    cal = plan_calendar(bill.versions["a1"])
    course = bill.courses["a1"]["书法"]
    wednesday = cal.course_slots(course.pk)[2].date  # a course day: both services cancelled
    DayCancellation.objects.create(
        district=bill.world.a,
        school=bill.world.schools["a1"],
        plan=bill.plans["a1"],
        date=wednesday,
        reason="暴雨停课",
        created_by=bill.user("principal_a1"),
        created_at=timezone.now(),
    )
    semester = bill.semesters["a"]
    Semester.objects.filter(pk=semester.pk).update(
        end_date=timezone.localdate() - timedelta(days=1)
    )
    semester.refresh_from_db()
    Invoice.objects.filter(pk=invoice.pk).update(until=semester.end_date)
    run = settlement.start_settlement(
        actor=bill.user("principal_a1"), school=bill.world.schools["a1"], semester=semester
    )
    run.refresh_from_db()
    assert run.status == "done"
    refund = Refund.objects.get(reason=RefundReason.SETTLEMENT)
    day_slots = [s for s in cal.grade_slots(3) if s.date == wednesday]
    basic_credit = sum(1.5 * 100 * s.lessons for s in day_slots)
    assert refund.amount_fen >= basic_credit + 2000  # a basic day and one course lesson
    rows = {r["label"]: r for r in refund.computation["lines"]}
    assert "暴雨" not in str(rows) and wednesday.strftime("%m-%d") in rows["书法"]["detail"]
    assert refund.status == RefundStatus.SUCCEEDED
    invoice.refresh_from_db()
    assert invoice.settled_at is not None
    again = settlement.process_settlement(run_id=run.pk)
    assert again.status == "done" and Refund.objects.count() == 1


def test_settlement_invoices_a_shortfall(bill):
    app = bill.enroll("a1")
    _bill(bill)
    invoice = _pay(bill, Invoice.objects.get(application=app))
    # A course seat confirmed after billing was never billed: term end invoices it (少补).
    from enrollment.models import Application, CourseRegistration, SeatStatus

    Application.objects.filter(pk=app.pk).update(courses_taken=1)
    CourseRegistration.objects.create(
        district=bill.world.a,
        school=bill.world.schools["a1"],
        course=bill.courses["a1"]["书法"],
        student=app.student,
        application=app,
        status=SeatStatus.CONFIRMED,
        created_by=bill.user("parent_a1"),
        created_at=timezone.make_aware(
            timezone.datetime.combine(invoice.from_date, timezone.datetime.min.time())
        ),
    )
    semester = bill.semesters["a"]
    after_the_end = timezone.make_aware(
        timezone.datetime.combine(
            semester.end_date + timedelta(days=1), timezone.datetime.min.time()
        )
    )
    settlement.start_settlement(
        actor=bill.user("principal_a1"),
        school=bill.world.schools["a1"],
        semester=semester,
        now=after_the_end,
    )
    supplement = Invoice.objects.get(kind=InvoiceKind.SUPPLEMENT)
    cal = plan_calendar(bill.versions["a1"])
    course_fee = to_fen(cal.course_fee(bill.courses["a1"]["书法"].pk, from_date=invoice.from_date))
    assert supplement.amount_fen == course_fee and supplement.status == InvoiceStatus.OPEN
    assert not Refund.objects.exists()


def test_settlement_is_refused_before_the_semester_ends(bill):
    from aftercare.errors import Conflict

    _bill(bill)
    with pytest.raises(Conflict):
        settlement.start_settlement(
            actor=bill.user("principal_a1"),
            school=bill.world.schools["a1"],
            semester=bill.semesters["a"],
        )


def test_reduction_applies_to_refunds(bill):
    from billing.models import Exemption

    Exemption.objects.create(
        district=bill.world.a,
        school=bill.world.schools["a1"],
        semester=bill.semesters["a"],
        student=bill.world.students["a1"],
        category="hardship",
        category_name="困难",
        reduction_percent=50,
        status="verified",
        evidence_path="x",
        evidence_name="x",
        evidence_type="application/pdf",
        evidence_size=1,
        applied_by=bill.user("parent_a1"),
    )
    app = bill.enroll("a1")
    _bill(bill)
    _pay(bill, Invoice.objects.get(application=app))
    last_day = timezone.localdate()
    _withdraw(bill, app, last_day)
    refunds.refund_withdrawals()
    gross = to_fen(
        plan_calendar(bill.versions["a1"]).basic_fee(3, from_date=last_day + timedelta(days=1))
    )
    assert Refund.objects.get().amount_fen == gross - percent_of(gross, 50)
