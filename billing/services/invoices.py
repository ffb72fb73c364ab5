"""Re-issuing an unpaid invoice (an exemption verified, a withdrawal before payment, term-end
settlement of an invoice never paid).

The caller holds the transaction; ``reissue`` locks the invoice (lock order … -> invoice ->
payment), writes the new revision's lines, posts the reversal of the old charge and the new
charge to the ledger (keys ``reversal:<id>:<rev>`` and ``charge:<id>:<rev+1>``: the ledger
is append-only, a changed invoice is a reversal plus a new charge, never an edit), and closes
the invoice's live payment orders (the gateway is told after commit): an invoice changed
after a payment started gets a new order. Paid invoices are never re-issued.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from aftercare.audit import record_event
from billing import jobs
from billing.fees import FeeTable, Line
from billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    JournalKind,
    OrderStatus,
    PaymentOrder,
)
from billing.money import fmt
from billing.services import ledger
from plans.selectors import current_policy


def current_lines(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.filter(revision=invoice.revision).order_by("service", "course_id"))


def recompute(
    invoice: Invoice,
    *,
    services: list[tuple[str, int | None]],
    percent: int,
    until: date | None = None,
    table: FeeTable | None = None,
) -> list[Line]:
    """Lines for ``services`` ((``basic``, None) / (``course``, id)) from the invoice's first
    day to ``until`` (default its own), at ``percent`` reduction, from the plan calendar."""
    table = table or FeeTable(invoice.plan_version, policy=current_policy(invoice.semester))
    until = until or invoice.until
    grade = invoice.application.student.school_class.grade
    out = []
    for service, course_id in services:
        if until < invoice.from_date:
            continue
        line = (
            table.basic(grade, invoice.from_date, until)
            if service == "basic"
            else table.course(course_id, invoice.from_date, until)
        )
        if line is not None:
            out.append(Line(**{**line.__dict__, "reduction_percent": percent}))
    return out


def reissue(
    *,
    invoice: Invoice,
    actor=None,
    exemption=None,
    reason: str,
    until: date | None = None,
    lines: list[Line] | None = None,
) -> Invoice:
    """Re-issue ``invoice`` if it is still unpaid; returns it (unchanged when paid, or when
    nothing changes)."""
    invoice = (
        Invoice.objects.select_for_update()
        .select_related("application__student__school_class", "plan_version", "semester")
        .get(pk=invoice.pk)
    )
    if invoice.status not in (InvoiceStatus.OPEN, InvoiceStatus.NOTHING_DUE):
        return invoice
    old = current_lines(invoice)
    percent = (
        exemption.reduction_percent
        if exemption is not None
        else (old[0].reduction_percent if old else 0)
    )
    if lines is None:
        lines = recompute(
            invoice,
            services=[(line.service, line.course_id) for line in old],
            percent=percent,
            until=until,
        )
    gross = sum(line.gross_fen for line in lines)
    reduction = sum(line.reduction_fen for line in lines)
    new_until = until or invoice.until
    if (
        gross == invoice.gross_fen
        and reduction == invoice.reduction_fen
        and new_until == invoice.until
        and len(lines) == len(old)
    ):
        return invoice
    rev = invoice.revision + 1
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                district_id=invoice.district_id,
                school_id=invoice.school_id,
                invoice=invoice,
                revision=rev,
                service=line.service,
                course_id=line.course_id,
                label=line.label[:80],
                unit=line.unit,
                rate=line.rate,
                quantity=line.quantity,
                sessions=line.sessions,
                lessons=line.lessons,
                gross_fen=line.gross_fen,
                reduction_percent=line.reduction_percent,
                reduction_fen=line.reduction_fen,
                amount_fen=line.amount_fen,
            )
            for line in lines
        ]
    )
    ledger.post(
        district_id=invoice.district_id,
        school_id=invoice.school_id,
        movements=[
            ledger.Movement(
                JournalKind.REVERSAL,
                f"reversal:{invoice.pk}:{invoice.revision}",
                ledger.reversal_lines(invoice.gross_fen, invoice.reduction_fen),
                invoice_id=invoice.pk,
            ),
            ledger.Movement(
                JournalKind.CHARGE,
                f"charge:{invoice.pk}:{rev}",
                ledger.charge_lines(gross, reduction),
                invoice_id=invoice.pk,
            ),
        ],
        actor_id=getattr(actor, "pk", None),
    )
    before = invoice.amount_fen
    invoice.revision = rev
    invoice.gross_fen, invoice.reduction_fen = gross, reduction
    invoice.amount_fen = gross - reduction
    invoice.until = new_until
    invoice.status = InvoiceStatus.OPEN if invoice.amount_fen > 0 else InvoiceStatus.NOTHING_DUE
    if exemption is not None:
        invoice.exemption = exemption
    invoice.save(
        update_fields=[
            "revision",
            "gross_fen",
            "reduction_fen",
            "amount_fen",
            "until",
            "status",
            "exemption",
        ]
    )
    for order in PaymentOrder.objects.select_for_update().filter(
        invoice=invoice, status__in=[OrderStatus.CREATED, OrderStatus.PENDING]
    ):
        order.status = OrderStatus.CLOSED
        order.failure = "invoice re-issued"
        order.save(update_fields=["status", "failure"])
        jobs.later("billing.close_order", order.pk)
    record_event(
        actor=actor,
        action="billing.invoice_reissued",
        obj=invoice,
        payload={
            "reason": reason,
            "revision": rev,
            "before": fmt(before),
            "after": fmt(invoice.amount_fen),
            "at": timezone.now().isoformat(),
        },
    )
    return invoice
