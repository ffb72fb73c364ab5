"""District policy: create from a preset, change (as a new version), freeze.

A policy is never edited in place: every change writes version N+1 with the full rule set
and an audit event listing what changed. Once any plan of the semester is approved, the
semester's policy is frozen: the plans were approved against it.

School categories, their schools, rule overrides and provincial ceilings are part of every
version (``plans.services.categories``): they are copied into version N+1 with the rest and
changed through ``update_policy`` like any field.

Locks (the project's order: semester -> plan -> application -> …): a policy service locks the
``Semester`` row ``FOR UPDATE`` first and nothing after it; it then checks the freezing rule
and writes. Plan submission and approval hold the same row ``FOR SHARE`` while they check a
plan against the current policy (``plans.services.plans``), so a policy version is never
written between an approval's check and its commit, and a change queued behind an approval
finds the semester frozen. Wrong role: ``NotAllowed`` (403); frozen: ``Conflict`` (409).
"""

from __future__ import annotations

import re
import secrets
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import School, Semester, User
from aftercare.tenancy import Scope
from plans import rules
from plans.checks import current_policy
from plans.models import FROZEN_STATUSES, DistrictPolicy, PlanVersion, PolicySeason
from plans.presets import PRESETS, preset_fields, preset_tiers
from plans.services.categories import (
    Tiers,
    merge_tiers,
    normalize_ceilings,
    tiers_diff,
    tiers_of,
    validate_tiers,
    write_tiers,
)

SEASON_FIELDS = ("name", "start_month", "start_day", "end_month", "end_day", "latest_end_time")
SKIP_FIELDS = {
    "id",
    "public_id",
    "district",
    "semester",
    "version",
    "preset",
    "change_note",
    "created_by",
    "created_at",
}


def policy_fields() -> list[str]:
    return [f.name for f in DistrictPolicy._meta.concrete_fields if f.name not in SKIP_FIELDS]


def _approved_versions(semester):
    """The freezing rule: some plan version of the semester has been approved."""
    return PlanVersion.objects.filter(plan__semester=semester, status__in=FROZEN_STATUSES)


def frozen(semester) -> Exists:
    """The freezing rule as an expression (``semester`` an ``OuterRef``) for lists."""
    return Exists(_approved_versions(semester))


def is_frozen(semester: Semester) -> bool:
    return _approved_versions(semester).exists()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


EXEMPTION_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def _new_exemption_code(taken: set[str]) -> str:
    while True:
        code = f"custom-{secrets.token_hex(3)}"
        if code not in taken:
            return code


def stable_exemptions(rows: list[dict], previous: list[dict]) -> list[dict]:
    """Exemption categories with stable codes (billing copies a category's code into every
    exemption it grants, so a code is an identifier, never derived from a label).

    A row keeps the code it carries. A row without one is the previous version's category of
    the same name (interfaces that do not send codes keep them this way), else a new category:
    it gets ``custom-`` and six random hex digits, once, and keeps that code in every later
    version. Codes are checked (format, uniqueness) by ``_validate``.
    """
    by_name = {r.get("name"): r.get("code") for r in previous if r.get("code")}
    given = {(r.get("code") or "").strip() for r in rows} - {""}
    taken = given | {r.get("code") for r in previous if r.get("code")}
    out = []
    for row in rows:
        name = (row.get("name") or "").strip()
        code = (row.get("code") or "").strip()
        if not code:
            code = by_name.get(name) or ""
            if not code or code in given:
                code = _new_exemption_code(taken)
            given.add(code)
            taken.add(code)
        out.append({"code": code, "name": name, "reduction_percent": row.get("reduction_percent")})
    return out


def _season_rows(policy: DistrictPolicy) -> list[dict]:
    return [{f: getattr(s, f) for f in SEASON_FIELDS} for s in policy.seasons.all()]


