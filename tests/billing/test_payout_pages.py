"""Pages of teacher subsidies: the principal's run (lines, sessions served, deductions with
their evidence, adjust, approve), statements (PDF read back in Chinese), the teacher's own
statements on a phone and nobody else's, the payroll xlsx, expenses, the district subsidy."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from billing.models import Expense, JournalLine, PayoutAdjustment, PayoutRun, PayoutStatus
from billing.money import fmt
from billing.services import payouts
from tests.billing.payout_world import MONTH, NOW, build_payout_world, november_weekdays

pytestmark = pytest.mark.django_db

DAYS = november_weekdays()


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def run(world):
    pw = build_payout_world(world)
    pw.serve(early=[DAYS[3]])
    for day in DAYS[:10]:
        pw.clear(pw.user("teacher"), day)
    pw.handover_fault(pw.care, DAYS[5])
    started = payouts.start_payout_run(
        actor=pw.user("principal"), school=pw.school, month=MONTH, now=NOW
    )
    run = PayoutRun.objects.get(pk=started.pk)
    run.pw = pw
    return run


def test_the_principal_reviews_adjusts_and_approves_through_the_page(client, run):
    pw = run.pw
    client.force_login(pw.user("principal"))
    page = client.get(reverse("billing_payout_run", args=[run.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "看护老师" in html and "班主任老师" in html
    # Each deduction with its reason and its evidence (the days it happened).
    assert f"{DAYS[3]:%m-%d}（10′）" in html  # the early leave
    assert f"{DAYS[5]:%m-%d} 交接名单漏报一名学生" in html  # the handover violation
    care = run.lines.get(staff=pw.care)
    response = client.post(
        reverse("billing_payout_adjust", args=[care.public_id]),
        {"amount": "50.00", "reason": "期末质量奖"},
    )
    assert response.status_code == 302
    adjustment = PayoutAdjustment.objects.get()
    assert (adjustment.amount_fen, adjustment.reason) == (5000, "期末质量奖")
    # One more session than staff attendance shows: refused with the reason, nothing written.
    response = client.post(
        reverse("billing_payout_adjust", args=[care.public_id]),
        {"units": "1", "reason": "补发"},
        follow=True,
    )
    assert "不能" in response.content.decode() or "cannot" in response.content.decode()
    assert PayoutAdjustment.objects.count() == 1
    client.post(reverse("billing_payout_approve", args=[run.public_id]))
    run.refresh_from_db()
    assert run.status == PayoutStatus.APPROVED
    assert JournalLine.objects.filter(category="expenses_teacher").exists()
    # Approving twice: refused, nothing written.
    journals = JournalLine.objects.count()
    again = client.post(reverse("billing_payout_approve", args=[run.public_id]), follow=True)
    assert (
        "final" in again.content.decode()
        or "不能再" in again.content.decode()
        or ("已" in again.content.decode())
    )
    assert JournalLine.objects.count() == journals


def test_statement_pdf_reads_back_in_chinese(client, run):
    pw = run.pw
    payouts.approve_run(actor=pw.user("principal"), run=run)
    line = run.lines.get(staff=pw.care)
    client.force_login(pw.user("care"))
    response = client.get(reverse("billing_statement_pdf", args=[line.public_id]))
    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content))
    assert "课后服务补助发放明细" in text
    assert "看护老师" in text
    assert "早退1次，扣除当月10%" in text
    assert "交接违规1次，扣除当月10%" in text
    line.refresh_from_db()
    assert f"¥{fmt(line.total_fen)}" in text


def test_a_teacher_sees_their_own_statements_and_nobody_elses(client, run):
    pw = run.pw
    payouts.approve_run(actor=pw.user("principal"), run=run)
    care_line = run.lines.get(staff=pw.care)
    leader_line = run.lines.get(staff=pw.leader)
    client.force_login(pw.user("care"))
    mine = client.get(reverse("billing_my_statements")).content.decode()
    assert str(care_line.public_id) in mine and str(leader_line.public_id) not in mine
    assert (
        client.get(reverse("billing_statement_pdf", args=[leader_line.public_id])).status_code
        == 404
    )
    # The run itself (everyone's lines) is the principal's, not a teacher's.
    assert client.get(reverse("billing_payout_run", args=[run.public_id])).status_code == 404
    assert client.get(reverse("billing_payout_xlsx", args=[run.public_id])).status_code == 404


def test_no_statement_before_approval(client, run):
    client.force_login(run.pw.user("care"))
    line = run.lines.get(staff=run.pw.care)
    assert client.get(reverse("billing_statement_pdf", args=[line.public_id])).status_code == 404
    assert "看护老师" not in client.get(reverse("billing_my_statements")).content.decode()


def test_payroll_xlsx_for_the_finance_office(client, run):
    client.force_login(run.pw.user("principal"))
    response = client.get(reverse("billing_payout_xlsx", args=[run.public_id]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("姓名", "类别", "计发方式")
    names = [r[0] for r in rows[1:]]
    assert "看护老师" in names and names[-1] == "合计"
    run.refresh_from_db()
    assert float(rows[-1][16]) == run.total_fen / 100


def test_the_runs_page_and_start_refusal(client, run):
    pw = run.pw
    client.force_login(pw.user("principal"))
    page = client.get(reverse("billing_payouts", args=[pw.school.public_id]))
    assert page.status_code == 200 and str(run.public_id) in page.content.decode()
    # A teacher of the school has no business with the runs.
    client.force_login(pw.user("teacher"))
    assert client.get(reverse("billing_payouts", args=[pw.school.public_id])).status_code == 403


def test_expenses_are_recorded_with_evidence_and_errors_shown_in_place(client, world):
    pw = build_payout_world(world)
    client.force_login(pw.user("principal"))
    url = reverse("billing_expenses", args=[pw.school.public_id])
    bad = client.post(
        url,
        {
            "semester": str(pw.semester.public_id),
            "category": "expenses_materials",
            "amount": "0",
            "paid_on": "2026-11-20",
            "payee": "",
            "description": "美术材料",
            "evidence": "",
        },
    )
    assert bad.status_code == 200 and Expense.objects.count() == 0
    ok = client.post(
        url,
        {
            "semester": str(pw.semester.public_id),
            "category": "expenses_materials",
            "amount": "128.50",
            "paid_on": "2026-11-20",
            "payee": "文具店",
            "description": "美术材料",
            "evidence": "发票 No.0012345",
        },
    )
    assert ok.status_code == 302
    assert Expense.objects.get().amount_fen == 12850
    assert JournalLine.objects.get(category="expenses_materials").amount_fen == 12850
