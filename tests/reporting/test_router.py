"""The database router (aftercare/db_router.py) without a real replica: where reads and
writes go, and the fallback when the replica fails mid-page. The real streaming replica is
tests/reporting/test_replica.py."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError
from django.test import RequestFactory

from aftercare import db_router
from aftercare.db_router import ReplicaRouter, reading_from_replica, replica_reads
from reporting.models import Alert


@pytest.fixture
def configured(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router, "mark_replica_down", _mark_down)
    db_router.mark_replica_up()
    yield
    db_router.mark_replica_up()


def _mark_down(error=None):
    db_router._down_until = db_router.time.monotonic() + 30


router = ReplicaRouter()


def test_without_a_replica_everything_is_the_primary():
    with reading_from_replica():
        assert router.db_for_read(Alert) is None
    assert router.db_for_write(Alert) == "default"


def test_reads_in_a_replica_block_go_to_the_replica_writes_never(configured):
    assert router.db_for_read(Alert) is None  # outside a block: the primary
    with reading_from_replica() as use:
        assert router.db_for_read(Alert) == "replica"
        assert router.db_for_write(Alert) == "default"
        assert use.used
    assert router.allow_migrate("replica", "reporting") is False
    assert router.allow_migrate("default", "reporting") is True


def test_a_replica_marked_down_is_skipped(configured):
    _mark_down()
    with reading_from_replica():
        assert router.db_for_read(Alert) is None


class _User:
    is_authenticated = False


def test_a_page_whose_replica_fails_is_served_again_from_the_primary(configured):
    calls = []

    @replica_reads
    def view(request):
        calls.append(router.db_for_read(Alert))
        if len(calls) == 1:
            raise OperationalError("could not connect to server: Connection refused")
        return "ok", request.replica_fallback

    request = RequestFactory().get("/")
    request.user = _User()
    assert view(request) == ("ok", True)
    assert calls == ["replica", None]


def test_errors_that_are_not_the_replicas_are_raised(configured):
    @replica_reads
    def view(request):
        raise OperationalError("primary down")  # no read went to the replica

    request = RequestFactory().get("/")
    request.user = _User()
    with pytest.raises(OperationalError):
        view(request)
