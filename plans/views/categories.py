"""School categories of the district policy: the table of categories × rules with the
overrides highlighted, which school is in which category, provincial ceilings, and one
category's overrides (issue 16). Every save is a new policy version (``update_policy``)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from aftercare.errors import InvalidInput
from aftercare.models import School
from aftercare.views.errors import apply_domain_error, domain_errors
from plans import rules
from plans.checks import current_policy
from plans.effective import STAGE_WORDS, format_value, policy_rules
from plans.forms import (
    AssignmentForm,
    CategoryForm,
    CeilingForm,
    OverrideFormSet,
    formset_rows,
)
from plans.models import RULE_GROUPS, RULE_KINDS, ServiceScope, Stage, rule_label
from plans.services import policy as policy_services
from plans.services.categories import RESERVED_CODE, scope_label, tiers_of
from plans.views.policy import _semester_for_policy

FEE_COLUMNS = ["basic_cap_per_lesson", "basic_cap_per_semester", "basic_cap_per_month"]


def _back(request, semester_id, **kwargs):
    return reverse("policy_categories", args=[semester_id])


def _load(request, semester_id):
    semester = _semester_for_policy(request, semester_id)  # 404 / 403 first
    policy = current_policy(semester)
    if policy is None:
        raise Http404
    return semester, policy


def _scope_text(row) -> str:
    parts = []
    if row["stage"] != Stage.ALL:
        parts.append(STAGE_WORDS[row["stage"]])
    if row["service_class"] != ServiceScope.ALL:
        parts.append(str(ServiceScope(row["service_class"]).label))
    return " · ".join(parts)


def category_table(policy, tiers):
    """Rows (default first, then every category) × the rules overridden anywhere (and the main
    fee caps): each cell lists its values with the scope and whether it is an override."""
    overridden = {o["rule"] for o in tiers.overrides}
    columns = [
        name
        for _title, names in RULE_GROUPS
        for name in names
        if name in overridden or (name in FEE_COLUMNS and getattr(policy, name) is not None)
    ]
    by_owner = defaultdict(list)
    for o in tiers.overrides:
        by_owner[(o["category"], o["rule"])].append(o)
    ceilings = policy.rule_ceilings or {}

    def cells(code):
        out = []
        for rule in columns:
            values = [
                {"scope": _scope_text(o), "value": o["value"] or _("no cap"), "override": True}
                for o in by_owner[(code, rule)]
            ]
            if code is None:
                default = format_value(rule, getattr(policy, rule))
                values.insert(0, {"scope": "", "value": default or "—", "override": False})
            out.append({"rule": rule, "values": values})
        return out

    rows = [{"code": None, "name": _("District default"), "cells": cells(None)}]
    rows += [
        {"code": c["code"], "name": c["name"], "cells": cells(c["code"])} for c in tiers.categories
    ]
    headers = [
        {"rule": rule, "label": rule_label(rule), "ceiling": ceilings.get(rule, "")}
        for rule in columns
    ]
    return headers, rows


@login_required
@domain_errors(back=_back)
def policy_categories(request, semester_id):
    semester, policy = _load(request, semester_id)
    can_edit = rules.can_set_policy(request.scope, semester.district_id) and not (
        policy_services.is_frozen(semester)
    )
    tiers = tiers_of(policy)
    categories = list(policy.categories.all())
    schools = list(School.objects.filter(district_id=semester.district_id).order_by("code"))
    action = request.POST.get("action") if request.method == "POST" else None
    if action:
        rules.require_policy_setter(request.scope, semester.district_id)
    assign_form = AssignmentForm(
        request.POST if action == "assign" else None,
        schools=schools,
        categories=categories,
        initial={f"school_{s}": code for s, code in tiers.assignments.items()},
    )
    category_form = CategoryForm(request.POST if action == "add" else None)
    ceiling_form = CeilingForm(
        request.POST if action == "ceilings" else None, initial=policy.rule_ceilings or {}
    )
    if action:
        changes, kwargs, form = {}, {}, None
        if action == "assign" and assign_form.is_valid():
            form, kwargs = assign_form, {"assignments": assign_form.assignments()}
            note = _("Schools assigned to categories")
        elif action == "add" and category_form.is_valid():
            new = category_form.cleaned_data
            form = category_form
            row = {"name": new["name"].strip(), "description": new["description"]}
            kwargs = {"categories": [*tiers.categories, row]}
            note = _("New school category: %(name)s") % {"name": new["name"]}
        elif action == "ceilings" and ceiling_form.is_valid():
            form, changes = ceiling_form, {"rule_ceilings": ceiling_form.ceilings()}
            note = _("Provincial ceilings changed")
        if form is not None:
            try:
                saved = policy_services.update_policy(
                    actor=request.user, semester=semester, changes=changes, note=note, **kwargs
                )
            except InvalidInput as err:
                apply_domain_error(form, err)
            else:
                _saved_message(request, policy, saved)
                return redirect("policy_categories", semester.public_id)
    headers, rows = category_table(policy, tiers)
    counts = defaultdict(int)
    for code in tiers.assignments.values():
        counts[code] += 1
    for row in rows:
        row["schools"] = counts[row["code"]] if row["code"] else None
    names = tiers.names()
    return render(
        request,
        "policy/categories.html",
        {
            "semester": semester,
            "policy": policy,
            "can_edit": can_edit,
            "headers": headers,
            "rows": rows,
            "empty_categories": [c for c in tiers.categories if not counts[c["code"]]],
            "schools": [(s, names.get(tiers.assignments.get(s.pk))) for s in schools],
            "unassigned": [s for s in schools if s.pk not in tiers.assignments],
            "counts": dict(counts),
            "assign_form": assign_form,
            "category_form": category_form,
            "ceiling_form": ceiling_form,
            "nav": "policy",
        },
    )


def _saved_message(request, old, new) -> None:
    if new.pk == old.pk:
        messages.info(request, _("Nothing changed."))
    else:
        messages.success(request, _("Saved as version %(n)d.") % {"n": new.version})


@login_required
@domain_errors(back=_back)
def policy_category(request, semester_id, code=None):
    """One category's name and overrides (``code`` None: the district defaults per stage or
    class of service). Another district's semester or an unknown code is 404."""
    semester, policy = _load(request, semester_id)
    tiers = tiers_of(policy)
    category = None
    if code is not None:
        category = next((c for c in tiers.categories if c["code"] == code), None)
        if category is None:
            raise Http404
    can_edit = rules.can_set_policy(request.scope, semester.district_id) and not (
        policy_services.is_frozen(semester)
    )
    if request.method == "POST":
        rules.require_policy_setter(request.scope, semester.district_id)
    ceilings = policy_rules(policy).ceilings
    own = [o for o in tiers.overrides if o["category"] == code]
    others = [o for o in tiers.overrides if o["category"] != code]
    posted = request.method == "POST" and request.POST.get("action") == "save"
    form = CategoryForm(request.POST if posted else None, initial=category) if category else None
    overrides = OverrideFormSet(
        request.POST if posted else None,
        initial=[{k: o[k] for k in ("rule", "stage", "service_class", "value")} for o in own],
        prefix="override",
        form_kwargs={"ceilings": ceilings},
    )
    errors: list[str] = []
    if request.method == "POST" and request.POST.get("action") == "delete" and category:
        saved = policy_services.update_policy(
            actor=request.user,
            semester=semester,
            changes={},
            categories=[c for c in tiers.categories if c["code"] != code],
            note=_("School category removed: %(name)s") % {"name": category["name"]},
        )
        _saved_message(request, policy, saved)
        return redirect("policy_categories", semester.public_id)
    if posted and overrides.is_valid() and (form is None or form.is_valid()):
        categories = None
        if category is not None:
            categories = [
                {**c, **form.cleaned_data} if c["code"] == code else c for c in tiers.categories
            ]
        rows = [{**row, "category": code} for row in formset_rows(overrides)]
        try:
            saved = policy_services.update_policy(
                actor=request.user,
                semester=semester,
                changes={},
                categories=categories,
                overrides=others + rows,
                note=_("Rules of %(name)s changed")
                % {"name": category["name"] if category else _("District default")},
            )
        except InvalidInput as err:
            errors = [str(m) for msgs in err.fields.values() for m in msgs] or [str(err.message)]
        else:
            _saved_message(request, policy, saved)
            return redirect("policy_categories", semester.public_id)
    names = tiers.names()
    effective = []
    if category is not None or own:
        resolver = policy_rules(policy)
        pk = next((c.pk for c in policy.categories.all() if c.code == code), None)
        for stage in (Stage.PRIMARY, Stage.JUNIOR):
            for cls in ("supervision", "activities", "extended"):
                r = resolver.resolve(category_id=pk, stage=stage, service_class=cls)
                shown = [
                    (rule_label(rule), format_value(rule, r.values[rule]) or "—", r.sources[rule])
                    for rule in RULE_KINDS
                    if r.sources[rule] != "default"
                ]
                if shown:
                    effective.append(
                        (
                            scope_label(
                                names, {"category": code, "stage": stage, "service_class": cls}
                            ),
                            shown,
                        )
                    )
    return render(
        request,
        "policy/category.html",
        {
            "semester": semester,
            "policy": policy,
            "category": category,
            "code": code or RESERVED_CODE,
            "title": category["name"] if category else _("District default"),
            "can_edit": can_edit,
            "form": form,
            "overrides": overrides,
            "errors": errors,
            "effective": effective,
            "schools": School.objects.filter(
                pk__in=[s for s, c in tiers.assignments.items() if c == code]
            ).order_by("code")
            if category
            else [],
            "nav": "policy",
        },
    )
