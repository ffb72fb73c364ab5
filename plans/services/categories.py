"""School categories, assignments, overrides and provincial ceilings of a policy version.

``plans.services.policy`` writes every policy version; this module gives it the category part:
``Tiers`` is that part of one version as plain rows keyed by stable codes, so a new version is
the previous one's ``Tiers`` with the caller's changes merged in (``merge_tiers``), checked
(``validate_tiers``, Chinese messages naming the value and the limit) and written
(``write_tiers``, set-based). ``tiers_diff``/``readable_tiers_diff`` say what changed.

Codes are stable identifiers (never derived from a name, like exemption codes): a category
keeps the code it carries; one sent without a code is the previous version's category of the
same name, else a new one with ``cat-`` and six random hex digits. Removing a category removes
its assignments and overrides with it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from aftercare.models import School
from plans.effective import STAGE_WORDS, category_label, format_value, parse_value
from plans.models import (
    CEILING_RULES,
    RULE_KINDS,
    DistrictPolicy,
    RuleOverride,
    SchoolCategory,
    SchoolCategoryAssignment,
    ServiceScope,
    Stage,
    rule_label,
)

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
RESERVED_CODE = "default"  # the pages' address of the district defaults
NULLABLE = {
    name for name in RULE_KINDS if DistrictPolicy._meta.get_field(name).null
}  # an override may clear these ("no such cap")


@dataclass
class Tiers:
    """The category part of one policy version, keyed by codes (no database ids)."""

    categories: list[dict] = field(default_factory=list)  # code, name, description
    assignments: dict[int, str] = field(default_factory=dict)  # school pk -> category code
    overrides: list[dict] = field(
        default_factory=list
    )  # category, stage, service_class, rule, value

    def names(self) -> dict[str, str]:
        return {c["code"]: c["name"] for c in self.categories}


def override_key(row: dict) -> tuple:
    return (row.get("category") or "", row["stage"], row["service_class"], row["rule"])


STAGE_ORDER = {s: i for i, s in enumerate(Stage.values)}
CLASS_ORDER = {c: i for i, c in enumerate(ServiceScope.values)}
RULE_ORDER = {r: i for i, r in enumerate(RULE_KINDS)}


def override_order(row: dict) -> tuple:
    """Rows in reading order: by category, rule, then all grades, 小学, 初中, then class."""
    return (
        row.get("category") or "",
        RULE_ORDER.get(row["rule"], len(RULE_ORDER)),
        STAGE_ORDER.get(row["stage"], 9),
        CLASS_ORDER.get(row["service_class"], 9),
        row["rule"],
    )


def tiers_of(policy: DistrictPolicy | None) -> Tiers:
    if policy is None or policy.pk is None:
        return Tiers()
    categories = list(policy.categories.all())
    codes = {c.pk: c.code for c in categories}
    return Tiers(
        categories=[
            {"code": c.code, "name": c.name, "description": c.description} for c in categories
        ],
        assignments={a.school_id: codes[a.category_id] for a in policy.assignments.all()},
        overrides=sorted(
            (
                {
                    "category": codes.get(o.category_id),
                    "stage": o.stage,
                    "service_class": o.service_class,
                    "rule": o.rule,
                    "value": o.value,
                }
                for o in policy.overrides.all()
            ),
            key=override_order,
        ),
    )


def _new_code(taken: set[str]) -> str:
    while True:
        code = f"cat-{secrets.token_hex(3)}"
        if code not in taken:
            return code


def _canonical(rule: str, value: Any) -> Any:
    """An override's value as stored text; unparseable input is kept for the validator."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            return format_value(rule, parse_value(rule, value)) if rule in RULE_KINDS else value
        except ValueError:
            return value
    try:
        return format_value(rule, value) if rule in RULE_KINDS else str(value)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def merge_tiers(
    previous: Tiers,
    *,
    categories: list[dict] | None = None,
    assignments: dict | None = None,
    overrides: list[dict] | None = None,
) -> Tiers:
    """``previous`` with whichever parts are given replaced (None keeps that part)."""
    if categories is None:
        new_categories = [dict(c) for c in previous.categories]
    else:
        by_name = {c["name"]: c["code"] for c in previous.categories}
        given = {(c.get("code") or "").strip() for c in categories} - {""}
        taken = given | {c["code"] for c in previous.categories}
        new_categories = []
        for row in categories:
            name = (row.get("name") or "").strip()
            code = (row.get("code") or "").strip()
            if not code:
                code = by_name.get(name) or ""
                if not code or code in given:
                    code = _new_code(taken)
                given.add(code)
                taken.add(code)
            new_categories.append(
                {"code": code, "name": name, "description": (row.get("description") or "").strip()}
            )
    codes = {c["code"] for c in new_categories}
    source = previous.assignments if assignments is None else assignments
    new_assignments = {
        int(school): code
        for school, code in source.items()
        if code and (assignments is not None or code in codes)
    }
    if overrides is None:
        new_overrides = [
            dict(o) for o in previous.overrides if o["category"] is None or o["category"] in codes
        ]
    else:
        new_overrides = [
            {
                "category": (o.get("category") or None),
                "stage": o.get("stage") or Stage.ALL,
                "service_class": o.get("service_class") or ServiceScope.ALL,
                "rule": o.get("rule") or "",
                "value": _canonical(o.get("rule") or "", o.get("value")),
            }
            for o in overrides
        ]
    return Tiers(
        categories=new_categories,
        assignments=new_assignments,
        overrides=sorted(new_overrides, key=override_order),
    )


