"""Human labels of audit action codes. The kernel names its own; apps add theirs with
``register_actions`` in their ``AppConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# Human labels of action codes, for the audit pages. Apps add theirs with register_actions.
ACTION_LABELS: dict[str, Any] = {
    "semester.created": _("Semester created"),
    "calendar.exception_added": _("Calendar date added"),
    "calendar.exception_removed": _("Calendar date removed"),
    "membership.granted": _("Role granted"),
    "student.viewed": _("Student record viewed"),
}


def register_actions(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str):
    return ACTION_LABELS.get(action, action)
