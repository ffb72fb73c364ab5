"""Pages of the institutions lifecycle.

District officials: the admission page (price policy, batches, accounts), a batch's
applications, an application's review. An institution's account: its home (open batches, its
applications, its staff list) and the application form. Everyone: the published list.
Another district's or institution's rows are 404 (``institutions.selectors``); the wrong role
403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.errors import DomainError
from aftercare.models import District, Role
from aftercare.views.core import apply_domain_error, current_district, roles_required
from aftercare.views.errors import domain_errors
from institutions import rules, selectors, services
from institutions.forms import (
    AccountForm,
    ApplicationForm,
    BatchForm,
    CourseFormSet,
    InstructorForm,
    PolicyForm,
    ReviewForm,
    to_fen,
)
from institutions.models import ApplicationStatus, InstitutionPolicy


def nav(scope) -> list[dict]:
    items = []
    if scope.is_official():
        items.append(
            {
                "key": "institution-admission",
                "label": _("Institution admission"),
                "url": reverse("institutions_admission"),
                "position": 36,
            }
        )
    if rules.own_institution_ids(scope):
        items.append(
            {
                "key": "institution-home",
                "label": _("My institution"),
                "url": reverse("institution_home"),
                "position": 1,
            }
        )
    return items


def landing(scope) -> str | None:
    return reverse("institution_home") if rules.own_institution_ids(scope) else None


def _get(queryset, **lookup):
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def _fail(form, err: DomainError) -> None:
    if err.status == 403:
        raise PermissionDenied from err
    apply_domain_error(form, err)


# --------------------------------------------------------------------------- district


@roles_required(Role.DISTRICT_OFFICIAL)
def admission(request):
    district = current_district(request)
    policy = InstitutionPolicy.objects.filter(district=district).first()
    which = request.POST.get("form") if request.method == "POST" else None
    initial = (
        {
            "price_ceiling": policy.ceiling_yuan,
            "ceiling_basis": policy.ceiling_basis,
            "families_may_pay": policy.families_may_pay,
            "satisfaction_threshold": policy.satisfaction_threshold,
        }
        if policy
        else None
    )
    policy_form = PolicyForm(request.POST if which == "policy" else None, initial=initial)
    batch_form = BatchForm(request.POST if which == "batch" else None)
    account_form = AccountForm(request.POST if which == "account" else None)
    target = {"policy": policy_form, "batch": batch_form, "account": account_form}.get(which)
    if target is not None and target.is_valid():
        data = target.cleaned_data
        try:
            if which == "policy":
                services.save_policy(
                    actor=request.user,
                    district=district,
                    price_ceiling_fen=to_fen(data["price_ceiling"]),
                    ceiling_basis=data["ceiling_basis"],
                    families_may_pay=data["families_may_pay"],
                    satisfaction_threshold=data["satisfaction_threshold"],
                )
                messages.success(request, _("Price policy saved."))
            elif which == "batch":
                services.open_batch(actor=request.user, district=district, **data)
                messages.success(request, _("Batch opened."))
            else:
                services.open_account(actor=request.user, district=district, **data)
                messages.success(request, _("Institution account opened."))
        except DomainError as err:
            _fail(target, err)
        else:
            return redirect("institutions_admission")
    batches = (
        selectors.batches_visible(request.scope)
        .filter(district=district)
        .annotate(n_applications=Count("applications"))
    )
    return render(
        request,
        "institutions/admission.html",
        {
            "district": district,
            "policy": policy,
            "policy_form": policy_form,
            "batch_form": batch_form,
            "account_form": account_form,
            "batches": batches,
            "nav": "institution-admission",
        },
    )


@login_required
@domain_errors
def batch_detail(request, batch_id):
    batch = _get(selectors.batches_visible(request.scope), public_id=batch_id)
    if not rules.can_manage_admission(request.scope, batch.district_id):
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("action") == "close":
        services.close_batch(actor=request.user, batch=batch)
        messages.success(request, _("Batch closed."))
        return redirect("institutions_batch", batch_id=batch.public_id)
    applications = selectors.applications_visible(request.scope).filter(batch=batch)
    return render(
        request,
        "institutions/batch.html",
        {"batch": batch, "applications": applications, "nav": "institution-admission"},
    )


@login_required
@domain_errors
def application_detail(request, application_id):
    scope = request.scope
    application = _get(selectors.applications_visible(scope), public_id=application_id)
    can_review = rules.can_manage_admission(scope, application.district_id)
    if not (can_review or rules.acts_for(scope, application.institution)):
        raise PermissionDenied
    form = None
    if can_review and application.status == ApplicationStatus.SUBMITTED:
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.review_application(
                    actor=request.user,
                    application=application,
                    approve=form.cleaned_data["decision"] == "approve",
                    score=form.cleaned_data["score"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as err:
                _fail(form, err)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("institutions_application", application_id=application.public_id)
    elif request.method == "POST":
        raise PermissionDenied
    today = timezone.localdate()
    staff = [(i, services.check_problem(i, on=today)) for i in application.staff.all()]
    return render(
        request,
        "institutions/application.html",
        {
            "application": application,
            "staff": staff,
            "form": form,
            "can_review": can_review,
            "nav": "institution-admission" if can_review else "institution-home",
        },
    )


# --------------------------------------------------------------------------- institution


def _account_or_403(request):
    account = selectors.account_of(request.scope)
    if account is None:
        raise PermissionDenied
    return account


@login_required
@domain_errors
def institution_home(request):
    account = _account_or_403(request)
    institution = account.institution
    form = InstructorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_instructor(
                actor=request.user, institution=institution, data=form.cleaned_data
            )
        except DomainError as err:
            _fail(form, err)
        else:
            messages.success(request, _("Instructor added to the staff list."))
            return redirect("institution_home")
    today = timezone.localdate()
    batches = [
        b
        for b in selectors.batches_visible(request.scope).filter(district=institution.district)
        if b.is_open_on(today)
    ]
    applications = selectors.applications_visible(request.scope).filter(institution=institution)
    staff = [
        (i, services.check_problem(i, on=today))
        for i in selectors.instructors_visible(request.scope).filter(institution=institution)
    ]
    return render(
        request,
        "institutions/home.html",
        {
            "institution": institution,
            "batches": batches,
            "applications": applications,
            "staff": staff,
            "form": form,
            "nav": "institution-home",
        },
    )


@login_required
@domain_errors
def apply(request, batch_id):
    batch = _get(selectors.batches_visible(request.scope), public_id=batch_id)
    account = _account_or_403(request)
    institution = account.institution
    post = request.POST if request.method == "POST" else None
    form = ApplicationForm(post, institution=institution)
    courses = CourseFormSet(post, prefix="course")
    if post is not None and form.is_valid() and courses.is_valid():
        rows = [
            {
                "name": c["name"],
                "content": c["content"],
                "grades": c.get("grades", ""),
                "price_fen": to_fen(c["price"]),
                "payment": c["payment"],
            }
            for c in courses.cleaned_data
            if c
        ]
        data = form.cleaned_data
        try:
            application = services.submit_application(
                actor=request.user,
                institution=institution,
                batch=batch,
                licence_number=data["licence_number"],
                licence_valid_until=data["licence_valid_until"],
                supervision_platform_no=data["supervision_platform_no"],
                courses=rows,
                staff=list(data["staff"]),
                note=data["note"],
            )
        except DomainError as err:
            _fail(form, err)  # course problems (ceiling, who pays) show on top
        else:
            messages.success(request, _("Application submitted."))
            return redirect("institutions_application", application_id=application.public_id)
    return render(
        request,
        "institutions/apply.html",
        {
            "batch": batch,
            "institution": institution,
            "form": form,
            "courses": courses,
            "nav": "institution-home",
        },
    )


# --------------------------------------------------------------------------- public


def public_list(request, district_code):
    district = get_object_or_404(District, code=district_code)
    policy = InstitutionPolicy.objects.filter(district=district).first()
    return render(
        request,
        "institutions/public_list.html",
        {
            "district": district,
            "policy": policy,
            "institutions": selectors.approved_list(district),
        },
    )
