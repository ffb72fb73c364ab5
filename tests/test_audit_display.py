"""The audit log reads as Chinese for officials: payload keys labelled, yes/no, lists joined,
policy changes as "old → new" with the field's label, ids left out."""

import pytest
from django.urls import reverse
from django.utils import translation

from aftercare.actions import readable_payload
from aftercare.audit import record_event


def test_payload_is_readable():
    with translation.override("zh-hans"):
        items = dict(
            readable_payload(
                {
                    "first": True,
                    "relation": "母亲",
                    "agreement": "93f2653b-68dc-4799-be52-bd197f72cb48",
                    "changes": {"complaint_hotline": ["", "0531-12345"]},
                    "priority_groups": [],
                    "at": "2026-11-30T17:35:00+08:00",
                }
            )
        )
    assert "93f2653b-68dc-4799-be52-bd197f72cb48" not in items.values()  # no ids
    assert items[str(translation.gettext("complaint hotline"))] == "— → 0531-12345"
    assert "2026-11-30 17:35" in items.values()
    assert not any("{" in v or "[" in v or "True" in v for v in items.values())


@pytest.mark.django_db
def test_audit_page_shows_details_not_dicts(world, client, login):
    record_event(
        actor=world.users["official_a"],
        action="semester.created",
        obj=world.a,
        payload={"first": True, "changes": {"complaint_hotline": ["", "12345"]}},
    )
    login(world.users["official_a"])
    body = client.get(reverse("audit_log")).content.decode()
    assert "{&#x27;first&#x27;" not in body and "{'first'" not in body
    assert "→ 12345" in body


def test_codes_and_model_fields_are_named():
    """Keys that are fields of the audited object take the field's label; code values (a
    status, a reason, a role, a transition) their choice's label; file types their format."""
    with translation.override("en"):
        items = dict(
            readable_payload(
                {
                    "role": "homeroom_teacher",
                    "from": "applied",
                    "to": "class_approved",
                    "type": "application/pdf",
                    "changes": {"status": ["open", "resolved"]},
                },
                "enrollment.application",
            )
        )
    assert items["role"] == "Homeroom teacher"
    assert items["from"] == "Applied"
    assert items["to"] == "Reviewed by the class teacher"
    assert items["file type"] == "PDF"
    assert "open" not in items.get("status", "")


def _payload_keys():
    """Every string key of a dict literal passed as record_event(payload=…) in the code."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    apps = [
        "aftercare",
        "plans",
        "enrollment",
        "scheduling",
        "safety",
        "attendance",
        "feedback",
        "billing",
        "reporting",
    ]
    for app in apps:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name != "record_event":
                    continue
                for kw in node.keywords:
                    if kw.arg == "payload" and isinstance(kw.value, ast.Dict):
                        for key in kw.value.keys:
                            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                                yield path.relative_to(root), key.value


def test_every_audited_field_has_a_label():
    """A new payload key without a label would show as a programmer's word to officials:
    label it in aftercare.actions.PAYLOAD_LABELS (or make it a field of the audited model)."""
    from aftercare.actions import PAYLOAD_LABELS, _model_labels

    _names, _codes, any_name, _any = _model_labels()
    missing = sorted(
        {
            f"{key}  ({path})"
            for path, key in _payload_keys()
            if key not in PAYLOAD_LABELS and key not in any_name
        }
    )
    assert not missing, "payload keys without a label:\n" + "\n".join(missing)
