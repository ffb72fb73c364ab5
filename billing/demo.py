"""Demo billing (``seed_demo``, step 50): bill the published demo plan and pay some of its
invoices through the sandbox gateway — the real services and the real notification path,
so ``make run`` shows fee notices, paid invoices with receipts and the ledger. Idempotent:
billing runs only when the plan has no invoices yet."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftercare.models import Semester, User
from billing import conf, gateway
from billing.models import BillingRun, Invoice, InvoiceStatus
from billing.services import payments, runs
from enrollment.models import Guardianship
from plans.models import PlanStatus, PlanVersion

SCHOOL_CODE = "shiyan"
PAY_EVERY = 3  # every third open invoice is paid


def billing_step(demo) -> None:
    version = (
        PlanVersion.objects.filter(status=PlanStatus.PUBLISHED, school__code=SCHOOL_CODE)
        .select_related("plan__semester", "plan__school")
        .first()
    )
    if version is None or not conf.sandbox_enabled():
        return
    school, semester = version.plan.school, version.plan.semester
    if Invoice.objects.filter(school=school, semester=semester).exists():
        return
    principal = User.objects.filter(username="sy-principal").first()
    if principal is None:
        return
    reasons, _v, _p = runs.refusals(school=school, semester=semester, today=_today(semester))
    if reasons:
        return
    run = BillingRun.objects.create(
        district_id=school.district_id,
        school=school,
        semester=semester,
        plan_version=version,
        total=runs.participants(version).count(),
        started_by=principal,
    )
    runs.process_run(run_id=run.pk)
    runs.send_fee_notices(run_id=run.pk)
    _pay_some(school, semester)


def _today(semester: Semester):
    return min(max(timezone.localdate(), semester.start_date), semester.end_date)


def _pay_some(school, semester) -> None:
    gw = gateway.get("sandbox")
    client = Client()
    open_invoices = Invoice.objects.filter(
        school=school, semester=semester, status=InvoiceStatus.OPEN
    ).order_by("pk")
    for index, invoice in enumerate(open_invoices):
        if index % PAY_EVERY:
            continue
        guardian = Guardianship.objects.filter(student_id=invoice.student_id).first()
        if guardian is None:
            continue
        order = payments.start_payment(actor=guardian.user, invoice=invoice)
        payments.open_order(order_id=order.pk)
        _url, headers, body = gw.pay(order.out_trade_no)
        client.post(
            reverse("billing_notify_sandbox"),
            data=body,
            content_type="application/json",
            headers={k: v for k, v in headers.items() if k != "Content-Type"},
        )
