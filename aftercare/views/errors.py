"""One way for pages to fail: domain errors become pages, the same way everywhere.

Services raise ``aftercare.errors.DomainError`` subclasses; lookups raise ``Http404``. A page
view decorated with ``domain_errors`` lets them escape and gets:

* another tenant's object (``Http404`` from ``get_visible_or_404``)   404 page
* wrong role in one's own tenant (``NotAllowed``, status 403)         403 page with the reason
* wrong state (``Conflict``, 409) or bad input (``InvalidInput``, 400):
    - with ``back=``: the message is flashed and the browser redirected there (the action
      buttons of a page: submit, approve, cancel … land back on the page they were on);
    - otherwise: an error page with the error's status (409 or 400) and its message.

Bad input that belongs to a form is shown in place by the view itself
(``apply_domain_error(form, err)``) and never reaches the decorator.
The API's counterpart is ``aftercare.api_conf.exception_handler``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from aftercare.errors import DomainError

Back = Callable[..., str]


def error_messages(error: DomainError) -> list[str]:
    """What to tell the user: the error's own message when it has one; otherwise the field
    messages (or the generic message of its kind)."""
    if error.message is not type(error).default_message or not error.fields:
        return [str(error.message)]
    return [str(m) for msgs in error.fields.values() for m in msgs]


def apply_domain_error(form, error: DomainError) -> None:
    """Show a service's field errors in place on the form (unknown fields on top)."""
    for field, msgs in error.fields.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, str(msg))
    if not error.fields:
        form.add_error(None, str(error.message))


def domain_error_response(
    request, error: DomainError, *, back: Back | None = None, view_kwargs: dict | None = None
) -> HttpResponse:
    if error.status == 403:
        raise PermissionDenied(str(error.message)) from error
    if error.status == 404:
        raise Http404(str(error.message)) from error
    if back is not None:
        for message in error_messages(error):
            messages.error(request, message)
        return redirect(back(request, **(view_kwargs or {})))
    referer = request.headers.get("referer", "")
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return render(
        request,
        "domain_error.html",
        {
            "error": error,
            "error_messages": error_messages(error),
            "back_url": referer if safe else "",
        },
        status=error.status,
    )


def domain_errors(view=None, *, back: Back | None = None):
    """Decorate a page view (see the module doc). ``back(request, **view_kwargs)`` returns
    the URL to go back to with the message flashed."""

    def decorator(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            try:
                return func(request, *args, **kwargs)
            except DomainError as error:
                return domain_error_response(request, error, back=back, view_kwargs=kwargs)

        wrapped.maps_domain_errors = True
        return wrapped

    return decorator(view) if view is not None else decorator
