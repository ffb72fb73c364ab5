"""The monthly payout run: computed from staff attendance only, reviewed, adjusted with a
reason, approved once; approval writes the ledger."""

from datetime import date

import pytest
from django.db import DatabaseError, transaction

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent
from billing.models import (
    Category,
    Journal,
    JournalLine,
    PayoutAdjustment,
    PayoutLine,
    PayoutRun,
    PayoutStatus,
    SafetyIncident,
)
from billing.services import ledger, payouts, subsidies
from scheduling.models import StaffKind
from tests.billing.payout_world import MONTH, NOW, build_payout_world, november_weekdays

pytestmark = pytest.mark.django_db

DAYS = november_weekdays()  # 21 weekdays, a 3-课时 session each


@pytest.fixture
def pw(world):
    return build_payout_world(world)


def run_month(pw, actor=None, now=NOW):
    run = payouts.start_payout_run(
        actor=actor or pw.user("principal"), school=pw.school, month=MONTH, now=now
    )
    return PayoutRun.objects.get(pk=run.pk)  # computed on commit (eager task)


def line_of(run, staff) -> PayoutLine:
    return PayoutLine.objects.get(run=run, staff=staff)


def test_a_month_from_staff_attendance(pw):
    pw.serve(early=[DAYS[3]])
    for day in DAYS[:5]:
        pw.patrol(pw.user("care"), day)
    for day in DAYS[:10]:
        pw.clear(pw.user("teacher"), day)
    run = run_month(pw)
    assert run.status == PayoutStatus.REVIEW
    care = line_of(run, pw.care)
    # 21 sessions × 3 课时 × 20.00 + 5 days × 10.00 = 1,310.00; early leave once: −10%.
    assert (care.sessions_served, care.lessons_paid, care.teaching_fen) == (21, 63, 126_000)
    assert (care.safety_days, care.safety_fen, care.gross_fen) == (5, 5_000, 131_000)
    assert [(d.kind, d.percent, d.amount_fen) for d in care.deductions.all()] == [
        ("early_leave", 10, 13_100)
    ]
    assert care.total_fen == 117_900
    # The duty leader: 8% of 1,310.00 = 104.80 -> 14 节 × 7.00.
    leader = line_of(run, pw.leader)
    assert (leader.leader_days, leader.admin_units, leader.admin_fen) == (10, 14, 9_800)
    assert run.total_fen == 117_900 + 9_800
    assert len(care.evidence["served"]) == 21


def test_sessions_nobody_recorded_are_listed_and_not_paid(pw):
    pw.serve(days=DAYS[:15])
    care = line_of(run_month(pw), pw.care)
    assert (care.sessions_served, care.teaching_fen) == (15, 15 * 3 * 2000)
    assert len(care.evidence["unrecorded"]) == 6


def test_missed_session_forfeits_the_month_and_the_substitute_is_paid(pw):
    substitute = pw.daily.staff["principal"]
    pw.serve(days=DAYS[:4], missed=[DAYS[2]], substitute=substitute)
    run = run_month(pw)
    # Substituted (替班 approved by the school) is not 空堂: only its session is not paid.
    assert line_of(run, pw.care).sessions_paid == 3
    assert line_of(run, substitute).sessions_paid == 1
    pw2_days = DAYS[5:7]
    pw.serve(days=pw2_days, missed=[DAYS[6]])
    run = payouts.start_payout_run(
        actor=pw.user("principal"), school=pw.school, month=MONTH, now=NOW
    )
    care = line_of(PayoutRun.objects.get(pk=run.pk), pw.care)
    assert [(d.kind, d.percent) for d in care.deductions.all()] == [("missed", 100)]
    assert care.total_fen == 0


def test_handover_violations_and_a_safety_incident(pw):
    pw.serve()
    for day in DAYS[:3]:
        pw.handover_fault(pw.care, day)
    care = line_of(run_month(pw), pw.care)
    assert [(d.kind, d.count, d.percent) for d in care.deductions.all()] == [("handover", 3, 100)]


