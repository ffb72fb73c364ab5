#!/usr/bin/env python
"""Billing benchmarks: semester billing of a district, and a storm of payment notifications.

    make bench-billing                 # or: python bench/billing.py [--students 100000] ...

On a database of its own (``<DATABASE_URL's db>_billbench``, dropped and recreated):

1. Semester billing. A district of ``--schools`` schools and ``--students`` active children
   (a third in a paid course), one published plan per school. Ours: every school's run
   (``billing.services.runs.process_run``: bulk INSERT … ON CONFLICT in batches, the
   ledger's two INSERTs) — the whole district, ``--repeat`` times (the billing tables are
   truncated in between), median, min and max. Baseline, in the same run: a per-student loop
   of ORM saves (invoice, each line, journal, its lines) over one school; both are compared
   in students per second.
2. Notification storm. ``--orders`` invoices with an order paid at the sandbox gateway; each
   order's signed, encrypted notification is delivered ``--deliveries`` times, shuffled,
   by ``--clients`` concurrent clients through gunicorn to the real endpoint. Prints
   payments recorded (must equal the orders), server errors (must be 0), throughput and
   p50/p99 latency, for ``--repeat`` rounds of fresh orders.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rush import (  # noqa: E402
    bench_database_url,
    free_port,
    pct,
    recreate_database,
)


def billing_url() -> str:
    return bench_database_url().removesuffix("_bench") + "_billbench"


def setup(url: str, keys: str, private: str) -> None:
    os.environ.update(
        BENCH_DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        BILLING_SANDBOX="1",
        BILLING_GATEWAY="sandbox",
        BILLING_SANDBOX_KEY_DIR=keys,
        BILLING_PRIVATE_ROOT=private,
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --------------------------------------------------------------------------- data


def build_district(n_schools: int, n_students: int):
    """Schools, classes, students, active applications and course seats, set-based."""
    from datetime import time as dtime
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from aftercare.models import District, Role, School, SchoolClass, Semester, User
    from aftercare.services import grant_role
    from enrollment.models import (
        Application,
        CourseCapacity,
        CourseRegistration,
        ServiceAgreement,
        Student,
    )
    from plans.models import Course, FeeUnit, PlanStatus, PlanVersion, SchoolPlan, ServicePeriod
    from plans.services import policy as policy_services

    today = timezone.localdate()
    district = District.objects.create(code="billbench", name="收费压测区")
    official = User.objects.create_user("bb-official", "x")
    grant_role(actor=None, user=official, role=Role.DISTRICT_OFFICIAL, district=district)
    semester = Semester.objects.create(
        district=district,
        name="压测学期",
        start_date=today - timedelta(days=20),
        end_date=today + timedelta(days=120),
    )
    policy_services.create_policy_from_preset(actor=official, semester=semester, preset="shandong")
    parent = User.objects.create_user("bb-parent", "x")
    per_school = n_students // n_schools
    schools = []
    for s in range(n_schools):
        school = School.objects.create(district=district, code=f"bb{s:03d}", name=f"压测第{s}小学")
        principal = User.objects.create_user(f"bb-principal-{s}", "x")
        grant_role(
            actor=None, user=principal, role=Role.PRINCIPAL, district=district, school=school
        )
        plan = SchoolPlan.objects.create(district=district, school=school, semester=semester)
        version = PlanVersion.objects.create(
            district=district,
            school=school,
            plan=plan,
            number=1,
            basic_fee_unit=FeeUnit.PER_LESSON,
            basic_fee_amount=Decimal("1.50"),
            fee_notice="基础托管每课时1.50元；课程每课时20元。",
        )
        ServicePeriod.objects.create(
            district=district,
            school=school,
            version=version,
            grades=[1, 2, 3, 4, 5, 6],
            weekdays=[0, 1, 2, 3, 4],
            start_time=dtime(15, 30),
            end_time=dtime(16, 50),
        )
        course = Course.objects.create(
            district=district,
            school=school,
            version=version,
            name="书法",
            grades=[1, 2, 3, 4, 5, 6],
            weekdays=[2],
            start_time=dtime(16, 50),
            end_time=dtime(17, 30),
            capacity=per_school,
            min_size=1,
            fee_per_lesson=Decimal("20"),
        )
        CourseCapacity.objects.create(
            course=course, district=district, school=school, capacity=per_school, taken=0
        )
        PlanVersion.objects.filter(pk=version.pk).update(
            status=PlanStatus.PUBLISHED, published_at=timezone.now()
        )
        agreement = ServiceAgreement.objects.create(
            district=district, school=school, semester=semester, title="协议", body="……"
        )
        classes = [
            SchoolClass.objects.create(district=district, school=school, grade=g, number=n)
            for g in range(1, 7)
            for n in range(1, 11)
        ]
        # bulk_create (the ORM fills every default), in chunks: setup is not measured.
        at = timezone.now() - timedelta(days=25)
        students = Student.objects.bulk_create(
            [
                Student(
                    district=district,
                    school=school,
                    school_class=classes[i % len(classes)],
                    student_number=f"BB{s}-{i}",
                    name=f"学生{i}",
                    gender="F",
                )
                for i in range(per_school)
            ],
            batch_size=5000,
        )
        apps = Application.objects.bulk_create(
            [
                Application(
                    district=district,
                    school=school,
                    semester=semester,
                    plan=plan,
                    student=st,
                    basic_care=True,
                    status="approved",
                    applied_by=parent,
                    applied_at=at,
                    approved_at=at,
                    agreement=agreement,
                    signed_by=parent,
                    signed_at=at,
                    insurance_confirmed_at=at,
                    insurance_confirmed_by=parent,
                    courses_taken=int(i % 3 == 0),
                )
                for i, st in enumerate(students)
            ],
            batch_size=5000,
        )
        CourseRegistration.objects.bulk_create(
            [
                CourseRegistration(
                    district=district,
                    school=school,
                    course=course,
                    student_id=app.student_id,
                    application=app,
                    status="confirmed",
                    created_by=parent,
                    created_at=at,
                )
                for app in apps
                if app.courses_taken
            ],
            batch_size=5000,
        )
        schools.append((school, semester, version))
    return district, schools, parent


def truncate_billing() -> None:
    """Empty the billing tables between rounds (TRUNCATE is the owner's: the app role the
    measured code runs as may not, see aftercare/db_security.py)."""
    from aftercare.db_security import owner_mode

    with owner_mode() as connection, connection.cursor() as cur:
        cur.execute(
            "TRUNCATE billing_receipt, billing_refund, billing_payment, billing_paymentorder, "
            "billing_journalline, billing_journal, billing_invoiceline, billing_invoice, "
            "billing_billingrun, billing_sandboxrefund, billing_sandboxorder, "
            "billing_receiptcounter CASCADE"
        )


def run_ours(schools) -> tuple[float, int]:
    from billing.models import BillingRun, Invoice
    from billing.services import runs

    started = time.perf_counter()
    for school, semester, version in schools:
        run = BillingRun.objects.create(
            district_id=school.district_id,
            school=school,
            semester=semester,
            plan_version=version,
            total=runs.participants(version).count(),
        )
        runs.process_run(run_id=run.pk)
    return time.perf_counter() - started, Invoice.objects.count()


def run_loop(school, semester, version, limit: int) -> tuple[float, int]:
    """The baseline: one student at a time, ORM saves (same lines from the same calendar)."""
    from django.db import transaction
    from django.utils import timezone

    from billing.fees import FeeTable
    from billing.models import Invoice, InvoiceLine, Journal, JournalLine
    from billing.services import ledger
    from billing.services.runs import participant_lines, participants
    from enrollment.models import CourseRegistration
    from plans.selectors import current_policy

    table = FeeTable(version, policy=current_policy(semester))
    apps = list(
        participants(version).select_related("student__school_class").order_by("pk")[:limit]
    )
    started = time.perf_counter()
    for app in apps:
        with transaction.atomic():
            seats = list(
                CourseRegistration.objects.filter(application=app, status="confirmed").values(
                    "course_id", "created_at", "decided_at"
                )
            )
            start = max(semester.start_date, timezone.localdate(app.signed_at))
            lines = participant_lines(
                table,
                grade=app.student.school_class.grade,
                basic_care=app.basic_care,
                seats=seats,
                start=start,
                until=semester.end_date,
                percent=0,
            )
            gross = sum(line.gross_fen for line in lines)
            invoice = Invoice.objects.create(
                district_id=school.district_id,
                school=school,
                semester=semester,
                plan_version=version,
                application=app,
                student_id=app.student_id,
                gross_fen=gross,
                amount_fen=gross,
                status="open",
                from_date=start,
                until=semester.end_date,
            )
            for line in lines:
                InvoiceLine.objects.create(
                    district_id=school.district_id,
                    school=school,
                    invoice=invoice,
                    service=line.service,
                    course_id=line.course_id,
                    label=line.label,
                    unit=line.unit,
                    rate=line.rate,
                    quantity=line.quantity,
                    sessions=line.sessions,
                    lessons=line.lessons,
                    gross_fen=line.gross_fen,
                    amount_fen=line.amount_fen,
                )
            journal = Journal.objects.create(
                district_id=school.district_id,
                school=school,
                semester_id=invoice.semester_id,
                kind="charge",
                key=f"loop:{invoice.pk}",
                invoice=invoice,
            )
            # One statement: the ledger checks the balance after each statement.
            JournalLine.objects.bulk_create(
                [
                    JournalLine(
                        district_id=school.district_id,
                        school=school,
                        journal=journal,
                        category=c,
                        amount_fen=a,
                        invoice=invoice,
                    )
                    for c, a in ledger.charge_lines(gross, 0)
                ]
            )
    return time.perf_counter() - started, len(apps)


# --------------------------------------------------------------------------- storm


def prepare_storm(schools, parent, n_orders: int, gw, round_no: int):
    """``n_orders`` orders paid at the (sandbox) gateway; returns the gateway's records."""
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import Invoice, PaymentOrder, SandboxOrder
    from billing.services.payments import merchant_for

    invoices = list(
        Invoice.objects.filter(status="open")
        .select_related("school")
        .order_by("pk")[round_no * n_orders : (round_no + 1) * n_orders]
    )
    assert len(invoices) == n_orders, "not enough open invoices"
    now = timezone.now()
    orders, remote = [], []
    for inv in invoices:
        account = merchant_for(inv.school, "sandbox")
        no = f"BB{round_no}{inv.pk:012d}"
        orders.append(
            PaymentOrder(
                district_id=inv.district_id,
                school_id=inv.school_id,
                invoice=inv,
                revision=1,
                amount_fen=inv.amount_fen,
                gateway="sandbox",
                merchant_id=account.merchant_id,
                out_trade_no=no,
                status="pending",
                created_by=parent,
                expires_at=now + timedelta(hours=1),
            )
        )
        remote.append(
            SandboxOrder(
                out_trade_no=no,
                merchant_id=account.merchant_id,
                amount_fen=inv.amount_fen,
                description="bench",
                notify_url="",
                state="SUCCESS",
                transaction_id=f"4200bb{round_no}{inv.pk:012d}",
                paid_at=now,
            )
        )
    PaymentOrder.objects.bulk_create(orders)
    SandboxOrder.objects.bulk_create(remote)
    return remote


