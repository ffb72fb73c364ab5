"""Term-end settlement (期末按实结算，多退少补), a resumable Celery job like billing.

For each semester invoice of the school (batches under the run-row lock, cursor in the same
commit, see ``billing.services.runs``): what the child owes for the semester is recomputed
from the plan calendar — the billed range (cut at the last day for a child who left),
courses confirmed after billing added — less the sessions the school cancelled and, where
the policy credits them, personal absences (``billing.usage``), less the child's reduction.
Then against what was paid and refunded: a balance is refunded through the gateway
(``Refund``, reason ``settlement``), a shortfall is invoiced (a ``supplement`` invoice); an
invoice never paid is re-issued for the amount due. Each invoice is settled once
(``settled_at``); the computation is kept on the refund and shown to the family.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict
from aftercare.models import School, Semester, User
from aftercare.rules import require_school_manager
from billing import jobs, usage
from billing.fees import FeeTable, Line
from billing.models import (
    BillingRun,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    RefundReason,
    RunKind,
    RunStatus,
)
from billing.money import fmt, share
from billing.services import invoices as invoice_services
from billing.services.refunds import create_refund, effective_percent, paid_fen, refunded_fen
from billing.services.runs import BillingRefused, insert_invoices
from enrollment.models import ApplicationStatus, CourseRegistration, SeatStatus
from plans.models import ExtendedRefund, FeeUnit, RefundBasis
from plans.selectors import current_policy


def _day(value: date) -> str:
    return date_format(value, "m-d")


@transaction.atomic
def start_settlement(
    *, actor: User, school: School, semester: Semester, now: datetime | None = None
) -> BillingRun:
    """Start term-end settlement (after the semester's last day). Errors: NotAllowed;
    BillingRefused (before the end, nothing billed); Conflict ``run_active``."""
    now = now or timezone.now()
    require_school_manager(actor, school)
    if timezone.localdate(now) <= semester.end_date:
        raise BillingRefused(
            _("%(semester)s ends on %(end)s: settle it after its last day.")
            % {"semester": semester.name, "end": date_format(semester.end_date, "Y-m-d")}
        )
    invoices = Invoice.objects.filter(school=school, semester=semester, kind=InvoiceKind.SEMESTER)
    first = invoices.select_related("plan_version").first()
    if first is None:
        raise BillingRefused(_("Nothing was billed in %(semester)s.") % {"semester": semester.name})
    try:
        with transaction.atomic():
            run = BillingRun.objects.create(
                district_id=school.district_id,
                school=school,
                semester=semester,
                plan_version=first.plan_version,
                kind=RunKind.SETTLEMENT,
                total=invoices.filter(settled_at__isnull=True).count(),
                started_by=actor,
                created_at=now,
            )
    except IntegrityError as err:
        raise Conflict(_("Settlement is already running."), code="run_active") from err
    record_event(actor=actor, action="billing.settlement_started", obj=run, payload={})
    jobs.later("billing.run_settlement", run.pk)
    return run


def process_settlement(*, run_id: int, batch_size: int = 200) -> BillingRun:
    run = BillingRun.objects.select_related("semester", "plan_version__plan").get(pk=run_id)
    if not run.active:
        return run
    policy = current_policy(run.semester)
    tables: dict[int, FeeTable] = {}
    cancelled = usage.cancelled(run.plan_version.plan)
    while True:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            locked = BillingRun.objects.select_for_update().get(pk=run_id)
            if not locked.active:
                return locked
            batch = list(
                Invoice.objects.filter(
                    school_id=run.school_id,
                    semester_id=run.semester_id,
                    kind=InvoiceKind.SEMESTER,
                    settled_at__isnull=True,
                    pk__gt=locked.cursor,
                )
                .exclude(status=InvoiceStatus.CANCELLED)
                .select_related("application__student__school_class", "plan_version", "semester")
                .order_by("pk")[:batch_size]
            )
            for invoice in batch:
                table = tables.get(invoice.plan_version_id)
                if table is None:
                    table = tables[invoice.plan_version_id] = FeeTable(
                        invoice.plan_version, policy=policy
                    )
                settle_invoice(invoice=invoice, table=table, cancelled=cancelled, policy=policy)
            locked.heartbeat_at = timezone.now()
            locked.status = RunStatus.RUNNING
            if batch:
                locked.cursor = batch[-1].pk
                locked.processed = min(locked.total, locked.processed + len(batch))
            if len(batch) < batch_size:
                locked.status = RunStatus.DONE
                locked.finished_at = locked.heartbeat_at
                locked.processed = locked.total
            locked.save()
        if locked.status == RunStatus.DONE:
            return locked


def _weight(slot, unit: str) -> int:
    if unit in (FeeUnit.PER_LESSON, "per_lesson"):
        return slot.lessons
    if unit in (FeeUnit.PER_HOUR, "per_hour"):
        return slot.minutes
    return 1


def due_lines(*, invoice: Invoice, table: FeeTable, cancelled, policy) -> tuple[list, list]:
    """(Line objects due, computation rows) for ``invoice`` at term end."""
    app = invoice.application
    left = app.withdrawal_effective_date if app.status == ApplicationStatus.WITHDRAWN else None
    extended = policy.extended_refund if policy else ExtendedRefund.FORCE_MAJEURE
    basic_absence = policy is None or policy.refund_basis == RefundBasis.SESSIONS
    absences = usage.personal_absences(app)
    current = invoice_services.current_lines(invoice)
    services = [(line.service, line.course_id) for line in current]
    billed = {(line.service, line.course_id): line.amount_fen for line in current}
    percent = effective_percent(invoice, current[0].reduction_percent if current else 0)
    for course_id in CourseRegistration.objects.filter(
        application=app, status=SeatStatus.CONFIRMED, course__version_id=invoice.plan_version_id
    ).values_list("course_id", flat=True):
        if ("course", course_id) not in services:
            services.append(("course", course_id))
    grade = app.student.school_class.grade
    lines, rows = [], []
    for service, course_id in services:
        until = invoice.until
        if left is not None and (service == "basic" or extended == ExtendedRefund.PRO_RATA):
            until = min(until, left)
        if service == "basic":
            base = table.basic(grade, invoice.from_date, until)
            slots = table.calendar.grade_slots(grade)
            lineage = None
            credit_absence = basic_absence
        else:
            base = table.course(course_id, invoice.from_date, until)
            slots = table.calendar.course_slots(course_id)
            lineage = table.courses[course_id].lineage
            credit_absence = extended == ExtendedRefund.PRO_RATA
        if base is None:
            continue
        slots = [s for s in slots if invoice.from_date <= s.date <= until]
        off = cancelled.for_line(service, lineage)
        away = absences.get((service, course_id), set()) if credit_absence else set()
        unit = base.unit
        total_w = sum(_weight(s, unit) for s in slots)
        cancelled_slots = [s for s in slots if s.date in off]
        absent_slots = [s for s in slots if s.date in away and s.date not in off]
        credit = share(
            base.gross_fen,
            sum(_weight(s, unit) for s in cancelled_slots + absent_slots),
            total_w,
        )
        due = Line(
            **{**base.__dict__, "gross_fen": base.gross_fen - credit, "reduction_percent": percent}
        )
        lines.append(due)
        detail = _("%(sessions)s sessions offered") % {"sessions": len(slots)}
        if cancelled_slots:
            detail += _("; %(n)s cancelled by the school (%(dates)s) credited") % {
                "n": len(cancelled_slots),
                "dates": "、".join(_day(s.date) for s in cancelled_slots[:10]),
            }
        if absent_slots:
            detail += _("; %(n)s personal absences credited") % {"n": len(absent_slots)}
        if left is not None and until == left:
            detail += _("; until the last day %(date)s") % {"date": _day(left)}
        rows.append(
            {
                "label": base.label,
                "paid": billed.get((service, course_id), 0),
                "due": due.amount_fen,
                "credit": credit,
                "detail": detail,
            }
        )
    return lines, rows


def settle_invoice(*, invoice: Invoice, table: FeeTable, cancelled, policy) -> str:
    """Settle one invoice (caller's transaction). Returns refund | supplement | reissued |
    even."""
    invoice = (
        Invoice.objects.select_for_update()
        .select_related("application__student__school_class", "plan_version", "semester")
        .get(pk=invoice.pk)
    )
    if invoice.settled_at is not None:
        return "done"
    lines, rows = due_lines(invoice=invoice, table=table, cancelled=cancelled, policy=policy)
    due = sum(line.amount_fen for line in lines)
    outcome = "even"
    if invoice.status in (InvoiceStatus.OPEN, InvoiceStatus.NOTHING_DUE):
        invoice_services.reissue(invoice=invoice, reason="settlement", lines=lines)
        outcome = "reissued"
    elif invoice.status == InvoiceStatus.PAID:
        balance = paid_fen(invoice) - refunded_fen(invoice) - due
        computation = {
            "reason": "settlement",
            "rule": _("Fee of the sessions actually offered, against what you paid."),
            "lines": rows,
            "due": due,
            "paid": paid_fen(invoice),
            "refunded_before": refunded_fen(invoice),
            "total": balance,
        }
        if balance > 0:
            create_refund(
                invoice=invoice,
                reason=RefundReason.SETTLEMENT,
                amount=balance,
                computation=computation,
            )
            outcome = "refund"
        elif balance < 0:
            _supplement(invoice, -balance, rows)
            outcome = "supplement"
    Invoice.objects.filter(pk=invoice.pk).update(settled_at=timezone.now())
    record_event(
        actor=None,
        action="billing.invoice_settled",
        obj=invoice,
        payload={"due": fmt(due), "outcome": outcome},
    )
    return outcome


def _supplement(invoice: Invoice, amount: int, rows: Iterable[dict]) -> None:
    run = BillingRun(
        pk=None,
        district_id=invoice.district_id,
        school_id=invoice.school_id,
        semester_id=invoice.semester_id,
        plan_version_id=invoice.plan_version_id,
    )
    labels = "、".join(r["label"] for r in rows if r["due"] > r["paid"]) or _(
        "after-school service"
    )
    line = Line(
        service="basic",
        course_id=None,
        label=(_("Term-end supplement: %(items)s") % {"items": labels})[:80],
        unit=FeeUnit.PER_SEMESTER,
        rate=Decimal(amount) / 100,
        quantity=Decimal(1),
        sessions=0,
        lessons=0,
        gross_fen=amount,
    )
    insert_invoices(
        run=run,
        rows=[
            (
                invoice.application_id,
                invoice.student_id,
                amount,
                0,
                amount,
                InvoiceStatus.OPEN,
                None,
                invoice.from_date,
            )
        ],
        lines_by_student={invoice.student_id: [line]},
        until=invoice.until,
        kind=InvoiceKind.SUPPLEMENT,
    )
