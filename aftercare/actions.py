"""Human labels of audit action codes. The kernel names its own; apps add theirs with
``register_actions`` in their ``AppConfig.ready``."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


# Human labels of the keys of audit payloads, for the audit pages (officials read them, not
# programmers): apps add theirs with register_payload_labels. Values are rendered readable by
# readable_payload: yes/no, lists joined, "old → new" for changes, ids left out (the object
# column names the object).
PAYLOAD_LABELS: dict[str, Any] = {
    "active": _("active"),
    "added": _("added"),
    "amount": _("amount"),
    "at": _("time"),
    "basic_care": _("basic care"),
    "bulk": _("in bulk"),
    "by": _("by"),
    "cancelled": _("cancelled"),
    "capacity": _("capacity"),
    "changed": _("changed"),
    "changes": _("changes"),
    "channel": _("channel"),
    "comment": _("comment"),
    "count": _("number"),
    "counts": _("counts"),
    "course": pgettext_lazy("audit", "course"),
    "created": _("created"),
    "date": _("date"),
    "deleted": _("deleted"),
    "end": _("until"),
    "end_date": _("last day"),
    "fields": _("fields"),
    "first": _("first time"),
    "format": _("format"),
    "full_name": pgettext_lazy("person", "name"),
    "groups": _("groups"),
    "institution": _("institution"),
    "kind": _("kind"),
    "mobile": _("mobile number"),
    "name": pgettext_lazy("audit", "name"),
    "needs_accompaniment": _("needs a parent's accompaniment"),
    "note": _("note"),
    "number": _("number"),
    "part": _("part of the plan"),
    "participants": _("participants"),
    "preset": _("preset"),
    "priority_groups": _("priority groups"),
    "rank": _("order"),
    "reason": _("reason"),
    "relation": _("relation to the child"),
    "role": _("role"),
    "room": _("room"),
    "round": _("round"),
    "rows": _("rows"),
    "rule": _("rule"),
    "semester": _("semester"),
    "start": _("from"),
    "start_date": _("first day"),
    "status": _("status"),
    "student": _("student"),
    "total": _("total"),
    "version": _("version"),
    "late": _("late"),
    "absent": _("absent"),
    "present": _("present"),
    "leave": _("on leave"),
}

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
UUID_TEXT = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{32}$"
)


def register_payload_labels(labels: dict[str, Any], *, replace: bool = True) -> None:
    """Add labels of payload keys; ``replace=False`` keeps the labels already there (for
    model field names, which may repeat a generic key)."""
    for key, label in labels.items():
        if replace or key not in PAYLOAD_LABELS:
            PAYLOAD_LABELS[key] = label


def payload_label(key: str):
    return PAYLOAD_LABELS.get(key, key.replace("_", " "))


def _value(value) -> str:
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return "，".join(f"{payload_label(k)} {_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return (
            "、".join(str(payload_label(v)) if isinstance(v, str) else _value(v) for v in value)
            or "—"
        )
    text = str(value)
    if ISO_DATETIME.match(text):
        return text[:16].replace("T", " ")
    return text


def readable_payload(payload: dict | None) -> list[tuple[str, str]]:
    """(label, readable value) pairs of an audit payload; ids are left out, ``changes``
    ({field: [old, new]}) become one line per field, "old → new"."""
    items: list[tuple[str, str]] = []
    for key, value in (payload or {}).items():
        if isinstance(value, str) and UUID_TEXT.match(value):
            continue
        if key == "changes" and isinstance(value, dict):
            for field, pair in value.items():
                if isinstance(pair, (list, tuple)) and len(pair) == 2:
                    items.append(
                        (str(payload_label(field)), f"{_value(pair[0])} → {_value(pair[1])}")
                    )
                else:
                    items.append((str(payload_label(field)), _value(pair)))
            continue
        items.append((str(payload_label(key)), _value(value)))
    return items
