"""The seeds' subsidy and deduction examples as a table (seed 004, 学校课后服务补助分配方案 篇三),
against the pure arithmetic of ``billing.payout_math``."""

from datetime import date, timedelta

import pytest

from billing.payout_math import (
    Caps,
    Rules,
    Served,
    StaffInput,
    allocate,
    compute_month,
    month_deductions,
    pay_sessions,
)

SEED = Rules()  # the seed's defaults: 20 per 节, 10 per break, 8% at 7 per 节, deductions
GROSS = 100_000  # 1,000.00 yuan of the month


def ids(n, prefix="r"):
    return [f"{prefix}{i}" for i in range(n)]


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        # 早退一次，扣除当月10%绩效服务费，当月三次以上，扣除当月100%
        ("early leave once", {"early": ids(1)}, [("early_leave", 10, 10_000)]),
        ("early leave twice", {"early": ids(2)}, [("early_leave", 20, 20_000)]),
        ("early leave three times", {"early": ids(3)}, [("early_leave", 100, 100_000)]),
        ("early leave five times", {"early": ids(5)}, [("early_leave", 100, 100_000)]),
        # 无故空堂一次 … 扣除当月100%
        ("a missed session", {"missed": ids(1)}, [("missed", 100, 100_000)]),
        # 交接违规一次扣除当月10%，当月三次以上扣除当月100%
        ("handover violation once", {"handovers": ids(1)}, [("handover", 10, 10_000)]),
        ("handover violations twice", {"handovers": ids(2)}, [("handover", 20, 20_000)]),
        ("handover violations three times", {"handovers": ids(3)}, [("handover", 100, 100_000)]),
        # 家长投诉，经查情况属实，视情节轻重可扣除当月10%—100%
        ("a verified complaint, 10%", {"complaints": [(10, "C1")]}, [("complaint", 10, 10_000)]),
        ("a verified complaint, 60%", {"complaints": [(60, "C1")]}, [("complaint", 60, 60_000)]),
        (
            "a verified complaint, 100%",
            {"complaints": [(100, "C1")]},
            [("complaint", 100, 100_000)],
        ),
        # 发生重大安全事故 … 可扣除本学期50%—100%
        (
            "safety incident 50%, first month",
            {"incident": (50, ["I1"])},
            [("incident", 50, 50_000)],
        ),
        (
            "safety incident 50% after two approved months (half of the semester, the month "
            "cannot give more than it has)",
            {"incident": (50, ["I1"]), "semester_gross_before": 200_000},
            [("incident", 50, 100_000)],
        ),
        (
            "safety incident 50%: the rest of the semester's half after 100,000 already taken",
            {
                "incident": (50, ["I1"]),
                "semester_gross_before": 200_000,
                "incident_deducted_before": 100_000,
            },
            [("incident", 50, 50_000)],
        ),
        ("safety incident 100%", {"incident": (100, ["I1"])}, [("incident", 100, 100_000)]),
        # Together: never more than the month.
        (
            "early leave once and a handover violation",
            {"early": ids(1), "handovers": ids(1, "h")},
            [("early_leave", 10, 10_000), ("handover", 10, 10_000)],
        ),
        (
            "a complaint of 80% on top of both: capped at the month",
            {"early": ids(1), "handovers": ids(1, "h"), "complaints": [(80, "C1")]},
            [("early_leave", 10, 10_000), ("handover", 10, 10_000), ("complaint", 80, 80_000)],
        ),
        (
            "a missed session takes the month; nothing is left for the rest",
            {"missed": ids(1), "early": ids(1)},
            [("missed", 100, 100_000), ("early_leave", 10, 0)],
        ),
    ],
)
def test_seed_deductions(case, kwargs, expected):
    inp = StaffInput(staff_id=1, basis="scheme", **kwargs)
    got = [(d.kind, d.percent, d.amount_fen) for d in month_deductions(GROSS, inp, SEED)]
    assert got == expected, case


def test_deductions_never_exceed_the_month():
    inp = StaffInput(
        staff_id=1,
        basis="scheme",
        early=ids(1),
        handovers=ids(1),
        complaints=[(90, "C1")],
    )
    got = month_deductions(GROSS, inp, SEED)
    assert [d.amount_fen for d in got] == [10_000, 10_000, 80_000]
    assert sum(d.amount_fen for d in got) == GROSS


def test_evidence_travels_with_each_deduction():
    inp = StaffInput(staff_id=1, basis="scheme", early=["e1", "e2"], complaints=[(30, "C9")])
    got = month_deductions(GROSS, inp, SEED)
    assert [(d.kind, d.count, d.evidence) for d in got] == [
        ("early_leave", 2, ["e1", "e2"]),
        ("complaint", 1, ["C9"]),
    ]


