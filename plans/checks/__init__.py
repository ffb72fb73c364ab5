"""Checking a school plan against its district's policy, and the plan's computed figures.

``evaluate(version)`` loads the plan, the policy and the semester calendar once and returns
every ``Violation`` (rule, the plan's value, the limit, a Chinese message, and where in the
plan it happens) and the ``Figures``: sessions per grade and per course over the semester's
calendar, fee per student per semester, and which caps are exceeded.

Every count and fee comes from the plan calendar (``plans.calendar``), the computation that
session generation, billing and refunds use too; this module only compares them with the
policy. ``check_plan`` is the pure entry point (everything loaded), ``evaluate`` the loader.

Caps, times and limits come from the rules that apply to the school, the stage of each grade
and the class of service (``plans.effective``): basic care is checked in the class the plan
declares (``basic_service_class``), courses as extended courses. When the school is in a
category, each such violation starts with the category and stage (「乡镇小学 基础托管每学期收费
410.00 元（…），超过区政策上限 390.00 元」) and carries it in ``scope``.

Violations of kind ``policy`` break a district rule; kind ``incomplete`` means the plan lacks
something it needs before review. Both block submission.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time

from django.utils.translation import gettext as _

from aftercare.calendar import SchoolDay, school_days
from plans.calendar import (
    CENT,
    DEFAULT_LESSON_MINUTES,
    PlanCalendar,
    build_calendar,
    minutes_between,
    yuan,
)
from plans.effective import EffectiveRules, PolicyRules, policy_rules
from plans.models import (
    Course,
    DistrictPolicy,
    PlanVersion,
    PolicySeason,
    ServiceClass,
    ServicePeriod,
)
from plans.selectors import current_policy

from .fees import FeeChecks
from .periods import PeriodChecks
from .results import (
    WEEKDAY_NAMES,
    CapCheck,
    CourseFigures,
    Evaluation,
    Figures,
    GradeFigures,
    Violation,
    hhmm,
)
from .windows import WindowChecks

__all__ = [
    "CENT",
    "CapCheck",
    "CourseFigures",
    "Evaluation",
    "Figures",
    "GradeFigures",
    "Violation",
    "check_plan",
    "current_policy",
    "evaluate",
    "minutes_between",
    "school_grades",
    "yuan",
]


class _Checker(PeriodChecks, FeeChecks, WindowChecks):
    def __init__(
        self,
        *,
        version: PlanVersion,
        semester,
        policy: DistrictPolicy | None,
        seasons: list[PolicySeason],
        school_grades,
        periods: list[ServicePeriod],
        courses: list[Course],
        windows: list,
        calendar: PlanCalendar,
        rules: PolicyRules | None = None,
        school_id: int | None = None,
    ):
        self.version = version
        self.policy = policy
        self.policy_rules = rules
        self.school_id = school_id
        self.basic_class = getattr(version, "basic_service_class", "") or ServiceClass.SUPERVISION
        self.semester = semester
        self.school_grades = sorted(set(school_grades))
        self.periods = periods
        self.courses = courses
        self.windows = windows
        self.seasons = seasons
        self.calendar = calendar
        self.days: list[SchoolDay] = calendar.days
        self.out: list[Violation] = []

    # ----------------------------------------------------------------- helpers

    def add(self, code, section, message, *, rules: EffectiveRules | None = None, **kw) -> None:
        """Record a violation; with ``rules`` of a category, the message starts with it."""
        scope = rules.label if rules is not None else ""
        if scope:
            message = f"{scope} {message}"
        self.out.append(Violation(code=code, section=section, message=message, scope=scope, **kw))

    def rules(self, grade: int, service_class: str) -> EffectiveRules:
        return self.policy_rules.for_school(self.school_id, grade, service_class)

    def rule_groups(self, grades, service_class: str) -> list[tuple[EffectiveRules, list[int]]]:
        """The grades grouped by the rules that apply to them (one group per category and
        stage); grades outside 1–9 or none at all fall back to the school's first grade."""
        groups: dict[int, tuple[EffectiveRules, list[int]]] = {}
        for grade in sorted(set(grades)) or self.school_grades[:1] or [1]:
            rules = self.rules(grade, service_class)
            groups.setdefault(id(rules), (rules, []))[1].append(grade)
        return list(groups.values())

    def cap_for(self, day, rules: EffectiveRules) -> tuple[time, str]:
        for season in self.seasons:
            if season.contains(day):
                return season.latest_end_time, season.name
        return rules.latest_end_time, ""

    def check_end_times(
        self, section, item_id, label, end_time, dates: list[date], grades, service_class
    ) -> None:
        """One violation per distinct limit (and category scope) that ``end_time`` exceeds
        on ``dates``: seasons replace the regular limit on their dates."""
        if self.policy is None:
            return
        for rules, _grades in self.rule_groups(grades, service_class):
            reported: set[time] = set()
            for day in dates:
                cap, season = self.cap_for(day, rules)
                if end_time > cap and cap not in reported:
                    reported.add(cap)
                    where = f"{label}（{season}）" if season else label
                    self.add(
                        "end_time_after_limit",
                        section,
                        _("%(where)s end time %(value)s is later than the district limit %(limit)s")
                        % {"where": where, "value": hhmm(end_time), "limit": hhmm(cap)},
                        rules=rules,
                        item_id=item_id,
                        field="end_time",
                        value=hhmm(end_time),
                        limit=hhmm(cap),
                    )

    def check_weekdays(self, section, item_id, label, weekdays) -> None:
        if self.policy is None:
            return
        outside = sorted(set(weekdays) - set(self.policy.service_weekdays))
        if outside:
            days = "、".join(str(WEEKDAY_NAMES[d]) for d in outside)
            self.add(
                "weekday_not_allowed",
                section,
                _("%(where)s: %(days)s is not a service day of the district")
                % {"where": label, "days": days},
                item_id=item_id,
                field="weekdays",
                value=days,
            )

    # ----------------------------------------------------------------- sections

    def run(self) -> Evaluation:
        figures = Figures(school_days=len(self.days), months=self.calendar.months)
        if self.policy_rules is not None:
            category = self.policy_rules.category_of(self.school_id)
            figures.category = category.name if category else None
        if self.policy is None:
            self.add(
                "no_policy",
                "general",
                _("The district has not set a policy for this semester yet."),
                kind="incomplete",
            )
        else:
            self.check_periods()
            figures.grades = self.check_grades()
            self.check_lunch()
            figures.courses = self.check_courses()
            self.check_windows()
        self.check_general()
        return Evaluation(
            violations=self.out,
            figures=figures,
            policy=self.policy,
            periods=self.periods,
            courses=self.courses,
            windows=self.windows,
        )


