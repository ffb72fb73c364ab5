"""Helpers shared by the application pages: the client's address and agent, field errors
from a domain error, the application and guardian look-ups (another family's is 404)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy

from aftercare import net
from aftercare.errors import DomainError
from aftercare.tenancy import get_visible_or_404
from enrollment.forms.applications import ReviewForm
from enrollment.models import Application, Student
from enrollment.selectors import applications as selectors
from enrollment.services import applications as services

PAGE_SIZE = 50


def client_ip(request) -> str | None:
    return net.client_ip(request)


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def show_error(form, error: DomainError, rename: dict[str, str] | None = None) -> None:
    """A service error in place: field errors on the form's fields, the rest on top."""
    rename = rename or {}
    for name, msgs in error.fields.items():
        target = rename.get(name, name)
        for msg in msgs:
            form.add_error(target if target in form.fields else None, str(msg))
    if not error.fields:
        form.add_error(None, str(error.message))


def _forbid_on_403(error: DomainError) -> None:
    if error.status == 403:
        raise PermissionDenied(str(error.message)) from error


def _application(request, application_id) -> Application:
    return get_visible_or_404(
        selectors.applications_for(scope=request.scope), request.scope, public_id=application_id
    )


def _require_guardian(request, student: Student) -> None:
    """Seen but not one's own child (a teacher, an official): wrong role, 403."""
    if not student.guardianships.filter(user=request.user).exists():
        raise PermissionDenied


REVIEW_LABELS = {
    "approve": gettext_lazy("Note for the school (optional)"),
    "flag": gettext_lazy("What should the school look at?"),
    "reject": gettext_lazy("Reason for the rejection"),
}


def review_form(app: Application, decision: str, data=None) -> ReviewForm:
    form = ReviewForm(
        data, auto_id=f"id_{decision}_{app.public_id}_%s", initial={"decision": decision}
    )
    form.fields["note"].label = REVIEW_LABELS[decision]
    return form


def _review_forms(app: Application, bound: dict) -> dict[str, ReviewForm]:
    forms = {d: review_form(app, d) for d in services.Decision.CHOICES}
    sent = bound.get(app.pk)
    if sent is not None and sent.data.get("decision") in forms:
        forms[sent.data["decision"]] = sent
    return forms