def _validate(values: dict, seasons: list[dict], tiers: Tiers, district_id: int) -> None:
    errors: dict[str, list[str]] = validate_tiers(tiers, values, district_id=district_id)
    if not values.get("service_weekdays"):
        errors["service_weekdays"] = [_("Choose at least one service day.")]
    elif not set(values["service_weekdays"]) <= set(range(7)):
        errors["service_weekdays"] = [_("Choose valid weekdays.")]
    if values.get("evening_study_allowed") and not values.get("evening_latest_end_time"):
        errors["evening_latest_end_time"] = [
            _("Set the latest end of evening self-study, or do not allow it.")
        ]
    seen_codes: set[str] = set()
    for row in values.get("exemptions") or []:
        percent = row.get("reduction_percent")
        code = row.get("code") or ""
        if not row.get("name") or not isinstance(percent, int) or not 0 <= percent <= 100:
            message = _("Each exemption needs a name and a reduction between 0 and 100 percent.")
        elif not EXEMPTION_CODE.match(code):
            message = _(
                "The exemption category code “%(code)s” is not valid: use lower-case letters, "
                "digits, - and _, at most 40 characters."
            ) % {"code": code}
        elif code in seen_codes:
            message = _("Two exemption categories use the same code %(code)s.") % {"code": code}
        else:
            seen_codes.add(code)
            continue
        errors["exemptions"] = [message]
        break
    if values.get("basic_care_must_be_free") and any(
        values.get(f)
        for f in (
            "basic_cap_per_lesson",
            "basic_cap_per_hour",
            "basic_cap_per_month",
            "basic_cap_per_semester",
        )
    ):
        errors["basic_care_must_be_free"] = [
            _("Basic care cannot be both free and capped at a fee; clear the caps.")
        ]
    for index, season in enumerate(seasons):
        valid = bool(season.get("name")) and season.get("latest_end_time") is not None
        try:
            date(2024, season["start_month"], season["start_day"])
            date(2024, season["end_month"], season["end_day"])
        except (KeyError, TypeError, ValueError):
            valid = False
        if not valid:
            errors[f"seasons.{index}"] = [
                _("Each season needs a name, a valid date range and a latest end time.")
            ]
    if errors:
        raise InvalidInput(fields=errors)


def _write_version(
    *,
    actor,
    semester,
    values: dict,
    seasons: list[dict],
    tiers: Tiers,
    version: int,
    preset: str,
    note: str,
) -> DistrictPolicy:
    policy = DistrictPolicy.objects.create(
        district_id=semester.district_id,
        semester=semester,
        version=version,
        preset=preset,
        change_note=note[:200],
        created_by=actor,
        **values,
    )
    PolicySeason.objects.bulk_create(
        PolicySeason(district_id=semester.district_id, policy=policy, **season)
        for season in seasons
    )
    write_tiers(policy, tiers)
    return policy


def _carried_assignments(semester: Semester, previous: DistrictPolicy | None) -> dict[int, str]:
    """The schools' categories to keep when a policy (re)starts from a preset: those of the
    semester's current version, else of the district's latest policy of an earlier semester
    (matched by category code)."""
    source = previous
    if source is None:
        source = (
            DistrictPolicy.objects.filter(
                district_id=semester.district_id,
                semester__start_date__lt=semester.start_date,
            )
            .order_by("-semester__start_date", "-version")
            .first()
        )
    return tiers_of(source).assignments


def _authorize(actor: User, semester: Semester) -> None:
    rules.require_policy_setter(Scope(actor), semester.district_id)
    if is_frozen(semester):
        raise Conflict(
            _("The policy of %(semester)s is frozen: plans have been approved under it.")
            % {"semester": semester},
            code="policy_frozen",
        )


@transaction.atomic
def create_policy_from_preset(*, actor: User, semester: Semester, preset: str) -> DistrictPolicy:
    """Start (or restart) a semester's policy from a named preset, as a new version.

    Errors: NotAllowed (not an official), Conflict ``policy_frozen``, InvalidInput (unknown
    preset).
    """
    Semester.objects.select_for_update().get(pk=semester.pk)  # one writer per semester
    _authorize(actor, semester)
    if preset not in PRESETS:
        raise InvalidInput(fields={"preset": [_("Choose one of the presets.")]})
    values, seasons = preset_fields(preset)
    categories, overrides = preset_tiers(preset)
    previous = current_policy(semester)
    tiers = merge_tiers(
        Tiers(assignments=_carried_assignments(semester, previous)),
        categories=categories,
        overrides=overrides,
    )
    tiers.assignments = {
        s: c for s, c in tiers.assignments.items() if c in {r["code"] for r in tiers.categories}
    }
    policy = _write_version(
        actor=actor,
        semester=semester,
        values=values,
        seasons=seasons,
        tiers=tiers,
        version=(previous.version + 1) if previous else 1,
        preset=preset,
        note=_("Started from preset: %(name)s") % {"name": PRESETS[preset]["label"]},
    )
    record_event(
        actor=actor,
        action="policy.created",
        obj=semester,
        payload={"version": policy.version, "preset": preset},
    )
    return policy


