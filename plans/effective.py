"""The rules that apply to one school, one stage and one class of service (issue 16).

``rules_for(policy, school, grade, service_class)`` is what other apps call (plan check, plan
calendar, scheduling, billing, the dashboard): it returns ``EffectiveRules``, every
overridable rule's value for that school, with where each value came from.

How a value is chosen, most specific first (the first that exists wins):
  1. the school's category, the grade's stage, the class of service
  2. the school's category, the grade's stage, all classes
  3. the school's category, all grades, the class of service
  4. the school's category, all grades, all classes
  5. - 7. the same three scopes without a category (district defaults per stage or class)
  8. the policy's field (the district default)
Then a provincial ceiling, where the district records one, bounds the result: an empty cap
becomes the ceiling (the province's cap applies), and no stored value may exceed it (the
services refuse that).

Stage: 小学 for grades 1–6, 初中 for 7–9 (``plans.models.stage_of``). A category is a kind of
school (location, ownership: 乡镇, 农村, 民办 …), not a stage: a school with both stages (九年
一贯制) has one category, and its grade-8 students get the category's 初中 values. A category's
label in messages is its name followed by the stage (乡镇 + 小学 = 乡镇小学), unless the name
already names a stage (a category called 县城小学 stays 县城小学).

A school with no category follows the district defaults (labelled as such). ``PolicyRules``
holds one policy version's categories, assignments, overrides and ceilings (load it once,
``policy_rules(policy)``; it is cached on the policy object) and answers without queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from plans.models import (
    RULE_KINDS,
    DistrictPolicy,
    SchoolCategory,
    ServiceClass,
    Stage,
    stage_of,
)

__all__ = [
    "EffectiveRules",
    "PolicyRules",
    "format_value",
    "parse_value",
    "policy_rules",
    "rules_for",
]

CENT = Decimal("0.01")


def parse_value(rule: str, text: str | None):
    """The typed value of ``rule`` from its stored text ('' or None: no value). ValueError
    when the text does not fit the rule's kind."""
    if text is None or text == "":
        return None
    kind = RULE_KINDS[rule]
    text = str(text).strip()
    if kind == "money":
        try:
            value = Decimal(text)
        except InvalidOperation as err:
            raise ValueError(text) from err
        if not value.is_finite() or value < 0 or value != value.quantize(CENT):
            raise ValueError(text)
        return value.quantize(CENT)
    if kind == "int":
        if not text.isdigit():
            raise ValueError(text)
        return int(text)
    if kind == "time":
        hours, _sep, minutes = text.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            raise ValueError(text)
        return time(int(hours), int(minutes))
    if text in ("true", "false"):
        return text == "true"
    raise ValueError(text)


def format_value(rule: str, value) -> str:
    """The stored text of a typed value ('' for None)."""
    if value is None:
        return ""
    kind = RULE_KINDS[rule]
    if kind == "money":
        return str(Decimal(value).quantize(CENT))
    if kind == "time":
        return value.strftime("%H:%M")
    if kind == "bool":
        return "true" if value else "false"
    return str(int(value))


# The stage as part of a category's Chinese name (乡镇 + 小学): category names are Chinese
# data from the district's documents, and so is the name composed from them.
STAGE_WORDS = {Stage.PRIMARY: "小学", Stage.JUNIOR: "初中"}


def category_label(name: str, stage: str) -> str:
    """乡镇 + 小学 -> 乡镇小学; a name that already names a stage stays as it is."""
    word = STAGE_WORDS.get(stage, "")
    if not word or any(w in name for w in (*STAGE_WORDS.values(), "中学")):
        return name
    return f"{name}{word}"


@dataclass(frozen=True, eq=False)
class EffectiveRules:
    """Every overridable rule's value for one school, stage and class of service.

    ``values`` maps a rule (a ``DistrictPolicy`` field name, ``plans.models.RULE_KINDS``) to
    its value (Decimal, int, time, bool or None for "no such cap"); the rules are also
    attributes (``rules.basic_cap_per_semester``). ``sources`` says where each value came
    from: ``"default"`` (the policy's field), ``"scoped default"`` (a district default for a
    stage or class), ``"category"`` or ``"ceiling"``.
    """

    values: dict
    sources: dict
    stage: str
    service_class: str
    category_code: str | None = None
    category_name: str | None = None
    ceilings: dict = field(default_factory=dict)

    def __getattr__(self, name):
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    @property
    def label(self) -> str:
        """The category and stage as messages name them (乡镇小学); '' for the default."""
        if self.category_name is None:
            return ""
        return category_label(self.category_name, self.stage)

    @property
    def display_label(self) -> str:
        return self.label or _("District default")

    @property
    def overridden(self) -> frozenset[str]:
        return frozenset(r for r, source in self.sources.items() if source != "default")

    def as_dict(self) -> dict:
        return {
            "category": self.category_code,
            "category_name": self.category_name,
            "label": self.display_label,
            "stage": self.stage,
            "service_class": self.service_class,
            "rules": {r: format_value(r, v) or None for r, v in self.values.items()},
            "sources": dict(self.sources),
        }


