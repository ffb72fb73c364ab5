"""Semester billing: refusals, amounts from the plan calendar, idempotence, resumption."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from aftercare.errors import Conflict, NotAllowed
from aftercare.models import AuditEvent, Semester
from aftercare.models.outbox import OutboxMessage
from billing.models import BillingRun, Invoice, InvoiceLine, InvoiceStatus, JournalLine, RunStatus
from billing.money import to_fen
from billing.services import ledger, runs
from plans.calendar import plan_calendar
from plans.models import DistrictPolicy, PlanStatus, PlanVersion

pytestmark = pytest.mark.django_db


def _start(bill, key="a1", **kw):
    return runs.start_billing(
        actor=bill.user(f"principal_{key}"),
        school=bill.world.schools[key],
        semester=bill.semesters[key[0]],
        **kw,
    )


def _queued(bill, key="a1"):
    """A run as ``start_billing`` leaves it, without its task having run (tests here run
    tasks eagerly on commit)."""
    version = bill.versions[key]
    return BillingRun.objects.create(
        district=version.district,
        school=version.school,
        semester=bill.semesters[key[0]],
        plan_version=version,
        total=runs.participants(version).count(),
        started_by=bill.user(f"principal_{key}"),
    )


def _run(bill, key="a1", **kw):
    run = _start(bill, key)
    return runs.process_run(run_id=run.pk, **kw)


def _expected(bill, key, grade=3, *, courses=()):
    cal = plan_calendar(bill.versions[key])
    basic = to_fen(cal.basic_fee(grade))
    fees = [to_fen(cal.course_fee(bill.courses[key][c].pk)) for c in courses]
    return basic, fees


def test_invoice_per_participant_from_the_plan_calendar(bill):
    bill.enroll("a1", courses=["书法"])
    other = bill.enroll("a1", student=bill.child("a1", grade=5), basic=True)
    run = _run(bill)
    assert run.status == RunStatus.DONE and run.invoices_created == 2
    basic, (course,) = _expected(bill, "a1", courses=["书法"])
    assert basic == 150 * 2 * plan_calendar(bill.versions["a1"]).grade_totals(3).sessions
    inv = Invoice.objects.get(student=bill.world.students["a1"])
    assert (inv.gross_fen, inv.amount_fen, inv.status) == (basic + course, basic + course, "open")
    lines = {line.service: line for line in inv.lines.all()}
    assert lines["basic"].gross_fen == basic and lines["course"].gross_fen == course
    assert lines["course"].rate == 20 and lines["course"].lessons == lines["course"].sessions
    assert Invoice.objects.get(application=other).amount_fen == basic
    # The ledger: receivable equals what families owe; the fund balances.
    bal = ledger.balances(school_id=inv.school_id, district_id=inv.district_id)
    assert bal["receivable"] == 2 * basic + course == -bal["fee_income"]


def test_rerun_creates_nothing_and_bills_late_participants(bill):
    bill.enroll("a1")
    _run(bill)
    first = list(Invoice.objects.values_list("pk", "amount_fen", "revision"))
    journals = JournalLine.objects.count()
    again = _run(bill)
    assert again.invoices_created == 0
    assert list(Invoice.objects.values_list("pk", "amount_fen", "revision")) == first
    assert JournalLine.objects.count() == journals
    # A child who became active ten days ago is billed from that day by the next run.
    late_day = timezone.localdate() - timedelta(days=10)
    late = bill.enroll(
        "a1",
        student=bill.child("a1"),
        at=timezone.make_aware(timezone.datetime.combine(late_day, timezone.datetime.min.time())),
    )
    third = _run(bill)
    assert third.invoices_created == 1
    inv = Invoice.objects.get(application=late)
    assert inv.from_date == late_day
    assert inv.amount_fen == to_fen(
        plan_calendar(bill.versions["a1"]).basic_fee(3, from_date=late_day)
    )


def test_a_stopped_run_resumes_to_the_same_invoices(bill):
    for _ in range(7):
        bill.enroll("a1", student=bill.child("a1"), courses=["书法"])
    run = _queued(bill)
    partial = runs.process_run(run_id=run.pk, batch_size=3, max_batches=1)
    assert partial.status == RunStatus.RUNNING and partial.processed == 3
    assert Invoice.objects.count() == 3
    finished = runs.process_run(run_id=run.pk, batch_size=3)
    assert finished.status == RunStatus.DONE and finished.invoices_created == 7
    assert Invoice.objects.count() == 7 == len(set(Invoice.objects.values_list("student")))
    assert InvoiceLine.objects.count() == 14


def test_refused_without_a_published_fee_standard(bill):
    PlanVersion.objects.filter(pk=bill.versions["a1"].pk).update(status=PlanStatus.SUPERSEDED)
    with pytest.raises(Conflict, match=r"未经公示不得收费|publicly posted"):
        _start(bill)
    assert not BillingRun.objects.exists()
    assert AuditEvent.objects.filter(action="billing.run_refused").exists()


def test_refused_for_a_future_semester_and_after_the_end(bill, settings):
    settings.BILLING_OPENS_DAYS_BEFORE = 14
    semester = bill.semesters["a"]
    today = timezone.localdate()
    Semester.objects.filter(pk=semester.pk).update(
        start_date=today + timedelta(days=15), end_date=today + timedelta(days=150)
    )
    semester.refresh_from_db()
    with pytest.raises(Conflict, match="跨学期预收"):
        _start(bill)
    Semester.objects.filter(pk=semester.pk).update(start_date=today + timedelta(days=14))
    semester.refresh_from_db()
    assert _start(bill).status in (RunStatus.QUEUED, RunStatus.DONE)  # the first allowed day
    BillingRun.objects.update(status=RunStatus.DONE)
    Semester.objects.filter(pk=semester.pk).update(
        start_date=today - timedelta(days=150), end_date=today - timedelta(days=1)
    )
    semester.refresh_from_db()
    with pytest.raises(Conflict, match=r"期末结算|settle"):
        _start(bill)


def test_refused_when_a_line_would_exceed_a_cap(bill):
    # The policy is frozen once a plan under it is approved; a later version with a lower
    # cap (or a plan published over it) must still never be billed above the cap.
    DistrictPolicy.objects.filter(semester=bill.semesters["a"]).update(
        basic_cap_per_lesson=Decimal("1.20")
    )
    with pytest.raises(Conflict) as err:
        _start(bill)
    assert "1.50" in str(err.value) and "1.20" in str(err.value)


def test_only_managers_start_and_one_run_at_a_time(bill):
    with pytest.raises(NotAllowed):
        runs.start_billing(
            actor=bill.user("teacher_a1"),
            school=bill.world.schools["a1"],
            semester=bill.semesters["a"],
        )
    _queued(bill)
    with pytest.raises(Conflict, match=r"already running|正在"):
        _start(bill)


def test_exemption_reduces_every_line(bill):
    from billing.models import Exemption

    bill.enroll("a1", courses=["书法"])
    Exemption.objects.create(
        district=bill.world.a,
        school=bill.world.schools["a1"],
        semester=bill.semesters["a"],
        student=bill.world.students["a1"],
        category="hardship",
        category_name="家庭经济困难",
        reduction_percent=50,
        status="verified",
        evidence_path="x",
        evidence_name="x.pdf",
        evidence_type="application/pdf",
        evidence_size=1,
        applied_by=bill.user("parent_a1"),
    )
    _run(bill)
    basic, (course,) = _expected(bill, "a1", courses=["书法"])
    inv = Invoice.objects.get()
    assert inv.reduction_fen == round(basic / 2) + round(course / 2)
    assert inv.amount_fen == basic + course - inv.reduction_fen
    bal = ledger.balances(school_id=inv.school_id, district_id=inv.district_id)
    assert bal["exemptions"] == inv.reduction_fen


def test_fee_notices_once_per_guardian(bill):
    bill.enroll("a1")
    _run(bill)  # the notices went out after the run committed (eager tasks)
    run = BillingRun.objects.get()
    assert runs.send_fee_notices(run_id=run.pk) == 0
    invoice = Invoice.objects.get()
    msg = OutboxMessage.objects.get(key=f"fee-notice:{invoice.pk}:{bill.user('parent_a1').pk}")
    assert msg.recipient == bill.user("parent_a1") and msg.url.endswith(f"{invoice.public_id}/")


def test_nothing_due_invoices_for_free_participants(bill):
    PlanVersion.objects.filter(pk=bill.versions["a1"].pk)  # basic care billed, no course
    app = bill.enroll("a1", basic=False)
    _run(bill)
    assert Invoice.objects.get(application=app).status == InvoiceStatus.NOTHING_DUE


def test_batches_are_bulk_statements_not_a_query_per_student(bill):
    """The number of statements of a batch does not grow with the number of students."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n, key in ((3, "a1"), (30, "b1")):
        for _ in range(n):
            bill.enroll(key, student=bill.child(key), courses=["书法"])
        run = _queued(bill, key)
        with CaptureQueriesContext(conn) as ctx:
            runs.process_run(run_id=run.pk, batch_size=1000)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert Invoice.objects.count() == 33
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM billing_journal")
        assert cur.fetchone()[0] == 33


def test_a_school_categorys_lower_cap_refuses_billing_naming_it(bill):
    """Caps come from plans.effective.rules_for: a rural category's basic-care cap of 1.20
    per 课时 binds school a1 (and names the cap), while a2's billing would not be touched."""
    from plans.models import RuleOverride, SchoolCategory, SchoolCategoryAssignment
    from plans.selectors import current_policy

    policy = current_policy(bill.semesters["a"])
    rural = SchoolCategory.objects.create(
        district=bill.world.a, policy=policy, code="rural", name="农村"
    )
    SchoolCategoryAssignment.objects.create(
        district=bill.world.a, policy=policy, school=bill.world.schools["a1"], category=rural
    )
    RuleOverride.objects.create(
        district=bill.world.a,
        policy=policy,
        category=rural,
        rule="basic_cap_per_lesson",
        value="1.20",
    )
    with pytest.raises(Conflict) as err:
        _start(bill)
    assert "1.50" in str(err.value) and "1.20" in str(err.value)
