"""The results of a plan check: violations, fee caps checked and the plan's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal

from aftercare.models import GRADE_NAMES, WEEKDAYS
from plans.models import (
    Course,
    DistrictPolicy,
)

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