def test_incident_takes_its_percent_of_the_semester(pw):
    pw.serve()
    payouts.record_incident(
        actor=pw.user("principal"),
        staff=pw.care,
        day=date(2026, 11, 20),
        percent=50,
        description="放学时学生在楼梯摔伤，未及时处置并通知家长",
        evidence="事故报告 2026-11-20 第3号",
    )
    care = line_of(run_month(pw), pw.care)
    assert [(d.kind, d.base, d.percent, d.amount_fen) for d in care.deductions.all()] == [
        ("incident", "semester", 50, 63_000)
    ]


def test_incident_percent_outside_the_district_range_is_refused(pw):
    with pytest.raises(InvalidInput) as err:
        payouts.record_incident(
            actor=pw.user("principal"),
            staff=pw.care,
            day=date(2026, 11, 20),
            percent=30,
            description="x",
            evidence="y",
        )
    assert "30%" in str(err.value.fields["percent"][0])
    assert not SafetyIncident.objects.exists()


def test_the_month_must_be_over(pw):
    pw.serve()
    with pytest.raises(payouts.PayoutRefused) as err:
        payouts.start_payout_run(
            actor=pw.user("principal"),
            school=pw.school,
            month=MONTH,
            now=NOW.replace(month=11, day=29),
        )
    assert "2026-12-01" in err.value.message
    assert not PayoutRun.objects.exists()
    assert AuditEvent.objects.filter(action="billing.payout_refused").count() == 1


def test_a_school_rate_outside_the_district_range_refuses_the_run(pw):
    subsidies.save_school_rules(
        actor=pw.user("principal"),
        school=pw.school,
        semester=pw.semester,
        values={"rate_fen": 1500},
    )
    subsidies.save_rules(
        actor=pw.daily.world.users["official_a"],
        semester=pw.semester,
        values={"rate_min_fen": 1800},
        change_note="区里规定每节课不低于18元",
    )
    with pytest.raises(payouts.PayoutRefused) as err:
        run_month(pw)
    assert "15.00" in err.value.message and "18.00" in err.value.message


