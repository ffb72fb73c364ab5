"""Development only: the texts the development SMS backend held (``aftercare.sms``), so a
local sign-up can read its code. 404 unless DEBUG and the development backend are on."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from aftercare import sms
from aftercare.views.errors import domain_errors


@domain_errors
def held_sms(request):
    if not settings.DEBUG or settings.SMS_BACKEND not in sms.DEVELOPMENT_BACKENDS:
        raise Http404
    return render(request, "dev_sms.html", {"held": sms.held_messages()})
