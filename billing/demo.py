"""Demo billing (``seed_demo``, step 50): bill the published demo plan and pay some of its
invoices through the sandbox gateway — the real services and the real notification path,
so ``make run`` shows fee notices, paid invoices with receipts and the ledger. Idempotent:
billing runs only when the plan has no invoices yet."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftercare.errors import DomainError
from aftercare.models import Membership, Role, Semester, User
from attendance.models import StaffAttendance
from billing import conf, gateway
from billing.models import (
    BillingRun,
    Category,
    Disclosure,
    Invoice,
    InvoiceStatus,
    JournalKind,
    PayoutRun,
)
from billing.services import disclosure, ledger, payments, payouts, runs, subsidies
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


# --------------------------------------------------------------------------- payouts


COMMITTEE_LOGIN = "sy-committee"


def payouts_step(demo) -> None:
    """Step 55: the district's subsidy rules (seed 004) for the semester; 实验小学's payout
    run of the last month with staff attendance, computed by the real job and left for the
    principal to review and approve; last spring's ledger of 实验小学 (fees, the district's
    subsidy, teacher subsidies, materials) with its term-end disclosure drafted, confirmed by
    the parents' committee reviewer (``sy-committee``) and published, so the public page and
    the district's overview (the two other schools late) have something true to show.
    Idempotent: each part is skipped once it exists."""
    principal = User.objects.filter(username="sy-principal").first()
    if principal is None:
        return
    school = demo.school(SCHOOL_CODE)
    semester = demo.semester
    if subsidies.current_rules(semester) is None:
        subsidies.save_rules(actor=demo.official, semester=semester, preset="per_session")
    _demo_payout_run(demo, school, principal)
    _demo_disclosure(demo, school, principal)


def _demo_payout_run(demo, school, principal) -> None:
    if PayoutRun.objects.filter(school=school).exists():
        return
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    served = StaffAttendance.objects.filter(school=school)
    month, now = last_month, None
    if not served.filter(date__gte=last_month, date__lt=today.replace(day=1)).exists():
        latest = served.order_by("-date").values_list("date", flat=True).first()
        if latest is None:
            demo.summary.append("payouts: no staff attendance to pay")
            return
        # The demo's fortnight lies in this month: compute it as if the month were over.
        month = latest.replace(day=1)
        now = timezone.make_aware(
            datetime.combine((month + timedelta(days=32)).replace(day=1), time(9, 0))
        )
    try:
        run = payouts.start_payout_run(actor=principal, school=school, month=month, now=now)
        payouts.process_payout_run(run_id=run.pk)  # also when no worker runs the task
    except DomainError as err:
        demo.summary.append(f"payouts: {err.message}")
        return
    run.refresh_from_db()
    demo.summary.append(
        f"payouts: {school.name} {month:%Y-%m}, {run.staff_count} staff, waiting for approval"
    )


def _demo_disclosure(demo, school, principal) -> None:
    district = school.district
    # The reviewer exists whatever the calendar (the login page lists the demo's logins).
    reviewer, _created = User.objects.get_or_create(
        username=COMMITTEE_LOGIN,
        defaults={"full_name": "刘家委", "password": demo.password_hash},
    )
    Membership.objects.get_or_create(
        user=reviewer, district=district, school=school, role=Role.PARENT_COMMITTEE
    )
    # The spring semester before the demo's (autumn) one: created only when it has ended and
    # lies before the demo's semester (never overlapping it).
    spring_start = date(demo.semester.start_date.year, 2, 24)
    spring_end = date(demo.semester.start_date.year, 7, 10)
    if spring_end >= timezone.localdate() or spring_end >= demo.semester.start_date:
        return
    spring, _created = Semester.objects.get_or_create(
        district=district,
        name=f"{spring_end.year - 1}学年第二学期",
        defaults={"start_date": spring_start, "end_date": spring_end},
    )
    if Disclosure.objects.filter(school=school, semester=spring).exists():
        return
    c = Category
    spring_ledger = [
        ("fees", JournalKind.CHARGE, [(c.RECEIVABLE, 18_600_000), (c.FEE_INCOME, -18_600_000)]),
        ("exemptions", JournalKind.CHARGE, [(c.EXEMPTIONS, 372_000), (c.RECEIVABLE, -372_000)]),
        ("paid", JournalKind.PAYMENT, [(c.BANK, 18_228_000), (c.RECEIVABLE, -18_228_000)]),
        ("refunds", JournalKind.REFUND, [(c.REFUNDS, 415_500), (c.BANK, -415_500)]),
        ("subsidy", JournalKind.SUBSIDY, [(c.BANK, 3_000_000), (c.SUBSIDY_INCOME, -3_000_000)]),
        ("teachers", JournalKind.PAYOUT, [(c.EXP_TEACHER, 12_960_000), (c.BANK, -12_960_000)]),
        ("external", JournalKind.PAYOUT, [(c.EXP_EXTERNAL, 2_400_000), (c.BANK, -2_400_000)]),
        ("materials", JournalKind.EXPENSE, [(c.EXP_MATERIALS, 856_300), (c.BANK, -856_300)]),
        ("insurance", JournalKind.EXPENSE, [(c.EXP_INSURANCE, 372_000), (c.BANK, -372_000)]),
    ]
    with transaction.atomic():
        ledger.post(
            district_id=district.pk,
            school_id=school.pk,
            actor_id=principal.pk,
            movements=[
                ledger.Movement(kind, f"demo:spring:{key}", lines, semester_id=spring.pk)
                for key, kind, lines in spring_ledger
            ],
        )
    version = disclosure.draft_disclosure(actor=principal, school=school, semester=spring)
    disclosure.review_disclosure(actor=reviewer, version=version, note="已与家委会账目核对")
    disclosure.publish_disclosure(actor=principal, version=version)
    demo.summary.append(
        f"disclosure: {school.name} {spring.name} published (reviewer sy-committee)"
    )
