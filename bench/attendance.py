#!/usr/bin/env python
"""Roll-call benchmark (点名): the real HTTP endpoint, gunicorn, PostgreSQL.

    make bench-roll                      # or: python bench/attendance.py [--teachers 50] ...

It builds a school on a database of its own (``<DATABASE_URL's db>_bench_roll``, dropped and
recreated): ``--teachers`` basic-care groups of ``--children`` children each (applications
approved, agreements signed, insurance confirmed, a guardian each), a session of every group
today and its teacher (a token each). Then gunicorn serves the app and, for each variant,
``--teachers`` concurrent clients — one per teacher, a keep-alive connection each — submit
their group's whole roll ``--rounds`` times (the first roll, then corrections: one child
absent, a different one each round, so every round changes two marks and tells one family):

    ours   POST /api/v1/attendance/sessions/<id>/roll/ — the production endpoint: one request
           per list, one upsert for all marks (attendance.services.roll)
    loop   the same list to a variant with the same authentication and lookups that saves
           child by child (``update_or_create`` per mark: one query or two per child) —
           the per-child save loop the requirement compares with

Two phases for each variant:

    closed  the worst case: all teachers send their lists back to back at once (each next
            list as soon as the last one is answered) — lists per second is the throughput
    burst   the school's afternoon: round after round, every teacher sends one list at a
            random moment within ``--spread`` seconds (50 teachers tapping "submit" in the
            same two seconds) — the latency a teacher sees

Each runs ``--repeat`` times (marks reset between runs); printed per variant and phase: the
median of the runs with min and max of lists per second, p50 and p95 latency, errors. The
requirement: ours p95 ≤ 150 ms and ≥ 3× the loop's lists per second (closed loop).
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
import uuid
from dataclasses import dataclass, field
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("ours", "loop")


# --------------------------------------------------------------------------- the loop variant


def _loop_view():
    """The per-child save loop, served by the same stack as the real endpoint."""
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from aftercare.tenancy import scope_for
    from attendance.access import lookup_session
    from attendance.models import AttendanceMark
    from attendance.services.roll import parse_marks
    from enrollment.models import Student

    class LoopRollView(APIView):
        def post(self, request, session_id):
            session, access = lookup_session(scope_for(request), session_id)
            if not access.can_take_roll:
                return Response(status=403)
            marks = parse_marks(request.data.get("marks"))
            now = timezone.now()
            with transaction.atomic():
                for m in marks:  # one query (or two) per child
                    student = Student.objects.only("pk").get(public_id=m.student)
                    AttendanceMark.objects.update_or_create(
                        district_id=session.district_id,
                        session_id=session.pk,
                        student_id=student.pk,
                        defaults={
                            "school_id": session.school_id,
                            "date": session.date,
                            "status": m.status,
                            "marked_by": request.user,
                            "first_marked_at": now,
                            "marked_at": now,
                        },
                    )
            return Response({"saved": len(marks)})

    return LoopRollView.as_view()


if __name__ != "__main__":  # imported as the URL conf by gunicorn (bench.attendance_settings)
    from django.urls import path

    from aftercare.urls import urlpatterns as app_urlpatterns

    urlpatterns = [
        path("bench/loop/sessions/<uuid:session_id>/roll/", _loop_view()),
        *app_urlpatterns,
    ]


# --------------------------------------------------------------------------- data


@dataclass
class Teacher:
    token: str
    session: str
    children: list = field(default_factory=list)


def bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("DATABASE_URL is not set: run `make bench-roll` (it starts PostgreSQL)")
    head, _, name = base.rpartition("/")
    return f"{head}/{name.split('?')[0]}_bench_roll"


def build_world(n_teachers: int, n_children: int) -> list[Teacher]:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from aftercare.models import District, Membership, Role, School, SchoolClass, Semester, User
    from aftercare.services.tokens import issue_tokens
    from enrollment.models import Application, Guardianship, ServiceAgreement, Student
    from plans.models import DistrictPolicy, PlanStatus, PlanVersion, SchoolPlan
    from plans.presets import preset_fields
    from scheduling.models import (
        Assignment,
        CareGroup,
        DutyRole,
        Grouping,
        GroupMember,
        Session,
        StaffMember,
    )

    now = timezone.now()
    today = timezone.localdate()
    district = District.objects.create(code="bench-roll", name="点名压测区")
    school = School.objects.create(district=district, code="bench-roll", name="点名压测小学")
    principal = User.objects.create_user("bench-principal", "x")
    Membership.objects.create(user=principal, district=district, school=school, role=Role.PRINCIPAL)
    semester = Semester.objects.create(
        district=district,
        name="压测学期",
        start_date=today - timedelta(days=30),
        end_date=today + timedelta(days=100),
    )
    values, _seasons = preset_fields("one_plus_x")
    policy = DistrictPolicy.objects.create(
        **{
            **values,
            "semester": semester,
            "district": district,
            "version": 1,
            "preset": "one_plus_x",
        }
    )
    plan = SchoolPlan.objects.create(district=district, school=school, semester=semester)
    version = PlanVersion.objects.create(
        district=district,
        school=school,
        plan=plan,
        number=1,
        policy=policy,
        status=PlanStatus.PUBLISHED,
        published_at=now,
    )
    agreement = ServiceAgreement.objects.create(
        district=district, school=school, semester=semester, title="协议", body="……"
    )
    grouping = Grouping.objects.create(
        district=district,
        school=school,
        plan=plan,
        status="confirmed",
        proposed_at=now,
        proposed_by=principal,
        confirmed_at=now,
        confirmed_by=principal,
    )
    password = make_password("x")
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(district=district, school=school, grade=1 + i // 20, number=1 + i % 20)
        for i in range(n_teachers)
    )
    teachers = User.objects.bulk_create(
        User(username=f"bench-teacher-{i}", full_name=f"老师{i}", password=password)
        for i in range(n_teachers)
    )
    Membership.objects.bulk_create(
        Membership(user=u, district=district, school=school, role=Role.CARE_TEACHER)
        for u in teachers
    )
    staff = StaffMember.objects.bulk_create(
        StaffMember(
            district=district, school=school, kind="school_teacher", full_name=u.full_name, user=u
        )
        for u in teachers
    )
    groups = CareGroup.objects.bulk_create(
        CareGroup(
            district=district,
            school=school,
            plan=plan,
            grouping=grouping,
            kind="basic",
            name=f"托管{i + 1}组",
            position=i,
            grades=[1 + i // 20],
        )
        for i in range(n_teachers)
    )
    Assignment.objects.bulk_create(
        Assignment(
            district=district,
            school=school,
            plan=plan,
            weekday=today.weekday(),
            role=DutyRole.TEACHER,
            staff=s,
            group=g,
            created_by=principal,
        )
        for s, g in zip(staff, groups, strict=True)
    )
    sessions = Session.objects.bulk_create(
        Session(
            district=district,
            school=school,
            plan=plan,
            version=version,
            group=g,
            date=today,
            weekday=today.weekday(),
            start_time=dtime(15, 30),
            end_time=dtime(17, 30),
            minutes=120,
            lessons=3,
        )
        for g in groups
    )
    total = n_teachers * n_children
    parents = User.objects.bulk_create(
        User(mobile=f"13{i:09d}", full_name=f"家长{i}", password=password) for i in range(total)
    )
    students = Student.objects.bulk_create(
        Student(
            district=district,
            school=school,
            school_class=classes[i // n_children],
            student_number=f"R{i:08d}",
            name=f"学生{i}",
            gender="F",
        )
        for i in range(total)
    )
    Guardianship.objects.bulk_create(
        Guardianship(district=district, school=school, student=s, user=u, relation="mother")
        for s, u in zip(students, parents, strict=True)
    )
    apps = Application.objects.bulk_create(
        Application(
            district=district,
            school=school,
            semester=semester,
            plan=plan,
            student=s,
            applied_by=u,
            status="approved",
            approved_at=now,
            agreement=agreement,
            signed_by=u,
            signed_at=now,
            insurance_confirmed_at=now,
            insurance_confirmed_by=u,
        )
        for s, u in zip(students, parents, strict=True)
    )
    GroupMember.objects.bulk_create(
        GroupMember(
            district=district,
            school=school,
            plan=plan,
            group=groups[i // n_children],
            student=s,
            application=a,
            placement="proposed",
            placed_at=now,
        )
        for i, (s, a) in enumerate(zip(students, apps, strict=True))
    )
    tokens = issue_tokens(users=teachers, name="bench")
    out = []
    for i, (token, session) in enumerate(zip(tokens, sessions, strict=True)):
        kids = [str(s.public_id) for s in students[i * n_children : (i + 1) * n_children]]
        out.append(Teacher(token, str(session.public_id), kids))
    return out


def reset_marks() -> None:
    """Empty the roll tables between rounds (TRUNCATE is the owner's: the app role the
    measured code runs as may not truncate since least privilege)."""
    from aftercare.db_security import owner_mode

    with owner_mode() as connection, connection.cursor() as cur:
        cur.execute(
            "TRUNCATE attendance_attendancemark, attendance_rollsubmission, attendance_rollcall, "
            "attendance_followup, attendance_attendancewarning, aftercare_auditevent, "
            "aftercare_outboxmessage, "
            "aftercare_notification"
        )


# --------------------------------------------------------------------------- load


@dataclass
class Run:
    latencies: list = field(default_factory=list)
    errors: int = 0
    statuses: dict = field(default_factory=dict)
    elapsed: float = 0.0


def payload(teacher: Teacher, round_no: int) -> dict:
    """The whole list: everyone present except one child (a different one each round)."""
    absent = teacher.children[round_no % len(teacher.children)] if round_no else None
    return {
        "submission_id": str(uuid.uuid4()),
        "marks": [
            {"student": c, "status": "absent" if c == absent else "present"}
            for c in teacher.children
        ],
    }


async def run_load(
    base: str, variant: str, teachers: list[Teacher], rounds: int, spread: float | None = None
) -> Run:
    """Closed loop (``spread`` None): each teacher sends their ``rounds`` lists back to back,
    all teachers at once. Burst (``spread`` seconds): round after round, every teacher sends
    one list at a random moment within ``spread`` seconds of the round's start."""
    import aiohttp

    run = Run()
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=len(teachers), force_close=False)
    rng = random.Random(7)

    async def send(session, teacher: Teacher, round_no: int):
        path = (
            f"/api/v1/attendance/sessions/{teacher.session}/roll/"
            if variant == "ours"
            else f"/bench/loop/sessions/{teacher.session}/roll/"
        )
        started = time.perf_counter()
        try:
            async with session.post(
                base + path,
                json=payload(teacher, round_no),
                headers={"Authorization": f"Token {teacher.token}"},
            ) as resp:
                await resp.read()
                run.statuses[resp.status] = run.statuses.get(resp.status, 0) + 1
                if resp.status != 200:
                    run.errors += 1
        except (TimeoutError, aiohttp.ClientError):
            run.errors += 1
        run.latencies.append(time.perf_counter() - started)

    async def client(session, teacher: Teacher):
        for round_no in range(rounds):
            await send(session, teacher, round_no)

    async def delayed(session, teacher: Teacher, round_no: int):
        await asyncio.sleep(rng.random() * spread)
        await send(session, teacher, round_no)

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        if spread is None:
            await asyncio.gather(*(client(session, t) for t in teachers))
        else:
            for round_no in range(rounds):
                await asyncio.gather(*(delayed(session, t, round_no) for t in teachers))
    run.elapsed = time.perf_counter() - started
    return run


