"""Subsidy settings pages: the district's payout rule set (scheme, rates, duty allowances, admin
share, caps, deductions), a school's own values within it, the major safety incidents that
deduct from the subsidy (recorded by hand or confirmed from the safety records), and the
labour agreements of external staff (劳务费). Thin: parse, authorize, one service call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.errors import DomainError
from aftercare.models import Semester
from aftercare.registry import Todo, todo_section
from aftercare.tenancy import get_visible_or_404
from aftercare.views.errors import apply_domain_error, domain_errors, error_messages
from billing.forms import (
    AgreementForm,
    IncidentDecisionForm,
    IncidentForm,
    SchoolRulesForm,
    rules_form_class,
)
from billing.models import LabourAgreement, RateUnit, SafetyIncident, SafetyIncidentReview
from billing.money import fmt, to_fen
from billing.services import payouts, subsidies
from billing.services.payouts import offers
from billing.views.school import _school, _semester
from safety.models import Incident
from scheduling.models import StaffKind, StaffMember

# The district's form, in the groups the page shows.
RULE_GROUPS = [
    (
        _("Scheme and rates"),
        ["scheme", "rate_unit", "rate_fen", "rate_min_fen", "monthly_cap_fen"],
    ),
    (
        _("Duty allowances and the admin share"),
        ["safety_duty_fen", "duty_leader_fen", "admin_share_percent", "admin_unit_fen"],
    ),
    (
        _("Deductions"),
        [
            "early_leave_percent",
            "early_leave_full_at",
            "missed_session_percent",
            "handover_percent",
            "handover_full_at",
            "complaint_min_percent",
            "complaint_max_percent",
            "incident_min_percent",
            "incident_max_percent",
        ],
    ),
    (
        _("Workload points scheme"),
        [
            "points_basic",
            "points_course",
            "points_patrol",
            "teacher_pool_percent",
            "quality_pool_percent",
            "costs_percent",
            "equipment_percent",
            "district_pool_percent",
        ],
    ),
]
RULE_NAMES = [n for _t, names in RULE_GROUPS for n in names]
RulesForm = rules_form_class(RULE_NAMES)


def _initial(rules) -> dict:
    if rules is None:
        return {}
    out = {}
    for name in RULE_NAMES:
        value = getattr(rules, name)
        out[name] = fmt(value) if name.endswith("_fen") and value is not None else value
    return out


def _values(data: dict) -> dict:
    out = {}
    for name in RULE_NAMES:
        value = data.get(name)
        if name.endswith("_fen"):
            out[name] = None if value is None else to_fen(value)
        else:
            out[name] = value
    return out


@login_required
@domain_errors
def district_rules(request, semester_id):
    # The lookup first: another district's semester is 404 for everyone, whatever their role;
    # in one's own district, anyone but its officials gets 403.
    semester = get_visible_or_404(Semester.objects.all(), request.scope, public_id=semester_id)
    if not request.scope.is_official(semester.district_id):
        raise PermissionDenied
    current = subsidies.current_rules(semester)
    form = RulesForm(initial=_initial(current))
    url = reverse("billing_subsidy_rules", args=[semester.public_id])
    if request.method == "POST":
        preset = request.POST.get("preset")
        try:
            if preset:
                subsidies.save_rules(
                    actor=request.user,
                    semester=semester,
                    preset=preset,
                    change_note=_("Started from a preset"),
                )
            else:
                form = RulesForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    subsidies.save_rules(
                        actor=request.user,
                        semester=semester,
                        values=_values(data),
                        change_note=data.get("change_note") or "",
                    )
                else:
                    raise InvalidForm
        except InvalidForm:
            pass
        except DomainError as err:
            if preset:
                for message in error_messages(err):
                    messages.error(request, message)
                return redirect(url)
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Saved as a new version of the rules."))
            return redirect(url)
    groups = [(title, [form[n] for n in names]) for title, names in RULE_GROUPS]
    return render(
        request,
        "billing/payouts/district_rules.html",
        {
            "semester": semester,
            "semesters": Semester.objects.filter(district_id=semester.district_id).order_by(
                "-start_date"
            ),
            "current": current,
            "form": form,
            "groups": groups,
            "presets": [(k, v["label"]) for k, v in subsidies.PRESETS.items()],
            "nav": "district-subsidies",
        },
    )


class InvalidForm(Exception):
    pass


def _school_initial(own) -> dict:
    if own is None:
        return {}
    return {
        "rate": fmt(own.rate_fen) if own.rate_fen is not None else None,
        "safety_duty": fmt(own.safety_duty_fen) if own.safety_duty_fen is not None else None,
        "duty_leader": fmt(own.duty_leader_fen) if own.duty_leader_fen is not None else None,
        "admin_share_percent": own.admin_share_percent,
        "monthly_cap": fmt(own.monthly_cap_fen) if own.monthly_cap_fen is not None else None,
        "note": own.note,
    }


def _fen_or_none(value):
    return None if value is None else to_fen(value)


@login_required
def school_rules(request, school_id):
    school = _school(request, school_id)
    semester = _semester(request, school)
    manages = request.scope.manages(school)
    rules = subsidies.current_rules(semester) if semester else None
    own = subsidies.school_rules(school, semester) if semester else None
    form = SchoolRulesForm(initial=_school_initial(own))
    if request.method == "POST":
        if not manages:
            raise PermissionDenied
        form = SchoolRulesForm(request.POST)
        if form.is_valid() and semester is not None:
            d = form.cleaned_data
            values = {
                "rate_fen": _fen_or_none(d["rate"]),
                "safety_duty_fen": _fen_or_none(d["safety_duty"]),
                "duty_leader_fen": _fen_or_none(d["duty_leader"]),
                "admin_share_percent": d["admin_share_percent"],
                "monthly_cap_fen": _fen_or_none(d["monthly_cap"]),
            }
            try:
                subsidies.save_school_rules(
                    actor=request.user,
                    school=school,
                    semester=semester,
                    values=values,
                    note=d["note"],
                )
            except DomainError as err:
                names = {
                    "rate_fen": "rate",
                    "safety_duty_fen": "safety_duty",
                    "duty_leader_fen": "duty_leader",
                    "monthly_cap_fen": "monthly_cap",
                }
                err.fields = {names.get(k, k): v for k, v in (err.fields or {}).items()}
                apply_domain_error(form, err)
            else:
                messages.success(request, _("Saved; the next payout runs use these values."))
                return redirect(
                    reverse("billing_school_rules", args=[school.public_id])
                    + f"?semester={semester.public_id}"
                )
    return render(
        request,
        "billing/payouts/school_rules.html",
        {
            "school": school,
            "semester": semester,
            "rules": rules,
            "own": own,
            "form": form,
            "manages": manages,
            "nav": f"payouts-{school.pk}",
        },
    )


def _staff(school):
    return list(StaffMember.objects.filter(school=school).order_by("full_name", "pk"))


@login_required
def school_incidents(request, school_id):
    school = _school(request, school_id)
    manages = request.scope.manages(school)
    staff = _staff(school)
    form = IncidentForm(staff=staff)
    if request.method == "POST":
        if not manages:
            raise PermissionDenied
        form = IncidentForm(request.POST, staff=staff)
        if form.is_valid():
            d = form.cleaned_data
            member = next(s for s in staff if str(s.public_id) == d["staff"])
            try:
                payouts.record_incident(
                    actor=request.user,
                    staff=member,
                    day=d["day"],
                    percent=d["percent"],
                    description=d["description"],
                    evidence=d["evidence"],
                )
            except DomainError as err:
                apply_domain_error(form, err)
            else:
                messages.success(request, _("Recorded; the payout runs of the semester deduct it."))
                return redirect(reverse("billing_incidents", args=[school.public_id]))
    offered = list(offers.offered_incidents(school)) if manages else []
    for incident in offered:
        incident.form = IncidentDecisionForm(staff=staff, prefix=str(incident.public_id))
    return render(
        request,
        "billing/payouts/incidents.html",
        {
            "school": school,
            "manages": manages,
            "form": form,
            "offered": offered,
            "incidents": list(
                SafetyIncident.objects.filter(school=school)
                .select_related("staff", "semester", "recorded_by")
                .order_by("-date", "-pk")[:100]
            ),
            "declined": list(
                SafetyIncidentReview.objects.filter(school=school, decision="declined")
                .select_related("incident", "decided_by")
                .order_by("-decided_at")[:50]
            ),
            "nav": f"payouts-{school.pk}",
        },
    )


@require_POST
@login_required
def incident_decide(request, incident_id, decision):
    incident = get_visible_or_404(
        Incident.objects.select_related("school"), request.scope, public_id=incident_id
    )
    if not request.scope.manages(incident.school):
        raise PermissionDenied
    staff = _staff(incident.school)
    form = IncidentDecisionForm(request.POST, staff=staff, prefix=str(incident.public_id))
    back = reverse("billing_incidents", args=[incident.school.public_id])
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect(back)
    d = form.cleaned_data
    member = next((s for s in staff if str(s.public_id) == d.get("staff")), None)
    try:
        offers.decide_incident(
            actor=request.user,
            incident=incident,
            decision=decision,
            staff=member,
            percent=d.get("percent"),
            reason=d.get("reason") or "",
        )
    except DomainError as err:
        for message in error_messages(err):
            messages.error(request, message)
        return redirect(back)
    messages.success(
        request,
        _("Confirmed: the payout runs of the semester deduct it.")
        if decision == "confirmed"
        else _("Declined; the reason is recorded."),
    )
    return redirect(back)


@login_required
def school_agreements(request, school_id):
    school = _school(request, school_id)
    manages = request.scope.manages(school)
    staff = [
        s for s in _staff(school) if s.kind not in (StaffKind.SCHOOL_TEACHER, StaffKind.VOLUNTEER)
    ]
    units = RateUnit.choices
    form = AgreementForm(staff=staff, units=units)
    if request.method == "POST":
        if not manages:
            raise PermissionDenied
        form = AgreementForm(request.POST, staff=staff, units=units)
        if form.is_valid():
            d = form.cleaned_data
            member = next(s for s in staff if str(s.public_id) == d["staff"])
            try:
                payouts.save_agreement(
                    actor=request.user,
                    staff=member,
                    rate_unit=d["rate_unit"],
                    rate_fen=to_fen(d["rate"]),
                    note=d["note"],
                )
            except DomainError as err:
                apply_domain_error(form, err)
            else:
                messages.success(request, _("Saved; the next payout runs pay by it."))
                return redirect(reverse("billing_agreements", args=[school.public_id]))
    agreements = {
        a.staff_id: a for a in LabourAgreement.objects.filter(school=school).select_related("staff")
    }
    return render(
        request,
        "billing/payouts/agreements.html",
        {
            "school": school,
            "manages": manages,
            "form": form,
            "rows": [(s, agreements.get(s.pk)) for s in staff],
            "nav": f"payouts-{school.pk}",
        },
    )


def incident_offers_todo(request, *, school):
    """The principal's home: serious safety incidents waiting for a subsidy decision."""
    if not request.scope.manages(school):
        return None
    count = offers.offered_incidents(school).count()
    if not count:
        return None
    return todo_section(
        _("Subsidy"),
        [
            Todo(
                label=_("Serious safety incidents to confirm for the subsidy deduction"),
                detail=_("Confirm who is responsible and the deduction, or decline with a reason."),
                url=reverse("billing_incidents", args=[school.public_id]),
                action=_("Decide"),
                count=count,
            )
        ],
        testid="incident-offers",
    )
