"""Helpers the attendance services share."""

from __future__ import annotations

from datetime import date

from django.utils import formats

from aftercare.models import District, User
from aftercare.notifications import notify_many


def day_label(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def inbox(messages: list[dict]) -> int:
    """Record inbox messages (delivered after the commit). Each dict: ``district`` (id),
    ``recipient`` (id), ``title``, ``body``, ``url``, ``key`` (idempotency)."""
    return notify_many(
        {
            **m,
            "district": District(pk=m["district"])
            if isinstance(m["district"], int)
            else m["district"],
            "recipient": User(pk=m["recipient"])
            if isinstance(m["recipient"], int)
            else m["recipient"],
        }
        for m in messages
    )


def clean_text(value, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit] if value is not None else ""
