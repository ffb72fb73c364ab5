"""Celery against the real Redis broker, with a real worker process."""

import time

import pytest
from django.conf import settings
from django.test import override_settings

from aftercare.tasks import HEARTBEAT_KEY, heartbeat, ping, redis_client
from tests.workers import running_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.xdist_group("celery_worker")]


@pytest.fixture(scope="module")
def worker():
    with running_worker(queues=settings.WORKER_QUEUES) as proc:
        yield proc


def test_task_round_trip_through_a_real_worker(worker):
    result = ping.delay("你好")
    assert result.get(timeout=10) == "你好"


def test_heartbeat_task_sets_the_key_the_health_check_reads(worker):
    redis_client().delete(HEARTBEAT_KEY)
    heartbeat.delay()
    deadline = time.monotonic() + 10
    while redis_client().get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert float(redis_client().get(HEARTBEAT_KEY)) == pytest.approx(time.time(), abs=15)


@pytest.mark.django_db
def test_health_reports_everything_ok_with_a_worker(worker, client, world, login):
    heartbeat.apply()  # as beat would have scheduled it
    login(world.users["official_a"])
    body = client.get("/health/?fresh=1").json()
    assert body["status"] == "ok", body
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert body["checks"]["worker"]["ok"] and body["checks"]["beat"]["ok"]


@pytest.mark.django_db
def test_health_fails_when_no_worker_consumes(client, world, login):
    # A queue nobody listens to stands in for "workers are down" (or for workers started
    # without -Q notifications: text messages would wait forever).
    with override_settings(WORKER_QUEUES=["celery", "nobody-listens"]):
        login(world.users["official_a"])
        response = client.get("/health/?fresh=1")
    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert "nobody-listens" in worker["error"]
