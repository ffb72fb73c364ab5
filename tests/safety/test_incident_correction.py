"""Correcting an incident before a guardian acknowledges it (page and API, the recorder only,
audited, the guardians told what changed) — and no change after acknowledgement, enforced
by PostgreSQL too."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from aftercare.models import AuditEvent, OutboxMessage
from safety.anonymise import SCRUBBED
from safety.models import Incident
from safety.services import incidents as svc
from tests.attendance.world import at

pytestmark = pytest.mark.django_db


def _record(sw, **kw):
    values = {
        "kind": "injury",
        "occurred_at": at(15, 45),
        "place": "操场",
        "description": "跑步摔倒，膝盖擦伤",
        "action_taken": "消毒包扎",
    }
    values.update(kw)
    return svc.record_incident(actor=sw.user("care"), student=sw.child, **values)


def _form(incident, **changes):
    data = {
        "kind": incident.kind,
        "severity": incident.severity,
        "occurred_at": "2026-12-02T15:45",
        "place": incident.place,
        "description": incident.description,
        "action_taken": incident.action_taken,
    }
    data.update(changes)
    return data


def test_the_recorder_corrects_on_the_page_and_the_guardians_are_told(sw, client, login):
    incident = _record(sw)
    page = reverse("safety_incident_edit", args=[incident.public_id])
    login(sw.user("care"))
    detail = client.get(reverse("safety_incident", args=[incident.public_id])).content.decode()
    assert page in detail  # the way to the correction, while nobody acknowledged
    assert client.get(page).status_code == 200
    before = OutboxMessage.objects.filter(recipient=sw.parent).count()
    response = client.post(page, _form(incident, place="教室走廊"))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.place == "教室走廊"
    event = AuditEvent.objects.get(action="safety.incident_edited")
    assert event.payload["changed"] == ["place"]
    assert OutboxMessage.objects.filter(recipient=sw.parent).count() == before + 1
    # bad input: shown in place, nothing written
    response = client.post(page, _form(incident, place=""))
    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.place == "教室走廊"


def test_only_the_recorder_and_not_after_acknowledgement(sw, client, login):
    incident = _record(sw)
    page = reverse("safety_incident_edit", args=[incident.public_id])
    login(sw.user("principal"))
    assert client.get(page).status_code == 403
    login(sw.parent)
    assert client.get(page).status_code == 403
    svc.acknowledge_incident(actor=sw.parent, incident=incident)
    login(sw.user("care"))
    detail = client.get(reverse("safety_incident", args=[incident.public_id])).content.decode()
    assert page not in detail
    assert client.get(page).status_code == 302  # back to the incident: amend instead
    response = client.post(page, _form(incident, place="走廊"))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.place == "操场"


def test_api_correction(sw):
    incident = _record(sw)
    url = reverse("api-safety-incident", args=[incident.public_id])
    api = APIClient()
    api.force_authenticate(sw.parent)
    assert api.patch(url, {"place": "x"}, format="json").status_code == 403
    api.force_authenticate(sw.user("care"))
    with translation.override("en"):
        bad = api.patch(url, {"place": ""}, format="json")
    assert bad.status_code == 400 and "place" in bad.json()["error"]["fields"]
    ok = api.patch(url, {"description": "跑步时摔倒，右膝擦伤"}, format="json")
    assert ok.status_code == 200 and ok.json()["description"] == "跑步时摔倒，右膝擦伤"
    svc.acknowledge_incident(actor=sw.parent, incident=incident)
    late = api.patch(url, {"place": "走廊"}, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "acknowledged"


def test_the_database_refuses_changes_after_acknowledgement(sw):
    incident = _record(sw)
    Incident.objects.filter(pk=incident.pk).update(place="教室")  # before: allowed
    svc.acknowledge_incident(actor=sw.parent, incident=incident)
    for change in ({"place": "走廊"}, {"severity": "serious"}, {"acknowledged_at": None}):
        with pytest.raises(DatabaseError), transaction.atomic():
            Incident.objects.filter(pk=incident.pk).update(**change)
    with pytest.raises(DatabaseError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).delete()
    # the anonymiser's scrub of the text passes, nothing else with it
    with pytest.raises(DatabaseError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(place=SCRUBBED, kind="illness")
    Incident.objects.filter(pk=incident.pk).update(place=SCRUBBED, description=SCRUBBED)
    incident.refresh_from_db()
    assert (incident.place, incident.kind) == (SCRUBBED, "injury")