def scope_label(names: dict[str, str], row: dict) -> str:
    """乡镇小学（基础托管+特色活动）, or 区默认·小学 for a default scoped to a stage."""
    stage, cls = row["stage"], row["service_class"]
    if row.get("category"):
        label = category_label(names.get(row["category"], row["category"]), stage)
    else:
        label = str(_("District default"))
        if stage != Stage.ALL:
            label += f"·{STAGE_WORDS[stage]}"
    if cls != ServiceScope.ALL and cls in ServiceScope.values:
        label += f"（{ServiceScope(cls).label}）"
    return label


def _above(value, limit) -> bool:
    return value is not None and limit is not None and value > limit


def normalize_ceilings(raw: dict | None) -> dict:
    return {
        rule: _canonical(rule, value)
        for rule, value in (raw or {}).items()
        if value not in (None, "")
    }


def validate_tiers(tiers: Tiers, values: dict, *, district_id: int) -> dict[str, list[str]]:
    """Field errors of the category part and the ceilings of a policy about to be written
    (``values``: the policy's field values)."""
    errors: dict[str, list[str]] = {}
    seen_codes, seen_names = set(), set()
    for index, row in enumerate(tiers.categories):
        code, name = row["code"], row["name"]
        if not name or len(name) > 40:
            message = _("Each category needs a name of at most 40 characters.")
        elif name in seen_names:
            message = _("Two categories are named %(name)s.") % {"name": name}
        elif not CODE.match(code) or code == RESERVED_CODE:
            message = _(
                "The category code “%(code)s” is not valid: use lower-case letters, digits, "
                "- and _, at most 40 characters."
            ) % {"code": code}
        elif code in seen_codes:
            message = _("Two categories use the same code %(code)s.") % {"code": code}
        else:
            seen_codes.add(code)
            seen_names.add(name)
            continue
        errors[f"categories.{index}"] = [message]
    codes = {c["code"] for c in tiers.categories}
    schools = set(
        School.objects.filter(district_id=district_id, pk__in=list(tiers.assignments)).values_list(
            "pk", flat=True
        )
    )
    for school_id, code in tiers.assignments.items():
        if school_id not in schools:
            errors.setdefault("assignments", []).append(
                _("School %(school)s is not a school of the district.") % {"school": school_id}
            )
        elif code not in codes:
            errors.setdefault("assignments", []).append(
                _("There is no school category with the code %(code)s.") % {"code": code}
            )

    ceilings: dict = {}
    for rule, text in (values.get("rule_ceilings") or {}).items():
        key = f"rule_ceilings.{rule}"
        if rule not in CEILING_RULES:
            errors[key] = [
                _(
                    "A provincial ceiling can only be set for fee caps, subsidies, teacher pay "
                    "and daily lesson limits."
                )
            ]
            continue
        try:
            ceilings[rule] = parse_value(rule, text)
        except ValueError:
            errors[key] = [
                _("%(value)s is not a valid value for %(rule)s.")
                % {"value": text, "rule": rule_label(rule)}
            ]
    default = str(_("District default"))
    for rule, limit in ceilings.items():
        if _above(values.get(rule), limit):
            errors.setdefault(rule, []).append(
                _("%(scope)s: %(rule)s %(value)s is above the provincial ceiling of %(limit)s.")
                % {
                    "scope": default,
                    "rule": rule_label(rule),
                    "value": format_value(rule, values[rule]),
                    "limit": format_value(rule, limit),
                }
            )

    names = tiers.names()
    seen_scopes = set()
    for index, row in enumerate(tiers.overrides):
        rule = row["rule"]
        message = None
        if rule not in RULE_KINDS:
            message = _("There is no rule called %(rule)s.") % {"rule": rule or "—"}
        elif row["stage"] not in Stage.values or row["service_class"] not in ServiceScope.values:
            message = _("Choose a stage and a class of service from the list.")
        elif row["category"] is not None and row["category"] not in codes:
            message = _("There is no school category with the code %(code)s.") % {
                "code": row["category"]
            }
        elif (
            row["category"] is None
            and row["stage"] == Stage.ALL
            and row["service_class"] == ServiceScope.ALL
        ):
            message = _(
                "A value for every school is the policy's own rule: change it there, or "
                "choose a category, a stage or a class of service."
            )
        elif override_key(row) in seen_scopes:
            message = _("%(scope)s: %(rule)s is set twice.") % {
                "scope": scope_label(names, row),
                "rule": rule_label(rule),
            }
        else:
            seen_scopes.add(override_key(row))
            scope = scope_label(names, row)
            try:
                value = parse_value(rule, row["value"])
            except ValueError:
                message = _("%(scope)s: %(value)s is not a valid value for %(rule)s.") % {
                    "scope": scope,
                    "value": row["value"],
                    "rule": rule_label(rule),
                }
            else:
                if value is None and rule not in NULLABLE:
                    message = _("%(scope)s: %(rule)s needs a value.") % {
                        "scope": scope,
                        "rule": rule_label(rule),
                    }
                elif _above(value, ceilings.get(rule)):
                    message = _(
                        "%(scope)s: %(rule)s %(value)s is above the provincial ceiling of "
                        "%(limit)s."
                    ) % {
                        "scope": scope,
                        "rule": rule_label(rule),
                        "value": row["value"],
                        "limit": format_value(rule, ceilings[rule]),
                    }
        if message:
            errors[f"overrides.{index}"] = [message]
    return errors


