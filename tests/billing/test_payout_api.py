"""API of payouts and disclosures: the principal's run, lines, adjust and approve; a teacher's
statements; disclosure draft/confirm/publish/versions. Refusals are 409s with the reason and
write nothing; another school's objects are 404."""

import pytest
from rest_framework.test import APIClient

from aftercare.models import AuditEvent
from billing.models import JournalLine, PayoutAdjustment, PayoutRun, PayoutStatus
from billing.services import payouts
from tests.billing.disclosure_world import build_disclosure_world
from tests.billing.payout_world import MONTH, NOW, build_payout_world, november_weekdays

pytestmark = pytest.mark.django_db

DAYS = november_weekdays()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def run(world):
    pw = build_payout_world(world)
    pw.serve(early=[DAYS[0]])
    for day in DAYS[:3]:
        pw.clear(pw.user("teacher"), day)
    started = payouts.start_payout_run(
        actor=pw.user("principal"), school=pw.school, month=MONTH, now=NOW
    )
    run = PayoutRun.objects.get(pk=started.pk)
    run.pw = pw
    return run


def test_runs_lines_adjust_and_approve(run):
    pw = run.pw
    principal = api(pw.user("principal"))
    listed = principal.get("/api/v1/billing/payout-runs/").json()
    assert [r["id"] for r in listed["results"]] == [str(run.public_id)]
    lines = principal.get(f"/api/v1/billing/payout-runs/{run.public_id}/lines/").json()
    care = next(x for x in lines if x["staff_name"] == "看护老师")
    assert care["sessions_served"] == 21
    assert care["deductions"][0]["kind"] == "early_leave"
    assert len(care["deductions"][0]["evidence"]) == 1
    # Paying a session not served: 409 with the reason, nothing written.
    events = AuditEvent.objects.count()
    refused = principal.post(
        f"/api/v1/billing/payout-lines/{care['id']}/adjust/",
        {"units": 1, "reason": "多算一节"},
        format="json",
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_served"
    assert PayoutAdjustment.objects.count() == 0 and AuditEvent.objects.count() == events
    no_reason = principal.post(
        f"/api/v1/billing/payout-lines/{care['id']}/adjust/", {"amount_fen": 100}, format="json"
    )
    assert no_reason.status_code == 400
    ok = principal.post(
        f"/api/v1/billing/payout-lines/{care['id']}/adjust/",
        {"amount_fen": -500, "reason": "教具未归还"},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["adjustment_fen"] == -500
    approved = principal.post(f"/api/v1/billing/payout-runs/{run.public_id}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    journals = JournalLine.objects.count()
    twice = principal.post(f"/api/v1/billing/payout-runs/{run.public_id}/approve/")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "payout_approved"
    assert JournalLine.objects.count() == journals
    payroll = principal.get(f"/api/v1/billing/payout-runs/{run.public_id}/payroll/")
    assert payroll.status_code == 200 and payroll.content[:2] == b"PK"


def test_a_teacher_has_their_statements_and_nothing_else(run):
    pw = run.pw
    teacher = api(pw.user("care"))
    assert teacher.get(f"/api/v1/billing/payout-runs/{run.public_id}/").status_code == 404
    assert teacher.get("/api/v1/billing/statements/").json()["results"] == []  # not approved
    payouts.approve_run(actor=pw.user("principal"), run=run)
    mine = teacher.get("/api/v1/billing/statements/").json()["results"]
    assert [x["staff_name"] for x in mine] == ["看护老师"]
    pdf = teacher.get(f"/api/v1/billing/statements/{mine[0]['id']}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:4] == b"%PDF"
    leader_line = run.lines.get(staff=pw.leader)
    assert teacher.get(f"/api/v1/billing/statements/{leader_line.public_id}/").status_code == 404
    assert teacher.get(f"/api/v1/billing/payout-lines/{leader_line.public_id}/").status_code == 404


def test_another_schools_run_is_404(world, run):
    other = api(world.users["principal_a2"])
    assert other.get(f"/api/v1/billing/payout-runs/{run.public_id}/").status_code == 404
    response = other.post(f"/api/v1/billing/payout-runs/{run.public_id}/approve/")
    assert response.status_code == 404
    run.refresh_from_db()
    assert run.status == PayoutStatus.REVIEW


def test_start_a_month_that_is_not_over_is_refused_with_the_reason(run):
    principal = api(run.pw.user("principal"))
    response = principal.post(
        "/api/v1/billing/payout-runs/",
        {"school": str(run.pw.school.public_id), "month": "2027-01"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "payout_refused"
    bad = principal.post(
        "/api/v1/billing/payout-runs/",
        {"school": str(run.pw.school.public_id), "month": "2026-13"},
        format="json",
    )
    assert bad.status_code == 400


def test_disclosure_draft_confirm_publish_and_versions(world):
    dw = build_disclosure_world(world)
    principal, reviewer = api(dw.principal), api(dw.reviewer)
    drafted = principal.post(
        "/api/v1/billing/disclosures/",
        {"school": str(dw.school.public_id), "semester": str(dw.semester.public_id)},
        format="json",
    )
    assert drafted.status_code == 201
    version = drafted.json()
    assert version["income_fen"] == 3_000_000 - 105_000 + 500_000
    # Publishing an unreviewed draft: refused with the reason, nothing written.
    refused = principal.post(f"/api/v1/billing/disclosure-versions/{version['id']}/publish/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_reviewed"
    # The principal does not confirm their own disclosure.
    own = principal.post(f"/api/v1/billing/disclosure-versions/{version['id']}/confirm/")
    assert own.status_code == 403
    confirmed = reviewer.post(
        f"/api/v1/billing/disclosure-versions/{version['id']}/confirm/",
        {"note": "与家委会账目一致"},
        format="json",
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "reviewed"
    published = principal.post(f"/api/v1/billing/disclosure-versions/{version['id']}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    amended = principal.post(
        f"/api/v1/billing/disclosures/{version['disclosure']}/amend/",
        {"reason": "更正"},
        format="json",
    )
    assert amended.status_code == 201 and amended.json()["number"] == 2
    detail = reviewer.get(f"/api/v1/billing/disclosures/{version['disclosure']}/").json()
    assert [v["number"] for v in detail["versions"]] == [2, 1]
    pdf = reviewer.get(f"/api/v1/billing/disclosure-versions/{version['id']}/pdf/")
    assert pdf.status_code == 200
    # A reviewer of school a1 and a principal of a2 see nothing of each other's.
    outsider = api(world.users["principal_a2"])
    assert outsider.get(f"/api/v1/billing/disclosures/{version['disclosure']}/").status_code == 404
    assert outsider.get("/api/v1/billing/disclosure-versions/").json()["results"] == []
    teacher = api(world.users["teacher_a1"])
    assert teacher.get(f"/api/v1/billing/disclosures/{version['disclosure']}/").status_code == 404
