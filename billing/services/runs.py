"""Semester billing as a resumable, set-based job (and the checks that may refuse it).

Concurrency and crash design
----------------------------
* Starting: ``start_billing`` checks the refusals (fee standard not published, billing not
  open for the semester, a line above a policy cap) and inserts a ``BillingRun``; a partial
  unique index allows one active run per school, semester and kind, so two clicks start one
  run (the second gets ``Conflict``). The Celery task is dispatched on commit.
* Each batch is ONE short transaction: lock the run row (``SELECT … FOR UPDATE``; it sits at
  the plan level of the project's lock order semester -> plan -> application -> … ->
  invoice -> payment, and no other lock is taken before it), read the next
  ``BILLING_BATCH_SIZE`` participants after ``run.cursor`` (application id order), compute
  their lines in memory from the one plan calendar (``billing.fees``), then write with
  bulk statements: ``INSERT … ON CONFLICT DO NOTHING RETURNING`` the invoices (unique per
  student, semester and kind), one INSERT of their lines, the ledger's two INSERTs
  (``billing.services.ledger.post``), and move ``run.cursor`` — all in the same commit.
* A worker killed anywhere loses at most the batch in flight, which rolls back whole; the
  restarted task (redelivered message, or ``resume_stalled_runs`` from beat) reads the
  cursor and goes on. Two executions of the same run serialize on the run row; invoices that
  already exist are never touched (the conflict skips them and RETURNING leaves them out of
  the lines and the ledger), so the result is exactly that of an undisturbed run.
* Re-running later creates invoices only for participants who have none (late joiners,
  billed from the day they became active) and changes nothing already issued or paid.
* Fee notices (缴费通知) go to the guardians' inboxes after the run commits, set-based and
  idempotent (``notice_sent_at``).

Who is billed: applications of the school's plan that are approved (or have a pending
withdrawal), with the agreement signed and the insurance confirmed — active children —
for basic care when they asked for it and for each confirmed seat in a course of the
published version. Billed from the later of the semester's first day and the day the child
became active (a course: and the day its seat was confirmed) to the semester's last day.
A verified exemption of the child's reduces every line by its percentage. Children who
left before the first run are not billed (in the family's favour; documented limitation).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict
from aftercare.models import School, Semester, User
from aftercare.notifications import notify_many
from aftercare.rules import require_school_manager
from billing import conf, jobs
from billing.fees import FeeTable, Line
from billing.models import (
    BillingRun,
    Exemption,
    ExemptionStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    RunKind,
    RunStatus,
)
from billing.money import fmt
from billing.services import ledger
from enrollment.models import ApplicationStatus, CourseRegistration, Guardianship, SeatStatus
from plans.models import FeeUnit, PlanStatus, PlanVersion
from plans.selectors import current_policy

BILLED_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWAL_REQUESTED)


class BillingRefused(Conflict):
    code = "billing_refused"


def published_version(school: School, semester: Semester) -> PlanVersion | None:
    return (
        PlanVersion.objects.filter(
            plan__school=school, plan__semester=semester, status=PlanStatus.PUBLISHED
        )
        .select_related("plan__semester", "plan__school", "school")
        .first()
    )


def _day(value) -> str:
    return date_format(value, "Y-m-d")


def billing_window(semester: Semester):
    """(first day, last day) on which semester billing may run: from
    ``BILLING_OPENS_DAYS_BEFORE`` days before the semester starts to its last day."""
    return semester.start_date - timedelta(days=conf.opens_days_before()), semester.end_date


def refusals(*, school: School, semester: Semester, today, version=None, policy=None):
    """Why billing ``school`` for ``semester`` is refused today (empty: it may run), with the
    published version and the policy it would use."""
    reasons: list[str] = []
    version = version or published_version(school, semester)
    if version is None:
        reasons.append(
            _(
                "%(school)s has no published plan for %(semester)s: fees may only be charged "
                "under a publicly posted fee standard (未经公示不得收费)."
            )
            % {"school": school.name, "semester": semester.name}
        )
        return reasons, None, None
    charges = version.basic_fee_unit != FeeUnit.FREE or any(
        c.fee_per_lesson for c in version.courses.all()
    )
    if charges and not version.fee_notice.strip():
        reasons.append(_("The published plan has no fee standard notice: fees may not be charged."))
    opens, closes = billing_window(semester)
    if today < opens:
        reasons.append(
            _(
                "No fees across semesters in advance (不得跨学期预收): %(semester)s may be billed "
                "from %(opens)s (%(days)s days before its first day %(start)s)."
            )
            % {
                "semester": semester.name,
                "opens": _day(opens),
                "days": conf.opens_days_before(),
                "start": _day(semester.start_date),
            }
        )
    elif today > closes:
        reasons.append(
            _("%(semester)s ended on %(end)s; settle it at term end instead of billing it.")
            % {"semester": semester.name, "end": _day(closes)}
        )
    policy = policy or current_policy(semester)
    table = FeeTable(version, policy=policy)
    grades = set(school.classes.values_list("grade", flat=True)) | {
        g for p in version.periods.all() for g in p.grades
    }
    reasons += table.cap_breaches(grades)
    return reasons, version, policy


def participants(version: PlanVersion):
    return version.plan.applications.filter(
        status__in=BILLED_STATUSES,
        signed_at__isnull=False,
        insurance_confirmed_at__isnull=False,
    )


def start_billing(
    *, actor: User, school: School, semester: Semester, now: datetime | None = None
) -> BillingRun:
    """Start semester billing of ``school`` (a Celery task on the ``billing`` queue does the
    work; its progress is on the run). Audited as ``billing.run_started``; a refusal is
    audited too (``billing.run_refused``, committed although the call fails).

    Errors: NotAllowed; BillingRefused (409) naming every reason (not published, outside the
    billing window, a cap); Conflict ``run_active`` when a run is already going.
    """
    now = now or timezone.now()
    require_school_manager(actor, school)
    reasons, version, _policy = refusals(
        school=school, semester=semester, today=timezone.localdate(now)
    )
    if reasons:
        record_event(
            actor=actor,
            action="billing.run_refused",
            obj=school,
            payload={"semester": str(semester.public_id), "reasons": reasons},
        )
        raise BillingRefused(" ".join(reasons))
    total = participants(version).count()
    try:
        with transaction.atomic():
            run = BillingRun.objects.create(
                district_id=school.district_id,
                school=school,
                semester=semester,
                plan_version=version,
                kind=RunKind.BILLING,
                total=total,
                started_by=actor,
                created_at=now,
            )
    except IntegrityError as err:
        raise Conflict(
            _("Billing of this semester is already running; wait for it to finish."),
            code="run_active",
        ) from err
    record_event(
        actor=actor,
        action="billing.run_started",
        obj=run,
        payload={"semester": semester.name, "participants": total, "version": version.number},
    )
    jobs.later("billing.run_billing", run.pk)
    return run


# --------------------------------------------------------------------------- the job


def process_run(*, run_id: int, batch_size: int | None = None, max_batches: int | None = None):
    """Work a run to the end in batches (the task's body). Safe to call again at any time:
    a finished run returns at once; a stopped one goes on from its cursor."""
    batch_size = batch_size or conf.batch_size()
    run = BillingRun.objects.select_related("semester", "school", "plan_version__plan").get(
        pk=run_id
    )
    if not run.active:
        return run
    version = run.plan_version
    table = FeeTable(version, policy=current_policy(run.semester))
    batches = 0
    while True:
        with transaction.atomic():
            locked = BillingRun.objects.select_for_update().get(pk=run_id)
            if not locked.active:
                return locked
            done = _bill_batch(locked, table, batch_size)
            locked.heartbeat_at = timezone.now()
            if locked.status == RunStatus.QUEUED:
                locked.status = RunStatus.RUNNING
            if done:
                locked.status = RunStatus.DONE
                locked.finished_at = locked.heartbeat_at
                locked.processed = locked.total
                record_event(
                    actor=None,
                    action="billing.run_finished",
                    obj=locked,
                    payload={
                        "invoices": locked.invoices_created,
                        "amount": fmt(locked.amount_fen),
                    },
                )
                jobs.later("billing.send_fee_notices", run_id)
            locked.save(
                update_fields=[
                    "status",
                    "cursor",
                    "processed",
                    "total",
                    "invoices_created",
                    "amount_fen",
                    "heartbeat_at",
                    "finished_at",
                ]
            )
        batches += 1
        if done:
            return locked
        if max_batches is not None and batches >= max_batches:
            return locked
        if pause := conf.batch_pause():
            time.sleep(pause)


def _bill_batch(run: BillingRun, table: FeeTable, batch_size: int) -> bool:
    """Bill the next batch after ``run.cursor``; returns True when nothing was left."""
    semester = run.semester
    apps = list(
        participants(run.plan_version)
        .filter(pk__gt=run.cursor)
        .order_by("pk")
        .values(
            "pk",
            "student_id",
            "basic_care",
            "signed_at",
            "insurance_confirmed_at",
            "student__school_class__grade",
        )[:batch_size]
    )
    if not apps:
        return True
    app_ids = [a["pk"] for a in apps]
    seats = defaultdict(list)

    for reg in CourseRegistration.objects.filter(
        application_id__in=app_ids,
        status=SeatStatus.CONFIRMED,
        course__version_id=run.plan_version_id,
    ).values("application_id", "course_id", "created_at", "decided_at"):
        seats[reg["application_id"]].append(reg)
    exemptions = {
        e["student_id"]: e
        for e in Exemption.objects.filter(
            district_id=run.district_id,
            semester_id=run.semester_id,
            student_id__in=[a["student_id"] for a in apps],
            status=ExemptionStatus.VERIFIED,
        ).values("pk", "student_id", "reduction_percent")
    }
    rows, lines_by_student = [], {}
    for a in apps:
        active = max(a["signed_at"], a["insurance_confirmed_at"])
        start = max(semester.start_date, timezone.localdate(active))
        exemption = exemptions.get(a["student_id"])
        percent = exemption["reduction_percent"] if exemption else 0
        lines = participant_lines(
            table,
            grade=a["student__school_class__grade"],
            basic_care=a["basic_care"],
            seats=seats.get(a["pk"], []),
            start=start,
            until=semester.end_date,
            percent=percent,
        )
        gross = sum(line.gross_fen for line in lines)
        reduction = sum(line.reduction_fen for line in lines)
        status = InvoiceStatus.OPEN if gross - reduction > 0 else InvoiceStatus.NOTHING_DUE
        rows.append(
            (
                a["pk"],
                a["student_id"],
                gross,
                reduction,
                gross - reduction,
                status,
                exemption["pk"] if exemption else None,
                start,
            )
        )
        lines_by_student[a["student_id"]] = lines
    created = insert_invoices(
        run=run, rows=rows, lines_by_student=lines_by_student, until=semester.end_date
    )
    run.cursor = app_ids[-1]
    run.processed = min(run.total, run.processed + len(apps))
    run.invoices_created += len(created)
    run.amount_fen += sum(amount for _i, amount in created)
    return len(apps) < batch_size


def participant_lines(
    table: FeeTable, *, grade, basic_care, seats, start, until, percent
) -> list[Line]:
    """The lines of one participant (basic care, then courses by id), reduced by
    ``percent``. Shared by billing and settlement so both charge the same way."""
    lines: list[Line] = []
    if basic_care:
        line = table.basic(grade, start, until)
        if line is not None:
            lines.append(line)
    for seat in sorted(seats, key=lambda s: s["course_id"]):
        confirmed = seat.get("decided_at") or seat.get("created_at")
        course_start = max(start, timezone.localdate(confirmed)) if confirmed else start
        line = table.course(seat["course_id"], course_start, until)
        if line is not None:
            lines.append(line)
    out = []
    for line in lines:
        copy = Line(**{**line.__dict__, "reduction_percent": percent})
        out.append(copy)
    return out


def insert_invoices(*, run, rows, lines_by_student, until, kind=InvoiceKind.SEMESTER):
    """Bulk-insert invoices (skipping those that exist), their lines and their charges, in
    three statements whatever the number of rows: columns travel as arrays (``unnest``), so
    neither Python nor the driver formats a row at a time. Returns [(invoice id, amount)]
    of the new ones."""
    if not rows:
        return []
    now = timezone.now()
    cols = list(zip(*rows, strict=True))
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO billing_invoice
                (public_id, district_id, school_id, semester_id, plan_version_id,
                 application_id, student_id, kind, revision, gross_fen, reduction_fen,
                 amount_fen, status, exemption_id, run_id, from_date, until, issued_at)
            SELECT gen_random_uuid(), %(district)s, %(school)s, %(semester)s, %(version)s,
                   v.app, v.student, %(kind)s, 1, v.gross, v.reduction, v.amount, v.status,
                   v.exemption, %(run)s, v.start, %(until)s, %(now)s
              FROM unnest(%(app)s::bigint[], %(student)s::bigint[], %(gross)s::bigint[],
                          %(reduction)s::bigint[], %(amount)s::bigint[], %(status)s::text[],
                          %(exemption)s::bigint[], %(start)s::date[])
                   AS v(app, student, gross, reduction, amount, status, exemption, start)
            ON CONFLICT (district_id, school_id, semester_id, student_id, kind) DO NOTHING
            RETURNING id, student_id, amount_fen
            """,
            {
                "district": run.district_id,
                "school": run.school_id,
                "semester": run.semester_id,
                "version": run.plan_version_id,
                "kind": str(kind),
                "run": run.pk,
                "until": until,
                "now": now,
                "app": list(cols[0]),
                "student": list(cols[1]),
                "gross": list(cols[2]),
                "reduction": list(cols[3]),
                "amount": list(cols[4]),
                "status": [str(x) for x in cols[5]],
                "exemption": list(cols[6]),
                "start": list(cols[7]),
            },
        )
        created = cur.fetchall()
        if not created:
            return []
        line_cols: dict[str, list] = defaultdict(list)
        for invoice_id, student_id, _amount in created:
            for line in lines_by_student[student_id]:
                line_cols["invoice"].append(invoice_id)
                line_cols["service"].append(line.service)
                line_cols["course"].append(line.course_id)
                line_cols["label"].append(line.label[:80])
                line_cols["unit"].append(str(line.unit))
                line_cols["rate"].append(line.rate)
                line_cols["quantity"].append(line.quantity)
                line_cols["sessions"].append(line.sessions)
                line_cols["lessons"].append(line.lessons)
                line_cols["gross"].append(line.gross_fen)
                line_cols["percent"].append(line.reduction_percent)
                line_cols["reduction"].append(line.reduction_fen)
                line_cols["amount"].append(line.amount_fen)
        if line_cols:
            cur.execute(
                """
                INSERT INTO billing_invoiceline
                    (district_id, school_id, invoice_id, revision, service, course_id, label,
                     unit, rate, quantity, sessions, lessons, gross_fen, reduction_percent,
                     reduction_fen, amount_fen)
                SELECT %(district)s, %(school)s, v.invoice, 1, v.service, v.course, v.label,
                       v.unit, v.rate, v.quantity, v.sessions, v.lessons, v.gross, v.percent,
                       v.reduction, v.amount
                  FROM unnest(%(invoice)s::bigint[], %(service)s::text[], %(course)s::bigint[],
                              %(label)s::text[], %(unit)s::text[], %(rate)s::numeric[],
                              %(quantity)s::numeric[], %(sessions)s::int[], %(lessons)s::int[],
                              %(gross)s::bigint[], %(percent)s::int[], %(reduction)s::bigint[],
                              %(amount)s::bigint[])
                       AS v(invoice, service, course, label, unit, rate, quantity, sessions,
                            lessons, gross, percent, reduction, amount)
                """,
                {"district": run.district_id, "school": run.school_id, **line_cols},
            )
    ledger.post_charges(
        district_id=run.district_id, school_id=run.school_id, invoice_ids=[r[0] for r in created]
    )
    return [(row[0], row[2]) for row in created]


