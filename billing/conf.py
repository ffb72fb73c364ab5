"""Billing settings, with their defaults (override in the Django settings or environment).

BILLING_OPENS_DAYS_BEFORE   billing may start this many days before the semester's first day
                            (no cross-term prepayment: never earlier, never for a semester
                            that has ended)                                    default 14
BILLING_BATCH_SIZE          applications per billing transaction                default 2000
BILLING_BATCH_PAUSE         seconds to pause between batches (spare a busy database) default 0
BILLING_QUEUE               the Celery queue of billing's tasks                  default billing
BILLING_GATEWAY             the payment gateway in use: "sandbox" or "wechat"
BILLING_SANDBOX             "1" enables the sandbox cashier (development and tests only;
                            production settings force it off)
BILLING_SANDBOX_KEY_DIR     where the sandbox keeps its generated key pair and APIv3 key
BILLING_PRIVATE_ROOT        evidence uploads and receipt PDFs (outside the web root)
BILLING_ORDER_MINUTES       a payment order expires after this many minutes    default 30
BILLING_NOTIFY_BASE_URL     the site's public base URL for gateway notifications
BILLING_EVIDENCE_MAX_MB     exemption evidence upload limit                     default 5
BILLING_DISCLOSURE_DUE_DAYS the term-end disclosure is due this many days after the
                            semester's last day (later: "late" for the district)  default 30
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def _get(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return value


def opens_days_before() -> int:
    return int(_get("BILLING_OPENS_DAYS_BEFORE", 14))


def batch_size() -> int:
    return int(_get("BILLING_BATCH_SIZE", 2000))


def batch_pause() -> float:
    return float(_get("BILLING_BATCH_PAUSE", 0))


def queue() -> str:
    return str(_get("BILLING_QUEUE", "billing"))


def sandbox_enabled() -> bool:
    value = _get("BILLING_SANDBOX", "1" if settings.DEBUG else "0")
    return str(value).lower() in ("1", "true", "yes", "on")


def gateway_name() -> str:
    return str(_get("BILLING_GATEWAY", "sandbox" if sandbox_enabled() else "wechat"))


def sandbox_key_dir() -> Path:
    return Path(_get("BILLING_SANDBOX_KEY_DIR", settings.BASE_DIR / ".data" / "sandbox-gateway"))


def private_root() -> Path:
    return Path(_get("BILLING_PRIVATE_ROOT", settings.BASE_DIR / ".data" / "private"))


def order_minutes() -> int:
    return int(_get("BILLING_ORDER_MINUTES", 30))


def notify_base_url() -> str:
    return str(_get("BILLING_NOTIFY_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def evidence_max_bytes() -> int:
    return int(_get("BILLING_EVIDENCE_MAX_MB", 5)) * 1024 * 1024


def disclosure_due_days() -> int:
    return int(_get("BILLING_DISCLOSURE_DUE_DAYS", 30))
