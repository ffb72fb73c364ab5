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