# --------------------------------------------------------------------------- after the run


def send_fee_notices(*, run_id: int, batch: int = 2000) -> int:
    """Put a fee notice (缴费通知) in every guardian's inbox for each invoice of the run with
    something to pay, through the kernel's outbox (delivered after commit). Once: the
    invoice's ``notice_sent_at`` and the message key ``fee-notice:<invoice>:<user>``."""
    run = BillingRun.objects.select_related("semester", "school", "district").get(pk=run_id)
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            with transaction.atomic():
                invoices = list(
                    Invoice.objects.select_for_update(skip_locked=True)
                    .filter(run_id=run_id, notice_sent_at__isnull=True)
                    .order_by("pk")
                    .values("pk", "public_id", "amount_fen", "student__name", "student_id")[:batch]
                )
                if not invoices:
                    return sent
                guardians = defaultdict(list)
                for student_id, user_id in Guardianship.objects.filter(
                    student_id__in=[i["student_id"] for i in invoices]
                ).values_list("student_id", "user_id"):
                    guardians[student_id].append(user_id)
                body = _(
                    "%(school)s bills the after-school service fee under its published fee "
                    "standard. Pay online; unused fees are settled at term end (多退少补)."
                ) % {"school": run.school.name}
                messages = []
                for inv in invoices:
                    if inv["amount_fen"] <= 0:
                        continue
                    title = _("Fee notice: %(student)s, %(semester)s, %(amount)s yuan") % {
                        "student": inv["student__name"],
                        "semester": run.semester.name,
                        "amount": fmt(inv["amount_fen"]),
                    }
                    url = reverse("billing_invoice", args=[inv["public_id"]])
                    for user_id in guardians.get(inv["student_id"], []):
                        messages.append(
                            {
                                "key": f"fee-notice:{inv['pk']}:{user_id}",
                                "recipient": User(pk=user_id),
                                "district": run.district,
                                "title": title,
                                "body": body,
                                "url": url,
                            }
                        )
                notify_many(messages)
                Invoice.objects.filter(pk__in=[i["pk"] for i in invoices]).update(
                    notice_sent_at=timezone.now()
                )
                sent += len(messages)


def resume_stalled_runs(*, now: datetime | None = None, stale_after=timedelta(minutes=2)):
    """Runs whose worker stopped (no heartbeat for ``stale_after``): their ids, to restart.
    Beat calls this every minute; restarting is safe (see the module docstring)."""
    now = now or timezone.now()
    limit = now - stale_after
    return list(
        BillingRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        .filter(Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit))
        .values_list("pk", flat=True)
    )
