"""Pluggable SMS sending. ``settings.SMS_BACKEND`` names a class with ``send(mobile, text)``.

The development backend (``LoggingBackend``) keeps the messages in memory (tests) and, for the
local run, the last few in the cache, shown by the development page ``/dev/sms/`` (DEBUG
only); it logs only that a message was held: the masked number and its length, never its
text — a text carries a sign-in code. No backend logs a text; a gateway backend logs the
same line at most. A production deployment points the setting at its SMS provider's backend:
``check --deploy`` fails (``aftercare.E002``) while it names a development backend or a class
that does not load, and the production start runs that check first (docker-compose).

Services never call the gateway themselves: ``aftercare.notifications.send_sms`` records the
message and it is sent after the transaction commits (``deliver_now`` is the outbox's).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("aftercare.sms")

# Backends that deliver nothing: refused by ``check --deploy`` (aftercare.checks).
DEVELOPMENT_BACKENDS = frozenset({"aftercare.sms.LoggingBackend"})
HELD_KEY, HELD_MAX, HELD_SECONDS = "aftercare:dev-sms", 20, 15 * 60


def mask_mobile(mobile: str) -> str:
    """138****0002: the first three and last four digits of a mobile number."""
    mobile = mobile or ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return f"{mobile[:3]}****{mobile[-4:]}"


class LoggingBackend:
    """Development and tests: holds every message in ``outbox`` (this process only)."""

    outbox: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        type(self).outbox.append((mobile, text))
        if settings.DEBUG:  # the development page's copy (web and worker share the cache)
            held = [(timezone.now().isoformat(), mobile, text), *cache.get(HELD_KEY, [])]
            cache.set(HELD_KEY, held[:HELD_MAX], HELD_SECONDS)
        logger.info(
            "SMS to %s held by the development backend (%d characters)",
            mask_mobile(mobile),
            len(text),
        )


def held_messages() -> list[tuple[str, str, str]]:
    """The development backend's last texts, newest first (when, mobile, text)."""
    return cache.get(HELD_KEY, [])


def deliver_now(mobile: str, text: str) -> None:
    """Call the gateway (the outbox's delivery task only; see the module doc)."""
    import_string(settings.SMS_BACKEND)().send(mobile, text)
