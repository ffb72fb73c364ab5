"""The weekly activity record of a class (每周活动记录), filled by its homeroom teacher and
archived per term: once the school archives a semester, its records are read-only (a
trigger refuses UPDATE and DELETE of archived rows, migration 0001)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, SchoolClass, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule

TEXT_MAX = 2000


class WeeklyRecord(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField(_("week of"))
    activities = models.TextField(_("activities"), max_length=TEXT_MAX)
    highlights = models.TextField(
        _("children's progress and notes"), max_length=TEXT_MAX, blank=True, default=""
    )
    safety = models.TextField(
        _("safety and incidents"), max_length=TEXT_MAX, blank=True, default=""
    )
    filled_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    archived_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    tenant_rule = TenantRule(teacher="school_class__homeroom_teacher")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("weekly activity record")
        verbose_name_plural = _("weekly activity records")
        ordering = ["school_class_id", "-week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school_class", "week_start"], name="weekly_record_once"
            ),
            models.CheckConstraint(
                condition=Q(week_start__iso_week_day=1), name="weekly_record_starts_monday"
            ),
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True) | Q(archived_by__isnull=False),
                name="weekly_record_archived_names_who",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "school", "semester"], name="weekly_record_term"),
        ]

    def __str__(self):
        return f"{self.school_class_id} {self.week_start}"
