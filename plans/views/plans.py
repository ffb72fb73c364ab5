"""School plan pages: the school's plans, the plan page with its violations and figures,
editing a draft, the workflow buttons, and the district's review list.

Who may do what is ``plans.rules``; every page lets domain errors escape to
``aftercare.views.errors.domain_errors`` (403 page for a wrong role, the message on the plan
page for a wrong state or bad input), except form errors, shown in place."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.errors import DomainError
from aftercare.models import Role, School, Semester
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import current_district, roles_required
from aftercare.views.errors import apply_domain_error, domain_errors
from plans import rules
from plans.checks import current_policy, evaluate, school_grades
from plans.effective import rules_for
from plans.forms import PART_FORMS, NewPlanForm, PlanGeneralForm, ReviewForm
from plans.models import (
    EDITABLE_STATUSES,
    FROZEN_STATUSES,
    PlanStatus,
    PlanVersion,
    SchoolPlan,
    ServiceClass,
)
from plans.services import plans as plan_services

PLAN_QS = SchoolPlan.objects.select_related("school", "school__district", "semester")


def _plan_for(request, plan_id) -> SchoolPlan:
    """The plan: 404 outside the scope, 403 for a role that may not read plans."""
    plan = get_visible_or_404(PLAN_QS, request.scope, public_id=plan_id)
    rules.require_plan_reader(request.scope, plan)
    return plan


def _back_to_plan(request, plan_id, **_kwargs) -> str:
    return reverse("plan_detail", args=[plan_id])


def _version_of(plan: SchoolPlan, request) -> PlanVersion:
    number = request.GET.get("v")
    if number:
        try:
            return plan.versions.select_related("policy", "decided_by").get(number=int(number))
        except (ValueError, PlanVersion.DoesNotExist) as err:
            raise Http404 from err
    version = plan_services.working_version(plan)
    if version is None:
        raise Http404
    return version


def _editable_version(request, plan: SchoolPlan) -> PlanVersion | None:
    """The draft to edit, or None (the caller redirects) when no version is editable."""
    rules.require_plan_manager(request.scope, plan.school)
    version = plan_services.working_version(plan)
    if version is None or version.status not in EDITABLE_STATUSES:
        return None
    return version


def _locked(request, plan: SchoolPlan):
    messages.error(request, _("This version can no longer be changed; start an amendment."))
    return redirect("plan_detail", plan.public_id)


def _evaluation(version: PlanVersion, grades):
    # Frozen versions are shown against the policy they were approved under; the others
    # against today's policy (which approval re-checks).
    policy = version.policy
    if version.status not in FROZEN_STATUSES or policy is None:
        policy = current_policy(version.plan.semester)
    return evaluate(version, policy, grades)


# --------------------------------------------------------------------------- school side


@login_required
@domain_errors(back=lambda request, school_id: reverse("school_plans", args=[school_id]))
def school_plans(request, school_id):
    scope = request.scope
    school = get_visible_or_404(
        School.objects.select_related("district"), scope, public_id=school_id
    )
    rules.require_school_plans_reader(scope, school)
    form = NewPlanForm(request.POST or None)
    if request.method == "POST":
        rules.require_plan_manager(scope, school)
        semester = get_visible_or_404(
            Semester.objects.filter(district=school.district),
            scope,
            public_id=request.POST.get("semester"),
        )
        if form.is_valid():
            plan = plan_services.create_plan(
                actor=request.user,
                school=school,
                semester=semester,
                copy_from_last=form.cleaned_data["copy_from_last"],
            )
            messages.success(request, _("Plan created. Fill it in section by section."))
            return redirect("plan_detail", plan.public_id)
    semesters = Semester.objects.filter(district=school.district).order_by("-start_date")
    plans = {
        p.semester_id: p
        for p in SchoolPlan.objects.filter(school=school).prefetch_related("versions")
    }
    rows = []
    for semester in semesters:
        plan = plans.get(semester.pk)
        version = None
        if plan is not None:
            versions = sorted(plan.versions.all(), key=lambda v: -v.number)
            version = versions[0] if versions else None
        rows.append((semester, plan, version))
    return render(
        request,
        "plans/school_plans.html",
        {
            "school": school,
            "rows": rows,
            "form": form,
            "can_manage": rules.can_manage_plan(scope, school),
            "nav": f"plans-{school.pk}",
        },
    )


@login_required
@domain_errors
def plan_detail(request, plan_id):
    plan = _plan_for(request, plan_id)
    scope = request.scope
    version = _version_of(plan, request)
    versions = list(plan.versions.select_related("decided_by").order_by("-number"))
    grades = school_grades(plan.school)
    evaluation = _evaluation(version, grades)
    course_problems = defaultdict(list)
    for v in evaluation.for_section("courses"):
        course_problems[v.item_id].append(v)
    sections = {name: evaluation.for_section(name) for name in ("general", "periods", "windows")}
    can_manage = rules.can_manage_plan(scope, plan.school)
    is_official = rules.can_review_plan(scope, plan.district_id)
    has_open = any(
        v.status in (*EDITABLE_STATUSES, PlanStatus.SUBMITTED, PlanStatus.APPROVED)
        for v in versions
    )
    policy = evaluation.policy
    editable = can_manage and version.status in EDITABLE_STATUSES
    return render(
        request,
        "plans/detail.html",
        {
            "plan": plan,
            "version": version,
            "versions": versions,
            "evaluation": evaluation,
            "sections": sections,
            "course_problems": dict(course_problems),
            "periods": evaluation.periods,
            "courses": evaluation.courses,
            "windows": evaluation.windows,
            "editable": editable,
            "problem_links": _problem_links(plan, evaluation.violations, editable=editable),
            "past_windows": _past_windows(version, evaluation.windows),
            "can_submit": can_manage and version.status in EDITABLE_STATUSES,
            "can_publish": can_manage and version.status == PlanStatus.APPROVED,
            "can_amend": can_manage and version.status == PlanStatus.PUBLISHED and not has_open,
            "can_review": is_official and version.status == PlanStatus.SUBMITTED,
            "review_form": ReviewForm(),
            "policy": policy,
            "course_figures": {f.course.pk: f for f in evaluation.figures.courses},
            "nav": "plans" if is_official else f"plans-{plan.school_id}",
        },
    )


@require_POST
@login_required
@domain_errors(back=_back_to_plan)
def plan_action(request, plan_id, action):
    plan = _plan_for(request, plan_id)
    version = plan_services.working_version(plan)
    if version is None:
        raise Http404
    form = ReviewForm(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    if action == "submit":
        plan_services.submit_plan(actor=request.user, version=version)
        messages.success(request, _("Submitted to the district for review."))
    elif action == "approve":
        if request.POST.get("confirmed") != "yes":
            # Approval freezes the version and lets the school publish and charge under it:
            # the official confirms on a page that says so (the reviewer's rule first).
            rules.require_plan_reviewer(request.scope, plan.district_id)
            return render(
                request,
                "plans/confirm_approve.html",
                {"plan": plan, "version": version, "comment": comment, "nav": "plans"},
            )
        plan_services.approve_plan(actor=request.user, version=version, comment=comment)
        messages.success(request, _("Plan approved."))
    elif action == "return":
        plan_services.return_plan(actor=request.user, version=version, comment=comment)
        messages.success(request, _("Plan returned to the school."))
    elif action == "publish":
        plan_services.publish_plan(actor=request.user, version=version)
        messages.success(request, _("Plan published."))
    elif action == "amend":
        plan_services.amend_plan(actor=request.user, plan=plan)
        messages.success(request, _("A new draft was started from the published plan."))
    else:
        raise Http404
    return redirect("plan_detail", plan.public_id)


@login_required
@domain_errors(back=_back_to_plan)
def plan_general_edit(request, plan_id):
    plan = _plan_for(request, plan_id)
    version = _editable_version(request, plan)
    if version is None:
        return _locked(request, plan)
    policy = current_policy(plan.semester)
    form = PlanGeneralForm(
        request.POST or None,
        instance=PlanVersion.objects.get(pk=version.pk),
        prohibitions=policy.prohibitions if policy else (),
    )
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in PlanVersion.CONTENT_FIELDS}
        try:
            plan_services.update_plan_general(actor=request.user, version=version, data=data)
        except DomainError as err:
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("plan_detail", args=[plan.public_id]) + "#general")
    evaluation = evaluate(version, policy, school_grades(plan.school))
    problems = evaluation.for_section("general")
    return render(
        request,
        "plans/edit_general.html",
        {
            "plan": plan,
            "version": version,
            "form": form,
            "problems": problems,
            "warnings": _by_field(problems),
            "policy": policy,
        },
    )


def _by_field(problems) -> dict:
    out = defaultdict(list)
    for p in problems:
        out[p.field or ""].append(p.message)
    return dict(out)


SECTION = {"period": "periods", "course": "courses", "window": "windows"}
PART_OF_SECTION = {section: kind for kind, section in SECTION.items()}


def _problem_links(plan: SchoolPlan, violations, *, editable: bool) -> list[tuple]:
    """Each violation with where to fix it: the period's, course's or window's form (or its
    place on the page when the version cannot be edited), the section otherwise."""
    links = []
    for v in violations:
        kind = PART_OF_SECTION.get(v.section)
        if kind and v.item_id and editable:
            url = reverse("plan_part_edit", args=[plan.public_id, kind, v.item_id])
        elif kind and v.item_id:
            url = f"#{kind}-{v.item_id}"
        else:
            url = f"#{v.section}"
        links.append((v, url))
    return links


def _past_windows(version: PlanVersion, windows) -> list:
    """Registration windows of an editable version that have already closed: the plan would
    be approved with no way to register."""
    if version.status not in EDITABLE_STATUSES:
        return []
    now = timezone.now()
    return [w for w in windows if w.closes_at <= now]


@login_required
@domain_errors(back=_back_to_plan)
def plan_part_edit(request, plan_id, kind, part_id=None):
    if kind not in PART_FORMS:
        raise Http404
    plan = _plan_for(request, plan_id)
    version = _editable_version(request, plan)
    if version is None:
        return _locked(request, plan)
    model = plan_services.PART_MODELS[kind]
    part = None
    if part_id is not None:
        part = get_visible_or_404(model.objects.filter(version=version), request.scope, pk=part_id)
    grades = school_grades(plan.school)
    kwargs = {} if kind == "window" else {"school_grades": grades or list(range(1, 7))}
    initial = {f: getattr(part, f) for f in plan_services.PART_FIELDS[kind]} if part else {}
    if part is None and kind == "course":
        policy = current_policy(plan.semester)
        initial = {"min_size": policy.min_extended_course_size if policy else 15}
    form = PART_FORMS[kind](request.POST or None, initial=initial, **kwargs)
    if kind == "course":
        _show_fee_cap(form, plan, grades)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.save_plan_part(
                actor=request.user, version=version, kind=kind, data=form.cleaned_data, part=part
            )
        except DomainError as err:
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("plan_detail", args=[plan.public_id]) + f"#{SECTION[kind]}")
    problems = []
    if part is not None:
        problems = evaluate(version, None, grades).for_section(SECTION[kind], part.pk)
    return render(
        request,
        "plans/edit_part.html",
        {
            "plan": plan,
            "version": version,
            "form": form,
            "kind": kind,
            "part": part,
            "problems": problems,
            "warnings": _by_field(problems),
        },
    )


def _show_fee_cap(form, plan: SchoolPlan, grades) -> None:
    """The district's cap per lesson for extended courses, next to the fee field (the
    strictest of the school's grades, as the check applies it)."""
    policy = current_policy(plan.semester)
    if policy is None:
        return
    caps = [
        rules_for(policy, plan.school, grade, ServiceClass.EXTENDED).extended_cap_per_lesson
        for grade in (grades or [1])
    ]
    caps = [c for c in caps if c is not None]
    field = form.fields["fee_per_lesson"]
    if caps:
        field.help_text = _("District cap: %(cap)s yuan per lesson.") % {"cap": min(caps)}
    else:
        field.help_text = _("The district sets no cap per lesson.")


