"""A real Celery worker process for the tests marked ``celery_worker``.

Tasks run eagerly elsewhere in the suite (settings_test); inside ``running_worker`` they go
through the Redis broker to a worker started with the test settings. Under pytest-xdist each
test process may start its own worker on the same broker: tests that need *their* worker
(its database is the test process's) consume a queue named for the test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from aftercare.celery import app as celery_app
from aftercare.health import check_worker

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_worker(*, queues: list[str], env: dict | None = None):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="aftercare.settings_test", **(env or {}))
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
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
            "-Q",
            ",".join(queues),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 180  # a loaded 2-core machine boots Django slowly
        while time.monotonic() < deadline:
            if check_worker(timeout=5.0, queues=queues)["ok"]:
                break
            assert proc.poll() is None, "worker died at start-up"
        else:
            pytest.fail(f"worker did not answer on {queues} within 180 s")
        yield proc
    finally:
        celery_app.conf.task_always_eager = eager
        with contextlib.suppress(ProcessLookupError):  # it may have died at start-up
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
