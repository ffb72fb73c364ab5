"""Helpers of the attendance pages: mapping domain errors, "today"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied

from aftercare.errors import DomainError


def show_error(request, error: DomainError, form=None) -> None:
    """A wrong role is a 403 page; anything else is shown in place (on the form's fields
    where it names them, else as a message)."""
    if error.status == 403:
        raise PermissionDenied(str(error.message))
    if form is not None:
        shown = False
        for name, msgs in error.fields.items():
            target = name if name in form.fields else None
            for msg in msgs:
                form.add_error(target, str(msg))
                shown = True
        if not shown:
            form.add_error(None, str(error.message))
        return
    if error.fields:
        for msgs in error.fields.values():
            for msg in msgs:
                messages.error(request, str(msg))
    else:
        messages.error(request, str(error.message))


def require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied
