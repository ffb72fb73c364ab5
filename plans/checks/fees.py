"""Fees of basic care, lunch care and the extended courses against their caps (mixed into
the checker)."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from aftercare.models import grades_label
from plans.calendar import (
    yuan,
)
from plans.effective import EffectiveRules
from plans.models import (
    FeeUnit,
    ServiceClass,
)

from .results import (
    CapCheck,
    CourseFigures,
    GradeFigures,
)


class FeeChecks:
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
