"""The account's security page: devices signed in to the API (revoke one), and "log out
everywhere" (every session and token). Rules in ``aftercare.services.tokens``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.net import client_ip
from aftercare.services import tokens
from aftercare.views.errors import domain_errors


@login_required
@domain_errors
def account_security(request):
    return render(
        request,
        "registration/security.html",
        {
            "tokens": list(tokens.live_tokens(user=request.user)),
            "ttl_days": tokens.token_ttl().days,
        },
    )


@login_required
@require_POST
@domain_errors(back=lambda request, **kw: reverse("account_security"))
def revoke_token(request, token_id):
    token = tokens.live_tokens(user=request.user).filter(public_id=token_id).first()
    if token is None:
        raise Http404
    tokens.revoke_token(user=request.user, token=token, ip_address=client_ip(request))
    messages.success(request, _("The device %(name)s was signed out.") % {"name": token})
    return redirect("account_security")


@login_required
@require_POST
@domain_errors(back=lambda request, **kw: reverse("account_security"))
def logout_everywhere(request):
    tokens.log_out_everywhere(user=request.user, ip_address=client_ip(request))
    logout(request)
    messages.success(request, _("You were logged out on every device."))
    return redirect("login")
