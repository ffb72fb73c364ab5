"""Human labels of audit action codes. The kernel names its own; apps add theirs with
``register_actions`` in their ``AppConfig.ready``."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.texts import join_list

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
    # Keys of the services' payloads that are not a field of the audited object (those take
    # the field's verbose name, see _model_labels).
    "absences_excused": _("absences excused"),
    "agreement": _("agreement"),
    "alerts": _("alerts"),
    "anonymous": _("anonymous"),
    "attachments": _("attachments"),
    "carried_out": _("carried over"),
    "category": _("category"),
    "closes_on": _("closes on"),
    "commitment": _("commitment of the draw"),
    "complaints": _("complaints"),
    "copied_from": _("copied from"),
    "coverage": _("coverage"),
    "deduction_month": _("month of the deduction"),
    # xgettext:no-python-format
    "deduction_percent": _("deduction (%)"),
    "disclosure": _("disclosure"),
    "entries": _("entries"),
    "evaluation": _("evaluation"),
    "evaluation_score": _("evaluation score"),
    "extra": _("extra children"),
    "fault": _("fault"),
    "fault_staff": _("staff at fault"),
    "flagged": _("flagged"),
    "from": pgettext_lazy("audit", "from"),
    "from_version": _("from version"),
    "group": _("group"),
    "handover": _("handover"),
    "income": _("income"),
    "inspection": _("inspection"),
    "invoices": _("invoices"),
    "issue": _("issue"),
    "licence_number": _("licence number"),
    "licence_valid_until": _("licence valid until"),
    "listed": _("listed"),
    "max_size": _("largest group"),
    "merge_threshold": _("merge below"),
    "minutes_early": _("minutes early"),
    "minutes_late": _("minutes late"),
    "missing": _("missing children"),
    "month": _("month"),
    "open_groups": _("groups still open"),
    "order": _("payment order"),
    "outcome": _("outcome"),
    "participation": _("participation"),
    "patrol": _("patrol"),
    "person": _("person"),
    "policy_number": _("policy number"),
    "policy_version": _("policy version"),
    "price_list": _("price list"),
    "primary": _("primary school"),
    "questions": _("questions"),
    "record": _("record"),
    "replaces": _("replaces"),
    "rules": _("rules"),
    "rules_version": _("rules version"),
    "schools": _("schools"),
    "seats": _("seats"),
    "seed": _("seed of the draw"),
    "spending": _("spending"),
    "staff": _("staff"),
    "step": _("step"),
    "subject": _("subject"),
    "submission": _("submission"),
    "substitute": _("substitute"),
    "supersedes": _("supersedes"),
    "tier": _("priority tier"),
    "to": pgettext_lazy("audit", "to"),
    "to_version": _("to version"),
    "transaction": _("transaction"),
    "type": _("file type"),
    "unmarked": _("not marked"),
    "updated": _("updated"),
    "week": _("week"),
    "weekdays": _("weekdays"),
    "weights": _("weights"),
    "window_days": _("within days"),
    "within_stage": _("within a stage"),
    "year": _("year"),
    "criterion": _("criterion"),
    "evidence": _("evidence"),
    "revision": _("revision"),
    "sessions": _("sessions"),
    "severity": _("severity"),
    "source": _("source"),
    "unit": _("unit"),
    "affected": _("affected"),
    "after": _("after"),
    "alert": _("alert"),
    "amendment": _("amendment"),
    "applications_withdrawn": _("applications withdrawn"),
    "before": _("before"),
    "by_group": _("by group"),
    "check": _("check"),
    "class": _("class"),
    "course_entries_released": _("course seats released"),
    "decisions": _("decisions"),
    "declared": _("declared"),
    "detail": _("detail"),
    "dismissal": _("dismissal"),
    "due": _("due"),
    "effective_date": _("effective date"),
    "families": _("families"),
    "file": _("file"),
    "files": _("files"),
    "gateway": _("payment gateway"),
    "guardian": _("guardian"),
    "incident": _("incident"),
    "into": _("into"),
    "masked": _("masked"),
    "mobile_tail": _("mobile number (last digits)"),
    "models": _("data kinds"),
    "moved": _("moved"),
    "new": _("new"),
    "new_groups": _("new groups"),
    "notice": _("notice"),
    "page": _("page"),
    "path": _("path"),
    "photos": _("photos"),
    "placed": _("placed"),
    "records": _("records"),
    "refund": _("refund"),
    "registered": _("registered"),
    "registration": _("registration"),
    "request": _("request"),
    "run": _("run"),
    "score": _("score"),
    "sha256": _("checksum (SHA-256)"),
    "side": _("side"),
    "size": _("size"),
    "status_before": _("status before"),
    "students": _("students"),
    "table": _("table"),
    "token": _("access token"),
    "tokens": _("access tokens"),
    "uplift": _("uplift"),
    "values": _("values"),
    "via": _("via"),
    "warning": _("warning"),
}

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
UUID_TEXT = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^[0-9a-f]{32}$"
)
CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MIME = re.compile(r"^(?:application|image|text)/([\w.+-]+)$")

# Labels of code values that are no model field's choices: {payload key: {code: label}}.
# Apps add theirs with register_code_labels.
CODE_LABELS: dict[str, dict[str, Any]] = {}


def register_code_labels(key: str, labels: dict[str, Any]) -> None:
    """Label the code values of payload key ``key`` (e.g. plan parts, preset names)."""
    CODE_LABELS.setdefault(key, {}).update(labels)


def register_payload_labels(labels: dict[str, Any], *, replace: bool = True) -> None:
    """Add labels of payload keys; ``replace=False`` keeps the labels already there (for
    model field names, which may repeat a generic key)."""
    for key, label in labels.items():
        if replace or key not in PAYLOAD_LABELS:
            PAYLOAD_LABELS[key] = label


# Labels read from the models themselves, once: a payload key that is a field of the audited
# object takes the field's verbose name, a code value of a field with choices its label.
# Per model first (the event's object_type), then any model's field of that name.
@cache
def _model_labels() -> tuple[dict, dict, dict, dict]:
    field_names: dict[str, dict[str, Any]] = {}  # model label -> field -> verbose name
    field_codes: dict[str, dict[str, dict]] = {}  # model label -> field -> code -> label
    any_name: dict[str, Any] = {}
    any_codes: dict[str, dict] = {}
    for model in apps.get_models():
        names, codes = {}, {}
        for field in model._meta.get_fields():
            if not getattr(field, "concrete", False) or not hasattr(field, "verbose_name"):
                continue
            verbose = field.verbose_name
            if verbose and str(verbose) != field.name.replace("_", " "):
                names[field.name] = verbose
                any_name.setdefault(field.name, verbose)
            choices = getattr(field, "flatchoices", None) or []
            if not choices and getattr(field, "base_field", None) is not None:
                choices = getattr(field.base_field, "flatchoices", None) or []
            if choices:
                mapping = {str(code): label for code, label in choices}
                codes[field.name] = mapping
                for code, label in mapping.items():
                    any_codes.setdefault(field.name, {}).setdefault(code, label)
        field_names[model._meta.label_lower] = names
        field_codes[model._meta.label_lower] = codes
    return field_names, field_codes, any_name, any_codes


def payload_label(key: str, model: str = ""):
    """The label of a payload key: the kernel's and the apps' first, then the audited
    model's field, then any model's field of that name."""
    if key in PAYLOAD_LABELS:
        return PAYLOAD_LABELS[key]
    names, _codes, any_name, _any = _model_labels()
    return names.get(model, {}).get(key) or any_name.get(key) or key.replace("_", " ")


def code_label(key: str, code: str, model: str = ""):
    """The label of a code value (a status, a kind, a role …) under ``key``: from the audited
    model's choices for that field, then any model's; ``from``/``to`` are states. ``None``
    when no choices name it."""
    if code in CODE_LABELS.get(key, {}):
        return CODE_LABELS[key][code]
    _names, codes, _any_name, any_codes = _model_labels()
    fields = [key, "status", "state"] if key in ("from", "to") else [key]
    # The audited model's own fields first (an alert's "state"), then any model's.
    for field in fields:
        label = codes.get(model, {}).get(field, {}).get(code)
        if label is not None:
            return label
    for field in fields:
        label = any_codes.get(field, {}).get(code)
        if label is not None:
            return label
    return None


def _value(value, key: str = "", model: str = "") -> str:
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return join_list(
            f"{payload_label(k, model)} {_value(v, k, model)}" for k, v in value.items()
        )
    if isinstance(value, (list, tuple)):
        return join_list(_item(v, key, model) for v in value) or "—"
    text = str(value)
    if ISO_DATETIME.match(text):
        return text[:16].replace("T", " ")
    mime = MIME.match(text)
    if mime:  # a file's type: its format's name
        return mime.group(1).upper()
    if CODE.match(text):
        label = code_label(key, text, model)
        if label is not None:
            return str(label)
    return text


def _item(value, key: str, model: str) -> str:
    """One item of a list: a code (its label), a field name (its label) or a value."""
    if isinstance(value, str) and CODE.match(value):
        label = code_label(key, value, model)
        if label is None:
            label = payload_label(value, model)
        return str(label)
    return _value(value, key, model)


def readable_payload(payload: dict | None, model: str = "") -> list[tuple[str, str]]:
    """(label, readable value) pairs of an audit payload; ids are left out, ``changes``
    ({field: [old, new]}) become one line per field, "old → new". ``model`` (the event's
    object_type, "app.model") names the fields and codes of the audited object."""
    items: list[tuple[str, str]] = []
    for key, value in (payload or {}).items():
        if isinstance(value, str) and UUID_TEXT.match(value):
            continue
        if key in ("changes", "changed") and isinstance(value, dict):
            for field, pair in value.items():
                if isinstance(pair, (list, tuple)) and len(pair) == 2:
                    old, new = (_value(v, field, model) for v in pair)
                    items.append((str(payload_label(field, model)), f"{old} → {new}"))
                else:
                    items.append((str(payload_label(field, model)), _value(pair, field, model)))
            continue
        items.append((str(payload_label(key, model)), _value(value, key, model)))
    return items
