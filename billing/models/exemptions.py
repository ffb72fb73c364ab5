"""Exemptions and reductions (减免): a family applies with one of the district policy's
categories and evidence; the school verifies or refuses with a reason."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule


class ExemptionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the school")
    VERIFIED = "verified", _("Verified")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn by the family")


class Exemption(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(
        "enrollment.Student", on_delete=models.PROTECT, related_name="exemptions"
    )
    # The policy's category, copied: the policy may gain versions, the grant must not move.
    category = models.CharField(_("category"), max_length=40)
    category_name = models.CharField(_("category"), max_length=60)
    reduction_percent = models.PositiveSmallIntegerField(
        _("reduction (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    applies_to_unpaid = models.BooleanField(default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ExemptionStatus.choices, default="pending"
    )
    # Evidence: stored outside the web root (BILLING_PRIVATE_ROOT), served by a view that
    # checks who asks.
    evidence_path = models.CharField(max_length=200)
    evidence_name = models.CharField(_("evidence"), max_length=120)
    evidence_type = models.CharField(max_length=40)
    evidence_size = models.PositiveIntegerField()
    applied_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("reason"), max_length=200, blank=True)

    tenant_rule = TenantRule(family="student__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "semester", "student"],
                condition=Q(status__in=["pending", "verified"]),
                name="billing_one_live_exemption",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""),
                name="billing_exemption_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(reduction_percent__gte=1, reduction_percent__lte=100),
                name="billing_exemption_percent_range",
            ),
        ]
        indexes = [models.Index(fields=["district", "school", "semester", "status"])]

    def __str__(self):
        return f"{self.student} · {self.category_name}"
