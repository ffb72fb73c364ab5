#!/usr/bin/env python
"""Registration-rush benchmark (抢课): the real HTTP endpoint, gunicorn, PostgreSQL.

    make bench-rush                      # or: python bench/rush.py [--clients 200] ...

It builds a school on a database of its own (``<DATABASE_URL's db>_bench``, dropped and
recreated), starts gunicorn, and runs, for each variant (bench/variants.py):

    ceiling   same stack, answers without claiming a seat
    naive     check-then-insert
    locking   SELECT ... FOR UPDATE, then check
    ours      the production claim (enrollment.registration.register)

two phases with ``--clients`` concurrent clients (each a keep-alive connection sending one
request after another):

    mixed     courses of 15–40 seats, Zipf-skewed demand, 1–3 courses per student
    hot       every request for one single course

and prints, per variant and phase: requests, requests per second, p50 and p99 latency,
server errors, overbooked seats (confirmed beyond capacity) and lost seats (a course left
short while more students asked for it than it has seats). Then a burst: ``--burst``
requests fired within one second for 600 seats, checking 0 server errors and a definite
answer for each within 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import time as dtime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("ceiling", "naive", "locking", "ours")


# --------------------------------------------------------------------------- database


def bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("DATABASE_URL is not set: run `make bench-rush` (it starts PostgreSQL)")
    head, _, name = base.rpartition("/")
    return f"{head}/{name.split('?')[0]}_bench"


def recreate_database(url: str) -> None:
    import psycopg2

    head, _, name = url.rpartition("/")
    conn = psycopg2.connect(f"{head}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def setup_django(url: str) -> None:
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


# --------------------------------------------------------------------------- data


@dataclass
class World:
    students: list = field(default_factory=list)  # (student public_id, token)
    courses: list = field(default_factory=list)  # (course public_id, capacity)
    hot: tuple = ()
    course_pk: dict = field(default_factory=dict)  # public_id -> pk


def build_world(n_students: int, n_courses: int, hot_capacity: int, seed: int) -> World:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from aftercare.models import District, Membership, Role, School, SchoolClass, Semester, User
    from aftercare.services import grant_role
    from aftercare.services.tokens import issue_tokens
    from enrollment.models import Application, Guardianship, Student
    from plans.services import plans as plan_services
    from plans.services import policy as policy_services

    rng = random.Random(seed)
    district = District.objects.create(code="bench", name="压测区教育局")
    school = School.objects.create(district=district, code="bench", name="压测小学")
    official = User.objects.create_user("bench-official", "x")
    principal = User.objects.create_user("bench-principal", "x")
    grant_role(actor=None, user=official, role=Role.DISTRICT_OFFICIAL, district=district)
    grant_role(actor=None, user=principal, role=Role.PRINCIPAL, district=district, school=school)
    today = timezone.localdate()
    semester = Semester.objects.create(
        district=district,
        name="压测学期",
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=100),
    )
    classes = [
        SchoolClass.objects.create(district=district, school=school, grade=g, number=n)
        for g in range(1, 7)
        for n in range(1, 5)
    ]
    policy_services.create_policy_from_preset(
        actor=official, semester=semester, preset="one_plus_x"
    )
    policy_services.update_policy(
        actor=official, semester=semester, changes={"min_extended_course_size": 1}
    )
    plan = plan_services.create_plan(actor=principal, school=school, semester=semester)
    version = plan_services.update_plan_general(
        actor=principal,
        version=plan.versions.get(),
        data={
            "safety_plan": "预案",
            "leadership_group": "组长",
            "hotline": "12345",
            "prohibitions_confirmed": True,
            "fee_notice": "20元/课时",
            "max_courses_per_student": 3,
        },
    )
    plan_services.save_plan_part(
        actor=principal,
        version=version,
        kind="period",
        data={
            "grades": [1, 2, 3, 4, 5, 6],
            "weekdays": [0, 1, 2, 3, 4],
            "start_time": dtime(15, 30),
            "end_time": dtime(17, 30),
        },
    )
    capacities = [rng.randint(15, 40) for _ in range(n_courses)] + [hot_capacity]
    for index, capacity in enumerate(capacities):
        plan_services.save_plan_part(
            actor=principal,
            version=version,
            kind="course",
            data={
                "name": f"课程{index:02d}" if index < n_courses else "热门课程",
                "grades": [1, 2, 3, 4, 5, 6],
                "weekdays": [1, 3],
                "start_time": dtime(16, 40),
                "end_time": dtime(17, 20),
                "capacity": capacity,
                "min_size": 1,
                "fee_per_lesson": Decimal("20"),
            },
        )
    now = timezone.now()
    plan_services.save_plan_part(
        actor=principal,
        version=version,
        kind="window",
        data={
            "kind": "extended",
            "round": 1,
            "mode": "fcfs",
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(hours=23),
        },
    )
    version = plan_services.submit_plan(actor=principal, version=version)
    version = plan_services.approve_plan(actor=official, version=version)
    version = plan_services.publish_plan(actor=principal, version=version)

    password = make_password("x")
    users = User.objects.bulk_create(
        User(mobile=f"13{i:09d}", full_name=f"家长{i}", password=password)
        for i in range(n_students)
    )
    students = Student.objects.bulk_create(
        Student(
            district=district,
            school=school,
            school_class=classes[i % len(classes)],
            student_number=f"B{i:08d}",
            name=f"学生{i}",
            gender="F",
        )
        for i in range(n_students)
    )
    Guardianship.objects.bulk_create(
        Guardianship(district=district, school=school, student=s, user=u, relation="mother")
        for s, u in zip(students, users, strict=True)
    )
    Membership.objects.bulk_create(
        Membership(user=u, district=district, school=school, role=Role.PARENT) for u in users
    )
    Application.objects.bulk_create(
        Application(
            district=district, school=school, semester=semester, plan=plan, student=s, applied_by=u
        )
        for s, u in zip(students, users, strict=True)
    )
    tokens = issue_tokens(users=users, name="bench")
    world = World(students=[(str(s.public_id), t) for s, t in zip(students, tokens, strict=True)])
    from enrollment.services.registration import ensure_capacities

    ensure_capacities(version.pk)
    for course in version.courses.order_by("name"):
        entry = (str(course.public_id), course.capacity)
        world.course_pk[entry[0]] = course.pk
        if course.name == "热门课程":
            world.hot = entry
        else:
            world.courses.append(entry)
    return world


def reset_state(capacities: dict[str, int] | None = None) -> None:
    # TRUNCATE is the owner's: the app role may not truncate since least privilege.
    from aftercare.db_security import owner_mode

    with owner_mode() as connection, connection.cursor() as cur:
        cur.execute("TRUNCATE enrollment_courseregistration, aftercare_auditevent")
        cur.execute("UPDATE enrollment_application SET courses_taken = 0")
        cur.execute(
            "UPDATE enrollment_coursecapacity cc SET taken = 0, status = 'open', "
            "capacity = c.capacity FROM aftercare_course c WHERE c.id = cc.course_id"
        )
        for pk, capacity in (capacities or {}).items():
            cur.execute(
                "UPDATE enrollment_coursecapacity SET capacity = %s WHERE course_id = %s",
                [capacity, pk],
            )


def seat_accounting(demand: dict[str, set]) -> tuple[int, int, Counter]:
    """(overbooked, lost, confirmed per course) from the database after a phase."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.id, cc.capacity, "
            " (SELECT count(*) FROM enrollment_courseregistration r "
            "   WHERE r.course_id = c.id AND r.status = 'confirmed') "
            "FROM aftercare_course c JOIN enrollment_coursecapacity cc ON cc.course_id = c.id"
        )
        rows = cur.fetchall()
    by_pk = {pk: (cap, confirmed) for pk, cap, confirmed in rows}
    overbooked = sum(max(0, confirmed - cap) for cap, confirmed in by_pk.values())
    lost = 0
    confirmed_by = Counter()
    for course_pk, students in demand.items():
        cap, confirmed = by_pk[course_pk]
        confirmed_by[course_pk] = confirmed
        if len(students) >= cap:
            lost += max(0, cap - confirmed)
    return overbooked, lost, confirmed_by


