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
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import pairwise

from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.calendar import SchoolDay, school_days
from aftercare.models import GRADE_NAMES, WEEKDAYS, grades_label
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
    FeeUnit,
    PlanVersion,
    PolicySeason,
    ServiceClass,
    ServicePeriod,
    WindowKind,
)
from plans.selectors import current_policy

__all__ = [
    "CENT",
    "Evaluation",
    "Figures",
    "Violation",
    "check_plan",
    "current_policy",
    "evaluate",
    "minutes_between",
    "school_grades",
    "yuan",
]

WEEKDAY_NAMES = dict(WEEKDAYS)


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


@dataclass(frozen=True)
class Violation:
    code: str
    section: str  # general | periods | courses | windows
    message: str
    kind: str = "policy"  # policy | incomplete
    item_id: int | None = None
    field: str | None = None
    value: str = ""
    limit: str = ""
    scope: str = ""  # the school category and stage whose rule this is (乡镇小学), or ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "section": self.section,
            "kind": self.kind,
            "item_id": self.item_id,
            "field": self.field,
            "message": self.message,
            "value": self.value,
            "limit": self.limit,
            "scope": self.scope,
        }


@dataclass
class CapCheck:
    label: str
    value: Decimal
    limit: Decimal
    scope: str = ""  # category and stage of the rule (乡镇小学), "" for the district default

    @property
    def exceeded(self) -> bool:
        return self.value > self.limit


@dataclass
class GradeFigures:
    grade: int
    sessions: int = 0
    minutes: int = 0
    lessons: int = 0
    months: int = 0
    fee: Decimal = Decimal("0.00")
    caps: list[CapCheck] = field(default_factory=list)
    max_lessons_a_day: int = 0
    rules_label: str = ""  # whose rules apply: 乡镇小学, or the district default

    @property
    def label(self) -> str:
        return str(GRADE_NAMES.get(self.grade, self.grade))

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"))

    @property
    def exceeds_cap(self) -> bool:
        return any(c.exceeded for c in self.caps)


@dataclass
class CourseFigures:
    course: Course
    sessions: int = 0
    lessons: int = 0
    minutes: int = 0
    lessons_per_session: int = 0
    fee: Decimal = Decimal("0.00")
    caps: list[CapCheck] = field(default_factory=list)

    @property
    def exceeds_cap(self) -> bool:
        return any(c.exceeded for c in self.caps)


@dataclass
class Figures:
    school_days: int = 0
    months: int = 0
    category: str | None = None  # the school's category name; None: the district default
    grades: list[GradeFigures] = field(default_factory=list)
    courses: list[CourseFigures] = field(default_factory=list)


@dataclass
class Evaluation:
    violations: list[Violation]
    figures: Figures
    policy: DistrictPolicy | None
    # The version's parts as loaded for the check, for pages to show without reloading.
    periods: list = field(default_factory=list)
    courses: list = field(default_factory=list)
    windows: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def for_section(self, section: str, item_id: int | None = None) -> list[Violation]:
        return [
            v
            for v in self.violations
            if v.section == section and (item_id is None or v.item_id == item_id)
        ]

    @property
    def policy_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.kind == "policy"]

    @property
    def incomplete(self) -> list[Violation]:
        return [v for v in self.violations if v.kind == "incomplete"]


