"""A real PostgreSQL streaming replica: the dashboard reads there, writes never go there, and
the app still serves when it is down.

The test starts a private primary cluster (``wal_level=replica``) on a free port with the
machine's PostgreSQL binaries, loads the test database's schema into it (``pg_dump``), clones
it with ``pg_basebackup -R`` into a hot standby on another port, and runs the app against the
pair in a process of its own (tests/reporting/replica_probe.py: DATABASE_URL on the primary,
DATABASE_REPLICA_URL on the standby). As root the clusters run as the ``postgres`` user
(PostgreSQL refuses root), as scripts/dev.py does. Skipped where no PostgreSQL binaries are
installed.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _bindir() -> Path | None:
    for pg_ctl in sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True):
        bindir = Path(pg_ctl).parent
        if (bindir / "pg_basebackup").exists() and (bindir / "initdb").exists():
            return bindir
    found = shutil.which("pg_basebackup")
    return Path(found).parent if found else None


BIN = _bindir()
pytestmark = [
    pytest.mark.skipif(BIN is None, reason="no PostgreSQL server binaries (initdb, pg_basebackup)"),
    pytest.mark.django_db,
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A private PostgreSQL data directory, run as an unprivileged user when we are root."""

    def __init__(self, base: Path, name: str, port: int):
        self.dir = base / name
        self.port = port
        self.log = base / f"{name}.log"
        self.sockets = base
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None

    def run(self, *cmd, **kw):
        def demote():
            os.setgid(self.user.pw_gid)
            os.setuid(self.user.pw_uid)

        extra = {}
        if self.user is not None:
            extra = {
                "preexec_fn": demote,
                "env": {**os.environ, "HOME": str(self.sockets), "USER": "postgres"},
                "cwd": self.sockets,
            }
        return subprocess.run(
            [str(a) for a in cmd],
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
            **extra,
            **kw,
        )

    def start(self, *options: str) -> None:
        opts = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.sockets}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
                "-c max_connections=40",
                *options,
            ]
        )
        self.run(
            BIN / "pg_ctl", "-D", self.dir, "-l", self.log, "-w", "-t", "120", "-o", opts, "start"
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.run(BIN / "pg_ctl", "-D", self.dir, "-m", "immediate", "-w", "stop")

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, db: str, query: str) -> str:
        return subprocess.run(
            [
                str(BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-tAc",
                query,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()


@pytest.fixture
def pair():
    """A primary and its streaming replica, with the test database's schema; stopped and
    removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="aftercare-replica-"))
    os.chmod(base, 0o755)
    primary = Cluster(base, "primary", _free_port())
    replica = Cluster(base, "replica", _free_port())
    if primary.user is not None:
        os.chown(base, primary.user.pw_uid, primary.user.pw_gid)
    try:
        primary.run(
            BIN / "initdb",
            "-D",
            primary.dir,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        primary.start("-c wal_level=replica", "-c max_wal_senders=4")
        primary.sql("postgres", "CREATE DATABASE aftercare_replica")
        source = connection.settings_dict
        dump = subprocess.run(
            [
                str(BIN / "pg_dump"),
                "-h",
                source["HOST"] or "127.0.0.1",
                "-p",
                str(source["PORT"] or 5432),
                "-U",
                source["USER"] or "postgres",
                "--no-owner",
                "--no-privileges",
                source["NAME"],
            ],
            check=True,
            capture_output=True,
            timeout=300,
            env={**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""},
        ).stdout
        subprocess.run(
            [
                str(BIN / "psql"),
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-d",
                "aftercare_replica",
            ],
            input=dump,
            check=True,
            capture_output=True,
            timeout=300,
        )
        replica.run(
            BIN / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            primary.port,
            "-U",
            "postgres",
            "-D",
            replica.dir,
            "-R",
            "-X",
            "stream",
        )
        replica.start("-c hot_standby=on")
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


def probe(phase: str, primary: Cluster, replica: Cluster) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftercare.settings_test",
        "DATABASE_URL": primary.url("aftercare_replica"),
        "DATABASE_REPLICA_URL": replica.url("aftercare_replica"),
        "REPLICA_RETRY_SECONDS": "300",
        # The copy was dumped without owners and privileges into a new cluster, which has no
        # app role: the probe acts as the clusters' own user (least privilege is tested in
        # tests/test_db_role.py, not here).
        "DATABASE_APP_ROLE": "",
    }
    env.pop("TEST_DB_NAME", None)
    result = subprocess.run(
        [sys.executable, "-m", "tests.reporting.replica_probe", phase],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def wait_for_replay(primary: Cluster, replica: Cluster, timeout: float = 60) -> None:
    target = primary.sql("postgres", "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = replica.sql("postgres", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
        if done == "t":
            return
        time.sleep(0.2)
    pytest.fail("the replica did not catch up within a minute")


def test_dashboard_reads_on_the_replica_writes_on_the_primary_and_survives_its_loss(pair):
    primary, replica = pair
    assert replica.sql("postgres", "SELECT pg_is_in_recovery()") == "t"
    assert probe("seed", primary, replica) == {"schooldays": 5}
    wait_for_replay(primary, replica)
    assert replica.sql("aftercare_replica", "SELECT count(*) FROM reporting_schoolday") == "5"

    up = probe("serve", primary, replica)
    assert up["page"] == 200 and not up["fallback"]
    assert up["in_recovery"] is True
    # The dashboard's figures came from the replica, and only from there.
    assert up["replica_tables"] == ["reporting_alert", "reporting_schoolday"], json.dumps(up)
    assert "reporting_schoolday" not in up["primary_tables"]
    # Writes: the session and the export's audit event on the primary, none on the replica.
    assert up["export"] == 200 and up["export_audited"]
    assert up["written_on_primary"]
    assert "read-only" in up["replica_refused_write"]
    assert up["lag_page"] == 200 and up["lag_shown"]
    wait_for_replay(primary, replica)
    assert (
        replica.sql("aftercare_replica", "SELECT count(*) FROM reporting_alert WHERE key = 'probe'")
        == "1"
    )

    replica.stop()
    down = probe("down", primary, replica)
    assert down["page"] == 200 and down["fallback"]  # served from the primary, with a notice
    assert down["alerts"] == 200
    assert "reporting_schoolday" in down["primary_tables"]
    assert down["lag_page"] == 200 and down["lag_says_down"]
