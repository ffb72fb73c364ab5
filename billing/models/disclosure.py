"""The term-end public disclosure of a school's after-school fund (每学期末公示收支).

* ``Disclosure`` — one per school and semester (created by the calendar job when the semester
  ends, or by the principal earlier as a draft), with the date it is due.
* ``DisclosureVersion`` — what is (to be) published: every figure read from the ledger alone
  (``figures``: fen per category of the semester's journals, and the totals in columns with
  CHECKs tying them together). A version goes draft -> reviewed (by a member of the parents'
  committee) -> published (by the principal, after a check that it still equals the ledger
  to the fen). A published version never changes (a trigger refuses UPDATE and DELETE on it,
  migration 0005); an amendment is the next version, drafted with a reason, reviewed and
  published again — the public page lists every published version.
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule


class Disclosure(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("to be published by"))
    created_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("fee disclosure")
        verbose_name_plural = _("fee disclosures")
        ordering = ["-semester__start_date", "school_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "semester"], name="billing_disclosure_once"
            ),
        ]

    def __str__(self):
        return f"{self.school} · {self.semester}"


class DisclosureStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("disclosure", "Draft")
    REVIEWED = "reviewed", pgettext_lazy("disclosure", "Confirmed by the parents' committee")
    PUBLISHED = "published", pgettext_lazy("disclosure", "Published")


class DisclosureVersion(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DisclosureStatus.choices,
        default=DisclosureStatus.DRAFT,
    )
    # fen per ledger category of the semester's journals (credit-normal categories negated
    # to positive), and the totals the page shows.
    figures = models.JSONField(default=dict)
    fees_fen = models.BigIntegerField(_("fees charged"))
    reductions_fen = models.BigIntegerField(_("exemptions and refunds"))
    subsidy_fen = models.BigIntegerField(_("district subsidy"))
    income_fen = models.BigIntegerField(_("income"))
    spending_fen = models.BigIntegerField(_("spending"))
    balance_fen = models.BigIntegerField(_("balance of the semester"))
    carried_in_fen = models.BigIntegerField(_("carried from earlier semesters"))
    carried_out_fen = models.BigIntegerField(_("balance carried forward"))
    journals = models.PositiveIntegerField(_("journals"))
    # The ledger as read: the highest journal id and the time; later journals of the period
    # make a published version out of date (an amendment is due).
    ledger_mark = models.BigIntegerField(default=0)
    drafted_at = models.DateTimeField(default=timezone.now)
    drafted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amendment_reason = models.CharField(_("reason for the amendment"), max_length=300, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.CharField(_("reviewer's note"), max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("disclosure version")
        verbose_name_plural = _("disclosure versions")
        ordering = ["disclosure_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "number"], name="billing_disclosure_version_unique"
            ),
            # At most one version in the works (draft or reviewed) per disclosure.
            models.UniqueConstraint(
                fields=["disclosure"],
                condition=Q(status__in=["draft", "reviewed"]),
                name="billing_disclosure_one_open",
            ),
            models.CheckConstraint(
                condition=Q(income_fen=F("fees_fen") - F("reductions_fen") + F("subsidy_fen"))
                & Q(balance_fen=F("income_fen") - F("spending_fen"))
                & Q(carried_out_fen=F("carried_in_fen") + F("balance_fen")),
                name="billing_disclosure_arithmetic",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="billing_disclosure_reviewed_has_who",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(published_at__isnull=False, published_by__isnull=False),
                name="billing_disclosure_published_has_who",
            ),
            models.CheckConstraint(
                condition=Q(number=1) | ~Q(amendment_reason=""),
                name="billing_disclosure_amendment_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.disclosure} · v{self.number}"
