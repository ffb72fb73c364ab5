"""Dispatching reporting's Celery tasks from services, by name, after commit, on the
``reporting`` queue (a district's rollups never delay a text message or a billing run)."""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from aftercare.celery import app as celery_app

QUEUE = "reporting"
log = logging.getLogger("reporting.jobs")


def send_now(name: str, *args) -> None:
    try:
        celery_app.tasks[name].apply_async(args=list(args), queue=QUEUE)
    except (OperationalError, OSError):  # the run stays queued; the next nightly job retries
        log.warning("broker unavailable: %s%r not sent", name, args)


def later(name: str, *args) -> None:
    """Send task ``name`` with ``args`` once the current transaction commits."""
    transaction.on_commit(lambda: send_now(name, *args))
