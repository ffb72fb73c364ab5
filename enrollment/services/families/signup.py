"""Parent sign-up with an SMS code: the code (rate-limited, serialized per mobile and per
client address), the account; and the daily purge of codes and failed binding attempts."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftercare.audit import record_event
from aftercare.auth import normalize_login
from aftercare.errors import InvalidInput
from aftercare.models import (
    User,
    mobile_validator,
)
from aftercare.notifications import send_sms
from enrollment.errors import (
    AlreadyRegistered,
    TooManyRequests,
)
from enrollment.models import (
    SMS_CODE_MAX_ATTEMPTS,
    SMS_CODE_TTL,
    SMS_DAILY_LIMIT,
    SMS_RESEND_COOLDOWN,
    BindAttempt,
    SmsCode,
    SmsPurpose,
)

logger = logging.getLogger(__name__)

NAME_MAX = User._meta.get_field("full_name").max_length


def _advisory_lock(key: str) -> None:
    """Serialize work on ``key`` until the end of the transaction (PostgreSQL)."""
    digest = hashlib.sha256(key.encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


# =========================================================================== sign-up


def _clean_mobile(mobile: str) -> str:
    value = normalize_login(mobile or "")
    try:
        mobile_validator(value)
    except ValidationError as exc:
        raise InvalidInput(fields={"mobile": list(exc.messages)}) from exc
    return value


def _code_hash(mobile: str, purpose: str, code: str) -> str:
    return salted_hmac(
        "enrollment.SmsCode", f"{purpose}:{mobile}:{code}", algorithm="sha256"
    ).hexdigest()


def _local_midnight(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def request_signup_code(*, mobile: str, ip_address: str | None = None) -> SmsCode:
    """Send a 6-digit sign-up code by SMS to a mobile number that has no account yet.

    The code (stored only as an HMAC) is valid for 10 minutes and supersedes earlier codes.
    Limits, per mobile number: one code per 60 seconds, 10 per calendar day; per client
    address: ``settings.SMS_IP_LIMIT_PER_HOUR`` (60; generous, as carrier NAT puts many
    families behind one address; 0 turns it off). Concurrent
    requests for one number are serialized (advisory lock), so the limits hold under races.
    Errors: InvalidInput (mobile), AlreadyRegistered, TooManyRequests (``sms_cooldown``,
    ``sms_daily_limit``). The text is sent after the commit (``aftercare.notifications``); a
    failing gateway is retried there, the code stays valid meanwhile.
    """
    mobile = _clean_mobile(mobile)
    if User.objects.filter(mobile=mobile).exists():
        raise AlreadyRegistered()
    code = f"{secrets.randbelow(10**6):06d}"
    ip_limit = getattr(settings, "SMS_IP_LIMIT_PER_HOUR", 60)
    with transaction.atomic():
        if ip_address and ip_limit:
            _advisory_lock(f"sms-ip:{ip_address}")  # always before the mobile's lock
        _advisory_lock(f"sms:{mobile}")
        now = timezone.now()
        if (
            ip_address
            and ip_limit
            and SmsCode.objects.filter(
                ip_address=ip_address, created_at__gte=now - timedelta(hours=1)
            ).count()
            >= ip_limit
        ):
            raise TooManyRequests(
                _("Too many codes were requested from your network. Please try again later."),
                code="sms_ip_limit",
            )
        codes = SmsCode.objects.filter(mobile=mobile)
        latest = codes.order_by("-created_at").first()
        if latest is not None and now - latest.created_at < SMS_RESEND_COOLDOWN:
            wait = math.ceil((latest.created_at + SMS_RESEND_COOLDOWN - now).total_seconds())
            raise TooManyRequests(
                _(
                    "A code was sent less than a minute ago. You can ask for a new one in "
                    "%(seconds)d seconds."
                )
                % {"seconds": wait},
                code="sms_cooldown",
            )
        if codes.filter(created_at__gte=_local_midnight(now)).count() >= SMS_DAILY_LIMIT:
            raise TooManyRequests(
                _(
                    "This mobile number has already received %(max)d codes today, the daily "
                    "limit. Please try again tomorrow."
                )
                % {"max": SMS_DAILY_LIMIT},
                code="sms_daily_limit",
            )
        codes.filter(purpose=SmsPurpose.SIGNUP, used_at__isnull=True).update(used_at=now)
        sms = SmsCode.objects.create(
            mobile=mobile,
            purpose=SmsPurpose.SIGNUP,
            code_hash=_code_hash(mobile, SmsPurpose.SIGNUP, code),
            created_at=now,
            expires_at=now + SMS_CODE_TTL,
            ip_address=ip_address,
        )
        with translation.override(settings.LANGUAGE_CODE):  # SMS templates are Chinese
            text = _(
                "[After-school services] Your sign-up code is %(code)s. It is valid for "
                "%(minutes)d minutes. If you did not ask for it, ignore this message."
            ) % {"code": code, "minutes": SMS_CODE_TTL.seconds // 60}
        # Recorded here, sent after the commit (never under the advisory locks above).
        send_sms(mobile=mobile, text=text, key=f"signup-code:{sms.pk}")
    return sms


def sign_up_parent(
    *, mobile: str, code: str, full_name: str, password: str, ip_address: str | None = None
) -> User:
    """Create a parent's account (mobile, name, password; no user name) with an SMS code.

    The code must be the latest one sent to the mobile, unexpired and not used; each wrong
    code counts (5 per code, then a new code is needed) and the count is kept even though the
    call fails. A right code with an invalid name or password is not used up. The password
    passes Django's validators. Audited as ``account.signed_up``. The caller logs the user in.
    Errors: InvalidInput (mobile, code, full_name, password), AlreadyRegistered.
    """
    mobile = _clean_mobile(mobile)
    full_name = (full_name or "").strip()
    code = (code or "").strip()
    errors: dict[str, list[str]] = {}
    if not full_name:
        errors["full_name"] = [_("Fill in your name.")]
    elif len(full_name) > NAME_MAX:
        errors["full_name"] = [_("A name may have at most %(max)d characters.") % {"max": NAME_MAX}]
    try:
        validate_password(password or "", user=User(mobile=mobile, full_name=full_name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if not code:
        errors["code"] = [_("Fill in the code from the text message.")]
    elif not (len(code) == 6 and code.isdigit()):
        errors["code"] = [_("The code has 6 digits.")]
    if User.objects.filter(mobile=mobile).exists():
        raise AlreadyRegistered()
    if "code" in errors:
        raise InvalidInput(fields=errors)

    user = None
    with transaction.atomic():
        _advisory_lock(f"sms:{mobile}")
        now = timezone.now()
        sms = (
            SmsCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=SmsPurpose.SIGNUP, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if sms is None or sms.expires_at <= now:
            errors["code"] = [_("The code has expired. Ask for a new one.")]
        elif sms.attempts >= SMS_CODE_MAX_ATTEMPTS:
            errors["code"] = [_("Too many wrong codes. Ask for a new one.")]
        elif not constant_time_compare(sms.code_hash, _code_hash(mobile, sms.purpose, code)):
            SmsCode.objects.filter(pk=sms.pk).update(attempts=F("attempts") + 1)
            left = SMS_CODE_MAX_ATTEMPTS - sms.attempts - 1
            errors["code"] = [
                ngettext(
                    "The code is wrong. You can try %(count)d more time.",
                    "The code is wrong. You can try %(count)d more times.",
                    left,
                )
                % {"count": left}
                if left
                else _("Too many wrong codes. Ask for a new one.")
            ]
        elif not errors:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        mobile=mobile, password=password, full_name=full_name
                    )
            except IntegrityError as exc:
                raise AlreadyRegistered() from exc
            sms.used_at = now
            sms.save(update_fields=["used_at"])
            record_event(
                actor=user,
                action="account.signed_up",
                obj=user,
                payload={"via": "sms_code"},
                ip_address=ip_address,
            )
    if user is None:  # raised here, after the wrong-code count was committed
        raise InvalidInput(fields=errors)
    return user


def purge_stale_records(*, now: datetime | None = None) -> dict[str, int]:
    """Delete sign-up codes and failed binding attempts older than two days (daily task).

    The limits that read them look back one day at most, so nothing they need goes.
    """
    cutoff = (now or timezone.now()) - timedelta(days=2)
    codes, _ = SmsCode.objects.filter(created_at__lt=cutoff).delete()
    attempts, _ = BindAttempt.objects.filter(created_at__lt=cutoff).delete()
    return {"sms_codes": codes, "bind_attempts": attempts}