def write_tiers(policy: DistrictPolicy, tiers: Tiers) -> None:
    """Insert the category part of a new policy version (three set-based inserts)."""
    created = SchoolCategory.objects.bulk_create(
        SchoolCategory(
            district_id=policy.district_id,
            policy=policy,
            code=row["code"],
            name=row["name"],
            description=row["description"],
            position=index,
        )
        for index, row in enumerate(tiers.categories)
    )
    pk = {c.code: c.pk for c in created}
    SchoolCategoryAssignment.objects.bulk_create(
        SchoolCategoryAssignment(
            district_id=policy.district_id, policy=policy, school_id=school, category_id=pk[code]
        )
        for school, code in sorted(tiers.assignments.items())
    )
    RuleOverride.objects.bulk_create(
        RuleOverride(
            district_id=policy.district_id,
            policy=policy,
            category_id=pk[row["category"]] if row["category"] else None,
            stage=row["stage"],
            service_class=row["service_class"],
            rule=row["rule"],
            value=row["value"],
        )
        for row in tiers.overrides
    )


def tiers_diff(old: Tiers, new: Tiers) -> dict[str, tuple]:
    """Machine diff: categories (whole lists), assignments and overrides (changed keys)."""
    out: dict[str, tuple] = {}
    if old.categories != new.categories:
        out["categories"] = (old.categories, new.categories)
    schools = sorted(set(old.assignments) | set(new.assignments))
    changed = [s for s in schools if old.assignments.get(s) != new.assignments.get(s)]
    if changed:
        out["assignments"] = (
            {s: old.assignments.get(s) for s in changed},
            {s: new.assignments.get(s) for s in changed},
        )
    before = {"/".join(override_key(o)): o["value"] for o in old.overrides}
    after = {"/".join(override_key(o)): o["value"] for o in new.overrides}
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if keys:
        out["overrides"] = ({k: before.get(k) for k in keys}, {k: after.get(k) for k in keys})
    return out


def readable_tiers_diff(
    old: Tiers, new: Tiers, school_names: dict[int, str]
) -> list[tuple[str, str, str]]:
    """(what, before, after) lines for the version history, in Chinese."""
    lines: list[tuple[str, str, str]] = []
    old_names, new_names = old.names(), new.names()
    if old.categories != new.categories:
        lines.append(
            (
                str(_("School categories")),
                "、".join(c["name"] for c in old.categories) or "—",
                "、".join(c["name"] for c in new.categories) or "—",
            )
        )
    default = str(_("District default"))
    for school in sorted(set(old.assignments) | set(new.assignments)):
        a, b = old.assignments.get(school), new.assignments.get(school)
        if a != b:
            lines.append(
                (
                    _("Category of %(school)s") % {"school": school_names.get(school, school)},
                    old_names.get(a, default) if a else default,
                    new_names.get(b, default) if b else default,
                )
            )
    before = {override_key(o): o for o in old.overrides}
    after = {override_key(o): o for o in new.overrides}
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if (a or {}).get("value") == (b or {}).get("value") and (a is None) == (b is None):
            continue
        row = b or a
        names = new_names if b else old_names
        lines.append(
            (
                f"{scope_label(names, row)} · {rule_label(row['rule'])}",
                _override_text(a),
                _override_text(b),
            )
        )
    return lines


def _override_text(row: dict | None) -> str:
    if row is None:
        return str(_("(default)"))
    return row["value"] or str(_("no cap"))


def ceilings_readable(old: dict, new: dict) -> list[tuple[str, str, str]]:
    lines = []
    for rule in sorted(set(old) | set(new)):
        if old.get(rule) != new.get(rule):
            lines.append(
                (
                    _("Provincial ceiling · %(rule)s")
                    % {"rule": rule_label(rule) if rule in RULE_KINDS else rule},
                    old.get(rule) or "—",
                    new.get(rule) or "—",
                )
            )
    return lines
