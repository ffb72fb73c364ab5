"""What a participant owes, line by line, from the ONE plan calendar (``plans.calendar``).

``FeeTable(version, policy)`` wraps ``plan_calendar(version)`` for one published plan
version and memoises its answers per (grade, range) and (course, range), so billing 100,000
students asks the calendar a few hundred questions, not a million. Nothing here counts
sessions itself: counts and fees are the calendar's (``basic_fee``, ``course_fee``,
``grade_totals``, ``course_totals``).

Caps: ``cap_breaches()`` compares each grade's full-semester basic-care line and each
course's full-semester line with the district policy's caps (per 课时, per hour, per month,
per semester; basic and extended separately) — a line over any cap refuses the whole run,
naming the cap. A partial line (a late joiner) is a share of the full one, so checking the
full lines covers every line. ``caps_for`` is the single place that reads the caps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.utils.translation import gettext as _

from aftercare.models import GRADE_NAMES
from billing.money import fmt, percent_of, to_fen
from plans.calendar import PlanCalendar, plan_calendar
from plans.effective import rules_for
from plans.models import FeeUnit, ServiceClass


@dataclass(frozen=True)
class Caps:
    per_lesson: Decimal | None = None
    per_hour: Decimal | None = None
    per_month: Decimal | None = None
    per_semester: Decimal | None = None


def caps_for(policy, *, school, service: str, grade: int, version=None) -> Caps:
    """The caps that bind ``service`` ("basic" or "course") for a student of ``grade`` at
    ``school`` under ``policy``: the most specific rule of the school's category, the grade's
    stage (小学/初中) and the class of service (``plans.effective.rules_for``; the plan's
    declared class for basic care), bounded by any provincial ceiling."""
    if policy is None:
        return Caps()
    if service == "basic":
        service_class = getattr(version, "basic_service_class", None) or ServiceClass.SUPERVISION
        prefix = "basic"
    else:
        service_class, prefix = ServiceClass.EXTENDED, "extended"
    rules = rules_for(policy, school, grade, service_class)
    return Caps(
        getattr(rules, f"{prefix}_cap_per_lesson", None),
        getattr(rules, f"{prefix}_cap_per_hour", None),
        getattr(rules, f"{prefix}_cap_per_month", None),
        getattr(rules, f"{prefix}_cap_per_semester", None),
    )


@dataclass
class Line:
    service: str  # basic | course
    course_id: int | None
    label: str
    unit: str
    rate: Decimal
    quantity: Decimal
    sessions: int
    lessons: int
    gross_fen: int
    reduction_percent: int = 0

    @property
    def reduction_fen(self) -> int:
        return percent_of(self.gross_fen, self.reduction_percent)

    @property
    def amount_fen(self) -> int:
        return self.gross_fen - self.reduction_fen


class FeeTable:
    def __init__(self, version, *, policy, calendar: PlanCalendar | None = None):
        self.version = version
        self.policy = policy
        self.calendar = calendar or plan_calendar(version, policy=policy)
        self._memo: dict = {}

    @cached_property
    def courses(self) -> dict:
        return {c.pk: c for c in self.version.courses.all()}

    def basic(self, grade: int, from_date: date | None, until: date | None = None) -> Line | None:
        key = ("b", grade, from_date, until)
        if key not in self._memo:
            self._memo[key] = self._basic(grade, from_date, until)
        return self._memo[key]

    def _basic(self, grade, from_date, until) -> Line | None:
        v = self.version
        totals = self.calendar.grade_totals(grade, from_date=from_date, until=until)
        if v.basic_fee_unit == FeeUnit.FREE or not totals.sessions:
            return None
        gross = to_fen(self.calendar.basic_fee(grade, from_date=from_date, until=until))
        full = self.calendar.grade_totals(grade)
        quantity = {
            FeeUnit.PER_LESSON: Decimal(totals.lessons),
            FeeUnit.PER_HOUR: (Decimal(totals.minutes) / 60).quantize(Decimal("0.01")),
            FeeUnit.PER_MONTH: Decimal(totals.months),
            FeeUnit.PER_SEMESTER: (Decimal(totals.sessions) / full.sessions).quantize(
                Decimal("0.01")
            ),
        }[v.basic_fee_unit]
        return Line(
            service="basic",
            course_id=None,
            label=_("Basic care (%(grade)s)") % {"grade": GRADE_NAMES.get(grade, grade)},
            unit=v.basic_fee_unit,
            rate=v.basic_fee_amount,
            quantity=quantity,
            sessions=totals.sessions,
            lessons=totals.lessons,
            gross_fen=gross,
        )

    def course(self, course_id: int, from_date: date | None, until: date | None = None):
        key = ("c", course_id, from_date, until)
        if key not in self._memo:
            self._memo[key] = self._course(course_id, from_date, until)
        return self._memo[key]

    def _course(self, course_id, from_date, until) -> Line | None:
        course = self.courses[course_id]
        totals = self.calendar.course_totals(course_id, from_date=from_date, until=until)
        if not totals.sessions or not course.fee_per_lesson:
            return None
        return Line(
            service="course",
            course_id=course_id,
            label=course.name,
            unit=FeeUnit.PER_LESSON,
            rate=course.fee_per_lesson,
            quantity=Decimal(totals.lessons),
            sessions=totals.sessions,
            lessons=totals.lessons,
            gross_fen=to_fen(self.calendar.course_fee(course_id, from_date=from_date, until=until)),
        )

    # ----------------------------------------------------------------- caps

    def cap_breaches(self, grades) -> list[str]:
        """Every full-semester line above a policy cap, as a sentence naming the cap."""
        out = []
        school, v = self.version.school, self.version
        for grade in sorted(set(grades)):
            line = self.basic(grade, None)
            if line is not None:
                totals = self.calendar.grade_totals(grade)
                caps = caps_for(self.policy, school=school, service="basic", grade=grade, version=v)
                out += self._breaches(line, totals, caps)
        for course_id in sorted(self.courses):
            line = self.course(course_id, None)
            if line is None:
                continue
            totals = self.calendar.course_totals(course_id)
            # A course binds at the cap of each grade it admits (stages may differ).
            for grade in sorted(set(self.courses[course_id].grades) or {1}):
                caps = caps_for(self.policy, school=school, service="course", grade=grade)
                breaches = self._breaches(line, totals, caps)
                if breaches:
                    out += breaches
                    break
        return out

    def _breaches(self, line: Line, totals, caps: Caps) -> list[str]:
        gross = Decimal(line.gross_fen) / 100
        checks = []
        if caps.per_lesson is not None and totals.lessons:
            checks.append((_("per lesson (课时)"), gross / totals.lessons, caps.per_lesson))
        if caps.per_hour is not None and totals.minutes:
            checks.append((_("per hour"), gross * 60 / totals.minutes, caps.per_hour))
        if caps.per_month is not None and totals.months:
            checks.append((_("per month"), gross / totals.months, caps.per_month))
        if caps.per_semester is not None:
            checks.append((_("per semester"), gross, caps.per_semester))
        out = []
        for name, value, limit in checks:
            value_fen, limit_fen = to_fen(value), to_fen(limit)
            if value_fen > limit_fen:
                out.append(
                    _(
                        "%(item)s would cost %(value)s yuan %(cap)s, above the district's cap "
                        "of %(limit)s yuan %(cap)s."
                    )
                    % {
                        "item": line.label,
                        "value": fmt(value_fen),
                        "limit": fmt(limit_fen),
                        "cap": name,
                    }
                )
        return out
