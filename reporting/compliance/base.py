"""The shapes every compliance rule shares (the package doc describes the rules)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.utils import timezone

from aftercare.models import School
from plans.checks import evaluate
from plans.models import PlanStatus, PlanVersion, SchoolPlan
from plans.selectors import current_policy
from scheduling.models import Grouping, GroupingStatus
from scheduling.selectors import load_board


@dataclass(frozen=True)
class Finding:
    rule: str
    subject_type: str  # plan, version, group, staff, class, school
    subject_id: str
    subject_label: str
    period: str  # part of the key: "s<semester id>" or an ISO week "2026-W48"
    message: str
    school_id: int | None = None
    period_label: str = ""
    value: str = ""
    limit: str = ""
    params: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject_type}:{self.subject_id}:{self.period}"


@dataclass
class Evidence:
    """The rows behind an alert, as a table (exportable), and where to look further."""

    columns: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    note: str = ""


@dataclass
class Context:
    """What the rules of one district and semester share, loaded once."""

    district: object
    semester: object
    today: date = field(default_factory=lambda: timezone.localdate())

    @property
    def period(self) -> str:
        return f"s{self.semester.pk}"

    @cached_property
    def policy(self):
        return current_policy(self.semester)

    @cached_property
    def schools(self) -> dict[int, School]:
        return {s.pk: s for s in School.objects.filter(district=self.district)}

    @cached_property
    def plans(self) -> list[SchoolPlan]:
        return list(
            SchoolPlan.objects.filter(district=self.district, semester=self.semester)
            .select_related("school", "semester")
            .order_by("school__code")
        )

    @cached_property
    def published(self) -> list[PlanVersion]:
        """The plan versions in force: published, one per plan."""
        return list(
            PlanVersion.objects.filter(
                district=self.district,
                plan__semester=self.semester,
                status=PlanStatus.PUBLISHED,
            )
            .select_related("plan", "plan__school", "plan__semester", "school")
            .order_by("school__code")
        )

    @cached_property
    def evaluations(self) -> dict[int, object]:
        """The plan check of each version in force (``plans.checks.evaluate``)."""
        return {v.pk: evaluate(v) for v in self.published}

    @cached_property
    def boards(self) -> list:
        """The scheduling board of every plan with a confirmed grouping."""
        confirmed = set(
            Grouping.objects.filter(
                district=self.district,
                plan__semester=self.semester,
                status=GroupingStatus.CONFIRMED,
            ).values_list("plan_id", flat=True)
        )
        return [load_board(p) for p in self.plans if p.pk in confirmed]


class Rule(ABC):
    code = ""
    label = ""
    description = ""
    severity = "medium"  # high | medium | low

    @abstractmethod
    def find(self, ctx: Context) -> list[Finding] | None:
        """The rule's findings in ``ctx``, or None when its data is not available."""

    @abstractmethod
    def evidence(self, alert, *, names: bool) -> Evidence:
        """The rows behind ``alert``, with names only when ``names``."""


RULES: dict[str, Rule] = {}


def register(rule_class):
    rule = rule_class()
    RULES[rule.code] = rule
    return rule_class


def rule_label(code: str) -> str:
    rule = RULES.get(code)
    return str(rule.label) if rule else code