def school_grades(school) -> list[int]:
    return sorted(set(school.classes.values_list("grade", flat=True)))


def check_plan(
    *,
    version: PlanVersion,
    semester,
    policy: DistrictPolicy | None,
    seasons: list[PolicySeason],
    grades: list[int],
    periods: list[ServicePeriod],
    courses: list[Course],
    windows: list,
    days: list[SchoolDay],
    rules: PolicyRules | None = None,
    school_id: int | None = None,
) -> Evaluation:
    """Violations and figures from loaded inputs (pure: no database access). ``rules`` are
    the policy's categories and overrides (``plans.effective.PolicyRules``; None: the
    policy's own fields for every school) and ``school_id`` the school they are looked up
    for."""
    if rules is None and policy is not None:
        rules = PolicyRules.build(policy=policy, categories=[], assignments=[], overrides=[])
    calendar = build_calendar(
        version=version,
        periods=periods,
        courses=courses,
        lesson_minutes=policy.lesson_minutes if policy else DEFAULT_LESSON_MINUTES,
        days=days,
        rules=(lambda g, c: rules.for_school(school_id, g, c)) if rules is not None else None,
    )
    return _Checker(
        version=version,
        semester=semester,
        policy=policy,
        seasons=seasons,
        school_grades=grades,
        periods=periods,
        courses=courses,
        windows=windows,
        calendar=calendar,
        rules=rules,
        school_id=school_id,
    ).run()


def evaluate(
    version: PlanVersion, policy: DistrictPolicy | None = None, grades: list[int] | None = None
) -> Evaluation:
    """All violations and figures of ``version`` under ``policy`` (default: the current one)."""
    plan = version.plan
    if policy is None:
        policy = current_policy(plan.semester)
    if grades is None:
        grades = school_grades(plan.school)
    return check_plan(
        version=version,
        semester=plan.semester,
        policy=policy,
        seasons=list(policy.seasons.all()) if policy else [],
        grades=grades,
        periods=list(version.periods.all()),
        courses=list(version.courses.all()),
        windows=list(version.windows.all()),
        days=school_days(plan.semester, plan.school),
        rules=policy_rules(policy) if policy is not None else None,
        school_id=plan.school_id,
    )


def violations_by_item(evaluation: Evaluation) -> dict[tuple[str, int | None], list[Violation]]:
    out: dict[tuple[str, int | None], list[Violation]] = defaultdict(list)
    for v in evaluation.violations:
        out[(v.section, v.item_id)].append(v)
    return out
