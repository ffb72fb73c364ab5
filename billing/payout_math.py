"""The arithmetic of a payout month, pure (no database): what each staff member is paid from
what staff attendance says they served, and what is deducted, with the evidence of each
figure. ``billing.services.payouts`` gathers the inputs set-based and writes the result.

Per session scheme (seed 004, 学校课后服务补助分配方案 篇三), for one school's month:

1. sessions served (staff attendance, ``attendance.selectors.staff.staff_month``) are paid in
   date order at the rate per 课时 (the seed's 每节课20元) or per session while they fit the
   policy's paid 课时 per day and per week (``teacher_paid_lessons_per_day/_per_week`` of the
   session's stage and class of service); what does not fit is left unpaid with the limit it
   hit. Never more than served: a session nobody recorded is listed, not paid. A session's
   pay is also held to the policy's pay cap per 课时 and per hour;
2. break-time safety duty (课间安全管理): an allowance per day with a patrol recorded; duty
   leader: an allowance per day whose clearing (清校) they confirmed;
3. admin duty (行政值班管理): ``admin_share_percent`` of the month's general spending
   (sessions + safety duty of everyone paid), converted to whole 节 at ``admin_unit_fen``
   and shared among the duty leaders by days led (largest remainder, so the 节 add up);
4. gross = 1 + 2 + 3, held to the monthly cap per person;
5. deductions, each a percent of the month's gross, taken in this order until nothing is
   left: a missed session (无故空堂) ``missed_session_percent`` (100: the month); early
   leaves ``early_leave_percent`` each, all of it from ``early_leave_full_at`` on; handover
   violations the same with their own figures; each verified complaint its own percent
   (10–100, chosen by the school); a major safety incident ``p`` % of the *semester*: p % of
   this month's gross plus every approved month's of the semester, less what earlier months
   already deducted for it (the largest incident percent counts once).

Workload points scheme (seed 001): homework supervision, interest course and safety patrol
earn points; ``teacher_pool_percent`` of the month's share of the semester's net fee income
is divided by points (largest remainder, to the fen). Staff paid under a labour agreement
(劳务费) are paid by it in both schemes; volunteers are listed and not paid. Deductions apply
to everyone paid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from billing.money import percent_of, share


@dataclass(frozen=True)
class Caps:
    """The policy's teacher caps for one stage and class of service (None: no cap)."""

    lessons_per_day: int | None = None
    lessons_per_week: int | None = None
    pay_per_lesson_fen: int | None = None
    pay_per_hour_fen: int | None = None


@dataclass(frozen=True)
class Rules:
    scheme: str = "per_session"
    rate_unit: str = "session"
    rate_fen: int = 2000
    safety_duty_fen: int = 1000
    duty_leader_fen: int = 0
    admin_share_percent: int = 8
    admin_unit_fen: int = 700
    monthly_cap_fen: int | None = None
    early_leave_percent: int = 10
    early_leave_full_at: int = 3
    missed_session_percent: int = 100
    handover_percent: int = 10
    handover_full_at: int = 3
    points_basic: int = 50
    points_course: int = 50
    points_patrol: int = 40


@dataclass(frozen=True)
class Served:
    evidence: str  # the staff attendance record's public id
    day: date
    lessons: int
    minutes: int
    kind: str = "basic"  # "basic" or "course" (points)
    caps: Caps = Caps()


@dataclass
class StaffInput:
    staff_id: int
    basis: str  # PayBasis value
    rate_unit: str = "session"
    rate_fen: int = 0
    served: list[Served] = field(default_factory=list)
    early: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    handovers: list[str] = field(default_factory=list)
    safety_days: list[tuple[date, str]] = field(default_factory=list)
    leader_days: list[tuple[date, str]] = field(default_factory=list)
    complaints: list[tuple[int, str]] = field(default_factory=list)  # (percent, evidence)
    incident: tuple[int, list[str]] | None = None  # (percent of the semester, evidence)
    semester_gross_before: int = 0  # approved months of the semester
    incident_deducted_before: int = 0
    unrecorded: list[str] = field(default_factory=list)  # session public ids