# --------------------------------------------------------------------------- load


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def mixed_plan(world: World, rng: random.Random) -> list[tuple[str, str, str]]:
    """(course, student, token) requests: 1–3 distinct skewed courses per student."""
    courses = [c for c, _cap in world.courses]
    weights = zipf_weights(len(courses))
    requests = []
    for student, token in world.students:
        k = rng.choice((1, 1, 2, 2, 3))
        chosen = set()
        while len(chosen) < k:
            chosen.add(rng.choices(courses, weights=weights)[0])
        requests += [(c, student, token) for c in chosen]
    rng.shuffle(requests)
    return requests


def hot_plan(world: World, n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    students = rng.sample(world.students, min(n, len(world.students)))
    return [(world.hot[0], s, t) for s, t in students]


@dataclass
class PhaseResult:
    latencies: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    errors: int = 0
    elapsed: float = 0.0


async def run_load(
    base: str, variant: str, requests, clients: int, spread: float | None = None
) -> PhaseResult:
    """``clients`` keep-alive workers drain the request list; with ``spread``, every
    request gets its own connection and starts at a uniform random moment in ``spread``
    seconds (the burst)."""
    import aiohttp

    result = PhaseResult()
    queue = list(reversed(requests))
    timeout = aiohttp.ClientTimeout(total=60)

    async def one(session, course, student, token):
        url = f"{base}/bench/{variant}/courses/{course}/register/"
        started = time.perf_counter()
        try:
            async with session.post(
                url, json={"student": student}, headers={"Authorization": f"Token {token}"}
            ) as resp:
                body = await resp.json(content_type=None)
                result.statuses[resp.status] += 1
                if resp.status == 201:
                    result.outcomes[body["status"]] += 1
                elif resp.status >= 500:
                    result.errors += 1
                else:
                    result.outcomes[body.get("error", {}).get("code", str(resp.status))] += 1
        except (TimeoutError, aiohttp.ClientError, ValueError):
            result.errors += 1
            result.statuses["connection error"] += 1
        result.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    if spread is None:
        connector = aiohttp.TCPConnector(limit=clients, force_close=False)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def worker():
                while queue:
                    await one(session, *queue.pop())

            await asyncio.gather(*(worker() for _ in range(clients)))
    else:
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            rng = random.Random(7)

            async def delayed(req):
                await asyncio.sleep(rng.random() * spread)
                await one(session, *req)

            await asyncio.gather(*(delayed(r) for r in requests))
    result.elapsed = time.perf_counter() - started
    return result


def pct(values, q):
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, BENCH_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.settings")
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "aftercare.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--backlog",
        "4096",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    if threads > 1:
        cmd += ["--worker-class", "gthread", "--threads", str(threads)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None:
            raise SystemExit("gunicorn did not start")
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 60 s")


def warm_up(base: str, world: World, variant="ceiling", n=200) -> None:
    """Load code and fill each worker's course cache before measuring."""
    reqs = [(world.courses[i % len(world.courses)][0], *world.students[i]) for i in range(n)]
    reqs += [(world.hot[0], *world.students[i]) for i in range(n)]
    asyncio.run(run_load(base, variant, reqs, clients=20))


# --------------------------------------------------------------------------- main


def fmt_row(cells, widths):
    return "  ".join(
        str(c).rjust(w) if i else str(c).ljust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--students", type=int, default=4000)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--hot-capacity", type=int, default=30)
    parser.add_argument("--hot-requests", type=int, default=3000)
    parser.add_argument("--burst", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()

    url = bench_database_url()
    print(
        f"database {url.rpartition('@')[2]}; {args.students} students, "
        f"{args.courses}+1 courses, {args.clients} clients, gunicorn {args.workers} "
        f"workers × {args.threads} threads; {os.cpu_count()} CPUs",
        flush=True,
    )
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    world = build_world(args.students, args.courses, args.hot_capacity, args.seed)
    print(f"built the school in {time.perf_counter() - t0:.1f}s", flush=True)
    rng = random.Random(args.seed)
    mixed = mixed_plan(world, rng)
    hot = hot_plan(world, args.hot_requests, rng)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(url, port, args.workers, args.threads)
    rows = []
    try:
        warm_up(base, world)
        for variant in args.variants.split(","):
            for phase, plan in (("mixed", mixed), ("hot", hot)):
                reset_state()
                demand: dict[int, set] = defaultdict(set)
                for course, student, _token in plan:
                    demand[world.course_pk[course]].add(student)
                res = asyncio.run(run_load(base, variant, plan, args.clients))
                if variant == "ceiling":
                    over = lost = "—"
                else:
                    over, lost, _ = seat_accounting(demand)
                rows.append(
                    [
                        variant,
                        phase,
                        len(plan),
                        f"{len(plan) / res.elapsed:.0f}",
                        f"{pct(res.latencies, 50) * 1000:.0f}",
                        f"{pct(res.latencies, 99) * 1000:.0f}",
                        res.errors,
                        over,
                        lost,
                        dict(res.outcomes),
                    ]
                )
                print(fmt_row(rows[-1][:9], WIDTHS), flush=True)

        # Burst: 3000 requests within one second for 600 seats (20 courses × 30).
        seat_courses = world.courses[:20]
        capacities = {world.course_pk[c]: 30 for c, _cap in seat_courses}
        reset_state(capacities)
        burst_students = rng.sample(world.students, min(args.burst, len(world.students)))
        burst = [
            (seat_courses[i % len(seat_courses)][0], s, t)
            for i, (s, t) in enumerate(burst_students)
        ]
        res = asyncio.run(run_load(base, "ours", burst, clients=0, spread=1.0))
        demand = defaultdict(set)
        for course, student, _token in burst:
            demand[world.course_pk[course]].add(student)
        over, lost, confirmed = seat_accounting(demand)
        seats_given = sum(confirmed[pk] for pk in capacities)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print()
    print(fmt_row(HEADER, WIDTHS))
    for row in rows:
        print(fmt_row(row[:9], WIDTHS))
    by = {(r[0], r[1]): r for r in rows}
    print()
    if ("ours", "hot") in by and ("locking", "hot") in by:
        ratio = float(by[("ours", "hot")][3]) / float(by[("locking", "hot")][3])
        print(f"hot course: ours / locking = {ratio:.2f}x requests per second")
    if ("ours", "mixed") in by and ("ceiling", "mixed") in by:
        share = float(by[("ours", "mixed")][3]) / float(by[("ceiling", "mixed")][3])
        print(f"mixed: ours / ceiling = {share:.0%} of the ceiling's requests per second")
    definite = sum(res.statuses[s] for s in (201, 409))
    print(
        f"burst: {len(burst)} requests within 1 s for {sum(capacities.values())} seats: "
        f"{res.errors} server/connection errors, {definite} definite answers "
        f"(201/409), max latency {max(res.latencies):.2f} s, p99 "
        f"{pct(res.latencies, 99):.2f} s, seats given {seats_given}, overbooked {over}, "
        f"lost {lost}; statuses {dict(res.statuses)}"
    )
    return 0


HEADER = [
    "variant",
    "phase",
    "requests",
    "req/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "overbooked",
    "lost",
]
WIDTHS = [8, 6, 8, 7, 7, 7, 6, 10, 5]

if __name__ == "__main__":
    sys.exit(main())
