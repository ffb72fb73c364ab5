"""Celery tasks of feedback: thin, ids in, one service each."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from .services import evaluations as services

logger = logging.getLogger("feedback.tasks")


@shared_task(name="feedback.remind_closing")
def remind_closing() -> int:
    """Daily (beat): remind the families who have not answered evaluations closing within
    three days. A family gets at most one reminder a day per child (the outbox key)."""
    now = timezone.now()
    total = 0
    for evaluation in services.evaluations_closing(now):
        total += services.remind_families(actor=None, evaluation=evaluation, now=now)
    logger.info("evaluation reminders: %d families", total)
    return total
