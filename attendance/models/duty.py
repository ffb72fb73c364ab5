"""The duty leader's day (值班): school clearing (清校) and patrol records (巡查).

``Clearing`` — one per school and day: the duty leader confirms every group of the day is
empty; ``ClearedGroup`` — one row per session of the day, with a note where the system still
showed the group open (children not recorded as gone). ``Patrol`` — what the duty leader saw
on a round, any number a day.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from scheduling.models import Session

NOTE_MAX = 500


class Clearing(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    confirmed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"))
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True, default="")

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("school clearing")
        verbose_name_plural = _("school clearings")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "date"], name="clearing_once_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.school_id} {self.date}"


class ClearedGroup(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    clearing = models.ForeignKey(Clearing, on_delete=models.CASCADE, related_name="groups")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    was_open = models.BooleanField(_("still open in the system"), default=False)
    children_unaccounted = models.PositiveIntegerField(default=0)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    tenant_rule = TenantRule(school="clearing__school")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("cleared group")
        verbose_name_plural = _("cleared groups")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "clearing", "session"], name="cleared_group_once"
            ),
        ]

    def __str__(self):
        return f"{self.clearing_id}:{self.session_id}"


class Patrol(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    at = models.DateTimeField(_("time"))
    session = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group visited"),
    )
    place = models.CharField(_("place"), max_length=60, blank=True, default="")
    note = models.CharField(_("what was seen"), max_length=NOTE_MAX)
    issue = models.BooleanField(_("a problem needs follow-up"), default=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("patrol record")
        verbose_name_plural = _("patrol records")
        ordering = ["-date", "-at"]
        indexes = [models.Index(fields=["district", "school", "date"], name="patrol_school_day")]

    def __str__(self):
        return f"{self.school_id} {self.at:%Y-%m-%d %H:%M}"