def pct(values, q):
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] if values else float("nan")
    )


def fmt(values, digits=0):
    med = statistics.median(values)
    return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


# --------------------------------------------------------------------------- main


def main() -> int:
    from bench.rush import free_port, recreate_database

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=50)
    parser.add_argument("--children", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument(
        "--spread",
        type=float,
        default=2.0,
        help="burst phase: every teacher submits once within this many seconds, per round",
    )
    args = parser.parse_args()

    url = bench_database_url()
    print(
        f"database {url.rpartition('@')[2]}; {args.teachers} teachers × {args.children} "
        f"children, {args.rounds} lists per teacher per run, {args.repeat} runs; gunicorn "
        f"{args.workers} workers × {args.threads} threads; {os.cpu_count()} CPUs",
        flush=True,
    )
    recreate_database(url)
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.attendance_settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    teachers = build_world(args.teachers, args.children)
    print(f"built the school in {time.perf_counter() - t0:.1f}s", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, port, args.workers, args.threads)
    phases = [("closed", None), ("burst", args.spread)]
    results: dict[tuple[str, str], list[Run]] = {
        (v, phase): [] for v in args.variants.split(",") for phase, _s in phases
    }
    try:
        # Warm up every worker (code, caches) with the real endpoint.
        asyncio.run(run_load(base, "ours", teachers, 2))
        for repeat in range(args.repeat):
            for variant, phase in results:
                spread = dict(phases)[phase]
                reset_marks()
                run = asyncio.run(run_load(base, variant, teachers, args.rounds, spread))
                results[(variant, phase)].append(run)
                print(
                    f"  run {repeat + 1} {variant:<5} {phase:<6} "
                    f"{len(run.latencies) / run.elapsed:7.1f} lists/s  p50 "
                    f"{pct(run.latencies, 50) * 1000:6.0f} ms  p95 "
                    f"{pct(run.latencies, 95) * 1000:6.0f} ms  errors {run.errors} "
                    f"{run.statuses}",
                    flush=True,
                )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print()
    print(f"{'variant':<8}{'phase':<8}{'lists/s':>22}{'p50 ms':>20}{'p95 ms':>20}{'errors':>8}")
    summary = {}
    for (variant, phase), runs in results.items():
        rates = [len(r.latencies) / r.elapsed for r in runs]
        p50 = [pct(r.latencies, 50) * 1000 for r in runs]
        p95 = [pct(r.latencies, 95) * 1000 for r in runs]
        summary[(variant, phase)] = (statistics.median(rates), statistics.median(p95))
        print(
            f"{variant:<8}{phase:<8}{fmt(rates, 1):>22}{fmt(p50):>20}{fmt(p95):>20}"
            f"{sum(r.errors for r in runs):>8}"
        )
    print(
        f"(median of {args.repeat} runs, min–max in brackets; a list is one teacher's whole "
        f"roll of {args.children}; closed: {args.teachers} teachers send back to back; burst: "
        f"each round, {args.teachers} teachers send within {args.spread:g} s)"
    )
    if ("ours", "closed") in summary and ("loop", "closed") in summary:
        ratio = summary[("ours", "closed")][0] / summary[("loop", "closed")][0]
        print(f"throughput: ours / loop = {ratio:.1f}x lists per second (target ≥ 3x)")
    for phase, _s in phases:
        if ("ours", phase) in summary:
            print(f"ours p95 ({phase}) = {summary[('ours', phase)][1]:.0f} ms (target ≤ 150 ms)")
    return 0


def start_server(url: str, port: int, workers: int, threads: int):
    """gunicorn on this benchmark's settings (as bench/rush.py starts it)."""
    import socket
    import subprocess

    env = dict(
        os.environ, BENCH_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.attendance_settings"
    )
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


if __name__ == "__main__":
    random.seed(2026)
    sys.exit(main())
