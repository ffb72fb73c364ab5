"""The roll of a session (点名): one ``AttendanceMark`` per session and child.

A submitted list is written with one ``INSERT … ON CONFLICT (district, session, student) DO
UPDATE`` (``attendance.services.roll``): resubmitting corrects the marks, never duplicates
them. Each submission carries a client-generated id, unique per session
(``RollSubmission``), so a list that arrives twice (a retry on a poor connection, a form
posted again) is applied once.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from enrollment.models import Student
from scheduling.models import CareGroup, Session

SESSION_TEACHER = "session__group__assignments__staff__user"
FAMILY = "student__guardianships__user"


class MarkStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    LEAVE = "leave", _("On leave")


# What a teacher submits; ``leave`` is derived from an approved leave request.
TAKEN_STATUSES = (MarkStatus.PRESENT, MarkStatus.LATE, MarkStatus.ABSENT)
HERE_STATUSES = (MarkStatus.PRESENT, MarkStatus.LATE)


class RollCall(models.Model):
    """A session's roll once taken: who took it, when, and when the group was closed
    (every child present has left: picked up or moved to another group)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(CareGroup, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    taken_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    first_taken_at = models.DateTimeField(_("taken at"))
    last_submitted_at = models.DateTimeField(_("last submitted at"))
    submissions = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    tenant_rule = TenantRule(teacher=SESSION_TEACHER)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("roll call")
        verbose_name_plural = _("roll calls")
        ordering = ["-date", "session_id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "session"], name="roll_once_per_session"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_by__isnull=False),
                name="roll_closed_names_who",
            ),
        ]
        indexes = [models.Index(fields=["district", "school", "date"], name="roll_school_day")]

    def __str__(self):
        return f"{self.group_id} {self.date}"


class AttendanceMark(models.Model):
    """A child's mark in one session. ``leave`` points at the approved leave that excuses an
    absence (status ``leave``); ``revision`` counts changes after the first mark."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=8, choices=MarkStatus.choices)
    leave = models.ForeignKey(
        "attendance.LeaveRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marks",
    )
    note = models.CharField(_("note"), max_length=100, blank=True, default="")
    marked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    first_marked_at = models.DateTimeField()
    marked_at = models.DateTimeField(_("marked at"))
    revision = models.PositiveIntegerField(default=0)

    tenant_rule = TenantRule(teacher=SESSION_TEACHER, family=FAMILY)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance marks")
        ordering = ["session_id", "student_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "session", "student"], name="mark_once_per_session_child"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MarkStatus.values), name="mark_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="leave") | Q(leave__isnull=False),
                name="mark_leave_names_request",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "student", "date"], name="mark_child_history"),
            models.Index(fields=["district", "school", "date"], name="mark_school_day"),
        ]

    def __str__(self):
        return f"{self.student_id} {self.date} {self.status}"


class RollSubmission(models.Model):
    """One submitted list, recorded once by its client-generated id (unique per session).
    ``digest`` is the SHA-256 of the list as applied: the same id with other marks is
    refused."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField()
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    marks = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")

    tenant_rule = TenantRule(teacher=SESSION_TEACHER)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("roll submission")
        verbose_name_plural = _("roll submissions")
        ordering = ["session_id", "received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "session", "submission_id"], name="roll_submission_once"
            ),
        ]

    def __str__(self):
        return str(self.submission_id)
