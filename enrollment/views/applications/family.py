"""The parent's pages: apply (家长申请), change, withdraw (退出), the service agreement
(服务协议) and the insurance (学平险)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftercare.errors import DomainError
from aftercare.models import Role
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import roles_required
from enrollment.forms.applications import (
    ApplyForm,
    ChangeApplicationForm,
    InsuranceForm,
    SignForm,
    WithdrawalRequestForm,
)
from enrollment.models import Channel, Student
from enrollment.selectors import applications as selectors
from enrollment.services import applications as services
from enrollment.views.applications.common import (
    _application,
    _forbid_on_403,
    _require_guardian,
    client_ip,
    show_error,
    user_agent,
)

# =========================================================================== parent


def _family_page(request, *, bound: dict | None = None, status: int = 200):
    """The parent's page; ``bound`` maps (kind, object pk) to a form with errors."""
    bound = bound or {}
    rows = selectors.family_overview(user=request.user, scope=request.scope, now=timezone.now())
    for row in rows:
        sid, app = str(row.student.public_id), row.application
        row.apply_form = bound.get(("apply", row.student.pk)) or ApplyForm(
            prefix_id=sid, initial={"student": row.student.public_id}
        )
        if app is None:
            continue
        aid = str(app.public_id)
        row.change_form = bound.get(("change", app.pk)) or ChangeApplicationForm(
            auto_id=f"id_change_{aid}_%s",
            initial={
                "basic_care": "yes" if app.basic_care else "no",
                "priority_groups": app.priority_groups,
                "parent_note": app.parent_note,
            },
        )
        row.withdraw_form = bound.get(("withdraw", app.pk)) or WithdrawalRequestForm(
            auto_id=f"id_withdraw_{aid}_%s"
        )
        row.open_form = next((kind for kind, pk in bound if pk == app.pk), None)
    return render(
        request,
        "enrollment/applications/family.html",
        {"rows": rows, "nav": "family-applications", "today": timezone.localdate()},
        status=status,
    )


@roles_required(Role.PARENT)
@require_GET
def family_applications(request):
    return _family_page(request)


@roles_required(Role.PARENT)
@require_POST
def apply(request):
    student_id = request.POST.get("student", "")
    student = get_visible_or_404(
        Student.objects.select_related("school", "school_class__homeroom_teacher"),
        request.scope,
        public_id=student_id,
    )
    _require_guardian(request, student)
    form = ApplyForm(request.POST, prefix_id=str(student.public_id))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.apply_for_service(
                actor=request.user,
                student=student,
                basic_care=data["basic_care"],
                priority_groups=data["priority_groups"],
                note=data["parent_note"],
                channel=Channel.WEB,
                client_ip=client_ip(request),
                user_agent=user_agent(request),
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(
                request,
                _("The application for %(student)s was sent. The class teacher reviews it next.")
                % {"student": student.name},
            )
            return redirect("family_applications")
    return _family_page(request, bound={("apply", student.pk): form}, status=400)


@login_required
@require_POST
def change(request, application_id):
    app = _application(request, application_id)
    _require_guardian(request, app.student)
    form = ChangeApplicationForm(request.POST, auto_id=f"id_change_{app.public_id}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_application(
                actor=request.user,
                application=app,
                basic_care=data["basic_care"],
                priority_groups=data["priority_groups"],
                note=data["parent_note"],
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(request, _("The application was changed."))
            return redirect(services.family_url(app))
    return _family_page(request, bound={("change", app.pk): form}, status=400)


@login_required
@require_POST
def withdraw(request, application_id):
    app = _application(request, application_id)
    _require_guardian(request, app.student)
    form = WithdrawalRequestForm(request.POST, auto_id=f"id_withdraw_{app.public_id}_%s")
    if form.is_valid():
        try:
            services.request_withdrawal(
                actor=request.user,
                application=app,
                reason=form.cleaned_data["reason"],
                last_day=form.cleaned_data["last_day"],
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(
                request, _("Your withdrawal request was sent. The school will answer.")
            )
            return redirect(services.family_url(app))
    return _family_page(request, bound={("withdraw", app.pk): form}, status=400)


# --------------------------------------------------------------------------- agreement


def _agreement_page(request, app, *, sign_form=None, insurance_form=None, status=200):
    selectors.attach_timeline(app)
    latest = selectors.latest_agreement(school_id=app.school_id, semester_id=app.semester_id)
    shown = app.agreement or latest
    is_guardian = app.student.guardianships.filter(user=request.user).exists()
    return render(
        request,
        "enrollment/applications/agreement.html",
        {
            "app": app,
            "agreement": shown,
            "latest": latest,
            "is_guardian": is_guardian,
            "sign_form": sign_form
            or SignForm(initial={"version": latest.version if latest else 0}),
            "insurance_form": insurance_form
            or InsuranceForm(
                initial={
                    "confirm": app.insurance_confirmed_at is not None,
                    "policy_number": app.insurance_note,
                }
            ),
            "nav": "family-applications" if is_guardian else "",
        },
        status=status,
    )


@login_required
@require_GET
def agreement(request, application_id):
    app = _application(request, application_id)
    return _agreement_page(request, app)


@login_required
@require_POST
def sign(request, application_id):
    app = _application(request, application_id)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            services.sign_agreement(
                actor=request.user,
                application=app,
                version=form.cleaned_data["version"],
                client_ip=client_ip(request),
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(request, _("Thank you: the agreement is signed."))
            return redirect("application_agreement", app.public_id)
    return _agreement_page(request, app, sign_form=form, status=400)


@login_required
@require_POST
def insurance(request, application_id):
    app = _application(request, application_id)
    form = InsuranceForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_insurance(
                actor=request.user,
                application=app,
                policy_number=form.cleaned_data["policy_number"],
                client_ip=client_ip(request),
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(request, _("The accident insurance is confirmed."))
            return redirect("application_agreement", app.public_id)
    return _agreement_page(request, app, insurance_form=form, status=400)
