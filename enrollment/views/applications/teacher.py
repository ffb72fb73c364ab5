"""The homeroom teacher's review (班级审核): approve, flag or reject, one at a time or in a
batch, on a phone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from aftercare.errors import DomainError
from aftercare.models import Role
from aftercare.views.core import roles_required
from enrollment.models import ApplicationStatus
from enrollment.selectors import applications as selectors
from enrollment.services import applications as services
from enrollment.services.applications.review import review_applications
from enrollment.views.applications.common import (
    REVIEW_LABELS,
    _application,
    _forbid_on_403,
    _review_forms,
    review_form,
    show_error,
)
from enrollment.views.applications.school import _school_page, _uuids

# =========================================================================== class review

ALL = "all"


# The page opens on what waits for the teacher; "all" is the last tab.
STATUS_TABS = [
    (ApplicationStatus.APPLIED, gettext_lazy("To review")),
    # The other tabs carry the status's own name, as on every other page.
    (ApplicationStatus.CLASS_APPROVED, ApplicationStatus.CLASS_APPROVED.label),
    (ApplicationStatus.FLAGGED, ApplicationStatus.FLAGGED.label),
    (ApplicationStatus.REJECTED, ApplicationStatus.REJECTED.label),
    (ApplicationStatus.APPROVED, ApplicationStatus.APPROVED.label),
    (ApplicationStatus.WITHDRAWN, ApplicationStatus.WITHDRAWN.label),
    (ALL, gettext_lazy("All")),
]


def _card(app, bound: dict):
    app.forms = _review_forms(app, bound)
    app.open_form = bound[app.pk].data.get("decision") if app.pk in bound else None
    app.reviewable = app.status in selectors.REVIEWABLE
    return app


def _teacher_page(request, *, bound: dict | None = None, status: int = 200):
    wanted = request.GET.get("status") or ApplicationStatus.APPLIED
    if wanted != ALL and wanted not in ApplicationStatus.values:
        wanted = ApplicationStatus.APPLIED
    base = selectors.teacher_applications(user=request.user, scope=request.scope)
    counts = selectors.status_counts(base)
    items = list(base if wanted == ALL else base.filter(status=wanted))
    bound = bound or {}
    for app in items:
        _card(app, bound)
    return render(
        request,
        "enrollment/applications/teacher.html",
        {
            "applications": items,
            "tabs": [
                (key, label, counts.get("all" if key == ALL else key, 0))
                for key, label in STATUS_TABS
            ],
            "status": wanted,
            "batch": wanted == ApplicationStatus.APPLIED and any(app.reviewable for app in items),
            "nav": "teacher-applications",
        },
        status=status,
    )


def _card_response(request, app, *, bound: dict | None = None, message: str = "", status=200):
    """One application's card, for htmx to swap in place of the one that was sent."""
    app = (
        selectors.teacher_applications(user=request.user, scope=request.scope)
        .filter(pk=app.pk)
        .first()
        or app
    )
    return render(
        request,
        "enrollment/applications/_teacher_card.html",
        {"app": _card(app, bound or {}), "message": message},
        status=status,
    )


@roles_required(Role.HOMEROOM_TEACHER)
@require_GET
def teacher_applications(request):
    return _teacher_page(request)


@roles_required(Role.HOMEROOM_TEACHER)
@require_POST
def review_batch(request):
    """Approve the ticked applications of the teacher's classes, after a confirmation page
    that names them. Nothing ticked is an error, never "approve everything"."""
    ids = _uuids(request.POST.getlist("selected"))
    apps = list(
        selectors.teacher_applications(user=request.user, scope=request.scope).filter(
            public_id__in=ids, status__in=selectors.REVIEWABLE
        )
    )
    back = reverse("teacher_applications")
    if not apps:
        messages.error(request, _("Select the applications to approve first."))
        return redirect(back)
    if request.POST.get("confirmed") != "yes":
        return render(
            request,
            "enrollment/applications/confirm_batch.html",
            {
                "applications": apps,
                "action": reverse("teacher_applications_batch"),
                "back": back,
                "nav": "teacher-applications",
            },
        )
    try:
        approved, skipped = review_applications(actor=request.user, applications=apps)
    except DomainError as err:
        _forbid_on_403(err)
        messages.error(request, str(err.message))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(n)d application approved by the class.",
            "%(n)d applications approved by the class.",
            len(approved),
        )
        % {"n": len(approved)},
    )
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(n)d application was decided meanwhile and left as it is.",
                "%(n)d applications were decided meanwhile and left as they are.",
                skipped,
            )
            % {"n": skipped},
        )
    return redirect(back)


@login_required
@require_POST
def review(request, application_id):
    """Class review from the teacher's page or the school's page (``origin``)."""
    app = _application(request, application_id)
    origin = request.POST.get("origin", "teacher")
    decision = request.POST.get("decision")
    form = review_form(app, decision if decision in REVIEW_LABELS else "approve", request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.review_application(
                actor=request.user,
                application=app,
                decision=data["decision"],
                note=data["note"],
                needs_accompaniment=data["needs_accompaniment"],
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            text = {
                "approve": _("%(student)s: approved."),
                "flag": _("%(student)s: flagged for the school."),
                "reject": _("%(student)s: rejected."),
            }[data["decision"]]
            if request.htmx and origin == "teacher":
                return _card_response(request, app, message=text % {"student": app.student.name})
            messages.success(request, text % {"student": app.student.name})
            if origin == "school":
                return redirect(services.school_url(app))
            return redirect(reverse("teacher_applications") + f"#app-{app.public_id}")
    if origin == "school":
        if not request.scope.manages(app.school):
            raise PermissionDenied
        return _school_page(request, app.school, app.plan, bound={app.pk: form}, status=400)
    if not services.can_review(request.scope, app):
        raise PermissionDenied
    if request.htmx:
        return _card_response(request, app, bound={app.pk: form}, status=400)
    return _teacher_page(request, bound={app.pk: form}, status=400)
