"""Refreshing rollups and alerts: on demand by an official (one live run per district), the
nightly beat job, runs claimed once, failures recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from aftercare.errors import Conflict, NotAllowed
from reporting.models import RollupRun
from reporting.services import refresh

pytestmark = pytest.mark.django_db


def test_an_official_asks_and_the_task_runs(world):
    run = refresh.request_refresh(actor=world.users["official_a"], district=world.a)
    run.refresh_from_db()  # the task ran after commit (eager in tests)
    assert run.status == "done" and run.finished_at is not None
    assert run.start == world.semesters["a"].start_date
    assert "stale_deleted" in run.rows and run.alerts.keys() == {world.semesters["a"].name}


def test_one_live_run_per_district(world):
    RollupRun.objects.create(
        district=world.a,
        start=world.semesters["a"].start_date,
        end=world.semesters["a"].start_date,
        created_at=timezone.now(),
    )
    with pytest.raises(Conflict) as err:
        refresh.request_refresh(actor=world.users["official_a"], district=world.a)
    assert err.value.code == "refresh_running"
    # another district is not held up
    refresh.request_refresh(actor=world.users["official_b"], district=world.b)


def test_only_the_districts_officials_may_ask(world):
    with pytest.raises(NotAllowed):
        refresh.request_refresh(actor=world.users["official_b"], district=world.a)
    with pytest.raises(NotAllowed):
        refresh.request_refresh(actor=world.users["principal_a1"], district=world.a)
    assert not RollupRun.objects.exists()


def test_a_run_is_claimed_once(world):
    run = RollupRun.objects.create(
        district=world.a,
        start=world.semesters["a"].start_date,
        end=world.semesters["a"].start_date,
        created_at=timezone.now(),
    )
    assert refresh.run_refresh(run_id=run.pk).status == "done"
    assert refresh.run_refresh(run_id=run.pk) is None


def test_a_failing_run_is_recorded(world, monkeypatch):
    def boom(**kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr(refresh, "refresh_rollups", boom)
    run = RollupRun.objects.create(
        district=world.a,
        start=world.semesters["a"].start_date,
        end=world.semesters["a"].start_date,
        created_at=timezone.now(),
    )
    with pytest.raises(RuntimeError):
        refresh.run_refresh(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "disk full")


def test_nightly_runs_every_district_and_sweeps(world):
    now = timezone.now()
    day = world.semesters["a"].start_date
    lost = RollupRun.objects.create(
        district=world.b, start=day, end=day, created_at=now - timedelta(minutes=30)
    )
    stuck = RollupRun.objects.create(
        district=world.a,
        start=day,
        end=day,
        created_at=now - timedelta(hours=5),
        status="running",
        started_at=now - timedelta(hours=4),
    )
    created = refresh.nightly(today=day + timedelta(days=20))
    stuck.refresh_from_db()
    lost.refresh_from_db()
    assert stuck.status == "failed" and stuck.error == "worker lost"
    assert lost.status == "done"  # its message was sent again (eager)
    # District a gets a new run (its stuck one was let go). (b's lost run, sent again, ran at
    # once in tests, so b gets its nightly run too; with a real worker it would still be
    # queued and b would be skipped.)
    districts = [RollupRun.objects.get(pk=pk).district for pk in created]
    assert districts[0] == world.a and set(districts) <= {world.a, world.b}
    new = RollupRun.objects.get(pk=created[0])
    assert (new.start, new.end) == (day + timedelta(days=6), day + timedelta(days=20))


def test_the_beat_schedule_and_the_worker_queues():
    entry = settings.CELERY_BEAT_SCHEDULE["reporting-nightly"]
    assert entry["task"] == "reporting.nightly" and entry["options"]["queue"] == "reporting"
    assert "reporting" in settings.WORKER_QUEUES
