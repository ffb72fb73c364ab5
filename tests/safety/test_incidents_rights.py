"""Incidents (record, notify, serious escalation, acknowledge once, amend only), consent
enforcement on photos, the export's completeness guard and anonymisation."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.db import DatabaseError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent, OutboxMessage
from safety.models import Incident, IncidentAmendment, IncidentPhoto, SafetyProfile
from safety.services import incidents as svc
from safety.services import rights
from safety.services.profiles import save_profile
from tests.attendance.world import at

from .helpers import CONTACTS, consent, png_upload

pytestmark = pytest.mark.django_db


def _record(sw, **kw):
    values = {
        "kind": "injury",
        "occurred_at": at(15, 45),
        "place": "操场",
        "description": "跑步摔倒，膝盖擦伤",
        "action_taken": "消毒包扎，已电话告知家长",
    }
    values.update(kw)
    return svc.record_incident(actor=sw.user("care"), student=sw.child, **values)


def test_record_notifies_guardians_and_serious_goes_to_principal_and_district(sw, world):
    incident = _record(sw)
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == [sw.parent.pk]
    serious = _record(sw, severity="serious", kind="illness")
    assert serious.escalated_at is not None
    to = set(
        OutboxMessage.objects.filter(key__contains=f"incident:{serious.pk}:serious").values_list(
            "recipient", flat=True
        )
    )
    assert to == {
        world.users["principal_a1"].pk,
        world.users["admin_a1"].pk,
        world.users["official_a"].pk,
    }
    assert incident.escalated_at is None


def test_only_the_groups_teachers_and_managers_record(sw, world):
    with pytest.raises(NotAllowed):
        svc.record_incident(
            actor=sw.user("teacher"),
            student=sw.child,
            kind="injury",
            occurred_at=at(15, 45),
            place="x",
            description="x",
            action_taken="x",
        )
    with pytest.raises(InvalidInput) as err:
        _record(sw, place="", kind="fire")
    assert {"place", "kind"} <= set(err.value.fields)
    assert not Incident.objects.exists()


def test_photo_needs_photo_consent_and_nothing_is_written(sw):
    with pytest.raises(InvalidInput) as err:
        _record(sw, photos=[png_upload()])
    assert err.value.code == "consent_missing"
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()
    consent(sw.parent, sw.child, photos=True)
    incident = _record(sw, photos=[png_upload()])
    assert incident.photos.count() == 1
    # withdrawal is honoured from then on
    consent(sw.parent, sw.child, photos=False)
    with pytest.raises(InvalidInput):
        _record(sw, photos=[png_upload()])


def test_a_file_that_is_not_a_photo_or_pdf_is_refused(sw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    consent(sw.parent, sw.child)
    with pytest.raises(InvalidInput) as err:
        _record(sw, photos=[SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image")])
    assert "photos" in err.value.fields


def test_acknowledge_once_then_only_amendments(sw):
    incident = _record(sw)
    svc.edit_incident(actor=sw.user("care"), incident=incident, place="教室")
    with pytest.raises(NotAllowed):
        svc.acknowledge_incident(actor=sw.user("care"), incident=incident)
    svc.acknowledge_incident(actor=sw.parent, incident=incident)
    with pytest.raises(Conflict):
        svc.acknowledge_incident(actor=sw.parent, incident=incident)
    with pytest.raises(Conflict) as err:
        svc.edit_incident(actor=sw.user("care"), incident=incident, place="走廊")
    assert err.value.code == "acknowledged"
    incident.refresh_from_db()
    assert incident.place == "教室"
    amendment = svc.amend_incident(actor=sw.user("care"), incident=incident, text="次日复查无碍")
    with pytest.raises(DatabaseError), transaction.atomic():
        IncidentAmendment.objects.filter(pk=amendment.pk).update(text="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        IncidentAmendment.objects.filter(pk=amendment.pk).delete()


def test_pages_teacher_records_parent_acknowledges(sw, client, login):
    login(sw.user("care"))
    response = client.post(
        reverse("safety_incident_new", args=[sw.child.public_id]),
        {
            "kind": "conflict",
            "severity": "minor",
            "occurred_at": "2026-12-02T15:50",
            "place": "教室",
            "description": "与同学争执",
            "action_taken": "已调解",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get()
    login(sw.parent)
    url = reverse("safety_incident_action", args=[incident.public_id, "acknowledge"])
    assert client.post(url).status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_by == sw.parent
    # a second acknowledgement: back to the page with the message, nothing changes
    assert client.post(url).status_code == 302


def test_api_incident_flow(sw):
    api = APIClient()
    api.force_authenticate(sw.user("care"))
    url = reverse("api-safety-incidents", args=[sw.child.public_id])
    bad = api.post(url, {"kind": "injury"}, format="json")
    assert bad.status_code == 400
    made = api.post(
        url,
        {
            "kind": "injury",
            "occurred_at": "2026-12-02T15:40:00+08:00",
            "place": "操场",
            "description": "擦伤",
            "action_taken": "包扎",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    iid = made.json()["id"]
    api.force_authenticate(sw.parent)
    ack = reverse("api-safety-incident-acknowledge", args=[iid])
    assert api.post(ack).status_code == 200
    assert api.post(ack).status_code == 409
    assert api.post(url, {"kind": "injury"}, format="json").status_code == 403


# --------------------------------------------------------------------------- data rights


def _child_data_models():
    """Every model with a foreign key to a student, an application or a course registration."""
    targets = {"enrollment.student", "enrollment.application", "enrollment.courseregistration"}
    found = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            related = f.related_model if f.is_relation and f.concrete else None
            if related is not None and related._meta.label_lower in targets:
                found.add(model._meta.label_lower)
    return found | {"enrollment.student"}


def test_every_model_holding_child_data_is_in_the_export():
    missing = _child_data_models() - set(rights.CHILD_DATA) - set(rights.EXEMPT)
    assert not missing, f"models with a child's data not covered by the export: {sorted(missing)}"
    for label, path in rights.CHILD_DATA.items():  # every path resolves
        apps.get_model(label)._default_manager.filter(**{path: 1}).exists()


def test_export_zip_has_json_pdf_and_photos(sw, client, login):
    consent(sw.parent, sw.child)
    save_profile(
        actor=sw.parent, student=sw.child, contacts=CONTACTS, allergies="花生", what_to_do="120"
    )
    _record(sw, photos=[png_upload()])
    login(sw.parent)
    response = client.get(reverse("safety_export", args=[sw.child.public_id]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "data.json" in names and "summary.pdf" in names
    assert any(n.startswith("photos/") for n in names)
    assert archive.read("summary.pdf").startswith(b"%PDF")
    data = json.loads(archive.read("data.json"))["data"]
    assert set(data) == set(rights.CHILD_DATA)
    assert data["safety.safetyprofile"][0]["fields"]["allergies"] == "花生"
    assert len(data["scheduling.groupmember"]) == 1
    assert AuditEvent.objects.filter(action="safety.data_exported").count() == 1
    login(sw.user("care"))  # staff do not export a family's data
    assert client.get(reverse("safety_export", args=[sw.child.public_id])).status_code == 403


def test_deletion_reviewed_then_anonymised_keeping_rows_and_audit(sw):
    consent(sw.parent, sw.child)
    save_profile(
        actor=sw.parent, student=sw.child, contacts=CONTACTS, allergies="花生", what_to_do="120"
    )
    incident = _record(sw)
    request = rights.request_deletion(actor=sw.parent, student=sw.child, reason="转学")
    with pytest.raises(Conflict):
        rights.request_deletion(actor=sw.parent, student=sw.child)
    with pytest.raises(InvalidInput):
        rights.decide_deletion(actor=sw.user("principal"), request=request, approve=False)
    with pytest.raises(NotAllowed):
        rights.decide_deletion(actor=sw.user("care"), request=request, approve=True)
    audit_before = AuditEvent.objects.count()
    applications = list(
        apps.get_model("enrollment.application")
        .objects.filter(student=sw.child)
        .values_list("pk", "status")
    )
    rights.decide_deletion(actor=sw.user("principal"), request=request, approve=True)
    sw.child.refresh_from_db()
    assert sw.child.name == "已注销学生" and not sw.child.is_active
    assert sw.child.guardian_mobile is None
    assert not SafetyProfile.objects.filter(student=sw.child).exists()
    incident.refresh_from_db()
    assert incident.description == rights.SCRUBBED and incident.kind == "injury"
    # rows (and thus the ledger's references and totals) stay; the audit only grows
    assert (
        list(
            apps.get_model("enrollment.application")
            .objects.filter(student=sw.child)
            .values_list("pk", "status")
        )
        == applications
    )
    assert AuditEvent.objects.count() > audit_before
    with pytest.raises(Conflict):
        rights.decide_deletion(actor=sw.user("principal"), request=request, approve=True)
