"""Pluggable SMS sending. ``settings.SMS_BACKEND`` names a class with ``send(mobile, text)``.

The development backend logs the message (and keeps it in memory, for tests); a production
deployment points the setting at a gateway backend of its SMS provider.

Services never call the gateway themselves: ``aftercare.notifications.send_sms`` records the
message and it is sent after the transaction commits (``deliver_now`` is the outbox's).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("aftercare.sms")


class LoggingBackend:
    outbox: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        logger.warning("SMS to %s: %s", mobile, text)
        type(self).outbox.append((mobile, text))


def deliver_now(mobile: str, text: str) -> None:
    """Call the gateway (the outbox's delivery task only; see the module doc)."""
    import_string(settings.SMS_BACKEND)().send(mobile, text)
