"""A billing world on top of the tenant matrix: a semester running today in each district,
its policy ("shandong": basic care ≤ 1.80 per 课时 and ≤ 350 per semester), and a published
plan per school key with paid basic care (1.50 yuan per 课时, 2 课时 a day Monday–Friday)
and one course (书法, 20 yuan per 课时, Wednesdays). ``enroll`` makes a child active (approved,
agreement signed, insurance confirmed) directly in the database — the application workflow
has its own tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from aftercare.models import Semester
from enrollment.models import (
    Application,
    ApplicationStatus,
    CourseCapacity,
    CourseRegistration,
    SeatStatus,
    ServiceAgreement,
)
from plans.models import Course, FeeUnit, PlanStatus, PlanVersion, SchoolPlan, ServicePeriod
from plans.services import policy as policy_services
from tests.factories import GuardianshipFactory, SchoolClassFactory, StudentFactory


@dataclass
class BillWorld:
    world: object
    semesters: dict = field(default_factory=dict)
    plans: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    courses: dict = field(default_factory=dict)
    agreements: dict = field(default_factory=dict)

    def user(self, key):
        return self.world.users[key]

    def enroll(self, key="a1", *, student=None, basic=True, courses=(), parent=None, at=None):
        """An active application of ``student`` (default: the world's student of ``key``)."""
        school = self.world.schools[key]
        plan = self.plans[key]
        student = student or self.world.students[key]
        parent = parent or self.user(f"parent_{key}")
        at = at or timezone.make_aware(datetime.combine(plan.semester.start_date, time(8, 0)))
        app = Application.objects.create(
            district=school.district,
            school=school,
            semester=plan.semester,
            plan=plan,
            student=student,
            basic_care=basic,
            status=ApplicationStatus.APPROVED,
            applied_by=parent,
            applied_at=at,
            approved_at=at,
            agreement=self.agreements[key],
            signed_by=parent,
            signed_at=at,
            insurance_confirmed_at=at,
            insurance_confirmed_by=parent,
            courses_taken=len(courses),
        )
        for name in courses:
            CourseCapacity.objects.filter(course=self.courses[key][name]).update(
                taken=F("taken") + 1
            )
            CourseRegistration.objects.create(
                district=school.district,
                school=school,
                course=self.courses[key][name],
                student=student,
                application=app,
                status=SeatStatus.CONFIRMED,
                created_by=parent,
                created_at=at,
            )
        return app

    def child(self, key="a1", *, grade=3, parent=None):
        klass = SchoolClassFactory(school=self.world.schools[key], grade=grade)
        student = StudentFactory(school_class=klass)
        GuardianshipFactory(student=student, user=parent or self.user(f"parent_{key}"))
        return student


def build_plan(world, key, semester, *, basic_fee="1.50", unit=FeeUnit.PER_LESSON, course_fee="20"):
    school = world.schools[key]
    plan = SchoolPlan.objects.create(district=school.district, school=school, semester=semester)
    version = PlanVersion.objects.create(
        district=school.district,
        school=school,
        plan=plan,
        number=1,
        basic_fee_unit=unit,
        basic_fee_amount=Decimal(basic_fee),
        fee_notice="基础托管每课时1.50元；书法每课时20元。期初一次性收取，期末按实结算、多退少补。",
    )
    ServicePeriod.objects.create(
        district=school.district,
        school=school,
        version=version,
        grades=[1, 2, 3, 4, 5, 6],
        weekdays=[0, 1, 2, 3, 4],
        start_time=time(15, 30),
        end_time=time(16, 50),
    )
    course = Course.objects.create(
        district=school.district,
        school=school,
        version=version,
        name="书法",
        grades=[1, 2, 3, 4, 5, 6],
        weekdays=[2],
        start_time=time(16, 50),
        end_time=time(17, 30),
        capacity=40,
        min_size=1,
        fee_per_lesson=Decimal(course_fee),
    )
    CourseCapacity.objects.create(
        course=course, district=school.district, school=school, capacity=40, taken=0
    )
    PlanVersion.objects.filter(pk=version.pk).update(
        status=PlanStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return plan, version, course


def build_billing(world, *, keys=("a1", "b1"), preset="shandong", start_offset=30) -> BillWorld:
    today = timezone.localdate()
    bw = BillWorld(world=world)
    for district_key, district in (("a", world.a), ("b", world.b)):
        semester = Semester.objects.create(
            district=district,
            name=f"收费学期-{district_key}",
            start_date=today - timedelta(days=start_offset),
            end_date=today - timedelta(days=start_offset) + timedelta(days=140),
        )
        policy_services.create_policy_from_preset(
            actor=world.users[f"official_{district_key}"], semester=semester, preset=preset
        )
        bw.semesters[district_key] = semester
    for key in keys:
        semester = bw.semesters[key[0]]
        plan, version, course = build_plan(world, key, semester)
        bw.plans[key], bw.versions[key] = plan, version
        bw.courses[key] = {"书法": course}
        bw.agreements[key] = ServiceAgreement.objects.create(
            district=plan.district,
            school=plan.school,
            semester=semester,
            title="课后服务协议",
            body="……",
        )
    return bw


def foreign_billing_routes(world) -> dict:
    """Every billing route with an object id, pointed at school b1's objects (an invoice,
    its order, payment, receipt and refund, an exemption, a billing run), for the
    cross-tenant matrix of tests/test_tenancy.py. Objects are written directly: the matrix
    tests lookups, the services have their own tests."""
    from django.urls import reverse

    from billing.models import (
        BillingRun,
        Exemption,
        Invoice,
        Payment,
        PaymentOrder,
        Receipt,
        Refund,
    )

    bw = build_billing(world, keys=("b1",))
    app = bw.enroll("b1")
    school, version, semester = world.schools["b1"], bw.versions["b1"], bw.semesters["b"]
    run = BillingRun.objects.create(
        district=world.b, school=school, semester=semester, plan_version=version, total=1
    )
    common = {"district": world.b, "school": school}
    invoice = Invoice.objects.create(
        **common,
        semester=semester,
        plan_version=version,
        application=app,
        student=app.student,
        gross_fen=30000,
        amount_fen=30000,
        status="paid",
        paid_at=timezone.now(),
        from_date=semester.start_date,
        until=semester.end_date,
    )
    order = PaymentOrder.objects.create(
        **common,
        invoice=invoice,
        revision=1,
        amount_fen=30000,
        gateway="sandbox",
        merchant_id="1999",
        out_trade_no="KHforeign0001",
        status="paid",
        created_by=world.users["parent_b1"],
        expires_at=timezone.now(),
    )
    payment = Payment.objects.create(
        **common,
        invoice=invoice,
        order=order,
        gateway="sandbox",
        transaction_id="4200foreign",
        amount_fen=30000,
        paid_at=timezone.now(),
    )
    receipt = Receipt.objects.create(
        **common, payment=payment, year=2026, seq=1, number="B1-2026-000001"
    )
    refund = Refund.objects.create(
        **common,
        invoice=invoice,
        payment=payment,
        reason="withdrawal",
        amount_fen=100,
        out_refund_no="RFforeign0001",
    )
    exemption = Exemption.objects.create(
        **common,
        semester=semester,
        student=app.student,
        category="hardship",
        category_name="家庭经济困难",
        reduction_percent=50,
        evidence_path="exemptions/none.pdf",
        evidence_name="x.pdf",
        evidence_type="application/pdf",
        evidence_size=1,
        applied_by=world.users["parent_b1"],
    )
    i, s, e = invoice.public_id, school.public_id, exemption.public_id
    return {
        "billing_invoice": ("get", reverse("billing_invoice", args=[i])),
        "billing_pay": ("post", reverse("billing_pay", args=[i])),
        "billing_order": ("get", reverse("billing_order", args=[order.public_id])),
        "billing_receipt_pdf": ("get", reverse("billing_receipt_pdf", args=[receipt.public_id])),
        "billing_exemption_evidence": ("get", reverse("billing_exemption_evidence", args=[e])),
        "billing_exemption_decide": (
            "post",
            reverse("billing_exemption_decide", args=[e, "verify"]),
        ),
        "billing_school": ("get", reverse("billing_school", args=[s])),
        "billing_start": ("post", reverse("billing_start", args=[s, "bill"])),
        "billing_school_invoices": ("get", reverse("billing_school_invoices", args=[s])),
        "billing_receipt_register": ("get", reverse("billing_receipt_register", args=[s])),
        "billing_ledger": ("get", reverse("billing_ledger", args=[s])),
        "billing_run_progress": ("get", reverse("billing_run_progress", args=[run.public_id])),
        "billing_sandbox_cashier": (
            "get",
            reverse("billing_sandbox_cashier", args=[order.out_trade_no]),
        ),
        "billing-invoice-detail": ("get", reverse("billing-invoice-detail", args=[i])),
        "billing-invoice-pay": ("post", reverse("billing-invoice-pay", args=[i])),
        "billing-order-detail": ("get", reverse("billing-order-detail", args=[order.public_id])),
        "billing-receipt-detail": (
            "get",
            reverse("billing-receipt-detail", args=[receipt.public_id]),
        ),
        "billing-receipt-pdf": ("get", reverse("billing-receipt-pdf", args=[receipt.public_id])),
        "billing-refund-detail": ("get", reverse("billing-refund-detail", args=[refund.public_id])),
        "billing-exemption-detail": ("get", reverse("billing-exemption-detail", args=[e])),
        "billing-exemption-verify": ("post", reverse("billing-exemption-verify", args=[e])),
        "billing-exemption-refuse": ("post", reverse("billing-exemption-refuse", args=[e])),
        "billing-run-detail": ("get", reverse("billing-run-detail", args=[run.public_id])),
        "billing-fund-detail": ("get", reverse("billing-fund-detail", args=[s])),
    }
