"""Celery tasks of the core: thin, ids in, one call each."""

import time

from celery import shared_task
from django.conf import settings

from aftercare import notifications
from aftercare.services import tokens

HEARTBEAT_KEY = "aftercare:worker-heartbeat"


def redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


@shared_task(name="aftercare.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Scheduled by beat: proves that beat schedules and a worker consumes."""
    redis_client().set(HEARTBEAT_KEY, str(time.time()), ex=24 * 3600)


@shared_task(name="aftercare.ping")
def ping(token: str) -> str:
    """Answered by a worker for the health check's live probe."""
    return token


@shared_task(name=notifications.DELIVER_TASK, ignore_result=True, acks_late=True)
def deliver_messages(ids: list[int]) -> dict:
    """Deliver outbox messages after their transaction committed (idempotent: a message
    already sent is skipped). Failures stay pending for ``redispatch_messages``."""
    return notifications.deliver(ids)


@shared_task(name="aftercare.purge_dead_tokens", ignore_result=True)
def purge_dead_tokens() -> int:
    """Beat, daily: expired API tokens and those of a password since changed."""
    return tokens.purge_dead_tokens()


@shared_task(name="aftercare.redispatch_messages", ignore_result=True)
def redispatch_messages() -> int:
    """Beat, every minute: queue what is still pending (lost dispatch, failed gateway)."""
    return notifications.redispatch_pending()
