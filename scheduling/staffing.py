"""Staffing rules and time arithmetic, as pure functions (no database).

Ratios (seed 002: 「按每45名学生配1名教师(余数不足45名但超过30名的也配1名教师)；每5班加配1名管理
或辅导人员(如班级数不足5班，但超过3班的也配备1名…超过8班的配备2名)」), every number the policy's:

    teachers(n) = n // per + (1 if n % per > remainder_threshold else 0), at least 1 when n > 0
    managers(g) = g // per + (1 if g % per > remainder_threshold else 0); none when the policy
                  sets no groups-per-manager

A group's time on a date is the union of its slots (a basic group of two grades with different
start times runs from the earlier start to the later end); overlapping or touching intervals
join into one session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time


@dataclass(frozen=True)
class StaffingRules:
    students_per_teacher: int = 45
    teacher_remainder_threshold: int = 0
    groups_per_manager: int | None = None
    manager_remainder_threshold: int = 0
    paid_lessons_per_day: int | None = None
    paid_lessons_per_week: int | None = None
    lesson_minutes: int = 40


def required_teachers(students: int, rules: StaffingRules) -> int:
    if students <= 0:
        return 0
    per = max(1, rules.students_per_teacher)
    whole, rest = divmod(students, per)
    return max(1, whole + (1 if rest > rules.teacher_remainder_threshold else 0))


def required_managers(groups: int, rules: StaffingRules) -> int:
    if groups <= 0 or not rules.groups_per_manager:
        return 0
    whole, rest = divmod(groups, rules.groups_per_manager)
    return whole + (1 if rest > rules.manager_remainder_threshold else 0)


# --------------------------------------------------------------------------- time


def to_minutes(value: time) -> int:
    return value.hour * 60 + value.minute


@dataclass(frozen=True)
class Block:
    """A group's continuous service on one date."""

    date: date
    weekday: int
    start: time
    end: time

    @property
    def minutes(self) -> int:
        return to_minutes(self.end) - to_minutes(self.start)

    def overlaps(self, other: Block) -> bool:
        return self.date == other.date and self.start < other.end and other.start < self.end


def union_blocks(slots: Iterable) -> list[Block]:
    """Join slots (anything with ``date``, ``weekday``, ``start``, ``end``) per date into
    continuous blocks, in date and time order."""
    by_date: dict[date, list] = defaultdict(list)
    weekday: dict[date, int] = {}
    for s in slots:
        by_date[s.date].append((s.start, s.end))
        weekday[s.date] = s.weekday
    out: list[Block] = []
    for day in sorted(by_date):
        spans = sorted(by_date[day])
        start, end = spans[0]
        for s, e in spans[1:]:
            if s <= end:
                end = max(end, e)
            else:
                out.append(Block(day, weekday[day], start, end))
                start, end = s, e
        out.append(Block(day, weekday[day], start, end))
    return out


def lessons_of(block: Block, lesson_minutes: int, *, at_least_one: bool = False) -> int:
    n = block.minutes // max(1, lesson_minutes)
    return max(1, n) if at_least_one else n


def first_overlap(a: Iterable[Block], b: Iterable[Block]) -> tuple[Block, Block] | None:
    """The first pair of blocks of ``a`` and ``b`` that overlap (same date, times cross)."""
    by_date: dict[date, list[Block]] = defaultdict(list)
    for block in b:
        by_date[block.date].append(block)
    for block in sorted(a, key=lambda x: (x.date, x.start)):
        for other in by_date.get(block.date, ()):
            if block.overlaps(other):
                return block, other
    return None
