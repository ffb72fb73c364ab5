"""A real Celery worker killed (SIGKILL) in the middle of semester billing, then restarted:
the invoices, their lines and the ledger come out exactly as from an undisturbed run."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from aftercare.celery import app as celery_app
from aftercare.health import check_worker
from billing import jobs
from billing.models import BillingRun, Invoice, InvoiceLine, JournalLine, RunStatus
from billing.services import ledger, runs
from tests.billing.world import build_billing

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

CHILDREN = 96
BATCH = 8


def start_worker(queue: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="aftercare.settings_test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        BILLING_QUEUE=queue,
        BILLING_BATCH_SIZE=str(BATCH),
        BILLING_BATCH_PAUSE="0.25",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "aftercare",
            "worker",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if check_worker(timeout=1.0, queues=[queue])["ok"]:
            return proc
        assert proc.poll() is None, "worker died at start-up"
    pytest.fail("worker did not start")


def snapshot(school) -> list:
    """The invoices of a school as comparable values (students differ between schools; the
    n-th child has the same grade and courses in both)."""
    out = []
    # 学籍号 is encrypted at rest: the database has no order of it, Python has.
    invoices = Invoice.objects.filter(school=school).select_related("application__student")
    for inv in sorted(invoices, key=lambda inv: inv.application.student.student_number):
        lines = tuple(
            InvoiceLine.objects.filter(invoice=inv)
            .order_by("service", "label")
            .values_list("service", "label", "gross_fen", "reduction_fen", "amount_fen")
        )
        out.append(
            (inv.gross_fen, inv.reduction_fen, inv.amount_fen, inv.status, inv.revision, lines)
        )
    return out


def test_killed_worker_resumes_to_exactly_the_undisturbed_result(world):
    bill = build_billing(world, keys=("a1", "b1"))
    for i in range(CHILDREN):
        grade = 1 + i % 6
        courses = ["书法"] if i % 4 == 0 else []
        for key in ("a1", "b1"):
            bill.enroll(key, student=bill.child(key, grade=grade), courses=courses)
    # The reference: school b1 billed undisturbed, in this process.
    ref = BillingRun.objects.create(
        district=world.b,
        school=world.schools["b1"],
        semester=bill.semesters["b"],
        plan_version=bill.versions["b1"],
        total=runs.participants(bill.versions["b1"]).count(),
    )
    runs.process_run(run_id=ref.pk, batch_size=BATCH)
    queue = f"billing-test-{uuid.uuid4().hex[:8]}"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    worker = start_worker(queue)
    try:
        with override_settings(BILLING_QUEUE=queue):
            run = runs.start_billing(
                actor=bill.user("principal_a1"),
                school=world.schools["a1"],
                semester=bill.semesters["a"],
            )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                run.refresh_from_db()
                if run.processed >= 3 * BATCH:
                    break
                time.sleep(0.05)
            os.killpg(worker.pid, signal.SIGKILL)  # mid-run, no goodbye
            worker.wait(timeout=10)
            run.refresh_from_db()
            killed_at = run.processed
            assert run.status == RunStatus.RUNNING and 0 < killed_at < run.total, killed_at
            assert 0 < Invoice.objects.filter(school=world.schools["a1"]).count() < CHILDREN
            # Restarted: beat finds the run stale and sends it again.
            worker = start_worker(queue)
            stale = runs.resume_stalled_runs(now=timezone.now() + timezone.timedelta(minutes=3))
            assert stale == [run.pk]
            for run_id in stale:
                jobs.send_now("billing.run_billing", run_id)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                run.refresh_from_db()
                if run.status == RunStatus.DONE:
                    break
                time.sleep(0.1)
            assert run.status == RunStatus.DONE, run.processed
    finally:
        celery_app.conf.task_always_eager = eager
        try:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=15)
        except ProcessLookupError:
            pass
    a1, b1 = world.schools["a1"], world.schools["b1"]
    assert len(snapshot(a1)) == CHILDREN
    assert snapshot(a1) == snapshot(b1)
    assert (
        run.invoices_created == CHILDREN
        and run.amount_fen == ref.__class__.objects.get(pk=ref.pk).amount_fen
    )
    bal_a = ledger.balances(school_id=a1.pk, district_id=a1.district_id)
    bal_b = ledger.balances(school_id=b1.pk, district_id=b1.district_id)
    assert bal_a == bal_b
    assert (
        JournalLine.objects.filter(school=a1).count()
        == JournalLine.objects.filter(school=b1).count()
    )