@transaction.atomic
def update_policy(
    *,
    actor: User,
    semester: Semester,
    changes: dict[str, Any],
    seasons: list[dict] | None = None,
    categories: list[dict] | None = None,
    assignments: dict[int, str | None] | None = None,
    overrides: list[dict] | None = None,
    note: str = "",
) -> DistrictPolicy:
    """Write version N+1 of the semester's policy with ``changes`` applied.

    ``seasons`` None keeps the current seasons; likewise ``categories`` (``[{"code"?,
    "name", "description"?}]``, the whole list), ``assignments`` (school pk -> category code
    or None, the whole map) and ``overrides`` (``[{"category": code | None, "stage",
    "service_class", "rule", "value"}]``, the whole list). Returns the current policy
    unchanged when nothing differs. Errors: NotAllowed (role), Conflict ``policy_frozen``,
    InvalidInput (field messages).
    """
    Semester.objects.select_for_update().get(pk=semester.pk)
    _authorize(actor, semester)
    previous = current_policy(semester)
    if previous is None:
        raise InvalidInput(
            fields={"preset": [_("Start the policy from a preset first.")]}, code="no_policy"
        )
    unknown = set(changes) - set(policy_fields())
    if unknown:
        raise InvalidInput(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    values = {f: getattr(previous, f) for f in policy_fields()}
    values.update(changes)
    if "exemptions" in changes:
        values["exemptions"] = stable_exemptions(
            list(changes["exemptions"] or []), previous.exemptions
        )
    if isinstance(values.get("service_weekdays"), list | tuple):
        values["service_weekdays"] = sorted(set(values["service_weekdays"]))
    if "rule_ceilings" in changes:
        values["rule_ceilings"] = normalize_ceilings(changes["rule_ceilings"])
    old_seasons = _season_rows(previous)
    new_seasons = (
        old_seasons if seasons is None else [{f: s.get(f) for f in SEASON_FIELDS} for s in seasons]
    )
    old_tiers = tiers_of(previous)
    new_tiers = merge_tiers(
        old_tiers, categories=categories, assignments=assignments, overrides=overrides
    )
    _validate(values, new_seasons, new_tiers, semester.district_id)
    diff = {
        f: [_jsonable(getattr(previous, f)), _jsonable(values[f])]
        for f in policy_fields()
        if getattr(previous, f) != values[f]
    }
    if new_seasons != old_seasons:
        diff["seasons"] = [
            [{k: _jsonable(v) for k, v in s.items()} for s in old_seasons],
            [{k: _jsonable(v) for k, v in s.items()} for s in new_seasons],
        ]
    diff.update({k: [a, b] for k, (a, b) in _jsonable_tiers(tiers_diff(old_tiers, new_tiers))})
    if not diff:
        return previous
    policy = _write_version(
        actor=actor,
        semester=semester,
        values=values,
        seasons=new_seasons,
        tiers=new_tiers,
        version=previous.version + 1,
        preset=previous.preset,
        note=note,
    )
    record_event(
        actor=actor,
        action="policy.changed",
        obj=semester,
        payload={"version": policy.version, "changes": diff, "note": note[:200]},
    )
    return policy


def policy_diff(old: DistrictPolicy, new: DistrictPolicy) -> dict[str, tuple[Any, Any]]:
    """Field → (old, new) for the fields that differ between two versions."""
    out = {
        f: (getattr(old, f), getattr(new, f))
        for f in policy_fields()
        if getattr(old, f) != getattr(new, f)
    }
    if _season_rows(old) != _season_rows(new):
        out["seasons"] = (_season_rows(old), _season_rows(new))
    out.update(dict(_jsonable_tiers(tiers_diff(tiers_of(old), tiers_of(new)))))
    return out


def _jsonable_tiers(diff: dict) -> list[tuple[str, tuple]]:
    """Schools in an assignments diff are named by their public id."""
    out = []
    for key, (a, b) in diff.items():
        if key == "assignments":
            ids = dict(School.objects.filter(pk__in=list(a)).values_list("pk", "public_id"))
            a = {str(ids.get(k, k)): v for k, v in a.items()}
            b = {str(ids.get(k, k)): v for k, v in b.items()}
        out.append((key, (a, b)))
    return out
