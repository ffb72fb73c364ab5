"""Dispatching billing's Celery tasks from services, by name, after commit.

Services never import Celery tasks (tasks import services): they name the task and its
queue here, and the message leaves only when the transaction commits — a rollback sends
nothing, and nothing runs while the service's locks are held.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

from aftercare.celery import app as celery_app
from billing import conf

logger = logging.getLogger("billing.jobs")


def send_now(name: str, *args) -> None:
    try:
        # By name through the app's registry (autodiscovered): honours eager mode in tests.
        celery_app.tasks[name].apply_async(args=list(args), queue=conf.queue())
    except (OperationalError, OSError):  # the beat sweepers pick the work up later
        logger.warning("broker unavailable: %s%r left to the sweeper", name, args)


def later(name: str, *args) -> None:
    """Send task ``name`` with ``args`` once the current transaction commits."""
    transaction.on_commit(lambda: send_now(name, *args))
