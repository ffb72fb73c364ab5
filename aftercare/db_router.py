"""Reads on a PostgreSQL streaming replica, for the pages that only read (dashboards,
exports, reports), when ``DATABASE_REPLICA_URL`` is set (the ``replica`` alias).

Who decides: the code that reads, not the model. A view wrapped in ``replica_reads`` (or code
inside ``with reading_from_replica():``) sends its reads to ``replica``; everything else —
logins, sessions, every write, every read inside a service — stays on ``default``:

* ``db_for_write`` is always ``default``: nothing is ever written to the replica (PostgreSQL
  would refuse it anyway: a standby is read-only), and ``allow_migrate`` keeps migrations off
  it. A write made inside a replica block (an export's audit event) goes to the primary.
* No replica configured, or the replica marked down: reads go to ``default``.
* The replica failing (stopped, unreachable): the first failed query marks it down for
  ``REPLICA_RETRY_SECONDS``, logs a warning, and ``replica_reads`` runs the view again on the
  primary with ``request.replica_fallback`` set, so the page says where its figures came from
  and the user never sees a 500.
* The caller's roles are resolved on the primary before the switch: a revoked membership must
  not live on in a lagging replica.

The replica's lag is ``replica_status()`` (``pg_last_xact_replay_timestamp()`` and the WAL
position replayed against the primary's). The kernel owns this module because settings name it;
it imports no feature app.
"""

from __future__ import annotations

import contextvars
import logging
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import DatabaseError, InterfaceError, OperationalError

REPLICA = "replica"
log = logging.getLogger("aftercare.replica")

_reading = contextvars.ContextVar("aftercare_replica_reads", default=None)
_down_until = 0.0  # per process: monotonic time until which the replica counts as down


@dataclass
class ReplicaUse:
    """What happened to the reads of one replica block."""

    used: bool = False  # a read was routed to the replica
    failed: bool = False  # the replica failed; reads went to the primary


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_marked_down() -> bool:
    return time.monotonic() < _down_until


def mark_replica_down(error: BaseException | None = None) -> None:
    global _down_until
    _down_until = time.monotonic() + getattr(settings, "REPLICA_RETRY_SECONDS", 30)
    log.warning("read replica unavailable, reading from the primary: %s", error)
    with suppress(DatabaseError):
        connections[REPLICA].close()


def mark_replica_up() -> None:
    global _down_until
    _down_until = 0.0


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: reads inside a replica block go to ``replica``."""

    def db_for_read(self, model, **hints):
        use = _reading.get()
        if use is None or use.failed or not replica_configured() or replica_marked_down():
            return None
        use.used = True
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same database, one of them a copy of the other

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


@contextmanager
def reading_from_replica():
    """Reads inside the block go to the replica when there is one (see the module doc)."""
    use = ReplicaUse()
    token = _reading.set(use)
    try:
        yield use
    finally:
        _reading.reset(token)


REPLICA_ERRORS = (OperationalError, InterfaceError)


def replica_reads(view):
    """Run a read-only view with its reads on the replica; if the replica fails, again on the
    primary (``request.replica_fallback`` = True: templates show a notice)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.replica_fallback = replica_configured() and replica_marked_down()
        scope = getattr(request, "scope", None)
        if scope is not None and request.user.is_authenticated:
            _ = scope.grants  # resolved on the primary (module doc)
        with reading_from_replica() as use:
            try:
                return view(request, *args, **kwargs)
            except REPLICA_ERRORS as error:
                if not use.used:
                    raise
                mark_replica_down(error)
        request.replica_fallback = True
        return view(request, *args, **kwargs)

    return wrapped


@dataclass
class ReplicaStatus:
    configured: bool
    available: bool = False
    in_recovery: bool | None = None
    lag_seconds: float | None = None  # now - last replayed transaction; 0 when caught up
    last_replay_at: object = None
    bytes_behind: int | None = None  # primary's WAL position - replica's replayed position
    error: str = ""


def replica_status() -> ReplicaStatus:
    """The replica's state and lag, read from both servers (a few milliseconds)."""
    if not replica_configured():
        return ReplicaStatus(configured=False)
    status = ReplicaStatus(configured=True)
    try:
        with connections[REPLICA].cursor() as cur:
            cur.execute(
                "SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(),"
                " pg_last_wal_replay_lsn()::text,"
                " pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(),"
                " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())"
            )
            in_recovery, replay_at, replay_lsn, caught_up, lag = cur.fetchone()
    except REPLICA_ERRORS as error:
        mark_replica_down(error)
        status.error = str(error).strip()
        return status
    mark_replica_up()
    status.available = True
    status.in_recovery = in_recovery
    status.last_replay_at = replay_at
    if in_recovery:
        # Caught up (everything received is replayed): no lag, however long ago the last
        # transaction was; otherwise the age of the last replayed transaction.
        status.lag_seconds = 0.0 if caught_up else (float(lag) if lag is not None else None)
        if replay_lsn:
            with connections[DEFAULT_DB_ALIAS].cursor() as cur:
                cur.execute(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)::bigint",
                    [replay_lsn],
                )
                status.bytes_behind = max(0, cur.fetchone()[0])
    return status
