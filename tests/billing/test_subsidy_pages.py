"""Subsidy settings pages: the district's rule-set editor, the school's own values within it,
safety incidents for the subsidy (by hand, and serious safety records offered to the
principal to confirm or decline), labour agreements (劳务费). Each: the happy path, wrong role
403, another tenant 404, bad input refused with the reason and nothing written."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent
from billing.models import (
    LabourAgreement,
    PayoutDeduction,
    PayoutRun,
    SafetyIncident,
    SafetyIncidentReview,
    SchoolSubsidyRules,
    SubsidyRules,
)
from billing.services import payouts
from safety.models import Incident
from scheduling.models import StaffKind
from tests.billing.payout_world import MONTH, NOW, build_payout_world, november_weekdays

pytestmark = pytest.mark.django_db

DAYS = november_weekdays()


@pytest.fixture
def pw(world):
    pw = build_payout_world(world)
    pw.world = world
    return pw


def serious(pw, day=None) -> Incident:
    when = timezone.make_aware(datetime.combine(day or DAYS[3], datetime.min.time())).replace(
        hour=16
    )
    return Incident.objects.create(
        district=pw.school.district,
        school=pw.school,
        student=pw.world.students["a1"],
        kind="injury",
        severity="serious",
        occurred_at=when,
        place="操场",
        description="看护期间学生从器械上摔下骨折，未及时处置",
        action_taken="送医",
        recorded_by=pw.user("care"),
        recorded_at=when,
        escalated_at=when,
    )


# --------------------------------------------------------------------------- district rules


def test_district_rule_set_editor(client, pw):
    url = reverse("billing_subsidy_rules", args=[pw.semester.public_id])
    client.force_login(pw.world.users["official_a"])
    assert client.get(url).status_code == 200
    before = SubsidyRules.objects.filter(semester=pw.semester).count()
    page = client.get(url)
    form = page.context["form"]
    data = {name: ("" if v is None else v) for name, v in form.initial.items()}
    data.update(rate_fen="25.00", change_note="提高课时补助")
    assert client.post(url, data).status_code == 302
    latest = SubsidyRules.objects.filter(semester=pw.semester).order_by("-version").first()
    assert latest.rate_fen == 2500
    assert SubsidyRules.objects.filter(semester=pw.semester).count() == before + 1
    # The five shares must add up to 100: refused in place, no new version.
    data.update(rate_fen="26.00", teacher_pool_percent=70)
    page = client.post(url, data)
    assert page.status_code == 200
    assert page.context["form"].errors["teacher_pool_percent"]
    assert SubsidyRules.objects.filter(semester=pw.semester).count() == before + 1
    # Switching to the points scheme from its preset.
    assert client.post(url, {"preset": "points"}).status_code == 302
    assert SubsidyRules.objects.filter(semester=pw.semester).latest("version").scheme == "points"


def test_district_rules_wrong_role_and_other_tenant(client, pw):
    url = reverse("billing_subsidy_rules", args=[pw.semester.public_id])
    client.force_login(pw.user("principal"))
    assert client.get(url).status_code == 403
    client.force_login(pw.world.users["official_b"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"preset": "points"}).status_code == 404
    assert SubsidyRules.objects.filter(semester=pw.semester).count() == 1


# --------------------------------------------------------------------------- school values


def test_school_values_within_the_district_rules(client, pw):
    url = reverse("billing_school_rules", args=[pw.school.public_id])
    client.force_login(pw.user("principal"))
    assert client.get(url).status_code == 200
    # Above the district's 20.00 per 课时: refused with the bound, nothing written.
    page = client.post(url, {"rate": "30.00"})
    assert page.status_code == 200
    assert "20.00" in str(page.context["form"].errors["rate"])
    assert not SchoolSubsidyRules.objects.exists()
    assert client.post(url, {"rate": "18.00", "safety_duty": "8.00"}).status_code == 302
    own = SchoolSubsidyRules.objects.get(school=pw.school)
    assert (own.rate_fen, own.safety_duty_fen, own.duty_leader_fen) == (1800, 800, None)
    assert AuditEvent.objects.filter(action="billing.school_rules_saved").count() == 1


def test_school_values_wrong_role_and_other_tenant(client, pw):
    url = reverse("billing_school_rules", args=[pw.school.public_id])
    client.force_login(pw.user("teacher"))
    assert client.get(url).status_code == 403
    assert client.post(url, {"rate": "18.00"}).status_code == 403
    client.force_login(pw.world.users["principal_b1"])
    assert client.post(url, {"rate": "18.00"}).status_code == 404
    client.force_login(pw.world.users["official_a"])
    assert client.get(url).status_code == 200  # the district reads it
    assert client.post(url, {"rate": "18.00"}).status_code == 403
    assert not SchoolSubsidyRules.objects.exists()


# --------------------------------------------------------------------------- incidents


def test_recording_an_incident_by_hand(client, pw):
    url = reverse("billing_incidents", args=[pw.school.public_id])
    client.force_login(pw.user("principal"))
    data = {
        "staff": str(pw.care.public_id),
        "day": DAYS[2].isoformat(),
        "percent": "30",
        "description": "放学时学生走失",
        "evidence": "事故报告2026-11号",
    }
    page = client.post(url, data)  # 30% is below the district's 50–100%
    assert page.status_code == 200 and page.context["form"].errors["percent"]
    assert not SafetyIncident.objects.exists()
    data["percent"] = "60"
    assert client.post(url, data).status_code == 302
    assert SafetyIncident.objects.get().percent == 60
    client.force_login(pw.user("teacher"))
    assert client.post(url, data).status_code == 403
    client.force_login(pw.world.users["principal_b1"])
    assert client.get(url).status_code == 404
    assert SafetyIncident.objects.count() == 1


def test_serious_safety_record_offered_confirmed_and_deducted(client, pw):
    incident = serious(pw)
    client.force_login(pw.user("principal"))
    home = client.get(reverse("home"), follow=True)
    assert 'data-testid="incident-offers"' in home.content.decode()
    page = client.get(reverse("billing_incidents", args=[pw.school.public_id]))
    assert page.context["offered"] == [incident]
    confirm = reverse("billing_incident_decide", args=[incident.public_id, "confirmed"])
    prefix = str(incident.public_id)
    # No staff member chosen: refused, nothing written.
    client.post(confirm, {f"{prefix}-percent": "50"})
    assert not SafetyIncident.objects.exists() and not SafetyIncidentReview.objects.exists()
    ok = {f"{prefix}-staff": str(pw.care.public_id), f"{prefix}-percent": "50"}
    assert client.post(confirm, ok).status_code == 302
    recorded = SafetyIncident.objects.get()
    assert (recorded.staff, recorded.percent, recorded.date) == (pw.care, 50, DAYS[3])
    assert SafetyIncidentReview.objects.get().safety_incident == recorded
    assert AuditEvent.objects.filter(action="billing.incident_confirmed").count() == 1
    # Deciding again: refused, nothing more written.
    client.post(confirm, ok)
    decline = reverse("billing_incident_decide", args=[incident.public_id, "declined"])
    client.post(decline, {f"{prefix}-reason": "重复"})
    assert SafetyIncident.objects.count() == 1 and SafetyIncidentReview.objects.count() == 1
    home = client.get(reverse("home"), follow=True)
    assert 'data-testid="incident-offers"' not in home.content.decode()
    # The confirmed incident feeds the month's deductions.
    pw.serve()
    run = payouts.start_payout_run(
        actor=pw.user("principal"), school=pw.school, month=MONTH, now=NOW
    )
    run = PayoutRun.objects.get(pk=run.pk)
    assert PayoutDeduction.objects.filter(
        line__run=run, line__staff=pw.care, kind="incident", percent=50
    ).exists()


def test_declining_needs_a_reason_and_the_offer_is_guarded(client, pw):
    incident = serious(pw)
    prefix = str(incident.public_id)
    decline = reverse("billing_incident_decide", args=[incident.public_id, "declined"])
    # The teacher who recorded it sees the record: the wrong role (403). Another teacher of
    # the school does not see it at all (404), nor does another district.
    client.force_login(pw.user("care"))
    assert client.post(decline, {f"{prefix}-reason": "x"}).status_code == 403
    client.force_login(pw.user("teacher"))
    assert client.post(decline, {f"{prefix}-reason": "x"}).status_code == 404
    client.force_login(pw.world.users["principal_b1"])
    assert client.post(decline, {f"{prefix}-reason": "x"}).status_code == 404
    client.force_login(pw.user("principal"))
    client.post(decline, {f"{prefix}-reason": ""})
    assert not SafetyIncidentReview.objects.exists()
    assert client.post(decline, {f"{prefix}-reason": "处置得当，不属重大事故"}).status_code == 302
    review = SafetyIncidentReview.objects.get()
    assert (review.decision, review.safety_incident) == ("declined", None)
    assert not SafetyIncident.objects.exists()
    assert AuditEvent.objects.filter(action="billing.incident_declined").count() == 1
    # A minor incident is never offered.
    minor = serious(pw, DAYS[4])
    Incident.objects.filter(pk=minor.pk).update(severity="minor", escalated_at=None)
    page = client.get(reverse("billing_incidents", args=[pw.school.public_id]))
    assert page.context["offered"] == []


# --------------------------------------------------------------------------- agreements


def test_labour_agreements_page(client, pw):
    coach = pw.add_staff("外聘足球教练", StaffKind.EXTERNAL)
    url = reverse("billing_agreements", args=[pw.school.public_id])
    client.force_login(pw.user("principal"))
    page = client.get(url)
    assert page.status_code == 200
    assert [s for s, _a in page.context["rows"]] == [coach]
    bad = {"staff": str(coach.public_id), "rate_unit": "lesson", "rate": "-5"}
    assert client.post(url, bad).status_code == 200
    assert not LabourAgreement.objects.exists()
    good = {"staff": str(coach.public_id), "rate_unit": "lesson", "rate": "60.00", "note": "协议"}
    assert client.post(url, good).status_code == 302
    agreement = LabourAgreement.objects.get()
    assert (agreement.staff, agreement.rate_unit, agreement.rate_fen) == (coach, "lesson", 6000)
    # A school teacher cannot be chosen (only external staff are listed).
    care = {"staff": str(pw.care.public_id), "rate_unit": "lesson", "rate": "60.00"}
    assert client.post(url, care).status_code == 200
    assert LabourAgreement.objects.count() == 1
    client.force_login(pw.user("teacher"))
    assert client.post(url, good).status_code == 403
    client.force_login(pw.world.users["principal_b1"])
    assert client.get(url).status_code == 404
