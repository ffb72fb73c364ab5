"""The semester's dated sessions of every group, and cancelled days.

``Session`` rows are generated set-based (``scheduling.services.sessions``): one per group,
date and start time — the unique key the generator's ``INSERT … ON CONFLICT`` relies on, so
generating twice changes nothing. A cancelled session keeps its row (status, reason, time):
refunds will count them later.
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import WEEKDAYS, District, School, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from plans.models import PlanVersion, SchoolPlan
from scheduling.models.groups import CareGroup


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("session status", "Scheduled")
    CANCELLED = "cancelled", pgettext_lazy("session status", "Cancelled")


class DayCancellation(models.Model):
    """A school day whose sessions were all cancelled (weather, sports day), with the reason."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SchoolPlan, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)
    sessions_cancelled = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(parents_see_school=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("cancelled day")
        verbose_name_plural = _("cancelled days")
        ordering = ["plan_id", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "plan", "date"], name="cancellation_once_per_day"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="cancellation_has_reason"),
        ]

    def __str__(self):
        return f"{self.date} · {self.reason}"


class Session(models.Model):
    # Rows are inserted by SQL (gen_random_uuid()); the Python default serves the naive path.
    # A semester writes a school's sessions in one statement, so the table carries only what
    # reads need: the unique key leads with the group (it serves a group's dates too), a
    # plan's days have their own index, and no index per foreign key. The group is the row's
    # parent (a real foreign key); district, school, plan and version are copies the one
    # writer (``services.sessions``) takes from the locked plan, declared without a database
    # constraint: a constraint on each would make PostgreSQL lock the same four parent rows
    # once per inserted session (measured: 0.15 s of a school's 0.4 s). The ORM still
    # protects them on delete.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    plan = models.ForeignKey(
        SchoolPlan,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    version = models.ForeignKey(
        PlanVersion,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    group = models.ForeignKey(
        CareGroup, on_delete=models.PROTECT, related_name="sessions", db_index=False
    )
    date = models.DateField(_("date"))
    weekday = models.PositiveSmallIntegerField(
        _("timetable of"), choices=WEEKDAYS, help_text=_("A make-up day may follow another day.")
    )
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    minutes = models.PositiveSmallIntegerField()
    lessons = models.PositiveSmallIntegerField(_("lessons (课时)"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SessionStatus.choices,
        default=SessionStatus.SCHEDULED,
    )
    cancellation = models.ForeignKey(
        DayCancellation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        db_index=False,
    )
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(teacher="group__assignments__staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "start_time", "group_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "date", "start_time", "district"], name="session_unique"
            ),
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="session_times_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status="scheduled")
                | (~Q(cancel_reason="") & Q(cancelled_at__isnull=False)),
                name="session_cancelled_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "date"]),
            models.Index(
                fields=["cancellation"],
                condition=Q(cancellation__isnull=False),
                name="session_cancellation",
            ),
        ]

    def __str__(self):
        return f"{self.group} {self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"
