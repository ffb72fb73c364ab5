"""The district's grouping and staffing rules that apply to a school plan, in one place.

The rules come from the policy version the published plan was approved under (a policy
freezes once a plan under it is approved), else the semester's current policy; when the
district has no policy, the seeds' defaults (40 per group, 30 to stand alone, 45 per teacher).
"""

from __future__ import annotations

from dataclasses import dataclass

from plans.checks import current_policy
from scheduling.grouping import Rules
from scheduling.staffing import StaffingRules


@dataclass(frozen=True)
class SchedulingRules:
    grouping: Rules
    staffing: StaffingRules
    min_course_size: int = 15


def rules_from_policy(policy) -> SchedulingRules:
    if policy is None:
        return SchedulingRules(grouping=Rules(), staffing=StaffingRules())
    return SchedulingRules(
        grouping=Rules(
            max_size=policy.max_basic_group_size,
            merge_threshold=policy.group_merge_threshold,
            within_stage=policy.merge_within_stage_only,
        ),
        staffing=StaffingRules(
            students_per_teacher=policy.students_per_teacher,
            teacher_remainder_threshold=policy.teacher_remainder_threshold,
            groups_per_manager=policy.groups_per_manager,
            manager_remainder_threshold=policy.manager_remainder_threshold,
            paid_lessons_per_day=policy.teacher_paid_lessons_per_day,
            paid_lessons_per_week=policy.teacher_paid_lessons_per_week,
            lesson_minutes=policy.lesson_minutes,
        ),
        min_course_size=policy.min_extended_course_size,
    )


def policy_for(version):
    """The policy a published version is run under."""
    return version.policy if version.policy_id else current_policy(version.plan.semester)


def rules_for(version) -> SchedulingRules:
    return rules_from_policy(policy_for(version))
