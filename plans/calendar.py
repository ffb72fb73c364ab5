"""The plan calendar: a plan version's dated service over a semester, and what it costs.

One computation of sessions, hours, 课时 and fees, called by the plan check
(``plans.checks``), session generation (scheduling), semester billing, refunds and the
term-end disclosure, so that they all count the same sessions and charge the same fees.

``build_calendar`` is pure: it reads the attributes of the objects it is given and never
touches the database. ``plan_calendar`` is the thin loader (periods, courses, the policy's
lesson length and ``aftercare.calendar.school_days``).

Which slots there are
- ``days`` are the semester's school days at the school: Monday–Friday minus holidays and
  school events, plus 调休 make-up days. ``SchoolDay.weekday`` is the timetable that applies,
  so a make-up Saturday that follows Friday's timetable gets Friday's periods and courses.
- Basic care of grade G on a day: the periods listing G and the day's timetable weekday.
  Seasonal variants (periods with ``valid_from``..``valid_until``) that list G and that
  weekday *replace* the regular periods of G on their dates; on the other dates the regular
  periods apply. Several periods on one day are several slots (one session each).
- A course runs on every school day whose timetable weekday it lists: one slot a day.
- 课时 of a slot: ``minutes // lesson_minutes`` (a basic-care slot shorter than a lesson
  counts 0 课时; a course session counts at least 1).

Fees over a range (``from_date``/``until`` inclusive; None = the semester's edge)
- free: 0.
- per 课时: amount × the 课时 of the slots in range. Exact: any split adds up to the whole.
- per hour: cumulative rounding. With R(x) = x rounded half up to 0.01 and M(d) the minutes
  of the slots up to and including d, fee = R(amount × M(until) / 60) − R(amount ×
  M(from_date − 1) / 60). The whole semester is R(amount × minutes / 60); the parts of any
  split add up to it exactly, and each part is within 0.01 of its exact value.
- per semester: the amount, shared pro rata by sessions (slots) with the same cumulative
  rounding: R(amount × S(until) / N) − R(amount × S(from_date − 1) / N), N the semester's
  sessions. The whole range is exactly the amount; splits add up exactly. A grade with no
  session pays 0.
- per month: amount × the calendar months that have at least one slot in the range (a month
  begun is a month charged). Splits at month boundaries add up exactly; a split inside a
  month charges that month on both sides (refunds by month therefore refund whole months
  not attended, ``RefundBasis.MONTHS``).
- A course: its fee per 课时 × the 课时 of its slots in range. Exact.
Money is ``Decimal`` quantized to 0.01 with ROUND_HALF_UP (``yuan``).

The rules that apply (issue 16): a calendar built with ``rules`` (``plan_calendar`` passes the
policy's, for the plan's school) answers ``rules(grade, service_class)`` — the school's
category, the grade's stage and the class of service resolved (``plans.effective``) — and
``basic_fee_limit``/``course_fee_limit``: the most those rules allow for the slots in a range
(the smallest of cap per 课时 × 课时, per hour × hours, per month × months and per semester,
the semester cap shared by sessions with the same cumulative rounding as the fee). Billing
may compare a fee with it; the plan check reports every cap a fee exceeds.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from aftercare.calendar import SchoolDay
from aftercare.calendar import school_days as load_school_days
from plans.effective import EffectiveRules, policy_rules
from plans.selectors import current_policy

__all__ = [
    "CENT",
    "PlanCalendar",
    "SchoolDay",
    "Slot",
    "Totals",
    "build_calendar",
    "minutes_between",
    "plan_calendar",
    "yuan",
]

CENT = Decimal("0.01")
DEFAULT_LESSON_MINUTES = 40  # DistrictPolicy.lesson_minutes' default, when there is no policy

FREE, PER_LESSON, PER_HOUR, PER_MONTH, PER_SEMESTER = (
    "free",
    "per_lesson",
    "per_hour",
    "per_month",
    "per_semester",
)  # the values of plans.models.FeeUnit


def yuan(value: Decimal | int | None) -> Decimal:
    """Money: ``value`` quantized to 0.01 yuan, half up."""
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def minutes_between(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


@dataclass(frozen=True)
class Slot:
    """One dated block of service: a basic-care period of a grade, or a course session."""

    date: date
    weekday: int  # the timetable weekday (a 调休 make-up day may follow another weekday)
    start: time
    end: time
    minutes: int
    lessons: int  # 课时: minutes // lesson_minutes (a course: at least 1)
    grade: int | None  # basic care: the grade; a course: None
    period_id: int | None
    course_id: int | None


@dataclass(frozen=True)
class Totals:
    """Counts over some slots: sessions (slots), distinct days, minutes, 课时, months."""

    sessions: int = 0
    days: int = 0
    minutes: int = 0
    lessons: int = 0
    months: int = 0

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class _Series:
    """Slots in date order with prefix sums, for counts and fees over date ranges."""

    def __init__(self, slots: list[Slot]):
        self.slots = slots
        self.dates = [s.date for s in slots]
        self.cum_minutes = [0, *accumulate(s.minutes for s in slots)]
        self.cum_lessons = [0, *accumulate(s.lessons for s in slots)]

    def bounds(self, from_date: date | None, until: date | None) -> tuple[int, int]:
        lo = 0 if from_date is None else bisect_left(self.dates, from_date)
        hi = len(self.slots) if until is None else bisect_right(self.dates, until)
        return lo, max(lo, hi)

    def totals(self, from_date: date | None = None, until: date | None = None) -> Totals:
        lo, hi = self.bounds(from_date, until)
        chosen = self.dates[lo:hi]
        return Totals(
            sessions=hi - lo,
            days=len(set(chosen)),
            minutes=self.cum_minutes[hi] - self.cum_minutes[lo],
            lessons=self.cum_lessons[hi] - self.cum_lessons[lo],
            months=len({(d.year, d.month) for d in chosen}),
        )


class PlanCalendar:
    """The dated slots of one plan version over its semester's school days, and their fees.

    Built by ``build_calendar`` (pure) or ``plan_calendar`` (loads the inputs). Slots are
    computed per grade and per course on first use and kept.
    """

    def __init__(
        self,
        *,
        days: list[SchoolDay],
        lesson_minutes: int,
        periods: list,
        courses: list,
        fee_unit: str,
        fee_amount: Decimal,
        basic_service_class: str = "supervision",
        rules=None,
    ):
        if lesson_minutes < 1:
            raise ValueError("lesson_minutes must be positive")
        self.days = sorted(days, key=lambda d: d.date)
        self.lesson_minutes = lesson_minutes
        self.months = len({(d.date.year, d.date.month) for d in self.days})
        self.fee_unit = fee_unit or FREE
        self.fee_amount = Decimal(fee_amount or 0)
        self._regular = [p for p in periods if p.valid_from is None]
        self._seasonal = [p for p in periods if p.valid_from is not None]
        self._courses = {c.pk: c for c in courses}
        self.basic_service_class = basic_service_class or "supervision"
        self._rules = rules  # (grade, service_class) -> EffectiveRules, or None
        self._grades: dict[int, _Series] = {}
        self._course_series: dict[int, _Series] = {}

    # ----------------------------------------------------------------- slots

    def periods_on(self, grade: int, day: SchoolDay) -> list:
        """The periods of ``grade`` on ``day``: its seasonal variants there, else the regular."""
        seasonal = [
            p
            for p in self._seasonal
            if grade in p.grades
            and day.weekday in p.weekdays
            and p.valid_from <= day.date <= p.valid_until
        ]
        if seasonal:
            return seasonal
        return [p for p in self._regular if grade in p.grades and day.weekday in p.weekdays]

    def _grade_series(self, grade: int) -> _Series:
        series = self._grades.get(grade)
        if series is None:
            slots = []
            for day in self.days:
                for p in sorted(self.periods_on(grade, day), key=lambda p: (p.start_time, p.pk)):
                    minutes = minutes_between(p.start_time, p.end_time)
                    slots.append(
                        Slot(
                            date=day.date,
                            weekday=day.weekday,
                            start=p.start_time,
                            end=p.end_time,
                            minutes=minutes,
                            lessons=minutes // self.lesson_minutes,
                            grade=grade,
                            period_id=p.pk,
                            course_id=None,
                        )
                    )
            series = self._grades[grade] = _Series(slots)
        return series

    def _course(self, course_id: int):
        try:
            return self._courses[course_id]
        except KeyError:
            raise KeyError(f"course {course_id} is not part of this plan version") from None

    def lessons_per_session(self, course_id: int) -> int:
        """课时 of one session of the course (at least 1), whether or not it ever runs."""
        c = self._course(course_id)
        return max(1, minutes_between(c.start_time, c.end_time) // self.lesson_minutes)

    def _course_slots(self, course_id: int) -> _Series:
        series = self._course_series.get(course_id)
        if series is None:
            c = self._course(course_id)
            minutes = minutes_between(c.start_time, c.end_time)
            lessons = self.lessons_per_session(course_id)
            series = self._course_series[course_id] = _Series(
                [
                    Slot(
                        date=day.date,
                        weekday=day.weekday,
                        start=c.start_time,
                        end=c.end_time,
                        minutes=minutes,
                        lessons=lessons,
                        grade=None,
                        period_id=None,
                        course_id=course_id,
                    )
                    for day in self.days
                    if day.weekday in c.weekdays
                ]
            )
        return series

    def grade_slots(self, grade: int) -> list[Slot]:
        """Basic care of ``grade`` in date order (within a day by start time)."""
        return list(self._grade_series(grade).slots)

    def course_slots(self, course_id: int) -> list[Slot]:
        return list(self._course_slots(course_id).slots)

    def period_dates(self, period_id: int, grades) -> list[date]:
        """The dates on which period ``period_id`` applies to at least one of ``grades``."""
        return sorted(
            {
                s.date
                for g in grades
                for s in self._grade_series(g).slots
                if s.period_id == period_id
            }
        )

    def grade_days(self, grade: int) -> dict[date, list[Slot]]:
        """The grade's slots grouped by date (days without service are absent)."""
        out: dict[date, list[Slot]] = {}
        for s in self._grade_series(grade).slots:
            out.setdefault(s.date, []).append(s)
        return out

    # ----------------------------------------------------------------- counts

    def grade_totals(
        self, grade: int, *, from_date: date | None = None, until: date | None = None
    ) -> Totals:
        return self._grade_series(grade).totals(from_date, until)

    def course_totals(
        self, course_id: int, *, from_date: date | None = None, until: date | None = None
    ) -> Totals:
        return self._course_slots(course_id).totals(from_date, until)

    # ----------------------------------------------------------------- fees

    def basic_fee(
        self, grade: int, *, from_date: date | None = None, until: date | None = None
    ) -> Decimal:
        """Basic-care fee of one student of ``grade`` for the slots in the range (module
        docstring: the rule per fee unit and how ranges are rounded)."""
        unit, amount = self.fee_unit, self.fee_amount
        series = self._grade_series(grade)
        if unit == FREE or not series.slots or not amount:
            return yuan(0)
        lo, hi = series.bounds(from_date, until)
        if unit == PER_LESSON:
            return yuan(amount * (series.cum_lessons[hi] - series.cum_lessons[lo]))
        if unit == PER_HOUR:
            return yuan(amount * series.cum_minutes[hi] / 60) - yuan(
                amount * series.cum_minutes[lo] / 60
            )
        if unit == PER_MONTH:
            return yuan(amount * series.totals(from_date, until).months)
        if unit == PER_SEMESTER:
            n = len(series.slots)
            return yuan(amount * hi / n) - yuan(amount * lo / n)
        raise ValueError(f"unknown fee unit {unit!r}")

    def course_fee(
        self, course_id: int, *, from_date: date | None = None, until: date | None = None
    ) -> Decimal:
        """Fee of one student in the course for its sessions in the range: per 课时."""
        fee = self._course(course_id).fee_per_lesson or Decimal(0)
        return yuan(fee * self.course_totals(course_id, from_date=from_date, until=until).lessons)

    # ----------------------------------------------------------------- rules

    def rules(self, grade: int, service_class: str | None = None) -> EffectiveRules | None:
        """The rules for a student of ``grade`` at the plan's school in ``service_class``
        (default: the class the plan's basic care declares); None without rules."""
        if self._rules is None:
            return None
        return self._rules(grade, service_class or self.basic_service_class)

    @staticmethod
    def _limit(series: _Series, lo: int, hi: int, caps) -> Decimal | None:
        per_lesson, per_hour, per_month, per_semester = caps
        limits = []
        if per_lesson is not None:
            limits.append(yuan(per_lesson * (series.cum_lessons[hi] - series.cum_lessons[lo])))
        if per_hour is not None:
            limits.append(
                yuan(per_hour * series.cum_minutes[hi] / 60)
                - yuan(per_hour * series.cum_minutes[lo] / 60)
            )
        if per_month is not None:
            months = {(d.year, d.month) for d in series.dates[lo:hi]}
            limits.append(yuan(per_month * len(months)))
        if per_semester is not None and series.slots:
            n = len(series.slots)
            limits.append(yuan(per_semester * hi / n) - yuan(per_semester * lo / n))
        return min(limits) if limits else None

    def basic_fee_limit(
        self, grade: int, *, from_date: date | None = None, until: date | None = None
    ) -> Decimal | None:
        """The most the rules allow for the grade's basic care in the range (None: no cap or
        no rules; 0 where basic care must be free)."""
        rules = self.rules(grade)
        if rules is None:
            return None
        if rules.basic_care_must_be_free:
            return yuan(0)
        series = self._grade_series(grade)
        lo, hi = series.bounds(from_date, until)
        return self._limit(
            series,
            lo,
            hi,
            (
                rules.basic_cap_per_lesson,
                rules.basic_cap_per_hour,
                rules.basic_cap_per_month,
                rules.basic_cap_per_semester,
            ),
        )

    def course_fee_limit(
        self,
        course_id: int,
        grade: int,
        *,
        from_date: date | None = None,
        until: date | None = None,
    ) -> Decimal | None:
        """The most the extended-course rules for a student of ``grade`` allow for the
        course's sessions in the range (None: no cap or no rules)."""
        rules = self.rules(grade, "extended")
        if rules is None:
            return None
        series = self._course_slots(course_id)
        lo, hi = series.bounds(from_date, until)
        return self._limit(
            series,
            lo,
            hi,
            (
                rules.extended_cap_per_lesson,
                rules.extended_cap_per_hour,
                rules.extended_cap_per_month,
                rules.extended_cap_per_semester,
            ),
        )


