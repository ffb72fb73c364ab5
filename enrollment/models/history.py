"""The history of an application: one append-only row per step of its life.

``Application.status`` and its columns hold the current state; ``ApplicationTransition``
holds how it got there — who moved it from which status to which, when, why — written by
``enrollment.services.history.transition`` in the same transaction as the change. The
parent's timeline is read from it, and later invoices and refunds point at the row that
made a child a participant or ended the service. A PostgreSQL trigger refuses UPDATE and
DELETE (migration 0010), like the audit table's.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, User
from aftercare.tenancy import TenantQuerySet, TenantRule

from .registration import Application, ApplicationStatus


class ApplicationEvent(models.TextChoices):
    SUBMITTED = "submitted", _("Applied")
    CLASS_APPROVED = "class_approved", _("Approved by the class teacher")
    FLAGGED = "flagged", _("Flagged by the class teacher")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved by the school")
    LISTED = "listed", _("On the public list")
    AGREEMENT_SIGNED = "agreement_signed", _("Service agreement signed")
    INSURANCE_CONFIRMED = "insurance_confirmed", _("Accident insurance confirmed")
    ACTIVATED = "activated", _("Enrolled: may attend")
    WITHDRAWAL_REQUESTED = "withdrawal_requested", _("Withdrawal requested")
    WITHDRAWAL_DECLINED = "withdrawal_declined", _("Withdrawal declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplicationTransition(models.Model):
    """One step: ``from_status`` → ``to_status`` (equal for steps that keep the status, such
    as signing the agreement), by ``actor`` (None: the system) at ``at``."""

    # Indexed by the two composites below only (a bulk approval inserts thousands of rows).
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="transitions", db_index=False
    )
    event = models.CharField(_("step"), max_length=24, choices=ApplicationEvent.choices)
    from_status = models.CharField(
        max_length=24, choices=ApplicationStatus.choices, blank=True, db_default=""
    )
    to_status = models.CharField(max_length=24, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(_("reason"), max_length=200, blank=True, db_default="")
    payload = models.JSONField(default=dict, blank=True, db_default={})

    tenant_rule = TenantRule(
        teacher="application__student__school_class__homeroom_teacher",
        family="application__student__guardianships__user",
    )
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("application step")
        verbose_name_plural = _("application history")
        ordering = ["application_id", "at", "id"]
        indexes = [
            models.Index(fields=["application", "at", "id"], name="transition_timeline"),
            models.Index(fields=["district", "school", "event", "at"], name="transition_by_event"),
        ]

    def __str__(self):
        return f"{self.application_id} {self.from_status or '∅'} → {self.to_status} ({self.event})"
