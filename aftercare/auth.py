"""Log in with a user name or a mainland mobile number; API token authentication."""

import re

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication as _DRFTokenAuthentication

from aftercare.models import User

PHONE_RE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")


def normalize_login(value: str) -> str:
    """A mobile number in any common spelling (+86, spaces, dashes) becomes 11 digits."""
    value = (value or "").strip()
    match = PHONE_RE.fullmatch(value.replace(" ", "").replace("-", ""))
    return match.group(1) if match else value


class MobileOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        login = normalize_login(username)
        if not login or password is None:
            return None
        user = User.objects.filter(Q(username__iexact=login) | Q(mobile=login)).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def lockout_response(request, response, credentials, *args, **kwargs):
    """django-axes lockout: the JSON error shape for the API, a Chinese page for browsers."""
    from django.conf import settings
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    from aftercare.api_conf import error_body

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("locked_out", message), status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)


class TokenAuthentication(_DRFTokenAuthentication):
    """``Authorization: Token <key>`` against ``aftercare.ApiToken``: one plain query (no ORM
    compilation per request: every API call pays for this, the registration rush most of
    all); expired, revoked and dead tokens (password changed, logged out everywhere, role
    lost) answer 401 (``aftercare.services.tokens``)."""

    def authenticate_credentials(self, key):
        from rest_framework import exceptions

        from aftercare.services.tokens import authenticate_key

        found = authenticate_key(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        user, token = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, token
