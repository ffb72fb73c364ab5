"""Invoices (one per student and semester, plus a settlement supplement), their lines, and
billing runs (the Celery job that issues them, with its progress)."""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from plans.models import Course, PlanVersion


class InvoiceKind(models.TextChoices):
    SEMESTER = "semester", _("Semester fee")
    SUPPLEMENT = "supplement", _("Term-end supplement (少补)")


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("To pay")
    PAID = "paid", _("Paid")
    NOTHING_DUE = "nothing_due", _("Nothing to pay")
    CANCELLED = "cancelled", _("Cancelled")


class Invoice(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        "enrollment.Application", on_delete=models.PROTECT, related_name="invoices"
    )
    student = models.ForeignKey(
        "enrollment.Student", on_delete=models.PROTECT, related_name="invoices", db_index=False
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.SEMESTER
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    gross_fen = models.BigIntegerField(_("fees"))
    reduction_fen = models.BigIntegerField(_("reductions"), default=0)
    amount_fen = models.BigIntegerField(_("amount due"))
    status = models.CharField(_("status"), max_length=12, choices=InvoiceStatus.choices)
    exemption = models.ForeignKey(
        "billing.Exemption", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        "billing.BillingRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_date = models.DateField(_("billed from"))
    until = models.DateField(_("billed until"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    # When the child's approved withdrawal was handled (refund asked, or the unpaid invoice
    # re-issued for what was used): the sweeper's idempotency mark.
    withdrawal_handled_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(family="student__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["school_id", "-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "semester", "student", "kind"],
                name="billing_invoice_per_student_semester",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0, reduction_fen__gte=0, gross_fen__gte=0)
                & Q(amount_fen=F("gross_fen") - F("reduction_fen")),
                name="billing_invoice_amounts",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False),
                name="billing_invoice_paid_has_time",
            ),
            models.CheckConstraint(
                condition=Q(from_date__lte=F("until")), name="billing_invoice_range"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "school", "semester", "status"]),
            models.Index(fields=["student", "semester"]),
        ]

    def __str__(self):
        return f"{self.student} · {self.semester} · {self.get_kind_display()}"


class LineService(models.TextChoices):
    BASIC = "basic", _("Basic care")
    COURSE = "course", _("Extended course")


class InvoiceLine(models.Model):
    """One service on one revision of an invoice: rate × quantity, less the reduction."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    revision = models.PositiveIntegerField(default=1)
    service = models.CharField(_("service"), max_length=8, choices=LineService.choices)
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    label = models.CharField(_("item"), max_length=80)
    unit = models.CharField(_("unit"), max_length=16)
    rate = models.DecimalField(_("rate (yuan)"), max_digits=8, decimal_places=2)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    sessions = models.PositiveIntegerField(_("sessions"))
    lessons = models.PositiveIntegerField(_("lessons (课时)"))
    gross_fen = models.BigIntegerField(_("fee"))
    reduction_percent = models.PositiveSmallIntegerField(default=0)
    reduction_fen = models.BigIntegerField(_("reduction"), default=0)
    amount_fen = models.BigIntegerField(_("amount"))

    tenant_rule = TenantRule(family="invoice__student__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice_id", "revision", "service", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen=F("gross_fen") - F("reduction_fen"))
                & Q(amount_fen__gte=0, reduction_fen__gte=0),
                name="billing_line_amounts",
            ),
            models.UniqueConstraint(
                fields=["invoice", "revision", "service", "course"],
                name="billing_line_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return self.label


class RunKind(models.TextChoices):
    BILLING = "billing", _("Semester billing")
    SETTLEMENT = "settlement", _("Term-end settlement")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BillingRun(models.Model):
    """One start of semester billing (or settlement) for a school: its progress, resumable.

    ``cursor`` is the last application id processed; each batch moves it in the same
    transaction that writes the batch, so a killed worker resumes exactly where it stopped.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    plan_version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=RunKind.choices, default=RunKind.BILLING)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    cursor = models.BigIntegerField(default=0)
    invoices_created = models.PositiveIntegerField(default=0)
    amount_fen = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "semester", "kind"],
                condition=Q(status__in=["queued", "running"]),
                name="billing_one_active_run",
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=F("total")), name="billing_run_progress"
            ),
        ]

    def __str__(self):
        return f"{self.school} · {self.semester} · {self.get_kind_display()}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(self.processed * 100 / self.total)

    @property
    def active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)
