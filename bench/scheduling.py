#!/usr/bin/env python
"""Scheduling benchmark (编班 · 排班): grouping one school, generating a district's semester.

    make bench-scheduling                 # or: python bench/scheduling.py [--schools 30] ...

Builds, on a database of its own (``<DATABASE_URL's db>_bench_scheduling``, dropped and
recreated), a district of ``--schools`` schools × ``--participants`` approved basic-care
participants each (classes of 10–60, grades 1–6), the district policy, the autumn semester
with the national-day holidays and a 调休 make-up day, and a published plan per school (three
period blocks with a September summer-time variant, eight extended courses). Then, each
measured ``--runs`` times (median, min and max printed):

  propose     ``propose_groups`` for one school (the pure rules + the bulk writes)
  generate    the semester's sessions of every school as ONE Celery job
              (``scheduling.generate_district_sessions``, run in this process), set-based:
              one ``INSERT … ON CONFLICT`` statement per school
  regenerate  the same job again: it must change nothing (idempotent)
  naive       the same rows written by a per-session ``Session(...).save()`` loop, one
              transaction per school (the shape a first implementation would take)

Groupings are confirmed directly in the database (the benchmark measures session generation,
not staffing; confirming through the service needs a full rota). Before each "generate" and
"naive" run the sessions are deleted, so every run writes the whole semester.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"propose": 1.0, "generate": 30.0}


def bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("DATABASE_URL is not set: run `make bench-scheduling`")
    head, _, name = base.rpartition("/")
    return f"{head}/{name.split('?')[0]}_bench_scheduling"


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
    os.environ.setdefault("MEDIA_ROOT", "/tmp/aftercare-bench-media")
    import django

    django.setup()


# --------------------------------------------------------------------------- data

PERIODS = (
    ([1, 2], dtime(15, 5), dtime(17, 30)),
    ([3, 4], dtime(15, 50), dtime(17, 30)),
    ([5, 6], dtime(16, 0), dtime(17, 30)),
)
COURSES = (
    ("硬笔书法", [1, 2, 3], [1, 3]),
    ("围棋", [2, 3, 4], [0, 2]),
    ("合唱团", [3, 4, 5, 6], [1, 3]),
    ("校园足球", [3, 4, 5, 6], [0, 2, 4]),
    ("科技小制作", [4, 5, 6], [4]),
    ("创意美术", [1, 2], [0, 4]),
    ("英语绘本", [1, 2, 3], [2]),
    ("篮球", [4, 5, 6], [1, 3]),
)


def class_sizes(rng: random.Random, total: int) -> list[int]:
    sizes = []
    while sum(sizes) < total:
        sizes.append(rng.randint(10, 60))
    sizes[-1] -= sum(sizes) - total
    if sizes[-1] < 1:
        sizes.pop()
        sizes[-1] += total - sum(sizes)
    return sizes


def build(n_schools: int, participants: int, seed: int):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from aftercare.models import (
        CalendarException,
        CalendarKind,
        District,
        Membership,
        Role,
        School,
        SchoolClass,
        Semester,
        User,
    )
    from enrollment.models import Application, ApplicationStatus, Student
    from plans.models import (
        Course,
        DistrictPolicy,
        PlanStatus,
        PlanVersion,
        SchoolPlan,
        ServicePeriod,
    )

    rng = random.Random(seed)
    district = District.objects.create(code="bench-sched", name="编班压测区")
    semester = Semester.objects.create(
        district=district,
        name="2026—2027学年第一学期",
        start_date=date(2026, 9, 1),
        end_date=date(2027, 1, 22),
    )
    for d in range(1, 8):
        CalendarException.objects.create(
            district=district,
            semester=semester,
            date=date(2026, 10, d),
            kind=CalendarKind.HOLIDAY,
            note="国庆节",
        )
    CalendarException.objects.create(
        district=district,
        semester=semester,
        date=date(2026, 10, 10),
        kind=CalendarKind.MAKEUP_DAY,
        note="调休",
        follows_weekday=3,
    )
    policy = DistrictPolicy.objects.create(
        district=district,
        semester=semester,
        version=1,
        service_weekdays=[0, 1, 2, 3, 4],
        latest_end_time=dtime(18, 0),
        students_per_teacher=45,
        teacher_remainder_threshold=30,
        groups_per_manager=5,
        manager_remainder_threshold=3,
    )
    password = make_password("bench")
    official = User.objects.create(username="bench-sched-official", password=password)
    Membership.objects.create(user=official, district=district, role=Role.DISTRICT_OFFICIAL)
    schools = []
    now = timezone.now()
    for i in range(n_schools):
        school = School.objects.create(
            district=district, code=f"s{i:02d}", name=f"压测第{i + 1}小学"
        )
        principal = User.objects.create(username=f"bench-sched-p{i}", password=password)
        Membership.objects.create(
            user=principal, district=district, school=school, role=Role.PRINCIPAL
        )
        parent = User.objects.create(mobile=f"139{i:08d}", password=password)
        plan = SchoolPlan.objects.create(district=district, school=school, semester=semester)
        version = PlanVersion.objects.create(
            district=district, school=school, plan=plan, number=1, policy=policy
        )
        for grades, start, end in PERIODS:
            for valid in (None, (date(2026, 9, 1), date(2026, 9, 30))):
                ServicePeriod.objects.create(
                    district=district,
                    school=school,
                    version=version,
                    grades=grades,
                    weekdays=[0, 1, 2, 3, 4],
                    start_time=start,
                    end_time=end if valid is None else dtime(18, 0),
                    valid_from=valid[0] if valid else None,
                    valid_until=valid[1] if valid else None,
                )
        for name, grades, weekdays in COURSES:
            Course.objects.create(
                district=district,
                school=school,
                version=version,
                name=name,
                grades=grades,
                weekdays=weekdays,
                start_time=dtime(16, 40),
                end_time=dtime(17, 20),
                capacity=40,
                min_size=1,
            )
        PlanVersion.objects.filter(pk=version.pk).update(
            status=PlanStatus.PUBLISHED, published_at=now
        )
        sizes = class_sizes(rng, participants)
        classes = SchoolClass.objects.bulk_create(
            [
                SchoolClass(district=district, school=school, grade=1 + k % 6, number=1 + k // 6)
                for k in range(len(sizes))
            ]
        )
        students = Student.objects.bulk_create(
            [
                Student(
                    district=district,
                    school=school,
                    school_class=c,
                    student_number=f"{i:02d}{k:03d}{j:03d}",
                    name=f"学生{k}-{j}",
                    gender="F",
                )
                for k, (c, size) in enumerate(zip(classes, sizes, strict=True))
                for j in range(size)
            ],
            batch_size=2000,
        )
        Application.objects.bulk_create(
            [
                Application(
                    district=district,
                    school=school,
                    semester=semester,
                    plan=plan,
                    student=s,
                    basic_care=True,
                    status=ApplicationStatus.APPROVED,
                    applied_by=parent,
                    approved_at=now,
                    approved_by=principal,
                )
                for s in students
            ],
            batch_size=2000,
        )
        schools.append((school, plan, principal))
    return district, semester, official, schools


# --------------------------------------------------------------------------- measuring


def stats(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):7.3f} s  (min {min(values):.3f}, max {max(values):.3f})"
    )


def clear_sessions() -> None:
    from scheduling.models import Grouping, Session

    Session.objects.all().delete()
    Grouping.objects.update(sessions_generated_at=None, sessions_version=None)


def naive_generate(plans) -> int:
    """Every session saved on its own: the same rows as ours, one INSERT each."""
    from django.db import transaction

    from scheduling.models import Session
    from scheduling.selectors import load_board
    from scheduling.services.sessions import session_rows

    n = 0
    for plan in plans:
        with transaction.atomic():
            board = load_board(plan, with_calendar=True, groups_only=True)
            for group_id, day, weekday, start, end, minutes, lessons in session_rows(board):
                Session(
                    district_id=plan.district_id,
                    school_id=plan.school_id,
                    plan_id=plan.pk,
                    version=board.version,
                    group_id=group_id,
                    date=day,
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                    minutes=minutes,
                    lessons=lessons,
                ).save()
                n += 1
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--participants", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()

    url = bench_database_url()
    print(
        f"database {url.rpartition('@')[2]}; {args.schools} schools × {args.participants} "
        f"participants, {args.runs} runs; {os.cpu_count()} CPUs",
        flush=True,
    )
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    district, semester, official, schools = build(args.schools, args.participants, args.seed)
    print(f"built the district in {time.perf_counter() - t0:.1f}s", flush=True)

    from scheduling.models import CareGroup, Grouping, GroupingStatus, Session
    from scheduling.services.grouping import propose_groups
    from scheduling.tasks import generate_district_sessions

    _school, plan, principal = schools[0]
    propose_times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        propose_groups(actor=principal, plan=plan)
        propose_times.append(time.perf_counter() - t)
    groups = CareGroup.objects.filter(plan=plan).count()
    print(
        f"propose (1 school, {args.participants} participants, {groups} groups): "
        f"{stats(propose_times)}",
        flush=True,
    )

    for _school, other, boss in schools[1:]:
        propose_groups(actor=boss, plan=other)
    Grouping.objects.update(status=GroupingStatus.CONFIRMED, confirmed_at=timezone.now())

    generate_times, regenerate_times, created = [], [], 0
    for _ in range(args.runs):
        clear_sessions()
        t = time.perf_counter()
        result = generate_district_sessions.apply(
            args=(district.pk, semester.pk, official.pk)
        ).get()
        generate_times.append(time.perf_counter() - t)
        created = result["created"]
        t = time.perf_counter()
        again = generate_district_sessions.apply(args=(district.pk, semester.pk, official.pk)).get()
        regenerate_times.append(time.perf_counter() - t)
        assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0), again
    total = Session.objects.count()
    assert total == created, (total, created)
    print(
        f"generate ({args.schools} schools, {created} sessions, one Celery job): "
        f"{stats(generate_times)}",
        flush=True,
    )
    print(f"regenerate (nothing to change): {stats(regenerate_times)}", flush=True)

    naive_times = []
    if not args.skip_naive:
        plans = [p for _s, p, _b in schools]
        for _ in range(args.runs):
            clear_sessions()
            t = time.perf_counter()
            n = naive_generate(plans)
            naive_times.append(time.perf_counter() - t)
            assert n == created, (n, created)
        print(f"naive per-session save loop ({n} sessions): {stats(naive_times)}", flush=True)

    print()
    ok = True
    med = statistics.median(propose_times)
    ok &= med <= TARGETS["propose"]
    print(f"propose one school     {med:7.3f} s   target <= {TARGETS['propose']:.0f} s")
    med = statistics.median(generate_times)
    ok &= med <= TARGETS["generate"]
    print(f"generate the district  {med:7.3f} s   target <= {TARGETS['generate']:.0f} s")
    if naive_times:
        ratio = statistics.median(naive_times) / med
        ok &= ratio >= 10
        print(f"naive / set-based      {ratio:7.1f} x   target >= 10 x")
    print("all targets met" if ok else "A TARGET WAS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
