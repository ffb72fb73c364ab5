#!/usr/bin/env python
"""District dashboard benchmark: the real HTTP endpoint, gunicorn, PostgreSQL, a year of data.

    make bench-dashboard                 # or: python bench/dashboard.py [--rows 6000000] ...

It builds, on a database of its own (``<DATABASE_URL's db>_dashboard``, kept between runs:
built once, reused while its parameters match; ``--rebuild`` builds it again), a district of
``--schools`` schools (30) with a year of after-school service: two semesters, 24 classes per
school, enough children that every school day's roll makes ``--rows`` attendance marks in all
(6,000,000), basic-care groups of about 45 with their teacher, a session per group and school
day, the roll and the teacher's attendance of every session, late pickups, clearings,
applications, invoices and their ledger journals — generated set-based (INSERT … SELECT with
generate_series), never row by row. It then computes the rollups (``reporting.rollups``) and the
alerts, starts gunicorn and requests, as a district official, ``/district/dashboard/`` (the
current semester to date):

    rollup   the page as served: its figures read from the rollups
    raw      the same page with every figure aggregated from the raw rows (?source=raw)

``--repeat`` runs (3) of ``--requests`` sequential requests (60 rollup, 3 raw) on keep-alive
connections, after a warm-up. It prints p50 and p95 per run, the median of the runs with min and
max, and the speed-up raw / rollup (medians of the per-run medians). The requirement: rollup
p95 ≤ 200 ms and ≥ 100× faster than raw. The results are also written to
.data/bench/dashboard-<time>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import signal
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GRADES, CLASSES_PER_GRADE, GROUP_SIZE = 6, 4, 45
VERSION = 3  # of the generated data: bump when the generation changes


def bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit(
            "DATABASE_URL is not set: run `make bench-dashboard` (it starts PostgreSQL)"
        )
    head, _, name = base.rpartition("/")
    return f"{head}/{name.split('?')[0]}_dashboard"


def database_exists(url: str) -> bool:
    import psycopg2

    head, _, name = url.rpartition("/")
    conn = psycopg2.connect(f"{head}/postgres")
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cur.fetchone() is not None
    conn.close()
    return found


def built_params(url: str) -> dict | None:
    import psycopg2

    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_dashboard_meta') IS NOT NULL")
        if not cur.fetchone()[0]:
            conn.close()
            return None
        cur.execute("SELECT params FROM bench_dashboard_meta ORDER BY built_at DESC LIMIT 1")
        row = cur.fetchone()
    conn.close()
    return row[0] if row else None


# --------------------------------------------------------------------------- the year


def school_days(start: date, end: date) -> list[date]:
    return [
        start + timedelta(days=n)
        for n in range((end - start).days + 1)
        if (start + timedelta(days=n)).weekday() < 5
    ]


def plan_year(today: date):
    """Two semesters over the year that ends today (the second one still running)."""
    first = (today - timedelta(days=364), today - timedelta(days=190))
    second = (today - timedelta(days=160), today + timedelta(days=40))
    days = [d for s, e in (first, second) for d in school_days(s, min(e, today))]
    return first, second, days


def sql(cur, statement: str, params=None, label: str = "") -> int:
    started = time.perf_counter()
    cur.execute(statement, params or {})
    if label:
        print(
            f"    {label}: {cur.rowcount:,} rows in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
    return cur.rowcount


def encrypt_student_numbers(cur, district_id: int) -> None:
    """学籍号 as the app stores them: ciphertext and keyed hash (aftercare.crypto), computed in
    Python (the keys never reach the database) and written back with one UPDATE per batch."""
    from aftercare import crypto

    started = time.perf_counter()
    cur.execute(
        "SELECT id, student_number FROM enrollment_student WHERE district_id = %s", [district_id]
    )
    rows = cur.fetchall()
    for i in range(0, len(rows), 5_000):
        batch = rows[i : i + 5_000]
        cur.execute(
            """
            UPDATE enrollment_student st
               SET student_number = v.sealed, student_number_hash = v.hash
              FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, sealed, hash)
             WHERE st.id = v.id
            """,
            [
                [pk for pk, _ in batch],
                [crypto.encrypt(number, kind="student_number") for _, number in batch],
                [crypto.blind_index(number, kind="student_number") for _, number in batch],
            ],
        )
    print(
        f"    student numbers encrypted: {len(rows):,} in {time.perf_counter() - started:.1f}s",
        flush=True,
    )


def build(args, today: date) -> dict:
    """Generate the district (module doc). Runs in the benchmark database, Django set up."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from aftercare import db_security
    from aftercare.models import District, Membership, Role, School, SchoolClass, Semester, User
    from enrollment.models import ServiceAgreement
    from plans.models import DistrictPolicy, PlanStatus, PlanVersion, SchoolPlan
    from plans.presets import preset_fields
    from scheduling.models import (
        Assignment,
        CareGroup,
        DutyRole,
        Grouping,
        GroupingStatus,
        GroupKind,
        StaffKind,
        StaffMember,
    )

    first, second, days = plan_year(today)
    children = math.ceil(args.rows / (args.schools * len(days)))
    groups_per_school = math.ceil(children / GROUP_SIZE)
    print(
        f"  {args.schools} schools × {children} children × {len(days)} school days "
        f"= {args.schools * children * len(days):,} marks; {groups_per_school} groups a school",
        flush=True,
    )
    password = make_password("bench")
    now = timezone.now()
    with transaction.atomic():
        district = District.objects.create(code="bench", name="基准区教育局")
        official = User.objects.create(
            username="bench-official", password=password, full_name="区教育局"
        )
        Membership.objects.create(user=official, district=district, role=Role.DISTRICT_OFFICIAL)
        semesters = []
        for n, (start, end) in enumerate((first, second), start=1):
            semester = Semester.objects.create(
                district=district, name=f"基准学期{n}", start_date=start, end_date=end
            )
            values, _seasons = preset_fields("one_plus_x")
            DistrictPolicy.objects.create(district=district, semester=semester, version=1, **values)
            semesters.append(semester)
        schools = School.objects.bulk_create(
            School(district=district, code=f"s{n:02d}", name=f"基准第{n}小学")
            for n in range(1, args.schools + 1)
        )
        SchoolClass.objects.bulk_create(
            SchoolClass(district=district, school=s, grade=g, number=c)
            for s in schools
            for g in range(1, GRADES + 1)
            for c in range(1, CLASSES_PER_GRADE + 1)
        )
        teachers = User.objects.bulk_create(
            User(username=f"bench-t{s.pk}-{g}", password=password, full_name=f"教师{g}")
            for s in schools
            for g in range(groups_per_school)
        )
        parents = User.objects.bulk_create(
            User(mobile=f"139{n:08d}", password=password, full_name=f"家长{n}")
            for n in range(len(schools))
        )
        staff = StaffMember.objects.bulk_create(
            StaffMember(
                district=district,
                school=s,
                kind=StaffKind.SCHOOL_TEACHER,
                full_name=t.full_name,
                user=t,
            )
            for s, t in ((schools[i // groups_per_school], t) for i, t in enumerate(teachers))
        )
        plans, groups = [], []
        for semester in semesters:
            for index, school in enumerate(schools):
                plan = SchoolPlan.objects.create(
                    district=district, school=school, semester=semester
                )
                published = timezone.make_aware(
                    timezone.datetime.combine(
                        semester.start_date - timedelta(days=10), timezone.datetime.min.time()
                    )
                )
                version = PlanVersion.objects.create(
                    district=district,
                    school=school,
                    plan=plan,
                    number=1,
                    status=PlanStatus.DRAFT,
                    prohibitions_confirmed=True,
                )
                PlanVersion.objects.filter(pk=version.pk).update(
                    status=PlanStatus.PUBLISHED,
                    decided_at=published - timedelta(days=1),
                    decided_by=official,
                    published_at=published,
                )
                grouping = Grouping.objects.create(
                    district=district,
                    school=school,
                    plan=plan,
                    status=GroupingStatus.CONFIRMED,
                    proposed_at=published,
                    proposed_by=official,
                    confirmed_at=published,
                    confirmed_by=official,
                )
                made = CareGroup.objects.bulk_create(
                    CareGroup(
                        district=district,
                        school=school,
                        plan=plan,
                        grouping=grouping,
                        kind=GroupKind.BASIC,
                        name=f"托管{g + 1}组",
                        position=g,
                        grades=list(range(1, GRADES + 1)),
                    )
                    for g in range(groups_per_school)
                )
                mine = staff[index * groups_per_school : (index + 1) * groups_per_school]
                Assignment.objects.bulk_create(
                    Assignment(
                        district=district,
                        school=school,
                        plan=plan,
                        weekday=w,
                        role=DutyRole.TEACHER,
                        staff=mine[g.position],
                        group=g,
                        created_by=official,
                    )
                    for g in made
                    for w in range(5)
                )
                ServiceAgreement.objects.create(
                    district=district,
                    school=school,
                    semester=semester,
                    title="课后服务协议",
                    body="……",
                )
                plans.append(plan)
                groups += made
        params = {
            "district": district.pk,
            "children": children,
            "now": now,
            "first": first[0],
            "first_end": first[1],
            "second": second[0],
            "second_end": second[1],
            "today": today,
            "classes": GRADES * CLASSES_PER_GRADE,
            "groups": groups_per_school,
        }
        with connection.cursor() as cur:
            # A guardian per school: who applied, asked for leave, picked up.
            cur.execute("CREATE TEMP TABLE bench_parent (school_id bigint, user_id bigint)")
            cur.executemany(
                "INSERT INTO bench_parent VALUES (%s, %s)",
                [(school.pk, parent.pk) for school, parent in zip(schools, parents, strict=True)],
            )
            sql(
                cur,
                """
                INSERT INTO enrollment_student (public_id, district_id, school_id, school_class_id,
                    student_number, name, gender, is_active, created_at, updated_at)
                SELECT gen_random_uuid(), %(district)s, s.id, c.id, lpad(n::text, 6, '0'),
                       '学生' || s.id || '-' || n, CASE WHEN n %% 2 = 0 THEN 'F' ELSE 'M' END,
                       TRUE, %(now)s, %(now)s
                FROM aftercare_school s
                CROSS JOIN generate_series(0, %(children)s - 1) AS n
                JOIN aftercare_schoolclass c ON c.school_id = s.id
                 AND (c.grade - 1) * 4 + c.number - 1 = n %% %(classes)s
                WHERE s.district_id = %(district)s
            """,
                params,
                "students",
            )
            encrypt_student_numbers(cur, district.pk)
            sql(
                cur,
                """
                INSERT INTO attendance_leaverequest (public_id, district_id, school_id, student_id,
                    start_date, end_date, reason, note, status, requested_by_id, requested_at,
                    decided_at, decision_note)
                SELECT gen_random_uuid(), %(district)s, st.school_id, st.id, %(first)s,
                       %(today)s, 'sick', '', 'approved', p.user_id, %(now)s, %(now)s, ''
                FROM enrollment_student st JOIN bench_parent p ON p.school_id = st.school_id
                WHERE st.district_id = %(district)s
            """,
                params,
                "leave requests",
            )
            sql(
                cur,
                """
                INSERT INTO enrollment_application (public_id, district_id, school_id, semester_id,
                    plan_id, student_id, basic_care, priority_groups, priority_verified,
                    parent_note, status, applied_by_id, applied_at, channel, user_agent,
                    courses_taken, review_note, needs_accompaniment, rejection_reason,
                    insurance_note, withdrawal_reason, withdrawal_decision_note, approved_at,
                    agreement_id, signed_by_id, signed_at, insurance_confirmed_at,
                    insurance_confirmed_by_id, updated_at)
                SELECT gen_random_uuid(), %(district)s, st.school_id, pl.semester_id, pl.id, st.id,
                       TRUE, CASE WHEN st.id %% 17 = 0 THEN ARRAY['left_behind'] ELSE '{}' END,
                       CASE WHEN st.id %% 17 = 0 THEN ARRAY['left_behind'] ELSE '{}' END,
                       '', 'approved', p.user_id, %(now)s, 'web', '', 0, '', FALSE, '', '', '',
                       '', %(now)s, ag.id, p.user_id, %(now)s, %(now)s, p.user_id, %(now)s
                FROM enrollment_student st
                JOIN aftercare_schoolplan pl ON pl.school_id = st.school_id
                JOIN enrollment_serviceagreement ag ON ag.school_id = pl.school_id
                 AND ag.semester_id = pl.semester_id
                JOIN bench_parent p ON p.school_id = st.school_id
                WHERE st.district_id = %(district)s AND st.id %% 23 <> 7
            """,
                params,
                "applications (every child but one in 23)",
            )
            sql(
                cur,
                """
                INSERT INTO enrollment_applicationtransition (district_id, school_id,
                    application_id, event, from_status, to_status, actor_id, at, reason, payload)
                SELECT a.district_id, a.school_id, a.id, 'approved', 'class_approved', 'approved',
                       a.applied_by_id, s.start_date - 5 + (a.id %% 4) * interval '1 day',
                       '', '{}'
                FROM enrollment_application a JOIN aftercare_semester s ON s.id = a.semester_id
                WHERE a.district_id = %(district)s
            """,
                params,
                "application history",
            )
            sql(
                cur,
                """
                INSERT INTO scheduling_groupmember (district_id, school_id, plan_id, group_id,
                    student_id, application_id, placement, placed_at, note)
                SELECT %(district)s, a.school_id, a.plan_id, g.id, a.student_id, a.id, 'proposed',
                       %(now)s, ''
                FROM enrollment_application a
                JOIN enrollment_student st ON st.id = a.student_id
                JOIN scheduling_caregroup g ON g.plan_id = a.plan_id
                 AND g.position = st.id %% %(groups)s
                WHERE a.district_id = %(district)s
            """,
                params,
                "group members",
            )
            sql(
                cur,
                """
                INSERT INTO scheduling_session (public_id, district_id, school_id, plan_id,
                    version_id, group_id, date, weekday, start_time, end_time, minutes, lessons,
                    status, cancel_reason)
                SELECT gen_random_uuid(), %(district)s, g.school_id, g.plan_id, v.id, g.id, d::date,
                       extract(isodow FROM d)::int - 1, '15:30', '17:00', 90, 2, 'scheduled', ''
                FROM scheduling_caregroup g
                JOIN aftercare_schoolplan pl ON pl.id = g.plan_id
                JOIN aftercare_semester sem ON sem.id = pl.semester_id
                JOIN aftercare_planversion v ON v.plan_id = pl.id
                CROSS JOIN LATERAL generate_series(sem.start_date, LEAST(sem.end_date, %(today)s),
                                                   interval '1 day') AS d
                WHERE g.district_id = %(district)s AND extract(isodow FROM d) < 6
            """,
                params,
                "sessions",
            )
        for n, school in enumerate(schools, start=1):
            with transaction.atomic(), connection.cursor() as cur:
                sql(
                    cur,
                    """
                    INSERT INTO attendance_attendancemark (district_id, school_id, session_id,
                        student_id, date, status, leave_id, note, marked_by_id, first_marked_at,
                        marked_at, revision)
                    SELECT %(district)s, s.school_id, s.id, m.student_id, s.date, k.status,
                           CASE WHEN k.status = 'leave' THEN lr.id END, '', t.user_id,
                           s.date + time '16:00', s.date + time '16:00', 0
                    FROM scheduling_session s
                    JOIN scheduling_groupmember m ON m.group_id = s.group_id
                    JOIN attendance_leaverequest lr ON lr.student_id = m.student_id
                    JOIN scheduling_assignment a ON a.group_id = s.group_id
                     AND a.weekday = s.weekday AND a.role = 'teacher'
                    JOIN scheduling_staffmember t ON t.id = a.staff_id
                    CROSS JOIN LATERAL (SELECT CASE
                        WHEN h < 900 THEN 'present' WHEN h < 930 THEN 'late'
                        WHEN h < 970 THEN 'absent' ELSE 'leave' END AS status
                        FROM (SELECT abs(hashtext(s.id::text || ':' || m.student_id::text))
                              %% 1000 AS h) x
                    ) k
                    WHERE s.school_id = %(school)s
                """,
                    {**params, "school": school.pk},
                    f"marks, school {n}/{len(schools)}",
                )
        with connection.cursor() as cur:
            # Journals name their semester where billing records it (the accounting period).
            cur.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = 'billing_journal' "
                "AND column_name = 'semester_id'"
            )
            journal_period = (
                {"period": ", semester_id", "period_value": ", i.semester_id"}
                if cur.fetchone()
                else {"period": "", "period_value": ""}
            )
            sql(
                cur,
                """
                INSERT INTO attendance_rollcall (public_id, district_id, school_id, session_id,
                    group_id, date, taken_by_id, first_taken_at, last_submitted_at, submissions,
                    closed_at, closed_by_id)
                SELECT gen_random_uuid(), s.district_id, s.school_id, s.id, s.group_id, s.date,
                       t.user_id, s.date + time '15:40', s.date + time '15:40', 1,
                       s.date + time '17:20', t.user_id
                FROM scheduling_session s
                JOIN scheduling_assignment a ON a.group_id = s.group_id AND a.weekday = s.weekday
                 AND a.role = 'teacher'
                JOIN scheduling_staffmember t ON t.id = a.staff_id
                WHERE s.district_id = %(district)s AND s.id %% 50 <> 0
            """,
                params,
                "rolls (one session in fifty without)",
            )
            sql(
                cur,
                """
                INSERT INTO attendance_staffattendance (public_id, district_id, school_id,
                    session_id, staff_id, date, status, checked_in_at, minutes_late,
                    minutes_early, note, source, recorded_by_id, recorded_at)
                SELECT gen_random_uuid(), s.district_id, s.school_id, s.id, a.staff_id, s.date,
                       CASE WHEN s.id %% 211 = 0 THEN 'missed' ELSE 'present' END,
                       CASE WHEN s.id %% 211 = 0 THEN NULL ELSE s.date + time '15:28' END,
                       CASE WHEN s.id %% 211 <> 0 AND s.id %% 37 = 0 THEN 6 ELSE 0 END,
                       CASE WHEN s.id %% 211 <> 0 AND s.id %% 53 = 0 THEN 15 ELSE 0 END,
                       '', 'check_in', t.user_id, s.date + time '15:28'
                FROM scheduling_session s
                JOIN scheduling_assignment a ON a.group_id = s.group_id AND a.weekday = s.weekday
                 AND a.role = 'teacher'
                JOIN scheduling_staffmember t ON t.id = a.staff_id
                WHERE s.district_id = %(district)s
            """,
                params,
                "staff attendance",
            )
            sql(
                cur,
                """
                INSERT INTO attendance_departure (public_id, district_id, school_id, session_id,
                    student_id, date, kind, guardian_id, picked_up_by, relation, at, minutes_late,
                    is_late, recorded_by_id, recorded_at)
                SELECT gen_random_uuid(), m.district_id, m.school_id, m.session_id, m.student_id,
                       m.date, 'picked_up', p.user_id, '家长', '母亲', m.date + time '17:25',
                       25, TRUE, m.marked_by_id, m.date + time '17:25'
                FROM attendance_attendancemark m JOIN bench_parent p ON p.school_id = m.school_id
                WHERE m.district_id = %(district)s AND m.status = 'present'
                  AND abs(hashtext(m.id::text)) %% 100 < 3
            """,
                params,
                "late pickups",
            )
            sql(
                cur,
                """
                INSERT INTO attendance_clearing (public_id, district_id, school_id, date,
                    confirmed_by_id, confirmed_at, note)
                SELECT gen_random_uuid(), %(district)s, d.school_id, d.date, min(t.user_id),
                       d.date + time '18:00', ''
                FROM (SELECT DISTINCT school_id, date FROM scheduling_session
                      WHERE district_id = %(district)s) d
                JOIN scheduling_staffmember t ON t.school_id = d.school_id
                WHERE abs(hashtext(d.school_id::text || ':' || d.date::text)) %% 100 <> 0
                GROUP BY d.school_id, d.date
            """,
                params,
                "clearings (one day in a hundred not cleared)",
            )
            sql(
                cur,
                """
                INSERT INTO billing_invoice (public_id, district_id, school_id, semester_id,
                    plan_version_id, application_id, student_id, kind, revision, gross_fen,
                    reduction_fen, amount_fen, status, from_date, until, issued_at, paid_at)
                SELECT gen_random_uuid(), a.district_id, a.school_id, a.semester_id, v.id, a.id,
                       a.student_id, 'semester', 1, 36000, 0, 36000,
                       CASE WHEN a.id %% 3 = 0 THEN 'open' ELSE 'paid' END,
                       sem.start_date, sem.end_date, v.published_at + interval '2 days',
                       CASE WHEN a.id %% 3 = 0 THEN NULL ELSE v.published_at + interval '3 days'
                       END
                FROM enrollment_application a
                JOIN aftercare_planversion v ON v.plan_id = a.plan_id
                JOIN aftercare_semester sem ON sem.id = a.semester_id
                WHERE a.district_id = %(district)s
            """,
                params,
                "invoices",
            )
            sql(
                cur,
                """
                INSERT INTO billing_journal (district_id, school_id, kind, key, memo, invoice_id,
                    created_at{period})
                SELECT i.district_id, i.school_id, k.kind, k.kind || ':' || i.id, '', i.id,
                       CASE WHEN k.kind = 'charge' THEN i.issued_at ELSE i.paid_at END{period_value}
                FROM billing_invoice i
                CROSS JOIN (VALUES ('charge'), ('payment')) AS k(kind)
                WHERE i.district_id = %(district)s AND (k.kind = 'charge' OR i.status = 'paid')
            """.format(**journal_period),
                params,
                "journals",
            )
            sql(
                cur,
                """
                INSERT INTO billing_journalline (district_id, school_id, journal_id, category,
                    amount_fen, invoice_id)
                SELECT j.district_id, j.school_id, j.id, l.category, l.amount, j.invoice_id
                FROM billing_journal j JOIN billing_invoice i ON i.id = j.invoice_id
                CROSS JOIN LATERAL (VALUES
                    (CASE WHEN j.kind = 'charge' THEN 'receivable' ELSE 'gateway_clearing' END,
                     i.gross_fen),
                    (CASE WHEN j.kind = 'charge' THEN 'fee_income' ELSE 'receivable' END,
                     -i.gross_fen)) AS l(category, amount)
                WHERE j.district_id = %(district)s
            """,
                params,
                "journal lines (one statement: every journal balances)",
            )
        # As the tables' owner: the app role's ANALYZE skips every table, and the rollups
        # would then be planned on no statistics (minutes instead of seconds).
        db_security.analyze()
    return {
        "district": district.pk,
        "children": children,
        "days": len(days),
        "semesters": [s.pk for s in semesters],
    }


def record_build(url: str, params: dict, seconds: float) -> None:
    import psycopg2
    from psycopg2.extras import Json

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_dashboard_meta "
            "(params jsonb, built_at timestamptz DEFAULT now(), seconds float)"
        )
        cur.execute(
            "INSERT INTO bench_dashboard_meta (params, seconds) VALUES (%s, %s)",
            [Json(params), seconds],
        )
    conn.close()


def rollups(district_id: int) -> tuple[float, float]:
    from aftercare.models import District, Semester
    from reporting.rollups import refresh_rollups
    from reporting.services.alerts import recompute_alerts

    district = District.objects.get(pk=district_id)
    started = time.perf_counter()
    for semester in Semester.objects.filter(district=district).order_by("start_date"):
        refresh_rollups(
            district=district,
            start=semester.start_date,
            end=min(semester.end_date, date.today()),
            semesters=[semester],
        )
    refreshed = time.perf_counter() - started
    started = time.perf_counter()
    for semester in Semester.objects.filter(district=district):
        recompute_alerts(district=district, semester=semester)
    return refreshed, time.perf_counter() - started


# --------------------------------------------------------------------------- HTTP


def session_cookie() -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from aftercare.models import User

    user = User.objects.get(username="bench-official")
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "aftercare.auth.MobileOrUsernameBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"sessionid={store.session_key}"


def measure(port: int, cookie: str, path: str, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    out = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie, "Host": "localhost"})
        response = conn.getresponse()
        body = response.read()
        out.append(time.perf_counter() - started)
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}\n{body[:2000]!r}")
    conn.close()
    return out