def served(n, *, start=date(2026, 11, 2), lessons=3, minutes=120, caps=None, per_day=1):
    caps = caps or Caps()
    out, day = [], start
    while len(out) < n:
        if day.weekday() < 5:
            for k in range(per_day):
                if len(out) < n:
                    out.append(Served(f"{day}-{k}", day, lessons, minutes, caps=caps))
        day += timedelta(days=1)
    return out


def test_seed_example_month():
    """每节课20元 for 21 sessions of 3 课时, 5 days of break-time duty at 10 元, and a duty
    leader who led 10 days: admin duty 8% of the general spending (1,260 + 50) = 104.80,
    converted at 7 元 per 节 = 14 节 = 98.00."""
    teacher = StaffInput(
        staff_id=1,
        basis="scheme",
        served=served(21),
        safety_days=[(date(2026, 11, d), f"p{d}") for d in (2, 3, 4, 5, 6)],
        early=["e1"],
    )
    leader = StaffInput(
        staff_id=2,
        basis="scheme",
        leader_days=[(date(2026, 11, d), f"c{d}") for d in range(2, 12)],
    )
    rules = Rules(rate_unit="lesson", rate_fen=2000)
    a, b = compute_month([teacher, leader], rules)
    assert (a.sessions_paid, a.lessons_paid, a.teaching_fen, a.safety_fen) == (
        21,
        63,
        126_000,
        5_000,
    )
    assert a.gross_fen == 131_000
    assert [(d.kind, d.amount_fen) for d in a.deductions] == [("early_leave", 13_100)]
    assert a.total_fen == 117_900
    assert (b.admin_units, b.admin_fen, b.gross_fen) == (14, 9_800, 9_800)


def test_daily_cap_of_paid_lessons_leaves_the_rest_unpaid_with_its_reason():
    caps = Caps(lessons_per_day=2)
    sessions, lessons, amount, unpaid = pay_sessions(
        served(3, caps=caps), rate_unit="lesson", rate_fen=2000
    )
    assert (sessions, lessons, amount) == (3, 6, 12_000)
    assert [(u["limit"], u["of"], u["lessons"]) for u in unpaid] == [("day", 2, 1)] * 3


def test_weekly_cap_and_a_rate_per_session_pays_pro_rata():
    caps = Caps(lessons_per_week=7)  # Mon–Fri, 2 课时 a day: Thursday half, Friday nothing
    got = pay_sessions(
        served(5, lessons=2, minutes=80, caps=caps), rate_unit="session", rate_fen=3000
    )
    sessions, lessons, amount, unpaid = got
    assert (sessions, lessons, amount) == (4, 7, 3 * 3000 + 1500)
    assert [(u["limit"], u["lessons"]) for u in unpaid] == [("week", 1), ("week", 2)]


def test_pay_cap_per_lesson_holds_a_session_back():
    caps = Caps(pay_per_lesson_fen=500)
    _s, _l, amount, unpaid = pay_sessions(served(1, caps=caps), rate_unit="lesson", rate_fen=2000)
    assert amount == 1500
    assert unpaid == [{"record": "2026-11-02-0", "limit": "pay", "fen": 4500}]


def test_volunteers_and_staff_without_an_agreement_are_listed_not_paid():
    volunteer = StaffInput(staff_id=1, basis="unpaid", served=served(4))
    nobody = StaffInput(staff_id=2, basis="no_agreement", served=served(4))
    external = StaffInput(
        staff_id=3, basis="agreement", rate_unit="session", rate_fen=8000, served=served(4)
    )
    a, b, c = compute_month([volunteer, nobody, external], Rules())
    assert (a.sessions_served, a.gross_fen, b.sessions_served, b.gross_fen) == (4, 0, 4, 0)
    assert (c.sessions_paid, c.gross_fen) == (4, 32_000)


def test_workload_points_divide_the_pool_to_the_fen():
    """Seed 001: homework supervision 50 points, interest course 50, patrol 40."""
    basic = served(3)
    course = [Served("k1", date(2026, 11, 2), 1, 40, kind="course")]
    a = StaffInput(staff_id=1, basis="points", served=basic)  # 150
    b = StaffInput(
        staff_id=2,
        basis="points",
        served=course,
        safety_days=[(date(2026, 11, 2), "p")],
    )  # 50 + 40 = 90
    lines = compute_month([a, b], Rules(scheme="points"), points_pool_fen=100_001)
    assert [line.points for line in lines] == [150, 90]
    assert [line.gross_fen for line in lines] == [62_501, 37_500]
    assert sum(line.gross_fen for line in lines) == 100_001


def test_allocate_is_exact_and_stable():
    assert allocate(14, [10, 5, 5]) == [7, 4, 3]
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    assert allocate(0, [1, 2]) == [0, 0]
    assert allocate(5, [0, 0]) == [0, 0]


def test_monthly_cap_holds_the_gross():
    t = StaffInput(staff_id=1, basis="scheme", served=served(10))
    (line,) = compute_month([t], Rules(rate_unit="lesson", monthly_cap_fen=50_000))
    assert (line.gross_fen, line.capped_fen) == (50_000, 10_000)