@require_POST
@login_required
@domain_errors(back=_back_to_plan)
def plan_part_delete(request, plan_id, kind, part_id):
    if kind not in PART_FORMS:
        raise Http404
    plan = _plan_for(request, plan_id)
    version = _editable_version(request, plan)
    if version is None:
        return _locked(request, plan)
    part = get_visible_or_404(
        plan_services.PART_MODELS[kind].objects.filter(version=version), request.scope, pk=part_id
    )
    plan_services.delete_plan_part(actor=request.user, version=version, kind=kind, part=part)
    messages.success(request, _("Removed."))
    return redirect(reverse("plan_detail", args=[plan.public_id]) + f"#{SECTION[kind]}")


# --------------------------------------------------------------------------- district side


@roles_required(Role.DISTRICT_OFFICIAL)
@domain_errors
def district_plans(request):
    district = current_district(request)
    semesters = list(Semester.objects.filter(district=district).order_by("-start_date"))
    semester = next(
        (s for s in semesters if str(s.public_id) == request.GET.get("semester")),
        semesters[0] if semesters else None,
    )
    rows = []
    if semester is not None:
        plans = {
            p.school_id: p
            for p in SchoolPlan.objects.filter(semester=semester).prefetch_related("versions")
        }
        for school in School.objects.visible_to(request.scope).filter(district=district):
            plan = plans.get(school.pk)
            version = None
            published = None
            if plan is not None:
                versions = sorted(plan.versions.all(), key=lambda v: -v.number)
                version = versions[0] if versions else None
                published = next((v for v in versions if v.status == PlanStatus.PUBLISHED), None)
            rows.append((school, plan, version, published))
    waiting = sum(1 for _s, _p, v, _pub in rows if v and v.status == PlanStatus.SUBMITTED)
    return render(
        request,
        "plans/district_plans.html",
        {
            "semesters": semesters,
            "semester": semester,
            "rows": rows,
            "waiting": waiting,
            "nav": "plans",
        },
    )