@dataclass
class Deduction:
    kind: str
    count: int
    percent: int
    amount_fen: int
    evidence: list[str]
    base: str = "month"


@dataclass
class LineResult:
    staff_id: int
    basis: str
    rate_unit: str
    rate_fen: int
    sessions_served: int = 0
    lessons_served: int = 0
    sessions_paid: int = 0
    lessons_paid: int = 0
    teaching_fen: int = 0
    safety_days: int = 0
    safety_fen: int = 0
    leader_days: int = 0
    leader_fen: int = 0
    admin_units: int = 0
    admin_fen: int = 0
    points: int = 0
    capped_fen: int = 0
    gross_fen: int = 0
    deduction_fen: int = 0
    deductions: list[Deduction] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)

    @property
    def total_fen(self) -> int:
        return self.gross_fen - self.deduction_fen


PAID_BASES = ("scheme", "points", "agreement")


def allocate(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` in whole units, largest remainder first
    (ties to the earlier), so the parts add up to ``total`` exactly. All zero weights: zeros."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    parts = [total * w // whole for w in weights]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


def _cap(limit: int | None, used: int) -> int | None:
    return None if limit is None else max(0, limit - used)


def pay_sessions(served: list[Served], *, rate_unit: str, rate_fen: int):
    """Pay the sessions in date order within the daily and weekly 课时 caps. Returns
    (sessions paid, 课时 paid, amount, unpaid). A session partly over a cap is paid for the 课时
    that fit (a rate per session: pro rata, rounded half up). ``unpaid`` lists
    ``{"record", "limit": "day"|"week", "of": the cap, "lessons": 课时 not paid}`` and, where
    the policy's pay cap per 课时 or per hour held a session's pay back,
    ``{"record", "limit": "pay", "fen": held back}``."""
    day_used: dict[date, int] = defaultdict(int)
    week_used: dict[tuple, int] = defaultdict(int)
    sessions = lessons = amount = 0
    unpaid: list[dict] = []
    for s in sorted(served, key=lambda s: (s.day, s.evidence)):
        week = s.day.isocalendar()[:2]
        room, limit = s.lessons, None
        day_room = _cap(s.caps.lessons_per_day, day_used[s.day])
        if day_room is not None and day_room < room:
            room, limit = day_room, ("day", s.caps.lessons_per_day)
        week_room = _cap(s.caps.lessons_per_week, week_used[week])
        if week_room is not None and week_room < room:
            room, limit = week_room, ("week", s.caps.lessons_per_week)
        if room < s.lessons:
            unpaid.append(
                {
                    "record": s.evidence,
                    "limit": limit[0],
                    "of": limit[1],
                    "lessons": s.lessons - room,
                }
            )
        if room <= 0:
            continue
        if rate_unit == "session":
            pay = rate_fen if room == s.lessons else share(rate_fen, room, s.lessons)
        else:
            pay = rate_fen * room
        held = pay
        if s.caps.pay_per_lesson_fen is not None:
            held = min(held, s.caps.pay_per_lesson_fen * room)
        if s.caps.pay_per_hour_fen is not None and s.minutes and s.lessons:
            held = min(held, s.caps.pay_per_hour_fen * s.minutes * room // (60 * s.lessons))
        if held < pay:
            unpaid.append({"record": s.evidence, "limit": "pay", "fen": pay - held})
        day_used[s.day] += room
        week_used[week] += room
        sessions += 1
        lessons += room
        amount += held
    return sessions, lessons, amount, unpaid


def month_deductions(gross: int, inp: StaffInput, rules: Rules) -> list[Deduction]:
    """The deductions of one month, in the order of the module docstring, never more than
    ``gross`` in all. Each keeps its nominal percent; its amount is what was left to take."""
    if gross <= 0:
        return []
    wanted: list[tuple[str, int, int, list[str], str, int | None]] = []
    if inp.missed:
        wanted.append(
            ("missed", len(inp.missed), rules.missed_session_percent, inp.missed, "month", None)
        )
    for kind, records, each, full_at in (
        ("early_leave", inp.early, rules.early_leave_percent, rules.early_leave_full_at),
        ("handover", inp.handovers, rules.handover_percent, rules.handover_full_at),
    ):
        if records:
            n = len(records)
            pct = 100 if n >= full_at else min(100, n * each)
            wanted.append((kind, n, pct, list(records), "month", None))
    for pct, evidence in inp.complaints:
        wanted.append(("complaint", 1, pct, [evidence], "month", None))
    if inp.incident is not None:
        pct, evidence = inp.incident
        target = percent_of(inp.semester_gross_before + gross, pct) - inp.incident_deducted_before
        wanted.append(("incident", len(evidence), pct, list(evidence), "semester", max(0, target)))
    left = gross
    out: list[Deduction] = []
    for kind, count, pct, evidence, base, fixed in wanted:
        amount = fixed if fixed is not None else percent_of(gross, pct)
        amount = min(amount, left)
        left -= amount
        out.append(Deduction(kind, count, pct, amount, evidence, base))
    return out


def compute_month(inputs: list[StaffInput], rules: Rules, *, points_pool_fen: int = 0):
    """Every line of one school's month (see the module docstring)."""
    lines: list[LineResult] = []
    for inp in inputs:
        unit = inp.rate_unit if inp.basis == "agreement" else rules.rate_unit
        rate = inp.rate_fen if inp.basis == "agreement" else rules.rate_fen
        line = LineResult(staff_id=inp.staff_id, basis=inp.basis, rate_unit=unit, rate_fen=rate)
        line.sessions_served = len(inp.served)
        line.lessons_served = sum(s.lessons for s in inp.served)
        line.safety_days = len(inp.safety_days)
        line.leader_days = len(inp.leader_days)
        line.evidence = {
            "served": [s.evidence for s in sorted(inp.served, key=lambda s: (s.day, s.evidence))],
            "unrecorded": list(inp.unrecorded),
            "patrols": [e for _d, e in inp.safety_days],
            "clearings": [e for _d, e in inp.leader_days],
        }
        if inp.basis in ("scheme", "agreement"):
            sessions, lessons, amount, unpaid = pay_sessions(
                inp.served, rate_unit=unit, rate_fen=rate
            )
            line.sessions_paid, line.lessons_paid, line.teaching_fen = sessions, lessons, amount
            line.evidence["unpaid"] = unpaid
        if inp.basis == "scheme":
            line.safety_fen = line.safety_days * rules.safety_duty_fen
            line.leader_fen = line.leader_days * rules.duty_leader_fen
        elif inp.basis == "points":
            line.sessions_paid = line.sessions_served
            line.lessons_paid = line.lessons_served
            line.points = (
                sum(
                    rules.points_course if s.kind == "course" else rules.points_basic
                    for s in inp.served
                )
                + line.safety_days * rules.points_patrol
            )
        lines.append(line)
    if rules.scheme == "points":
        shares = allocate(points_pool_fen, [line.points for line in lines])
        for line, part in zip(lines, shares, strict=True):
            line.teaching_fen = part
    else:
        general = sum(
            line.teaching_fen + line.safety_fen for line in lines if line.basis in PAID_BASES
        )
        pool = percent_of(general, rules.admin_share_percent)
        units = pool // rules.admin_unit_fen if rules.admin_unit_fen else 0
        leaders = [line for line in lines if line.basis == "scheme" and line.leader_days]
        parts = allocate(units, [x.leader_days for x in leaders])
        for line, part in zip(leaders, parts, strict=True):
            line.admin_units, line.admin_fen = part, part * rules.admin_unit_fen
    by_staff = {inp.staff_id: inp for inp in inputs}
    for line in lines:
        if line.basis not in PAID_BASES:
            line.teaching_fen = 0
            continue
        gross = line.teaching_fen + line.safety_fen + line.leader_fen + line.admin_fen
        if rules.monthly_cap_fen is not None and gross > rules.monthly_cap_fen:
            line.capped_fen = gross - rules.monthly_cap_fen
            gross = rules.monthly_cap_fen
        line.gross_fen = gross
        line.deductions = month_deductions(gross, by_staff[line.staff_id], rules)
        line.deduction_fen = sum(d.amount_fen for d in line.deductions)
    return lines
