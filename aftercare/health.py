"""GET /health/: database, Redis, and whether a Celery worker really consumes tasks.

The worker check sends a ``ping`` task and waits briefly for its answer (so it fails when
workers are up but stuck); the beat check reads the heartbeat the scheduled task leaves.
Results are cached for a few seconds so the endpoint cannot be used to flood the queue.
"""

from __future__ import annotations

import contextlib
import time
import uuid

from celery.states import READY_STATES
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from aftercare.celery import app as celery_app
from aftercare.tasks import HEARTBEAT_KEY, redis_client

PING_TASK = "aftercare.ping"

CACHE_KEY = "health:result"
CACHE_SECONDS = 10


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def check_redis() -> dict:
    try:
        redis_client().ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


def check_worker(timeout: float = 3.0, queues: list[str] | None = None) -> dict:
    """A ``ping`` through the broker on every queue workers must consume (``send_task``:
    never answered in-process, even where tasks run eagerly)."""
    queues = queues or getattr(settings, "WORKER_QUEUES", None) or ["celery"]
    started = time.monotonic()
    try:
        sent = []
        for queue in queues:
            token = uuid.uuid4().hex
            result = celery_app.send_task(PING_TASK, args=[token], queue=queue, expires=timeout + 2)
            sent.append((queue, token, result))
        # The answers are read by polling their keys, not through result.get(): that waits on
        # the process's one pub/sub subscription, which a broken connection leaves deaf.
        waiting = {result.id: token for _queue, token, result in sent}
        answered = set()
        while waiting and time.monotonic() - started < timeout:
            for task_id, token in list(waiting.items()):
                meta = celery_app.backend.get_task_meta(task_id)
                if meta.get("status") in READY_STATES:
                    if meta.get("result") == token:
                        answered.add(task_id)
                    del waiting[task_id]
            if waiting:
                time.sleep(0.05)
        silent = [queue for queue, _token, result in sent if result.id not in answered]
        for _queue, _token, result in sent:
            result.forget()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    report = {"ok": not silent, "round_trip_ms": round((time.monotonic() - started) * 1000)}
    if silent:
        report["error"] = "no worker consumes: " + ", ".join(silent)
    return report


def check_beat() -> dict:
    try:
        raw = redis_client().get(HEARTBEAT_KEY)
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    if raw is None:
        return {"ok": False, "error": "no heartbeat yet"}
    age = time.time() - float(raw)
    return {"ok": age <= settings.HEALTH_HEARTBEAT_MAX_AGE, "last_heartbeat_age_s": round(age)}


def run_checks() -> dict:
    checks = {"database": check_database(), "redis": check_redis()}
    checks["worker"] = check_worker() if checks["redis"]["ok"] else {"ok": False}
    checks["beat"] = check_beat() if checks["redis"]["ok"] else {"ok": False}
    return checks


@never_cache
def health(request):
    checks = None
    with contextlib.suppress(Exception):  # Redis down: the checks below will say so
        checks = cache.get(CACHE_KEY)
    fresh = request.GET.get("fresh") and request.user.is_authenticated
    if checks is None or fresh:
        checks = run_checks()
        with contextlib.suppress(Exception):
            cache.set(CACHE_KEY, checks, CACHE_SECONDS)
    # Web, database, Redis and a consuming worker are what users need; a stale beat is
    # reported but does not fail the probe (billing waits, nobody is locked out).
    healthy = all(checks[k]["ok"] for k in ("database", "redis", "worker"))
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )
