"""Money into and out of a school's fund that is neither a family's fee nor a payout: the
district's subsidy per participating student (income) and the expenses the principal records
(materials, utilities, equipment, insurance, other) — each posted to the ledger as one journal
(``billing.services.subsidies``, ``billing.services.expenses``), so the term-end disclosure
reads them from the ledger like everything else."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule

from .ledger import Category


class DistrictSubsidy(models.Model):
    """The district's financial subsidy to one school for one semester: participants (active
    children) × the policy's rate per student and year for their stage ÷ semesters a year,
    with the remote-area uplift. ``computation`` keeps the figures per stage."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    participants = models.PositiveIntegerField(_("participating students"))
    uplift_percent = models.PositiveSmallIntegerField(_("remote-area uplift (%)"), default=0)
    amount_fen = models.BigIntegerField(_("amount"))
    computation = models.JSONField(default=list)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("district subsidy")
        verbose_name_plural = _("district subsidies")
        ordering = ["school_id", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "semester"], name="billing_subsidy_once"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="billing_subsidy_amount"),
        ]

    def __str__(self):
        return f"{self.school} · {self.semester} · {self.amount_fen}"


EXPENSE_CATEGORIES = (
    Category.EXP_MATERIALS,
    Category.EXP_UTILITIES,
    Category.EXP_EQUIPMENT,
    Category.EXP_INSURANCE,
    Category.EXPENSES,
)


class Expense(models.Model):
    """An expense the school paid from its fund, with its evidence (the invoice (发票) or
    receipt number the finance office files it under)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=[(c.value, c.label) for c in EXPENSE_CATEGORIES],
    )
    amount_fen = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    payee = models.CharField(_("paid to"), max_length=100)
    description = models.CharField(_("what for"), max_length=200)
    evidence = models.CharField(
        _("evidence"),
        max_length=200,
        help_text=_("The invoice (发票) number or receipt that proves it."),
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0) & ~Q(evidence="") & ~Q(payee=""),
                name="billing_expense_amount_evidence",
            ),
        ]
        indexes = [models.Index(fields=["district", "school", "semester"])]

    def __str__(self):
        return f"{self.get_category_display()} · {self.amount_fen}"
