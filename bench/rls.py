#!/usr/bin/env python
"""Row-level security's overhead (issue 14): the registration rush and a list page, with the
policies and the tenant context on, then off, three times each, alternating.

    python scripts/dev.py exec .venv/bin/python bench/rls.py [--students 1500] [--list 300]

The database (``<DATABASE_URL's db>_rlsbench``) is a copy of ``--template`` (default: the
DATABASE_URL database, already migrated: copying it is seconds, migrating a new one minutes);
``migrate`` then grants the app role and installs the policies. The school of bench/rush.py is
built in it; gunicorn (as the app role) serves the production registration endpoint.

    on   policies enabled, DATABASE_RLS=1: each request narrows to its user's district
    off  policies disabled (ALTER TABLE … DISABLE ROW LEVEL SECURITY), DATABASE_RLS=0

Printed per mode: registrations per second of the mixed phase (bench/rush.py: 1–3 courses per
student, Zipf demand) and the list page's median latency (GET /api/v1/students/ as the
principal, 300 requests on one keep-alive connection) — median of 3 with min and max — and the
overhead of "on" against "off".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import rush  # noqa: E402


def copy_database(url: str, template: str) -> None:
    import psycopg2

    head, _, name = url.rpartition("/")
    conn = psycopg2.connect(f"{head}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    conn.close()


def set_policies(enabled: bool) -> None:
    from django.db import connection

    from aftercare import db_security

    with connection.cursor() as cur:
        for table in db_security.tenant_tables(cur):
            action = "ENABLE" if enabled else "DISABLE"
            cur.execute(f"ALTER TABLE {table} {action} ROW LEVEL SECURITY")


async def list_page(base: str, token: str, n: int) -> list[float]:
    import aiohttp

    latencies = []
    async with aiohttp.ClientSession() as session:
        for _ in range(n):
            started = time.perf_counter()
            async with session.get(
                f"{base}/api/v1/students/", headers={"Authorization": f"Token {token}"}
            ) as resp:
                await resp.read()
                if resp.status != 200:
                    raise SystemExit(f"list page answered {resp.status}")
            latencies.append(time.perf_counter() - started)
    return latencies


def one_round(url, world, mixed, principal_token, mode, args) -> tuple[float, float, int]:
    set_policies(mode == "on")
    os.environ["DATABASE_RLS"] = "1" if mode == "on" else "0"
    port = rush.free_port()
    base = f"http://127.0.0.1:{port}"
    server = rush.start_gunicorn(url, port, args.workers, args.threads)
    try:
        rush.warm_up(base, world, variant="ours", n=100)
        asyncio.run(list_page(base, principal_token, 20))
        rush.reset_state()
        res = asyncio.run(rush.run_load(base, "ours", mixed, args.clients))
        rps = len(mixed) / res.elapsed
        lat = asyncio.run(list_page(base, principal_token, args.list))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return rps, statistics.median(lat) * 1000, res.errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--list", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--template", default="")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is not set")
    head, _, name = base_url.rpartition("/")
    url = f"{head}/{name.split('?')[0]}_rlsbench"
    copy_database(url, args.template or name.split("?")[0])
    rush.setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    world = rush.build_world(args.students, args.courses, 30, 2026)
    from aftercare.models import User
    from aftercare.services.tokens import issue_tokens

    (principal_token,) = issue_tokens(users=[User.objects.get(username="bench-principal")])
    mixed = rush.mixed_plan(world, random.Random(2026))
    print(
        f"{len(mixed)} registrations per round, {args.clients} clients, gunicorn "
        f"{args.workers}×{args.threads}; list page {args.list} GETs; {os.cpu_count()} CPUs",
        flush=True,
    )
    results: dict[str, list] = {"off": [], "on": []}
    for i in range(args.rounds):
        for mode in ("off", "on") if i % 2 == 0 else ("on", "off"):
            rps, p50, errors = one_round(url, world, mixed, principal_token, mode, args)
            results[mode].append((rps, p50))
            print(
                f"round {i + 1} {mode:3}: {rps:7.0f} reg/s  list p50 {p50:6.1f} ms  "
                f"errors {errors}",
                flush=True,
            )
    set_policies(True)

    def summary(values):
        return statistics.median(values), min(values), max(values)

    print()
    for label, idx, unit in (("registrations/s", 0, ""), ("list page p50 ms", 1, "")):
        off = summary([r[idx] for r in results["off"]])
        on = summary([r[idx] for r in results["on"]])
        print(
            f"{label:18} off median {off[0]:.1f} (min {off[1]:.1f}, max {off[2]:.1f})   "
            f"on median {on[0]:.1f} (min {on[1]:.1f}, max {on[2]:.1f}){unit}"
        )
        overhead = (off[0] / on[0] - 1) if idx == 0 else (on[0] / off[0] - 1)
        print(f"{'':18} RLS overhead {overhead * 100:+.1f}% (target ≤ 5%)")
    print(f"load: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