def build_calendar(
    *, version, periods, courses, lesson_minutes: int, days: list[SchoolDay], rules=None
) -> PlanCalendar:
    """The calendar of ``version`` (its ``basic_fee_unit``, ``basic_fee_amount`` and
    ``basic_service_class`` are read) with these periods and courses over ``days``; ``rules``
    (optional) maps (grade, service class) to the ``EffectiveRules`` of the plan's school.
    Pure: no database access."""
    return PlanCalendar(
        days=list(days),
        lesson_minutes=lesson_minutes,
        periods=list(periods),
        courses=list(courses),
        fee_unit=version.basic_fee_unit,
        fee_amount=version.basic_fee_amount,
        basic_service_class=getattr(version, "basic_service_class", "supervision"),
        rules=rules,
    )


def plan_calendar(version, *, policy=None, school_days=None) -> PlanCalendar:
    """Load and build the calendar of ``version``: its periods and courses (a prefetch is
    used when there is one), the lesson length of ``policy`` (default: the semester's current
    policy; 40 minutes when there is none), the rules of the policy for the plan's school
    (categories and overrides, ``plans.effective``) and the school days of the plan's semester
    at its school (``aftercare.calendar.school_days``) unless ``school_days`` is given."""
    plan = version.plan
    if policy is None:
        policy = current_policy(plan.semester)
    if school_days is None:
        school_days = load_school_days(plan.semester, plan.school)
    rules = None
    if policy is not None:
        school_id = plan.school_id

        def rules(grade, service_class):  # loaded on first use (cached on the policy)
            return policy_rules(policy).for_school(school_id, grade, service_class)

    return build_calendar(
        version=version,
        periods=version.periods.all(),
        courses=version.courses.all(),
        lesson_minutes=policy.lesson_minutes if policy else DEFAULT_LESSON_MINUTES,
        days=school_days,
        rules=rules,
    )
