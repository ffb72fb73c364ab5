"""Staff attendance: what teacher subsidies and their deductions are computed from.

Append-only. Every fact about one staff member in one session is a row; a change — the
check-out after the check-in, a duty leader's record, a correction — is a *new* row that
names the row it supersedes (``supersedes``, unique: a row is superseded at most once, so the
history of a (session, staff) pair is one chain and two concurrent changes cannot both win).
The current state is the chain's head: the row nobody supersedes. A PostgreSQL trigger
refuses UPDATE and DELETE (migration 0001), so a subsidy can always be traced back to the rows
and the people that recorded them.

``status``: present (checked in: ``minutes_late`` after the start, ``minutes_early`` before
the end — an early leave, 早退), missed (空堂: nobody taught), substituted (another staff
member, ``substitute``, taught in their place with the school's approval).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, School, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from scheduling.models import Session, StaffMember


class StaffStatus(models.TextChoices):
    PRESENT = "present", pgettext_lazy("staff attendance", "Present")
    MISSED = "missed", _("Missed session (空堂)")
    SUBSTITUTED = "substituted", _("Substituted (替班)")


class StaffAttendanceSource(models.TextChoices):
    CHECK_IN = "check_in", _("Checked in")
    CHECK_OUT = "check_out", _("Checked out")
    RECORDED = "recorded", _("Recorded by the school")
    CORRECTION = "correction", _("Correction")


class StaffAttendance(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=StaffStatus.choices)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    minutes_late = models.PositiveIntegerField(_("minutes late"), default=0)
    minutes_early = models.PositiveIntegerField(_("minutes left early"), default=0)
    substitute = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("substitute"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    source = models.CharField(_("source"), max_length=12, choices=StaffAttendanceSource.choices)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )

    tenant_rule = TenantRule(teacher="staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff attendance record")
        verbose_name_plural = _("staff attendance records")
        ordering = ["session_id", "staff_id", "recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "session", "staff"],
                condition=Q(supersedes__isnull=True),
                name="staff_attendance_one_chain",
            ),
            models.CheckConstraint(
                condition=(Q(status="substituted") & Q(substitute__isnull=False))
                | (~Q(status="substituted") & Q(substitute__isnull=True)),
                name="staff_attendance_substitute_iff",
            ),
            models.CheckConstraint(
                condition=Q(status="present")
                | Q(checked_in_at__isnull=True, minutes_late=0, minutes_early=0),
                name="staff_attendance_absent_has_no_times",
            ),
            models.CheckConstraint(
                condition=~Q(source="correction") | ~Q(note=""),
                name="staff_attendance_correction_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "school", "date"], name="staff_att_school_day"),
            models.Index(fields=["district", "staff", "date"], name="staff_att_staff_day"),
            models.Index(fields=["district", "substitute", "date"], name="staff_att_substitute"),
        ]

    def __str__(self):
        return f"{self.staff_id}@{self.session_id} {self.status} ({self.source})"

    @property
    def is_late(self) -> bool:
        return self.status == StaffStatus.PRESENT and self.minutes_late > 0

    @property
    def left_early(self) -> bool:
        return self.status == StaffStatus.PRESENT and self.minutes_early > 0
