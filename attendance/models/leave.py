"""Leave (请假): a guardian asks in advance for one or more days; the homeroom teacher (or the
school) approves or refuses. An approved leave excuses the child's absence on the roll of
every session of those days. Pending and approved requests of a child never overlap (an
exclusion constraint), so a double submit or two guardians asking at once leave one request.
"""

import uuid

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from enrollment.models import Student

MAX_LEAVE_DAYS = 31  # one request covers at most a month
NOTE_MAX = 200


class LeaveReason(models.TextChoices):
    SICK = "sick", _("Sick leave (病假)")
    PERSONAL = "personal", _("Personal leave (事假)")
    OTHER = "other", _("Other")


class LeaveStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the teacher")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


LIVE_LEAVE = (LeaveStatus.PENDING, LeaveStatus.APPROVED)


class DateRange(Func):
    """``daterange(start, end, '[]')``: both days included."""

    function = "DATERANGE"
    output_field = DateRangeField()


class LeaveRequest(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=10, choices=LeaveReason.choices)
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(
        _("teacher's note"), max_length=NOTE_MAX, blank=True, default=""
    )

    tenant_rule = TenantRule(
        teacher="student__school_class__homeroom_teacher", family="student__guardianships__user"
    )
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-start_date", "-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="leave_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "cancelled"]) | Q(decided_at__isnull=False),
                name="leave_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(decision_note=""),
                name="leave_refused_has_note",
            ),
            ExclusionConstraint(
                name="leave_no_overlap",
                expressions=[
                    ("district", RangeOperators.EQUAL),
                    ("student", RangeOperators.EQUAL),
                    (DateRange("start_date", "end_date", Value("[]")), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["pending", "approved"]),
            ),
        ]
        indexes = [
            models.Index(fields=["district", "student", "start_date"], name="leave_child"),
            models.Index(
                fields=["district", "school", "start_date"],
                condition=Q(status="pending"),
                name="leave_pending",
            ),
        ]

    def __str__(self):
        return f"{self.student_id} {self.start_date}–{self.end_date} {self.status}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1
