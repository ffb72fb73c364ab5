"""A district's month of payout runs computed together (``process_payout_runs``): the same
lines as each run on its own, a number of queries that does not grow with the schools, a
failing school that does not hold the others back, and the monthly job's one task per
district."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import jobs, payout_math
from billing.models import PayoutLine, PayoutRun, PayoutStatus
from billing.services import payouts
from tests.billing.payout_world import MONTH, NOW, build_payout_world, november_weekdays

pytestmark = pytest.mark.django_db

DAYS = november_weekdays()
FIELDS = [
    "staff_id",
    "basis",
    "sessions_served",
    "lessons_paid",
    "teaching_fen",
    "safety_days",
    "safety_fen",
    "leader_days",
    "admin_units",
    "admin_fen",
    "gross_fen",
    "deduction_fen",
    "total_fen",
]


@pytest.fixture
def two(world):
    worlds = [build_payout_world(world, "a1"), build_payout_world(world, "b1")]
    a, b = worlds
    a.serve(early=[DAYS[2]], missed=[])
    b.serve(days=DAYS[:18], missed=[DAYS[4]])
    for day in DAYS[:4]:
        a.patrol(a.user("care"), day)
        b.clear(b.user("teacher"), day)
    a.handover_fault(a.care, DAYS[6])
    return worlds


def queued(pw):
    return payouts.start_payout_run(
        actor=pw.user("principal"), school=pw.school, month=MONTH, now=NOW, dispatch=False
    )


def lines(run):
    return sorted(PayoutLine.objects.filter(run=run).values_list(*FIELDS))


def deductions(run):
    return sorted(
        PayoutLine.objects.filter(run=run).values_list(
            "staff_id", "deductions__kind", "deductions__amount_fen"
        )
    )


def test_batch_gives_the_lines_each_run_gives_on_its_own(two):
    runs = [queued(pw) for pw in two]
    assert all(PayoutRun.objects.get(pk=r.pk).status == PayoutStatus.QUEUED for r in runs)
    payouts.process_payout_runs(run_ids=[r.pk for r in runs])
    batch = [PayoutRun.objects.get(pk=r.pk) for r in runs]
    assert [r.status for r in batch] == [PayoutStatus.REVIEW] * 2
    assert all(r.total_fen > 0 for r in batch)
    # Recomputed one by one (the replacing runs are computed by the single-run task).
    for pw, run in zip(two, batch, strict=True):
        single = payouts.start_payout_run(
            actor=pw.user("principal"), school=pw.school, month=MONTH, now=NOW
        )
        single = PayoutRun.objects.get(pk=single.pk)
        assert single.status == PayoutStatus.REVIEW
        assert lines(single) == lines(run)
        assert deductions(single) == deductions(run)
        assert (single.gross_fen, single.deduction_fen, single.total_fen) == (
            run.gross_fen,
            run.deduction_fen,
            run.total_fen,
        )
    # The early leave and the handover violation of school a1 are in its batch lines.
    kinds = {k for _s, k, _a in deductions(batch[0])}
    assert {"early_leave", "handover"} <= kinds


def test_queries_do_not_grow_with_the_schools(two):
    one = queued(two[0])
    with CaptureQueriesContext(connection) as single:
        payouts.process_payout_runs(run_ids=[one.pk])
    # Both schools again (the first one recomputed).
    runs = [
        payouts.start_payout_run(
            actor=pw.user("principal"), school=pw.school, month=MONTH, now=NOW, dispatch=False
        )
        for pw in two
    ]
    with CaptureQueriesContext(connection) as both:
        payouts.process_payout_runs(run_ids=[r.pk for r in runs])
    # Every read of the month and every write is one statement for all the schools: the
    # same count for two schools as for one.
    for needle in BATCHED:
        assert count(both, needle) == count(single, needle) >= 1, needle
    # What grows is small and per school or per semester only (an audit event per run; the
    # policy of the second district's semester and its caps; the replaced run's adjustments).
    assert len(both) - len(single) <= 8, len(both) - len(single)


BATCHED = [
    'FROM "attendance_staffattendance"',
    'FROM "attendance_handover"',
    'FROM "scheduling_session"',
    'FROM "attendance_patrol"',
    'FROM "attendance_clearing"',
    'FROM "scheduling_staffmember"',
    'FROM "billing_labouragreement"',
    'FROM "billing_safetyincident"',
    'FROM "feedback_complaint"',
    "INSERT INTO billing_payoutline",
    "UPDATE billing_payoutrun",
]


def count(captured, needle) -> int:
    return sum(needle in q["sql"] for q in captured.captured_queries)


def test_a_failing_school_does_not_hold_the_others_back(two, monkeypatch):
    runs = [queued(pw) for pw in two]
    bad_staff = two[1].care.pk
    real = payout_math.compute_month

    def broken(inputs, *args, **kwargs):
        if any(i.staff_id == bad_staff for i in inputs):
            raise ValueError("broken school")
        return real(inputs, *args, **kwargs)

    monkeypatch.setattr(payout_math, "compute_month", broken)
    payouts.process_payout_runs(run_ids=[r.pk for r in runs])
    good, bad = (PayoutRun.objects.get(pk=r.pk) for r in runs)
    assert good.status == PayoutStatus.REVIEW and good.total_fen > 0
    assert bad.status == PayoutStatus.FAILED and "broken school" in bad.error
    assert not PayoutLine.objects.filter(run=bad).exists()


def test_monthly_job_sends_one_batch_per_district(two, monkeypatch):
    sent = []
    real = jobs.send_now

    def spy(name, *args):
        sent.append((name, args))
        real(name, *args)

    monkeypatch.setattr(jobs, "send_now", spy)
    started = payouts.start_monthly_runs(now=NOW)
    assert len(started) == 2
    assert sorted(name for name, _a in sent) == ["billing.run_payouts", "billing.run_payouts"]
    assert sorted(pk for _n, (ids,) in sent for pk in ids) == sorted(started)
    assert {r.status for r in PayoutRun.objects.filter(pk__in=started)} == {PayoutStatus.REVIEW}