async def storm(base: str, notes, deliveries: int, clients: int, seed: int, gw=None):
    """Deliver each order's notification ``deliveries`` times, shuffled. Each delivery is
    signed when it is sent (a fresh timestamp and nonce, as a gateway's retry is), so the
    endpoint's 5-minute freshness check holds however long the storm lasts."""
    import aiohttp

    requests = [n for n in notes for _ in range(deliveries)]
    random.Random(seed).shuffle(requests)
    latencies, statuses = [], {}
    queue = list(requests)
    url = f"{base}/billing/notify/sandbox/"
    timeout = aiohttp.ClientTimeout(total=60)

    async def worker(session):
        while queue:
            headers, body = gw.payment_notification(queue.pop())
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as resp:
                    await resp.read()
                    statuses[resp.status] = statuses.get(resp.status, 0) + 1
            except (aiohttp.ClientError, TimeoutError):
                statuses["error"] = statuses.get("error", 0) + 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(clients)))
    return time.perf_counter() - started, latencies, statuses


# --------------------------------------------------------------------------- main


def start_gunicorn(url: str, port: int, workers: int):
    import socket
    import subprocess

    env = dict(os.environ, BENCH_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.billing_settings")
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
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        if proc.poll() is not None:
            raise SystemExit("gunicorn did not start")
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 60 s")


def spread(values) -> str:
    return f"median {statistics.median(values):.2f}  min {min(values):.2f}  max {max(values):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--loop", type=int, default=2000, help="students in the ORM-loop baseline")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--deliveries", type=int, default=5)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    url = billing_url()
    recreate_database(url)
    keys, private = tempfile.mkdtemp(prefix="bb-keys-"), tempfile.mkdtemp(prefix="bb-private-")
    setup(url, keys, private)
    print(
        f"database {url.rsplit('/', 1)[1]}; building {args.students:,} students in "
        f"{args.schools} schools …",
        flush=True,
    )
    t = time.perf_counter()
    _district, schools, parent = build_district(args.schools, args.students)
    print(f"  built in {time.perf_counter() - t:.1f} s", flush=True)

    # 1. billing
    ours, loop_rates, our_rates = [], [], []
    for i in range(args.repeat):
        truncate_billing()
        elapsed, invoices = run_ours(schools)
        ours.append(elapsed)
        our_rates.append(invoices / elapsed)
        truncate_billing()
        loop_elapsed, n = run_loop(*schools[0], args.loop)
        loop_rates.append(n / loop_elapsed)
        print(
            f"  round {i + 1}: ours {invoices:,} invoices in {elapsed:.1f} s "
            f"({invoices / elapsed:,.0f}/s); ORM loop {n:,} in {loop_elapsed:.1f} s "
            f"({n / loop_elapsed:,.0f}/s)",
            flush=True,
        )
    print("\nSemester billing of the district")
    print(f"  ours, {args.students:,} students, seconds: {spread(ours)}   (target ≤ 60)")
    print(f"  ours, students/s:       {spread(our_rates)}")
    print(f"  ORM loop, students/s:   {spread(loop_rates)}")
    speedup = statistics.median(our_rates) / statistics.median(loop_rates)
    print(f"  speed-up (median/median): {speedup:.1f}×   (target ≥ 10×)")

    # 2. storm: bill again (invoices to pay), then fire the notifications through gunicorn
    truncate_billing()
    run_ours(schools)
    from billing import gateway
    from billing.models import Payment

    gw = gateway.get("sandbox")
    port = free_port()
    server = start_gunicorn(url, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        import aiohttp  # noqa: F401

        print(
            f"\nNotification storm: {args.orders:,} orders × {args.deliveries} deliveries, "
            f"shuffled, {args.clients} clients, gunicorn {args.workers} workers"
        )
        rates, p99s, ok = [], [], True
        for r in range(args.repeat):
            before = Payment.objects.count()
            notes = prepare_storm(schools, parent, args.orders, gw, r)
            asyncio.run(storm(base, notes[:20], 1, 5, seed=r, gw=gw))  # warm-up (delivers 20)
            elapsed, lat, statuses = asyncio.run(
                storm(base, notes, args.deliveries, args.clients, seed=r, gw=gw)
            )
            payments = Payment.objects.count() - before
            errors = sum(v for k, v in statuses.items() if k == "error" or int(k) >= 500)
            ok &= payments == args.orders and errors == 0
            rates.append(len(lat) / elapsed)
            p99s.append(pct(lat, 99) * 1000)
            print(
                f"  round {r + 1}: payments {payments:,} (expected {args.orders:,}), "
                f"server errors {errors}, statuses {dict(sorted(statuses.items(), key=str))}, "
                f"{len(lat) / elapsed:,.0f} req/s, p50 {pct(lat, 50) * 1000:.0f} ms, "
                f"p99 {pct(lat, 99) * 1000:.0f} ms",
                flush=True,
            )
        print(f"  throughput req/s: {spread(rates)}")
        print(f"  p99 ms:           {spread(p99s)}")
        print(f"  exactly once: {'yes' if ok else 'NO'}")
    finally:
        import signal

        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
