"""The district's grouping and staffing rules that apply to a school plan, in one place.

The rules come from the policy version the published plan was approved under (a policy
freezes once a plan under it is approved), else the semester's current policy; when the
district has no policy, the seeds' defaults (40 per group, 30 to stand alone, 45 per teacher).

A district may set rules per kind of school, stage (小学 / 初中) and class of service
(``plans.effective.rules_for``): each number here is the one for the plan's school and the
stage of the grades concerned — basic care in the plan's class of basic care, a course
section in the extended class. A school with both stages (九年一贯制) therefore groups its
primary and junior grades each by their own rules, and never merges across the two.
Whether small classes merge only within a 学段 and the length of a 课时 are district-wide.
"""

from __future__ import annotations

from dataclasses import dataclass

from plans.checks import current_policy
from plans.effective import rules_for as effective_rules
from plans.models import ServiceClass, stage_of
from scheduling.grouping import Rules
from scheduling.staffing import StaffingRules


@dataclass(frozen=True)
class SchedulingRules:
    grouping: Rules
    staffing: StaffingRules
    min_course_size: int = 15


DEFAULT = SchedulingRules(grouping=Rules(), staffing=StaffingRules())


def _int(value, default):
    return default if value is None else int(value)


def rules_from_policy(policy, school=None, grade: int = 1, service_class=None) -> SchedulingRules:
    """The rules of ``policy`` for ``grade`` at ``school`` in ``service_class``."""
    if policy is None:
        return DEFAULT
    values = effective_rules(
        policy, school, grade, service_class or ServiceClass.SUPERVISION
    ).values
    return SchedulingRules(
        grouping=Rules(
            max_size=_int(values.get("max_basic_group_size"), policy.max_basic_group_size),
            merge_threshold=_int(values.get("group_merge_threshold"), policy.group_merge_threshold),
            within_stage=policy.merge_within_stage_only,
        ),
        staffing=StaffingRules(
            students_per_teacher=_int(
                values.get("students_per_teacher"), policy.students_per_teacher
            ),
            teacher_remainder_threshold=_int(
                values.get("teacher_remainder_threshold"), policy.teacher_remainder_threshold
            ),
            groups_per_manager=values.get("groups_per_manager", policy.groups_per_manager),
            manager_remainder_threshold=_int(
                values.get("manager_remainder_threshold"), policy.manager_remainder_threshold
            ),
            paid_lessons_per_day=values.get(
                "teacher_paid_lessons_per_day", policy.teacher_paid_lessons_per_day
            ),
            paid_lessons_per_week=values.get(
                "teacher_paid_lessons_per_week", policy.teacher_paid_lessons_per_week
            ),
            lesson_minutes=policy.lesson_minutes,
        ),
        min_course_size=_int(
            values.get("min_extended_course_size"), policy.min_extended_course_size
        ),
    )


def policy_for(version):
    """The policy a published version is run under."""
    return version.policy if version.policy_id else current_policy(version.plan.semester)


class PlanRules:
    """The rules of one published plan, per stage and class of service (cached)."""

    def __init__(self, version):
        self.version = version
        self.policy = policy_for(version) if version is not None else None
        self.school = version.plan.school_id if version is not None else None
        self.basic_class = getattr(version, "basic_service_class", None) or (
            ServiceClass.SUPERVISION
        )
        self._cache: dict[tuple, SchedulingRules] = {}

    def get(self, grade: int = 1, *, course: bool = False) -> SchedulingRules:
        service_class = ServiceClass.EXTENDED if course else self.basic_class
        key = (stage_of(grade), str(service_class))
        if key not in self._cache:
            self._cache[key] = rules_from_policy(self.policy, self.school, grade, service_class)
        return self._cache[key]

    def for_group(self, group) -> SchedulingRules:
        grades = list(group.grades) or [1]
        return self.get(min(grades), course=group.kind == "course")


def rules_for(version) -> SchedulingRules:
    """The plan's basic-care rules for its primary grades (the common case)."""
    return PlanRules(version).get(1)