class _Checker:
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

    def check_periods(self) -> None:
        for p in self.periods:
            label = grades_label(p.grades)
            unknown = sorted(set(p.grades) - set(self.school_grades))
            if unknown:
                self.add(
                    "unknown_grade",
                    "periods",
                    _("The school has no %(grades)s") % {"grades": grades_label(unknown)},
                    kind="incomplete",
                    item_id=p.pk,
                    field="grades",
                )
            if not p.grades or not p.weekdays:
                self.add(
                    "period_empty",
                    "periods",
                    _("Choose the grades and weekdays of this period."),
                    kind="incomplete",
                    item_id=p.pk,
                    field="grades",
                )
                continue
            self.check_weekdays("periods", p.pk, label, p.weekdays)
            days = self.calendar.period_dates(p.pk, p.grades)
            if not days:
                self.add(
                    "period_never_applies",
                    "periods",
                    _("%(where)s %(start)s–%(end)s falls on no school day of the semester")
                    % {"where": label, "start": hhmm(p.start_time), "end": hhmm(p.end_time)},
                    kind="incomplete",
                    item_id=p.pk,
                    field="weekdays",
                )
            self.check_end_times(
                "periods", p.pk, label, p.end_time, days, p.grades, self.basic_class
            )
            if p.is_seasonal and not (
                self.semester.start_date <= p.valid_from <= self.semester.end_date
                or self.semester.start_date <= p.valid_until <= self.semester.end_date
            ):
                self.add(
                    "season_outside_semester",
                    "periods",
                    _("The dates of this seasonal variant lie outside the semester."),
                    kind="incomplete",
                    item_id=p.pk,
                    field="valid_from",
                )

    def check_grades(self) -> list[GradeFigures]:
        policy = self.policy
        out = []
        calendar = self.calendar
        for grade in self.school_grades:
            totals = calendar.grade_totals(grade)
            fig = GradeFigures(
                grade=grade,
                sessions=totals.sessions,
                minutes=totals.minutes,
                lessons=totals.lessons,
                months=totals.months,
            )
            label = str(GRADE_NAMES[grade])
            served = calendar.grade_days(grade)
            missing_weekdays = {
                day.weekday
                for day in self.days
                if day.date not in served and day.weekday in policy.service_weekdays
            }
            overlap_reported = False
            for slots in served.values():
                for a, b in pairwise(slots):  # in start order
                    if b.start < a.end and not overlap_reported:
                        overlap_reported = True
                        self.add(
                            "periods_overlap",
                            "periods",
                            _("%(grade)s: two periods overlap on %(day)s")
                            % {"grade": label, "day": WEEKDAY_NAMES[b.weekday]},
                            kind="incomplete",
                            item_id=b.period_id,
                            field="start_time",
                        )
            shortest = min(
                (sum(s.minutes for s in slots) for slots in served.values()), default=None
            )
            if fig.sessions == 0:
                self.add(
                    "grade_not_served",
                    "periods",
                    _("%(grade)s has no after-school service period") % {"grade": label},
                    field="grades",
                    value=label,
                )
            elif policy.require_every_service_day and missing_weekdays:
                days = "、".join(str(WEEKDAY_NAMES[d]) for d in sorted(missing_weekdays))
                self.add(
                    "service_day_missing",
                    "periods",
                    _(
                        "%(grade)s has no service on %(days)s (the district requires every "
                        "service day)"
                    )
                    % {"grade": label, "days": days},
                    field="weekdays",
                    value=days,
                )
            rules = self.rules(grade, self.basic_class)
            fig.rules_label = rules.display_label
            minimum = rules.min_minutes_per_day
            if minimum and shortest is not None and shortest < minimum:
                self.add(
                    "too_short",
                    "periods",
                    _(
                        "%(grade)s: %(value)s minutes of service a day is less than the "
                        "district minimum of %(limit)s minutes"
                    )
                    % {"grade": label, "value": shortest, "limit": minimum},
                    rules=rules,
                    value=str(shortest),
                    limit=str(minimum),
                )
            fig.max_lessons_a_day = max(
                (sum(s.lessons for s in slots) for slots in served.values()), default=0
            )
            fig.fee = calendar.basic_fee(grade)
            fig.caps = self.basic_caps(fig, rules)
            out.append(fig)
        self.check_daily_lessons(out)
        self.check_basic_fee(out)
        return out

    def check_daily_lessons(self, grades: list[GradeFigures]) -> None:
        """课时 of basic care per student per day against the daily limit, grades with the
        same rule and the same excess reported together."""
        over: dict[tuple, list[int]] = defaultdict(list)
        rules_by_id = {}
        for fig in grades:
            rules = self.rules(fig.grade, self.basic_class)
            limit = rules.max_lessons_per_day
            if limit and fig.max_lessons_a_day > limit:
                rules_by_id[id(rules)] = rules
                over[(id(rules), fig.max_lessons_a_day, limit)].append(fig.grade)
        for (rules_id, value, limit), found in over.items():
            self.add(
                "lessons_per_day_over_limit",
                "periods",
                _(
                    "%(grades)s: %(value)s lessons (课时) of basic care a day, more than the "
                    "district limit of %(limit)s a day"
                )
                % {"grades": grades_label(found), "value": value, "limit": limit},
                rules=rules_by_id[rules_id],
                field="end_time",
                value=str(value),
                limit=str(limit),
            )

    @staticmethod
    def _caps(fee, lessons, minutes, months, per_lesson, per_hour, per_month, per_semester):
        caps = []
        if per_lesson is not None and lessons:
            caps.append(CapCheck(_("per lesson"), yuan(fee / lessons), per_lesson))
        if per_hour is not None and minutes:
            caps.append(CapCheck(_("per hour"), yuan(fee * 60 / minutes), per_hour))
        if per_month is not None and months:
            caps.append(CapCheck(_("per month"), yuan(fee / months), per_month))
        if per_semester is not None:
            caps.append(CapCheck(_("per semester"), yuan(fee), per_semester))
        return caps

    def basic_caps(self, fig: GradeFigures, rules: EffectiveRules) -> list[CapCheck]:
        caps = self._caps(
            fig.fee,
            fig.lessons,
            fig.minutes,
            fig.months,
            rules.basic_cap_per_lesson,
            rules.basic_cap_per_hour,
            rules.basic_cap_per_month,
            rules.basic_cap_per_semester,
        )
        for cap in caps:
            cap.scope = rules.label
        return caps

    def check_basic_fee(self, grades: list[GradeFigures]) -> None:
        v = self.version
        free_groups = [
            rules
            for rules, _grades in self.rule_groups(self.school_grades, self.basic_class)
            if rules.basic_care_must_be_free
        ]
        if free_groups and v.basic_fee_unit != FeeUnit.FREE:
            for rules in free_groups:
                self.add(
                    "basic_must_be_free",
                    "general",
                    _(
                        "Basic care must be free under the district policy; the plan charges "
                        "%(value)s yuan %(unit)s"
                    )
                    % {"value": yuan(v.basic_fee_amount), "unit": v.get_basic_fee_unit_display()},
                    rules=rules,
                    field="basic_fee_unit",
                    value=str(yuan(v.basic_fee_amount)),
                    limit="0",
                )
            return
        if v.basic_fee_unit != FeeUnit.FREE and not v.basic_fee_amount:
            self.add(
                "basic_fee_missing",
                "general",
                _("Enter the basic care fee, or choose free."),
                kind="incomplete",
                field="basic_fee_amount",
            )
        exceeded: dict[tuple, list[tuple[CapCheck, int]]] = defaultdict(list)
        scopes = {}
        for fig in grades:
            rules = self.rules(fig.grade, self.basic_class)
            for cap in fig.caps:
                if cap.exceeded:
                    exceeded[(id(rules), str(cap.label))].append((cap, fig.grade))
                    scopes[id(rules)] = rules
        for (rules_id, unit), items in exceeded.items():
            worst = max(items, key=lambda item: item[0].value)[0]
            self.add(
                "basic_fee_over_cap",
                "general",
                _(
                    "Basic care %(unit)s fee %(value)s yuan (%(grades)s) exceeds the district "
                    "cap of %(limit)s yuan"
                )
                % {
                    "unit": unit,
                    "value": worst.value,
                    "grades": grades_label(g for _cap, g in items),
                    "limit": worst.limit,
                },
                rules=scopes[rules_id],
                field="basic_fee_amount",
                value=str(worst.value),
                limit=str(worst.limit),
            )

    def check_lunch(self) -> None:
        v = self.version
        if not v.lunch_care_offered:
            return
        if not self.policy.lunch_care_allowed:
            self.add(
                "lunch_not_allowed",
                "general",
                _("The district policy does not allow lunch care."),
                field="lunch_care_offered",
            )
        if not (v.lunch_start_time and v.lunch_end_time):
            self.add(
                "lunch_times_missing",
                "general",
                _("Enter the times of lunch care."),
                kind="incomplete",
                field="lunch_start_time",
            )

    def check_courses(self) -> list[CourseFigures]:
        out = []
        for c in self.courses:
            label = _("Course “%(name)s”") % {"name": c.name}
            totals = self.calendar.course_totals(c.pk)
            fig = CourseFigures(
                course=c,
                sessions=totals.sessions,
                lessons=totals.lessons,
                minutes=totals.minutes,
                lessons_per_session=self.calendar.lessons_per_session(c.pk),
                fee=self.calendar.course_fee(c.pk),
            )
            days = [s.date for s in self.calendar.course_slots(c.pk)]
            valid_grades = [g for g in c.grades if g in self.school_grades]
            groups = self.rule_groups(valid_grades, ServiceClass.EXTENDED)
            out.append(fig)
            for rules, _grades in groups:
                caps = self._caps(
                    fig.fee,
                    totals.lessons,
                    totals.minutes,
                    totals.months,
                    rules.extended_cap_per_lesson,
                    rules.extended_cap_per_hour,
                    rules.extended_cap_per_month,
                    rules.extended_cap_per_semester,
                )
                for cap in caps:
                    cap.scope = rules.label
                fig.caps += caps
                for cap in caps:
                    if cap.exceeded:
                        self.add(
                            "course_fee_over_cap",
                            "courses",
                            _(
                                "%(course)s fee %(unit)s %(value)s yuan exceeds the district "
                                "cap of %(limit)s yuan"
                            )
                            % {
                                "course": label,
                                "unit": cap.label,
                                "value": cap.value,
                                "limit": cap.limit,
                            },
                            rules=rules,
                            item_id=c.pk,
                            field="fee_per_lesson",
                            value=str(cap.value),
                            limit=str(cap.limit),
                        )
                minimum = rules.min_extended_course_size
                if minimum is not None and c.min_size < minimum:
                    self.add(
                        "course_min_size_below_policy",
                        "courses",
                        _(
                            "%(course)s minimum size %(value)s is below the district minimum "
                            "of %(limit)s"
                        )
                        % {"course": label, "value": c.min_size, "limit": minimum},
                        rules=rules,
                        item_id=c.pk,
                        field="min_size",
                        value=str(c.min_size),
                        limit=str(minimum),
                    )
                daily = rules.max_lessons_per_day
                if daily and fig.lessons_per_session > daily:
                    self.add(
                        "lessons_per_day_over_limit",
                        "courses",
                        _(
                            "%(course)s: %(value)s lessons (课时) a session, more than the "
                            "district limit of %(limit)s a day"
                        )
                        % {"course": label, "value": fig.lessons_per_session, "limit": daily},
                        rules=rules,
                        item_id=c.pk,
                        field="end_time",
                        value=str(fig.lessons_per_session),
                        limit=str(daily),
                    )
            if c.capacity < c.min_size:
                self.add(
                    "course_capacity_below_min",
                    "courses",
                    _("%(course)s capacity %(value)s is smaller than its minimum size %(limit)s")
                    % {"course": label, "value": c.capacity, "limit": c.min_size},
                    kind="incomplete",
                    item_id=c.pk,
                    field="capacity",
                    value=str(c.capacity),
                    limit=str(c.min_size),
                )
            unknown = sorted(set(c.grades) - set(self.school_grades))
            if not c.grades or unknown:
                self.add(
                    "course_grades_invalid",
                    "courses",
                    _("%(course)s: choose grades the school has") % {"course": label},
                    kind="incomplete",
                    item_id=c.pk,
                    field="grades",
                )
            if not c.weekdays:
                self.add(
                    "course_weekdays_missing",
                    "courses",
                    _("%(course)s: choose its weekdays") % {"course": label},
                    kind="incomplete",
                    item_id=c.pk,
                    field="weekdays",
                )
                continue
            self.check_weekdays("courses", c.pk, label, c.weekdays)
            if not days:
                self.add(
                    "course_never_runs",
                    "courses",
                    _("%(course)s falls on no school day of the semester") % {"course": label},
                    kind="incomplete",
                    item_id=c.pk,
                    field="weekdays",
                )
            self.check_end_times(
                "courses", c.pk, label, c.end_time, days, valid_grades, ServiceClass.EXTENDED
            )
        return out

    def check_windows(self) -> None:
        by_key = {(w.kind, w.round): w for w in self.windows}
        semester_end = timezone.make_aware(datetime.combine(self.semester.end_date, time(23, 59)))
        needed = []
        if self.courses:
            needed.append((WindowKind.EXTENDED, _("extended courses")))
        if not self.policy.basic_join_mid_semester:
            needed.append((WindowKind.BASIC, _("basic care")))
        for kind, label in needed:
            if (kind, 1) not in by_key:
                self.add(
                    "window_missing",
                    "windows",
                    _("Set the registration window for %(what)s.") % {"what": label},
                    kind="incomplete",
                    field="opens_at",
                )
        for (kind, rnd), w in by_key.items():
            if rnd == 2:
                first = by_key.get((kind, 1))
                if first is None:
                    self.add(
                        "window_round2_without_round1",
                        "windows",
                        _("A second round needs a first round."),
                        kind="incomplete",
                        item_id=w.pk,
                        field="round",
                    )
                elif w.opens_at < first.closes_at:
                    self.add(
                        "window_round2_overlaps",
                        "windows",
                        _("The second round must open after the first round closes."),
                        kind="incomplete",
                        item_id=w.pk,
                        field="opens_at",
                    )
            if w.closes_at > semester_end:
                self.add(
                    "window_after_semester",
                    "windows",
                    _("Registration must close before the semester ends (%(end)s).")
                    % {"end": self.semester.end_date},
                    kind="incomplete",
                    item_id=w.pk,
                    field="closes_at",
                )

    def check_general(self) -> None:
        v, p = self.version, self.policy
        charges = (v.basic_fee_unit != FeeUnit.FREE and v.basic_fee_amount) or any(
            c.fee_per_lesson for c in self.courses
        )
        if charges and not v.fee_notice.strip():
            self.add(
                "fee_notice_missing",
                "general",
                _(
                    "Fees may only be charged under a published fee standard: write the fee "
                    "standard notice."
                ),
                field="fee_notice",
            )
        if not v.hotline.strip() and not (p and p.complaint_hotline):
            self.add(
                "hotline_missing",
                "general",
                _("Enter the complaint hotline."),
                kind="incomplete",
                field="hotline",
            )
        if not v.safety_plan.strip():
            self.add(
                "safety_plan_missing",
                "general",
                _("Describe the safety rules and the emergency plan."),
                kind="incomplete",
                field="safety_plan",
            )
        if not v.leadership_group.strip():
            self.add(
                "leadership_missing",
                "general",
                _("Name the leadership group."),
                kind="incomplete",
                field="leadership_group",
            )
        if p and p.prohibitions and not v.prohibitions_confirmed:
            self.add(
                "prohibitions_not_confirmed",
                "general",
                _("Confirm the district's prohibitions."),
                kind="incomplete",
                field="prohibitions_confirmed",
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
