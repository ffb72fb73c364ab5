"""Service periods, hours and lessons per grade (mixed into the checker)."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from django.utils.translation import gettext as _

from aftercare.models import GRADE_NAMES, grades_label

from .results import (
    WEEKDAY_NAMES,
    GradeFigures,
    hhmm,
)


class PeriodChecks:
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
