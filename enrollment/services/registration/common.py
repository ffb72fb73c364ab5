"""Shared pieces of the registration services: the error, role check, offer hours."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from aftercare.errors import DomainError, NotAllowed
from aftercare.models import User
from aftercare.tenancy import Scope

OFFER_HOURS = getattr(settings, "WAITLIST_OFFER_HOURS", 24)


class RegistrationError(DomainError):
    status = 409


def _require_manager(actor: User, school) -> None:
    if not Scope(actor).manages(school):
        raise NotAllowed(_("Only the principal or a school administrator can do this."))