def test_adjust_with_a_reason_audited_and_approve_once(pw):
    pw.serve()
    run = run_month(pw)
    principal = pw.user("principal")
    care = line_of(run, pw.care)
    with pytest.raises(InvalidInput):
        payouts.adjust_line(actor=principal, line=care, amount_fen=1000, reason="  ")
    payouts.adjust_line(
        actor=principal, line=care, amount_fen=-2_000, reason="领用材料未归还，扣回"
    )
    care.refresh_from_db()
    assert (care.adjustment_fen, care.total_fen) == (-2_000, 124_000)
    event = AuditEvent.objects.get(action="billing.payout_adjusted")
    assert event.payload["reason"] == "领用材料未归还，扣回" and event.actor == principal
    payouts.approve_run(actor=principal, run=run)
    run.refresh_from_db()
    assert run.status == PayoutStatus.APPROVED and run.total_fen == 124_000
    journals = Journal.objects.filter(school=pw.school, kind="payout")
    assert [j.key for j in journals] == [f"payout:{run.pk}:teacher"]
    assert journals[0].semester_id == pw.semester.pk
    bal = ledger.balances(school_id=pw.school.pk, district_id=pw.school.district_id)
    assert bal[Category.EXP_TEACHER] == 124_000 and bal[Category.BANK] == -124_000

    counts = (Journal.objects.count(), JournalLine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(Conflict) as err:
        payouts.approve_run(actor=principal, run=run)
    assert err.value.code == "payout_approved" and str(principal) in err.value.message
    assert (
        Journal.objects.count(),
        JournalLine.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    with pytest.raises(Conflict):
        payouts.adjust_line(actor=principal, line=care, amount_fen=100, reason="再加一点")
    with pytest.raises(Conflict):
        run_month(pw)  # an approved month is final


def test_paying_a_session_not_served_is_refused_and_nothing_is_written(pw):
    pw.serve(days=DAYS[:10])
    run = run_month(pw)
    care = line_of(run, pw.care)
    with pytest.raises(payouts.PayoutRefused) as err:
        payouts.adjust_line(actor=pw.user("principal"), line=care, units=3, reason="补发未记录的课")
    assert err.value.code == "not_served"
    assert "30" in err.value.message  # served 30 课时, 30 paid
    assert not PayoutAdjustment.objects.exists()
    care.refresh_from_db()
    assert (care.lessons_paid, care.total_fen) == (30, 60_000)
    # The database holds it too.
    with pytest.raises(DatabaseError), transaction.atomic():
        PayoutLine.objects.filter(pk=care.pk).update(lessons_paid=31)


def test_taking_sessions_off_and_back_within_what_was_served(pw):
    pw.serve(days=DAYS[:10])
    run = run_month(pw)
    care = line_of(run, pw.care)
    principal = pw.user("principal")
    payouts.adjust_line(actor=principal, line=care, units=-2, reason="两节课未组织活动")
    payouts.adjust_line(actor=principal, line=care, units=1, reason="核实后补回一节")
    care.refresh_from_db()
    assert (care.lessons_paid, care.total_fen) == (29, 58_000)


def test_recompute_carries_the_adjustments_and_follows_corrected_attendance(pw):
    pw.serve(days=DAYS[:10])
    run = run_month(pw)
    payouts.adjust_line(
        actor=pw.user("principal"), line=line_of(run, pw.care), amount_fen=500, reason="材料费"
    )
    pw.serve(days=DAYS[10:12])  # attendance recorded late
    again = run_month(pw)
    assert PayoutRun.objects.get(pk=run.pk).status == PayoutStatus.SUPERSEDED
    care = line_of(again, pw.care)
    assert (care.sessions_served, care.adjustment_fen, care.total_fen) == (12, 500, 72_500)


def test_external_staff_paid_under_their_agreement_as_labour_fees(pw):
    coach = pw.add_staff("刘教练", kind=StaffKind.EXTERNAL)
    helper = pw.add_staff("王阿姨", kind=StaffKind.VOLUNTEER)
    pw.serve(coach, DAYS[:4])
    pw.serve(helper, DAYS[4:6])
    run = run_month(pw)
    assert line_of(run, coach).basis == "no_agreement" and line_of(run, coach).total_fen == 0
    payouts.save_agreement(
        actor=pw.user("principal"), staff=coach, rate_unit="session", rate_fen=8_000
    )
    run = run_month(pw)
    line = line_of(run, coach)
    assert (line.basis, line.ledger_group, line.total_fen) == ("agreement", "external", 32_000)
    assert line_of(run, helper).total_fen == 0
    payouts.approve_run(actor=pw.user("principal"), run=run)
    bal = ledger.balances(school_id=pw.school.pk, district_id=pw.school.district_id)
    assert bal[Category.EXP_EXTERNAL] == 32_000


def test_only_the_schools_managers_run_adjust_and_approve(pw):
    pw.serve(days=DAYS[:2])
    with pytest.raises(NotAllowed):
        run_month(pw, actor=pw.user("care"))
    run = run_month(pw)
    with pytest.raises(NotAllowed):
        payouts.approve_run(actor=pw.user("care"), run=run)
    with pytest.raises(NotAllowed):
        payouts.approve_run(actor=pw.daily.world.users["official_a"], run=run)


def test_approved_rows_never_change(pw):
    pw.serve(days=DAYS[:2])
    run = run_month(pw)
    payouts.approve_run(actor=pw.user("principal"), run=run)
    with pytest.raises(DatabaseError), transaction.atomic():
        PayoutLine.objects.filter(run=run).update(total_fen=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        PayoutRun.objects.filter(pk=run.pk).update(status="review")
