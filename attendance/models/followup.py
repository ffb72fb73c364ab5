"""Follow-up of a child's attendance: a flag when a pattern is reached, recorded warnings to
the family, and dismissal (劝退) only after the policy's number of warnings.

* ``FollowUp`` — opened (once: a partial unique index on open flags) when a child's
  unexcused absences, or late pickups, reach the district policy's count within its window
  of days; closed by the school with a note.
* ``AttendanceWarning`` — a warning sent to the guardians, recorded with who issued it.
* ``Dismissal`` — the school's decision to end a child's service, refused until the semester
  holds ``warnings_before_dismissal`` warnings for the child.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from enrollment.models import Student

from .roll import FAMILY

HOMEROOM = "student__school_class__homeroom_teacher"


class FollowUpKind(models.TextChoices):
    ABSENCES = "absences", _("Repeated unexcused absence")
    LATE_PICKUPS = "late_pickups", _("Repeated late pickup")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("follow-up", "Open")
    CLOSED = "closed", pgettext_lazy("follow-up", "Closed")


class FollowUp(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=14, choices=FollowUpKind.choices)
    count = models.PositiveIntegerField(_("count"))
    window_days = models.PositiveIntegerField(_("within days"))
    opened_at = models.DateTimeField(_("flagged at"))
    status = models.CharField(
        _("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_note = models.CharField(_("note"), max_length=300, blank=True, default="")

    tenant_rule = TenantRule(teacher=HOMEROOM)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance follow-up")
        verbose_name_plural = _("attendance follow-ups")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "student", "kind"],
                condition=Q(status="open"),
                name="followup_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | (Q(closed_at__isnull=False) & ~Q(close_note="")),
                name="followup_closed_has_note",
            ),
        ]
        indexes = [
            models.Index(
                fields=["district", "school"], condition=Q(status="open"), name="followup_open"
            )
        ]

    def __str__(self):
        return f"{self.student_id} {self.kind} ({self.count}/{self.window_days}d)"


class AttendanceWarning(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.PROTECT, null=True, blank=True, related_name="warnings"
    )
    text = models.CharField(_("warning"), max_length=500)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued at"))

    tenant_rule = TenantRule(teacher=HOMEROOM, family=FAMILY)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance warning")
        verbose_name_plural = _("attendance warnings")
        ordering = ["-issued_at"]
        indexes = [
            models.Index(fields=["district", "student", "semester"], name="warning_child"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.issued_at:%Y-%m-%d}"


class Dismissal(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    last_day = models.DateField(_("last day of service"))
    reason = models.CharField(_("reason"), max_length=500)
    warnings = models.PositiveIntegerField(_("warnings recorded"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))

    tenant_rule = TenantRule(teacher=HOMEROOM, family=FAMILY)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("dismissal (劝退)")
        verbose_name_plural = _("dismissals (劝退)")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "semester", "student"], name="dismissal_once_per_semester"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="dismissal_has_reason"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.last_day}"
