"""Compliance alerts (督导预警): a condition a rule found in the data, kept while it holds.

An alert is identified by a stable ``key`` — rule, object and period (``fee_over_cap:plan:
<uuid>:<semester>``) — unique per district, so recomputing finds the same alert again
instead of adding one (``reporting.services.alerts.recompute_alerts``). Its ``state`` is what
people did about it; ``present`` is whether the data still shows the condition:

    open ──acknowledge (note)──▶ acknowledged ──resolve (note)──▶ resolved
      └──────────────resolve (note)──────────────────────────────▶ resolved
    condition gone (recompute): open/acknowledged ─▶ resolved by the system (present = False)
    condition back (recompute): resolved by the system ─▶ open again

An alert an official resolved while the condition still held stays resolved (a decision, with
its note); it opens again only if the condition first disappears and then comes back. Every
change is an ``AlertChange`` row and an audit event.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule


class AlertState(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert", "Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


LIVE_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


class Alert(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("rule"), max_length=32)
    key = models.CharField(max_length=200)
    subject_type = models.CharField(max_length=16)
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(_("concerns"), max_length=200)
    period = models.CharField(_("period"), max_length=40, blank=True)
    message = models.TextField(_("finding"))
    value = models.CharField(_("value"), max_length=100, blank=True)
    limit = models.CharField(_("limit"), max_length=100, blank=True)
    params = models.JSONField(default=dict, blank=True)  # what the evidence page looks up
    state = models.CharField(
        _("state"), max_length=12, choices=AlertState.choices, default=AlertState.OPEN
    )
    present = models.BooleanField(_("condition holds"), default=True)
    first_seen_at = models.DateTimeField(_("first found"))
    last_seen_at = models.DateTimeField(_("updated"))
    state_changed_at = models.DateTimeField()
    note = models.CharField(_("note"), max_length=500, blank=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("compliance alert")
        verbose_name_plural = _("compliance alerts")
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "key"], name="reporting_alert_key"),
            models.CheckConstraint(
                condition=~Q(state="acknowledged")
                | (Q(acknowledged_at__isnull=False) & ~Q(note="")),
                name="reporting_alert_acknowledged_has_note",
            ),
            models.CheckConstraint(
                condition=~Q(state="resolved") | Q(resolved_at__isnull=False),
                name="reporting_alert_resolved_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["district", "semester", "state", "rule"], name="reporting_alert_state"
            ),
            models.Index(fields=["district", "school", "state"], name="reporting_alert_school"),
        ]

    def __str__(self):
        return f"{self.rule} · {self.subject_label}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES


class AlertChange(models.Model):
    """One step in an alert's life (append-only): who (None: the system) and why."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event = models.CharField(_("event"), max_length=16)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    note = models.CharField(_("note"), max_length=500, blank=True)

    tenant_rule = TenantRule(officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert change")
        verbose_name_plural = _("alert changes")
        ordering = ["alert_id", "at", "id"]
        indexes = [models.Index(fields=["alert", "at"], name="reporting_alertchange_alert")]

    def __str__(self):
        return f"{self.alert_id} {self.event} {self.from_state}→{self.to_state}"

    @property
    def from_label(self) -> str:
        """The states' labels, for the history (the columns keep the codes)."""
        return _state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return _state_label(self.to_state)


def _state_label(state: str) -> str:
    if not state:
        return ""
    try:
        return str(AlertState(state).label)
    except ValueError:
        return state
