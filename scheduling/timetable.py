"""When each group meets, from the one plan calendar (``plans.calendar``).

A basic-care group meets when any of its grades is served: on each date the union of its
grades' slots (``PlanCalendar.grade_slots``), joined into continuous blocks. A course section
meets on its course's slots (``PlanCalendar.course_slots``) of the published version's course
of the section's lineage. Holidays, school events, 调休 make-up days (with the weekday whose
timetable they follow) and seasonal variants are the calendar's, so sessions, conflict checks
and the paid-lesson caps all see the same dates and times as the plan check and billing.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduling.staffing import Block, union_blocks


@dataclass
class GroupTime:
    blocks: list[Block]
    at_least_one_lesson: bool  # a course session counts at least one 课时

    @property
    def weekdays(self) -> set[int]:
        return {b.weekday for b in self.blocks}

    def on_weekday(self, weekday: int) -> list[Block]:
        return [b for b in self.blocks if b.weekday == weekday]


def group_time(calendar, group, courses_by_lineage: dict) -> GroupTime:
    """The blocks of ``group`` over the semester (``courses_by_lineage``: the published
    version's courses by lineage; a section whose course is gone meets never)."""
    if group.kind == "course":
        course = courses_by_lineage.get(group.lineage)
        slots = calendar.course_slots(course.pk) if course is not None else []
        return GroupTime(union_blocks(slots), True)
    slots = [s for grade in group.grades for s in calendar.grade_slots(grade)]
    return GroupTime(union_blocks(slots), False)
