"""Celery against the real Redis broker, with a real worker process."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

from aftercare.health import check_worker
from aftercare.tasks import HEARTBEAT_KEY, heartbeat, ping, redis_client

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.celery_worker


@pytest.fixture(scope="module")
def worker():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="aftercare.settings_test")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "aftercare",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if check_worker(timeout=1.0)["ok"]:
                break
            assert proc.poll() is None, "worker died at start-up"
        else:
            pytest.fail("worker did not answer within 30 s")
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)


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
    # A queue nobody listens to stands in for "workers are down".
    with override_settings(CELERY_TASK_DEFAULT_QUEUE="nobody-listens"):
        from aftercare.celery import app

        app.conf.task_default_queue = "nobody-listens"
        try:
            login(world.users["official_a"])
            response = client.get("/health/?fresh=1")
        finally:
            app.conf.task_default_queue = "celery"
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
