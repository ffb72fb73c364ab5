"""The school's ring-fenced after-school account (专款专用) as a double-entry ledger.

A ``Journal`` is one money movement (a charge, a payment, a refund, a reversal …) of one
school; its ``JournalLine`` rows post amounts in integer fen to the school's categories:
debit positive, credit negative. The database holds the invariants (migration 0002):

* append-only: a trigger refuses UPDATE and DELETE on journals and lines;
* balanced: after every INSERT statement into the lines, every journal it touched sums to
  zero (a statement-level trigger over the transition table), so a journal's lines are
  written in one statement (``billing.services.ledger``) and no half-journal ever exists;
* ring-fenced: a line belongs to its journal's school and district (same trigger), so money
  never moves between two schools' funds.

Balances are derived (``SUM(amount_fen)`` by school and category, or by invoice for a
family's account), never stored. Every journal names its accounting period (``semester``):
the term-end disclosure of a semester is the sum of that semester's journals, and what it
carries forward is the sum of every journal up to it.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule


class Category(models.TextChoices):
    """Sub-accounts of a school's after-school fund. Debit-normal: receivable, gateway
    clearing, bank, exemptions, refunds, expenses; credit-normal: fee income, subsidy."""

    RECEIVABLE = "receivable", _("Fees receivable from families")
    FEE_INCOME = "fee_income", _("Fee income")
    EXEMPTIONS = "exemptions", _("Exemptions and reductions")
    REFUNDS = "refunds", _("Refunds")
    GATEWAY = "gateway_clearing", _("Payment gateway clearing")
    BANK = "bank", _("Bank account")
    SUBSIDY_INCOME = "subsidy_income", _("Government subsidy")
    EXP_TEACHER = "expenses_teacher", _("Teacher subsidies")
    EXP_EXTERNAL = "expenses_external", _("External staff fees (劳务费)")
    EXP_MATERIALS = "expenses_materials", _("Consumables and materials")
    EXP_UTILITIES = "expenses_utilities", _("Utilities (water, power, cleaning)")
    EXP_EQUIPMENT = "expenses_equipment", _("Equipment")
    EXP_INSURANCE = "expenses_insurance", _("Insurance")
    EXPENSES = "expenses", _("Other expenses")


# How the term-end disclosure reads the categories (every category is in exactly one group;
# tests/billing/test_disclosure.py checks it): income is credit-normal, the rest debit-normal.
# income − reductions − spending = the fund's assets (double entry), which is what is carried.
INCOME_CATEGORIES = (Category.FEE_INCOME, Category.SUBSIDY_INCOME)
REDUCTION_CATEGORIES = (Category.EXEMPTIONS, Category.REFUNDS)
SPENDING_CATEGORIES = (
    Category.EXP_TEACHER,
    Category.EXP_EXTERNAL,
    Category.EXP_MATERIALS,
    Category.EXP_UTILITIES,
    Category.EXP_EQUIPMENT,
    Category.EXP_INSURANCE,
    Category.EXPENSES,
)
ASSET_CATEGORIES = (Category.RECEIVABLE, Category.GATEWAY, Category.BANK)


class JournalKind(models.TextChoices):
    CHARGE = "charge", _("Fee charged")
    REVERSAL = "reversal", _("Charge reversed (invoice re-issued)")
    PAYMENT = "payment", _("Payment received")
    REFUND = "refund", _("Refund paid")
    SUBSIDY = "subsidy", _("Subsidy received")
    EXPENSE = "expense", _("Expense paid")
    PAYOUT = "payout", _("Subsidies and labour fees paid")


class Journal(models.Model):
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    # The accounting period: the semester the movement belongs to (an invoice's semester for
    # fees, payments and refunds; a payout month's, a subsidy's, an expense's). The term-end
    # disclosure of a semester is the sum of its journals.
    semester = models.ForeignKey(
        Semester, on_delete=models.PROTECT, related_name="+", verbose_name=_("semester")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=JournalKind.choices)
    # Idempotency: the movement's natural key (e.g. "payment:<transaction id>").
    key = models.CharField(max_length=120)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "key"], name="billing_journal_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "school", "-created_at"]),
            models.Index(fields=["district", "semester", "school"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key}"


class JournalLine(models.Model):
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="lines")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    amount_fen = models.BigIntegerField(_("amount (fen; debit +, credit −)"))
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        ordering = ["journal_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="billing_line_not_zero"),
        ]
        indexes = [models.Index(fields=["district", "school", "category"])]

    def __str__(self):
        return f"{self.category} {self.amount_fen}"