def pct(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def span(values, digits=0):
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}–{max(values):.{digits}f})"
    )


def start_server(url: str, port: int, workers: int, threads: int):
    import socket
    import subprocess

    env = dict(
        os.environ, BENCH_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.dashboard_settings"
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
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "60",
        "--timeout",
        "900",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None:
            raise SystemExit("gunicorn did not start")
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 120 s")


def main() -> int:
    from bench.rush import free_port, recreate_database

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=6_000_000, help="attendance marks")
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60, help="rollup page requests per run")
    parser.add_argument("--raw-requests", type=int, default=3, help="raw page requests per run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    args = parser.parse_args()

    command = " ".join(["python", "bench/dashboard.py", *sys.argv[1:]])
    url = bench_database_url()
    wanted = {
        "rows": args.rows,
        "schools": args.schools,
        "version": VERSION,
        "today": date.today().isoformat(),
    }
    print(f"$ {command}\ndatabase {url.rpartition('@')[2]}; {os.cpu_count()} CPUs", flush=True)
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.dashboard_settings"
    reuse = not args.rebuild and database_exists(url) and built_params(url) == wanted
    if not reuse:
        recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    from aftercare.models import District

    built = None
    if reuse:
        print("reusing the database built before (same parameters; --rebuild to build again)")
        call_command("migrate", verbosity=0)  # the schema may have moved on since
        meta = built_params(url)
    else:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrated in {time.perf_counter() - started:.0f}s; building the year", flush=True)
        build_started = time.perf_counter()
        built = build(args, date.today())
        seconds = time.perf_counter() - build_started
        print(f"built in {seconds:.0f}s", flush=True)
        refreshed, alerted = rollups(built["district"])
        print(f"rollups of the year in {refreshed:.1f}s, alerts in {alerted:.1f}s", flush=True)
        record_build(url, wanted, seconds)
        meta = wanted
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM attendance_attendancemark")
        marks = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM reporting_schoolday")
        schooldays = cur.fetchone()[0]
        cur.execute("SELECT seconds FROM bench_dashboard_meta ORDER BY built_at DESC LIMIT 1")
        build_seconds = cur.fetchone()[0]
    print(
        f"{marks:,} attendance marks; {schooldays:,} school-day rollup rows "
        f"(built once in {build_seconds:.0f}s)",
        flush=True,
    )
    district = District.objects.get(code="bench")
    cookie = session_cookie()
    connection.close()

    port = free_port()
    server = start_server(url, port, args.workers, args.threads)
    path = f"/district/dashboard/?district={district.public_id}"
    runs = {"rollup": [], "raw": []}
    try:
        measure(port, cookie, path, 5)  # warm up: code, templates, connections
        measure(port, cookie, path + "&source=raw", 1)
        for repeat in range(args.repeat):
            for source, n in (("rollup", args.requests), ("raw", args.raw_requests)):
                latencies = measure(
                    port, cookie, path + ("&source=raw" if source == "raw" else ""), n
                )
                runs[source].append(latencies)
                p95 = pct(latencies, 95) if len(latencies) > 1 else latencies[0]
                print(
                    f"  run {repeat + 1} {source:<6} {n:3d} requests  p50 "
                    f"{statistics.median(latencies) * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms",
                    flush=True,
                )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    p50 = {s: [statistics.median(r) * 1000 for r in runs[s]] for s in runs}
    p95 = {s: [(pct(r, 95) if len(r) > 1 else r[0]) * 1000 for r in runs[s]] for s in runs}
    ratio = [raw / fast for raw, fast in zip(p50["raw"], p50["rollup"], strict=True)]
    print()
    print(f"{'source':<8}{'p50 ms':>26}{'p95 ms':>26}")
    for s in runs:
        print(f"{s:<8}{span(p50[s], 1):>26}{span(p95[s], 1):>26}")
    print(
        f"(median of {args.repeat} runs, min–max in brackets; {args.requests} rollup and "
        f"{args.raw_requests} raw requests per run, one client on a keep-alive connection; "
        f"gunicorn {args.workers} workers × {args.threads} threads)"
    )
    print(
        f"rollup p95 = {statistics.median(p95['rollup']):.1f} ms (target ≤ 200 ms); "
        f"raw / rollup = {statistics.median(ratio):.0f}× ({min(ratio):.0f}–{max(ratio):.0f}) "
        f"(target ≥ 100×)"
    )
    out = ROOT / ".data" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    report = out / f"dashboard-{time.strftime('%Y%m%d-%H%M%S')}.json"
    report.write_text(
        json.dumps(
            {
                "command": command,
                "marks": marks,
                "schooldays": schooldays,
                "built": meta,
                "build_seconds": build_seconds,
                "p50_ms": p50,
                "p95_ms": p95,
                "ratio": ratio,
            },
            indent=2,
            default=str,
        )
    )
    print(f"results: {report.relative_to(ROOT)}")
    ok = statistics.median(p95["rollup"]) <= 200 and statistics.median(ratio) >= 100
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
