"""The homeroom teacher's review (班级审核): approve, flag or reject, one at a time or in a
batch, on a phone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from aftercare.errors import DomainError
from aftercare.models import Role
from aftercare.views.core import roles_required
from enrollment.models import ApplicationStatus
from enrollment.selectors import applications as selectors
from enrollment.services import applications as services
from enrollment.views.applications.common import (
    REVIEW_LABELS,
    _application,
    _forbid_on_403,
    _review_forms,
    review_form,
    show_error,
)
from enrollment.views.applications.school import _school_page

# =========================================================================== class review


STATUS_TABS = [
    ("", gettext_lazy("All")),
    (ApplicationStatus.APPLIED, gettext_lazy("To review")),
    (ApplicationStatus.CLASS_APPROVED, gettext_lazy("Approved by the class")),
    (ApplicationStatus.FLAGGED, gettext_lazy("Flagged")),
    (ApplicationStatus.REJECTED, gettext_lazy("Rejected")),
    (ApplicationStatus.APPROVED, gettext_lazy("Approved by the school")),
    (ApplicationStatus.WITHDRAWN, ApplicationStatus.WITHDRAWN.label),
]


def _teacher_page(request, *, bound: dict | None = None, status: int = 200):
    wanted = request.GET.get("status", "")
    if wanted and wanted not in ApplicationStatus.values:
        wanted = ""
    base = selectors.teacher_applications(user=request.user, scope=request.scope)
    counts = selectors.status_counts(base)
    items = list(base.filter(status=wanted) if wanted else base)
    bound = bound or {}
    for app in items:
        app.forms = _review_forms(app, bound)
        app.open_form = bound[app.pk].data.get("decision") if app.pk in bound else None
        app.reviewable = app.status in selectors.REVIEWABLE
    return render(
        request,
        "enrollment/applications/teacher.html",
        {
            "applications": items,
            "tabs": [(key, label, counts.get(key or "all", 0)) for key, label in STATUS_TABS],
            "status": wanted,
            "nav": "teacher-applications",
        },
        status=status,
    )


@roles_required(Role.HOMEROOM_TEACHER)
@require_GET
def teacher_applications(request):
    return _teacher_page(request)


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
    return _teacher_page(request, bound={app.pk: form}, status=400)
