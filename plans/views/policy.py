"""District policy pages: start from a preset, read, change (new version), history."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from aftercare.errors import InvalidInput
from aftercare.models import Role, School, Semester
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import current_district, roles_required
from aftercare.views.errors import apply_domain_error, domain_errors
from plans import rules
from plans.checks import current_policy
from plans.forms import (
    POLICY_GROUPS,
    ExemptionFormSet,
    PolicyForm,
    PresetForm,
    SeasonFormSet,
    formset_rows,
)
from plans.models import DistrictPolicy
from plans.presets import PRESETS
from plans.services import policy as policy_services
from plans.services.categories import ceilings_readable, readable_tiers_diff, tiers_of


def _semester_for_policy(request, semester_id) -> Semester:
    """The semester: 404 outside the scope, 403 for a role that may not read policies."""
    semester = get_visible_or_404(Semester, request.scope, public_id=semester_id)
    rules.require_policy_reader(request.scope, semester.district_id)
    return semester


@roles_required(Role.DISTRICT_OFFICIAL)
@domain_errors
def policy_index(request):
    district = current_district(request)
    semesters = list(
        Semester.objects.visible_to(request.scope)
        .filter(district=district)
        .annotate(is_frozen=policy_services.frozen(OuterRef("pk")))
    )
    latest = {}
    for policy in DistrictPolicy.objects.filter(semester__in=semesters).order_by("version"):
        latest[policy.semester_id] = policy
    rows = [(s, latest.get(s.pk), s.is_frozen) for s in semesters]
    return render(request, "policy/index.html", {"rows": rows, "nav": "policy"})


def _category_summary(policy: DistrictPolicy | None) -> list[tuple[str, int]]:
    """(category name, number of schools) of the policy, in order."""
    if policy is None:
        return []
    tiers = tiers_of(policy)
    counts = {c["code"]: 0 for c in tiers.categories}
    for code in tiers.assignments.values():
        counts[code] = counts.get(code, 0) + 1
    return [(c["name"], counts[c["code"]]) for c in tiers.categories]


def _display_groups(policy: DistrictPolicy):
    form = PolicyForm(instance=policy)
    groups = []
    for title, names in POLICY_GROUPS:
        rows = []
        for name in names:
            field = DistrictPolicy._meta.get_field(name)
            value = getattr(policy, name)
            if name == "service_weekdays":
                labels = dict(form.fields[name].choices)
                value = "、".join(str(labels[d]) for d in value)
            elif name == "exemptions":
                value = "；".join(f"{e['name']} {e['reduction_percent']}%" for e in value)
            elif field.choices and name != "prohibitions":
                value = getattr(policy, f"get_{name}_display")()
            rows.append((name, field.verbose_name, value))
        groups.append((title, rows))
    return groups


def _history(versions: list[DistrictPolicy], semester) -> list[tuple]:
    """Each version with its changes against the one before, readable (categories, schools'
    categories, overrides and ceilings line by line)."""
    labels = {f.name: f.verbose_name for f in DistrictPolicy._meta.fields}
    school_names = dict(
        School.objects.filter(district_id=semester.district_id).values_list("pk", "name")
    )
    history = []
    for index, newer in enumerate(versions):
        older = versions[index + 1] if index + 1 < len(versions) else None
        diff = policy_services.policy_diff(older, newer) if older else {}
        lines = []
        for key, (a, b) in diff.items():
            if key in ("categories", "assignments", "overrides"):
                continue
            if key == "rule_ceilings":
                lines += ceilings_readable(a or {}, b or {})
            else:
                lines.append((labels.get(key, _("seasons")), a, b))
        if older is not None and {"categories", "assignments", "overrides"} & set(diff):
            lines += readable_tiers_diff(tiers_of(older), tiers_of(newer), school_names)
        history.append((newer, lines))
    return history


@login_required
@domain_errors(back=lambda request, semester_id: reverse("policy_detail", args=[semester_id]))
def policy_detail(request, semester_id):
    semester = _semester_for_policy(request, semester_id)
    policy = current_policy(semester)
    can_edit = rules.can_set_policy(request.scope, semester.district_id)
    frozen = policy_services.is_frozen(semester)
    preset_form = PresetForm(request.POST or None) if can_edit and not frozen else None
    if request.method == "POST":
        rules.require_policy_setter(request.scope, semester.district_id)
        if preset_form is None:  # frozen meanwhile: the service says so (409)
            preset_form = PresetForm(request.POST)
        if preset_form.is_valid():
            try:
                policy_services.create_policy_from_preset(
                    actor=request.user, semester=semester, preset=preset_form.cleaned_data["preset"]
                )
            except InvalidInput as err:  # shown on the form; a frozen policy (409) goes back
                apply_domain_error(preset_form, err)
            else:
                messages.success(request, _("Policy started from the preset."))
                return redirect("policy_detail", semester.public_id)
    versions = list(
        DistrictPolicy.objects.filter(semester=semester)
        .select_related("created_by")
        .prefetch_related("seasons", "categories", "assignments", "overrides")
        .order_by("-version")
    )
    history = _history(versions, semester)
    return render(
        request,
        "policy/detail.html",
        {
            "semester": semester,
            "policy": policy,
            "groups": _display_groups(policy) if policy else [],
            "can_edit": can_edit and not frozen,
            "frozen": frozen,
            "preset_form": preset_form,
            "presets": PRESETS,
            "history": history,
            "categories": _category_summary(policy),
            "nav": "policy",
        },
    )


@login_required
@domain_errors(back=lambda request, semester_id: reverse("policy_detail", args=[semester_id]))
def policy_edit(request, semester_id):
    semester = _semester_for_policy(request, semester_id)  # 404 before any role check
    rules.require_policy_setter(request.scope, semester.district_id)
    policy = current_policy(semester)
    if policy is None:
        return redirect("policy_detail", semester.public_id)
    if policy_services.is_frozen(semester):
        messages.error(request, _("The policy is frozen: plans have been approved under it."))
        return redirect("policy_detail", semester.public_id)
    seasons_initial = [
        {f: getattr(s, f) for f in policy_services.SEASON_FIELDS} for s in policy.seasons.all()
    ]
    form = PolicyForm(request.POST or None, instance=policy)
    seasons = SeasonFormSet(request.POST or None, initial=seasons_initial, prefix="season")
    exemptions = ExemptionFormSet(
        request.POST or None, initial=[dict(e) for e in policy.exemptions], prefix="exemption"
    )
    exemption_errors: list[str] = []
    if (
        request.method == "POST"
        and form.is_valid()
        and seasons.is_valid()
        and exemptions.is_valid()
    ):
        try:
            new = policy_services.update_policy(
                actor=request.user,
                semester=semester,
                changes={**form.changes(), "exemptions": formset_rows(exemptions)},
                seasons=formset_rows(seasons),
                note=form.cleaned_data["change_note"],
            )
        except InvalidInput as err:  # on the form; frozen meanwhile (409) goes back
            exemption_errors = err.fields.pop("exemptions", [])
            if err.fields or not exemption_errors:
                apply_domain_error(form, err)
        else:
            if new.pk == policy.pk:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(request, _("Saved as version %(n)d.") % {"n": new.version})
            return redirect("policy_detail", semester.public_id)
    return render(
        request,
        "policy/edit.html",
        {
            "semester": semester,
            "policy": policy,
            "form": form,
            "seasons": seasons,
            "exemptions": exemptions,
            "exemption_errors": exemption_errors,
            "nav": "policy",
        },
    )