class PolicyRules:
    """One policy version's categories, assignments, overrides and ceilings, resolved in
    memory. Build with ``PolicyRules.build`` (pure) or ``policy_rules(policy)`` (loads)."""

    def __init__(self, *, policy, categories, assignments, overrides):
        self.policy = policy
        self.categories = {c.pk: c for c in categories}
        self.by_code = {c.code: c for c in categories}
        self.school_category = {a.school_id: a.category_id for a in assignments}
        self.overrides: dict[tuple, str] = {
            (o.category_id, o.stage, o.service_class, o.rule): o.value for o in overrides
        }
        self.ceilings = {
            rule: parse_value(rule, text)
            for rule, text in (policy.rule_ceilings or {}).items()
            if rule in RULE_KINDS and text not in (None, "")
        }
        self._cache: dict[tuple, EffectiveRules] = {}

    @classmethod
    def build(cls, *, policy, categories, assignments, overrides) -> PolicyRules:
        return cls(
            policy=policy, categories=categories, assignments=assignments, overrides=overrides
        )

    def category_of(self, school_id: int | None) -> SchoolCategory | None:
        pk = self.school_category.get(school_id)
        return self.categories.get(pk) if pk is not None else None

    def resolve(self, *, category_id: int | None, stage: str, service_class: str) -> EffectiveRules:
        key = (category_id, stage, service_class)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        scopes = []
        if category_id is not None:
            scopes += [
                (category_id, stage, service_class, "category"),
                (category_id, stage, "all", "category"),
                (category_id, "all", service_class, "category"),
                (category_id, "all", "all", "category"),
            ]
        scopes += [
            (None, stage, service_class, "scoped default"),
            (None, stage, "all", "scoped default"),
            (None, "all", service_class, "scoped default"),
        ]
        values, sources = {}, {}
        for rule in RULE_KINDS:
            for cat, st, cls, source in scopes:
                text = self.overrides.get((cat, st, cls, rule))
                if text is not None:
                    values[rule], sources[rule] = parse_value(rule, text), source
                    break
            else:
                values[rule], sources[rule] = getattr(self.policy, rule), "default"
            ceiling = self.ceilings.get(rule)
            if ceiling is not None and (values[rule] is None or values[rule] > ceiling):
                values[rule], sources[rule] = ceiling, "ceiling"
        category = self.categories.get(category_id) if category_id is not None else None
        rules = EffectiveRules(
            values=values,
            sources=sources,
            stage=stage,
            service_class=service_class,
            category_code=category.code if category else None,
            category_name=category.name if category else None,
            ceilings=dict(self.ceilings),
        )
        self._cache[key] = rules
        return rules

    def for_school(
        self, school_id: int | None, grade: int, service_class: str = ServiceClass.SUPERVISION
    ) -> EffectiveRules:
        category = self.category_of(school_id)
        return self.resolve(
            category_id=category.pk if category else None,
            stage=stage_of(grade),
            service_class=str(service_class),
        )


def policy_rules(policy: DistrictPolicy) -> PolicyRules:
    """The resolver of ``policy`` (cached on the object; prefetched relations are used)."""
    cached = getattr(policy, "_policy_rules", None)
    if cached is None:
        if policy.pk is None:  # an unsaved policy (tests, previews): no categories
            categories, assignments, overrides = [], [], []
        else:
            categories = list(policy.categories.all())
            assignments = list(policy.assignments.all())
            overrides = list(policy.overrides.all())
        cached = PolicyRules.build(
            policy=policy, categories=categories, assignments=assignments, overrides=overrides
        )
        policy._policy_rules = cached
    return cached


def rules_for(
    policy: DistrictPolicy,
    school,
    grade: int,
    service_class: str = ServiceClass.SUPERVISION,
) -> EffectiveRules:
    """The rules of ``policy`` for a student of ``grade`` at ``school`` (a School, its id, or
    None for the district default) in ``service_class`` (``ServiceClass``: a plan's basic
    care is ``version.basic_service_class``, courses are ``extended``)."""
    school_id = getattr(school, "pk", school)
    return policy_rules(policy).for_school(school_id, grade, service_class)
