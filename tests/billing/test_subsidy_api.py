"""API of the subsidy settings: rule-set versions, a school's own values, labour agreements,
safety incidents — happy path, wrong role 403, another tenant 404, bad input 400 with nothing
written."""

import pytest
from rest_framework.test import APIClient

from billing.models import LabourAgreement, SafetyIncident, SchoolSubsidyRules, SubsidyRules
from scheduling.models import StaffKind
from tests.billing.payout_world import build_payout_world, november_weekdays

pytestmark = pytest.mark.django_db

DAYS = november_weekdays()


@pytest.fixture
def pw(world):
    pw = build_payout_world(world)
    pw.world = world
    return pw


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_rules_versions(pw):
    official = api(pw.world.users["official_a"])
    url = "/api/v1/billing/subsidy-rules/"
    body = {"semester": str(pw.semester.public_id), "values": {"rate_fen": 2200}}
    response = official.post(url, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["rate_fen"] == 2200 and response.json()["version"] == 2
    bad = {"semester": str(pw.semester.public_id), "values": {"teacher_pool_percent": 70}}
    assert official.post(url, bad, format="json").status_code == 400
    assert api(pw.user("principal")).post(url, body, format="json").status_code == 403
    other = api(pw.world.users["official_b"])
    assert other.post(url, body, format="json").status_code == 404
    assert SubsidyRules.objects.filter(semester=pw.semester).count() == 2
    assert [v["version"] for v in official.get(url).json()["results"]] == [2, 1]
    assert other.get(url).json()["results"] == []


def test_school_values(pw):
    url = "/api/v1/billing/school-subsidy-values/"
    body = {
        "school": str(pw.school.public_id),
        "semester": str(pw.semester.public_id),
        "rate_fen": 1800,
    }
    principal = api(pw.user("principal"))
    assert principal.post(url, {**body, "rate_fen": 3000}, format="json").status_code == 400
    assert not SchoolSubsidyRules.objects.exists()
    assert principal.post(url, body, format="json").status_code == 200
    assert SchoolSubsidyRules.objects.get().rate_fen == 1800
    assert api(pw.user("teacher")).post(url, body, format="json").status_code == 403
    assert api(pw.world.users["principal_b1"]).post(url, body, format="json").status_code == 404


def test_agreements_and_incidents(pw):
    coach = pw.add_staff("外聘足球教练", StaffKind.EXTERNAL)
    principal = api(pw.user("principal"))
    url = "/api/v1/billing/labour-agreements/"
    body = {"staff": str(coach.public_id), "rate_unit": "lesson", "rate_fen": 6000}
    assert principal.post(url, {**body, "staff": str(pw.care.public_id)}).status_code == 400
    assert principal.post(url, body).status_code == 201
    assert LabourAgreement.objects.get().rate_fen == 6000
    # The district's official sees the staff member but does not manage the school: 403; a
    # teacher does not even see the external staff member: 404, like another district.
    assert api(pw.world.users["official_a"]).post(url, body).status_code == 403
    assert api(pw.user("teacher")).post(url, body).status_code == 404
    assert api(pw.world.users["principal_b1"]).post(url, body).status_code == 404
    assert api(pw.world.users["principal_b1"]).get(url).json()["results"] == []
    assert len(principal.get(url).json()["results"]) == 1
    url = "/api/v1/billing/subsidy-incidents/"
    body = {
        "staff": str(pw.care.public_id),
        "date": DAYS[2].isoformat(),
        "percent": 60,
        "description": "放学时学生走失",
        "evidence": "事故报告2026-11号",
    }
    assert principal.post(url, {**body, "percent": 20}).status_code == 400
    assert not SafetyIncident.objects.exists()
    assert principal.post(url, body).status_code == 201
    assert api(pw.world.users["principal_b1"]).post(url, body).status_code == 404
    assert SafetyIncident.objects.count() == 1


def test_offered_incidents_are_decided_through_the_api(pw):
    from aftercare.models import AuditEvent
    from billing.models import SafetyIncidentReview
    from tests.billing.test_subsidy_pages import serious

    incident = serious(pw)
    principal = api(pw.user("principal"))
    offers = "/api/v1/billing/incident-offers/"
    listed = principal.get(offers).json()["results"]
    assert [o["id"] for o in listed] == [str(incident.public_id)]
    assert "student" not in listed[0]
    # Not the manager: another district's principal sees nothing and gets 404; the care
    # teacher who recorded it sees the record but may not decide (403).
    assert api(pw.world.users["principal_b1"]).get(offers).json()["results"] == []
    decide = f"{offers}{incident.public_id}/decide/"
    confirm = {"decision": "confirmed", "staff": str(pw.care.public_id), "percent": 60}
    assert api(pw.world.users["principal_b1"]).post(decide, confirm).status_code == 404
    assert api(pw.user("care")).post(decide, confirm).status_code == 403
    # Bad input: nothing written.
    for body in (
        {"decision": "maybe"},
        {"decision": "confirmed", "percent": 60},
        {"decision": "confirmed", "staff": str(pw.care.public_id)},
        {"decision": "confirmed", "staff": str(pw.care.public_id), "percent": 5},
        {"decision": "declined", "reason": "  "},
        {**confirm, "staff": "00000000-0000-0000-0000-000000000000"},
    ):
        response = principal.post(decide, body, format="json")
        assert response.status_code == 400, (body, response.content)
    assert not SafetyIncidentReview.objects.exists() and not SafetyIncident.objects.exists()
    response = principal.post(decide, confirm, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decision"] == "confirmed" and body["deduction"]["percent"] == 60
    assert SafetyIncident.objects.get().staff == pw.care
    assert AuditEvent.objects.filter(action="billing.incident_confirmed").count() == 1
    # Decided: no longer offered, and a second decision is a conflict.
    assert principal.get(offers).json()["results"] == []
    again = principal.post(decide, {"decision": "declined", "reason": "重复"}, format="json")
    assert again.status_code == 409
    assert SafetyIncidentReview.objects.count() == 1
