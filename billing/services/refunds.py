"""Refunds (退费) on withdrawal and at term end (多退少补), through the gateway to the
original payment, recorded in the ledger only when the gateway confirms.

How much (every refund keeps its ``computation``, shown to the family line by line):
* Withdrawal approved, last day E. Basic care: the plan calendar's fee of the sessions after
  E — per session left (``RefundBasis.SESSIONS``: from E+1) or per whole month left
  (``RefundBasis.MONTHS``: from the first day of the month after E) — less the child's
  reduction, at most what the line cost. Extended courses: the same pro rata only when the
  policy refunds them so (``ExtendedRefund.PRO_RATA``); otherwise not refunded for leaving
  (个人原因不退), their cancelled sessions are still credited at term end. An invoice not
  yet paid is re-issued instead, for what was used.
* Term end (``billing.services.settlement``): the fee of the sessions actually offered —
  the billed range, less sessions the school cancelled, less personal absences where the
  policy credits them (``billing.usage``) — against what was paid and already refunded: a
  balance is refunded, a shortfall invoiced (a supplement).

Concurrency: the refund row is written under the invoice lock (one refund per invoice and
reason, a unique constraint; never more than the payment minus what it already refunded);
the gateway is called after commit by a task (``send_refund``); its answer or its REFUND
notification is applied by ``apply_refund`` under the invoice lock, exactly once (the
refund's status moves to ``succeeded`` once; the ledger key ``refund:<out_refund_no>``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.notifications import notify
from billing import gateway, jobs
from billing.fees import FeeTable, Line
from billing.gateway.base import GatewayError, NotificationRejected, RefundRequest, RefundState
from billing.models import (
    Exemption,
    ExemptionStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    JournalKind,
    Payment,
    Refund,
    RefundReason,
    RefundStatus,
)
from billing.money import fmt, percent_of
from billing.services import invoices as invoice_services
from billing.services import ledger
from billing.services.payments import notify_url
from enrollment.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ApplicationTransition,
    Guardianship,
)
from plans.models import ExtendedRefund, RefundBasis
from plans.selectors import current_policy

logger = logging.getLogger("billing.refunds")

IN_FLIGHT = [RefundStatus.REQUESTED, RefundStatus.PROCESSING, RefundStatus.SUCCEEDED]


def _day(value: date) -> str:
    return date_format(value, "Y-m-d")


def refunded_fen(invoice: Invoice) -> int:
    return (
        Refund.objects.filter(invoice=invoice, status__in=IN_FLIGHT).aggregate(t=Sum("amount_fen"))[
            "t"
        ]
        or 0
    )


def paid_fen(invoice: Invoice) -> int:
    return Payment.objects.filter(invoice=invoice).aggregate(t=Sum("amount_fen"))["t"] or 0


def withdrawal_start(policy, last_day: date) -> tuple[date, str]:
    """The first day refunded after last day ``last_day``, and the rule in words."""
    if policy is not None and policy.refund_basis == RefundBasis.MONTHS:
        first = (last_day.replace(day=1) + timedelta(days=32)).replace(day=1)
        return first, _("whole months not attended, from %(date)s") % {"date": _day(first)}
    first = last_day + timedelta(days=1)
    return first, _("sessions not attended, from %(date)s") % {"date": _day(first)}


def late_exemption(invoice: Invoice):
    """The child's verified exemption of the invoice's semester that applies to the current
    semester (``applies_to_unpaid``) but was verified after the invoice was paid: the paid
    invoice is never re-priced, the difference is refunded (``refund_exemption``), and later
    refunds (withdrawal, term end) count the child's fee at its percentage."""
    if invoice.exemption_id is not None:
        return None
    return (
        Exemption.objects.filter(
            district_id=invoice.district_id,
            semester_id=invoice.semester_id,
            student_id=invoice.student_id,
            status=ExemptionStatus.VERIFIED,
            applies_to_unpaid=True,
        )
        .order_by("-decided_at", "-pk")
        .first()
    )


def effective_percent(invoice: Invoice, line_percent: int) -> int:
    """The reduction that really applies to a line: its own, or a late exemption's."""
    late = late_exemption(invoice)
    return max(line_percent, late.reduction_percent if late is not None else 0)


def _held_until(invoice: Invoice, policy, service: str) -> date:
    """The last day of the service the family keeps: the invoice's, or before the refunded
    part of a handled withdrawal."""
    app = invoice.application
    if (
        invoice.withdrawal_handled_at is None
        or app.status != ApplicationStatus.WITHDRAWN
        or app.withdrawal_effective_date is None
    ):
        return invoice.until
    extended = policy.extended_refund if policy else ExtendedRefund.FORCE_MAJEURE
    if service != "basic" and extended != ExtendedRefund.PRO_RATA:
        return invoice.until
    start, _rule = withdrawal_start(policy, app.withdrawal_effective_date)
    return min(invoice.until, start - timedelta(days=1))


def exemption_computation(invoice: Invoice, exemption) -> dict:
    """The difference a reduction verified after payment gives back, line by line (fen):
    for each line, its fee (of the service the family keeps) at the percentage it was paid
    with, less the same fee at the exemption's percentage."""
    policy = current_policy(invoice.semester)
    table = FeeTable(invoice.plan_version, policy=policy)
    grade = invoice.application.student.school_class.grade
    new = exemption.reduction_percent
    lines, total = [], 0
    for line in invoice_services.current_lines(invoice):
        until = _held_until(invoice, policy, line.service)
        if until >= invoice.until:
            gross = line.gross_fen
        else:
            kept = (
                table.basic(grade, invoice.from_date, until)
                if line.service == "basic"
                else table.course(line.course_id, invoice.from_date, until)
            )
            gross = kept.gross_fen if kept is not None and until >= invoice.from_date else 0
        old = line.reduction_percent
        refund = max(0, percent_of(gross, new) - percent_of(gross, old)) if new > old else 0
        detail = _("%(fee)s yuan: %(new)s%% reduction instead of %(old)s%%") % {
            "fee": fmt(gross),
            "new": new,
            "old": old,
        }
        lines.append(
            {"label": line.label, "paid": line.amount_fen, "refund": refund, "detail": detail}
        )
        total += refund
    return {
        "reason": "exemption",
        "rule": _(
            "%(category)s (%(percent)s%% off) was verified on %(date)s, after you paid; it "
            "applies to this semester, so the difference is refunded"
        )
        % {
            "category": exemption.category_name,
            "percent": new,
            "date": _day(timezone.localdate(exemption.decided_at or timezone.now())),
        },
        "exemption": str(exemption.public_id),
        "lines": lines,
        "total": total,
    }


def refund_exemption(*, invoice: Invoice, exemption, actor=None) -> Refund | None:
    """A reduction verified after the invoice was paid: refund the difference to the
    original payment (the paid invoice itself is never changed). Caller's transaction;
    idempotent (one exemption refund per invoice). None when nothing is due."""
    invoice = (
        Invoice.objects.select_for_update()
        .select_related("semester", "plan_version", "application__student__school_class")
        .get(pk=invoice.pk)
    )
    if invoice.status != InvoiceStatus.PAID or invoice.settled_at is not None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        computation = exemption_computation(invoice, exemption)
    amount = min(computation["total"], paid_fen(invoice) - refunded_fen(invoice))
    computation["total"] = amount
    if amount <= 0:
        return None
    return create_refund(
        invoice=invoice,
        reason=RefundReason.EXEMPTION,
        amount=amount,
        computation=computation,
        actor=actor,
    )


def withdrawal_computation(invoice: Invoice, last_day: date, *, table=None) -> dict:
    """The refund due on withdrawal with last day ``last_day``, line by line (fen)."""
    policy = current_policy(invoice.semester)
    table = table or FeeTable(invoice.plan_version, policy=policy)
    start, rule = withdrawal_start(policy, last_day)
    grade = invoice.application.student.school_class.grade
    extended = policy.extended_refund if policy else ExtendedRefund.FORCE_MAJEURE
    late = late_exemption(invoice)
    late_percent = late.reduction_percent if late is not None else 0
    lines, total = [], 0
    for line in invoice_services.current_lines(invoice):
        if line.service == "basic":
            left = table.basic(grade, max(start, invoice.from_date), invoice.until)
        elif extended == ExtendedRefund.PRO_RATA:
            left = table.course(line.course_id, max(start, invoice.from_date), invoice.until)
        else:
            lines.append(
                {
                    "label": line.label,
                    "paid": line.amount_fen,
                    "refund": 0,
                    "detail": _(
                        "Extended courses are not refunded when a child leaves for personal "
                        "reasons (district policy); sessions the school cancels are credited "
                        "at term end."
                    ),
                }
            )
            continue
        gross = left.gross_fen if left is not None else 0
        percent = max(line.reduction_percent, late_percent)
        refund = min(line.amount_fen, gross - percent_of(gross, percent))
        detail = _("%(sessions)s sessions (%(lessons)s lessons) left: %(fee)s yuan") % {
            "sessions": left.sessions if left else 0,
            "lessons": left.lessons if left else 0,
            "fee": fmt(gross),
        }
        if percent:
            detail += _(", less your %(percent)s%% reduction") % {"percent": percent}
        lines.append(
            {"label": line.label, "paid": line.amount_fen, "refund": refund, "detail": detail}
        )
        total += refund
    return {
        "reason": "withdrawal",
        "last_day": str(last_day),
        "rule": rule,
        "lines": lines,
        "total": total,
    }


def refund_withdrawals(*, limit: int = 500) -> int:
    """Beat (every minute): handle every approved withdrawal whose semester invoice has not
    been handled yet. The enrollment app knows nothing of billing; this sweep is how a
    withdrawal reaches the money (at most a minute later). Returns how many were handled."""
    ids = list(
        Invoice.objects.filter(
            kind=InvoiceKind.SEMESTER,
            withdrawal_handled_at__isnull=True,
            application__status=ApplicationStatus.WITHDRAWN,
        )
        .exclude(status=InvoiceStatus.CANCELLED)
        .values_list("application_id", flat=True)[:limit]
    )
    for app_id in ids:
        refund_withdrawal(application=Application(pk=app_id))
    return len(ids)


def refund_withdrawal(*, application: Application, actor=None) -> Refund | Invoice | None:
    """After an approved withdrawal: refund the paid invoice pro rata (or re-issue an unpaid
    one for what was used). Idempotent (the invoice's ``withdrawal_handled_at`` and one
    withdrawal refund per invoice). Returns the refund, the re-issued invoice, or None when
    nothing is due."""
    app = Application.objects.select_related("semester").get(pk=application.pk)
    if app.status != ApplicationStatus.WITHDRAWN or app.withdrawal_effective_date is None:
        return None
    last_day = app.withdrawal_effective_date
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        invoice = (
            Invoice.objects.select_for_update()
            .select_related("semester", "plan_version", "application__student__school_class")
            .filter(application=app, kind=InvoiceKind.SEMESTER)
            .first()
        )
        if invoice is None or invoice.withdrawal_handled_at is not None:
            return None
        Invoice.objects.filter(pk=invoice.pk).update(withdrawal_handled_at=timezone.now())
        if invoice.status in (InvoiceStatus.OPEN, InvoiceStatus.NOTHING_DUE):
            return _reissue_used(invoice, last_day, actor)
        if invoice.status != InvoiceStatus.PAID:
            return None
        computation = withdrawal_computation(invoice, last_day)
        amount = min(computation["total"], paid_fen(invoice) - refunded_fen(invoice))
        computation["total"] = amount
        transition = (
            ApplicationTransition.objects.filter(
                application_id=app.pk, event=ApplicationEvent.WITHDRAWN
            )
            .order_by("-at", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        computation["transition"] = transition
        if amount <= 0:
            return None
        return create_refund(
            invoice=invoice,
            reason=RefundReason.WITHDRAWAL,
            amount=amount,
            computation=computation,
            actor=actor,
        )


def _reissue_used(invoice: Invoice, last_day: date, actor) -> Invoice:
    policy = current_policy(invoice.semester)
    table = FeeTable(invoice.plan_version, policy=policy)
    start, _rule = withdrawal_start(policy, last_day)
    until = min(invoice.until, start - timedelta(days=1))
    extended = policy.extended_refund if policy else ExtendedRefund.FORCE_MAJEURE
    grade = invoice.application.student.school_class.grade
    lines = []
    for line in invoice_services.current_lines(invoice):
        if line.service == "basic":
            new = (
                table.basic(grade, invoice.from_date, until) if until >= invoice.from_date else None
            )
        elif extended == ExtendedRefund.PRO_RATA:
            new = (
                table.course(line.course_id, invoice.from_date, until)
                if until >= invoice.from_date
                else None
            )
        else:
            new = table.course(line.course_id, invoice.from_date, invoice.until)
        if new is not None:
            lines.append(Line(**{**new.__dict__, "reduction_percent": line.reduction_percent}))
    return invoice_services.reissue(
        invoice=invoice, actor=actor, reason="withdrawal", lines=lines, until=invoice.until
    )


def create_refund(*, invoice: Invoice, reason: str, amount: int, computation: dict, actor=None):
    """Write a refund of ``amount`` fen against the invoice's payment (caller holds the
    invoice lock) and send it to the gateway after commit."""
    payments = list(Payment.objects.filter(invoice=invoice).order_by("-amount_fen", "pk"))
    payment = None
    for candidate in payments:
        used = (
            Refund.objects.filter(payment=candidate, status__in=IN_FLIGHT).aggregate(
                t=Sum("amount_fen")
            )["t"]
            or 0
        )
        if candidate.amount_fen - used >= amount:
            payment = candidate
            break
    if payment is None:
        return None
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                district_id=invoice.district_id,
                school_id=invoice.school_id,
                invoice=invoice,
                payment=payment,
                reason=reason,
                amount_fen=amount,
                computation=computation,
                out_refund_no="RF"
                + timezone.localtime().strftime("%y%m%d")
                + secrets.token_hex(10),
                created_by=actor,
            )
    except IntegrityError:
        return Refund.objects.get(invoice=invoice, reason=reason)
    record_event(
        actor=actor,
        action="billing.refund_requested",
        obj=invoice,
        payload={"refund": refund.out_refund_no, "amount": fmt(amount), "reason": reason},
    )
    jobs.later("billing.send_refund", refund.pk)
    return refund


def send_refund(*, refund_id: int) -> Refund:
    """Ask the gateway to refund (a task; no transaction open). Idempotent at the gateway by
    ``out_refund_no``; a refund already confirmed is left alone."""
    refund = Refund.objects.select_related("payment__order").get(pk=refund_id)
    if refund.status not in (RefundStatus.REQUESTED, RefundStatus.PROCESSING):
        return refund
    order = refund.payment.order
    try:
        state = gateway.get(refund.payment.gateway).refund(
            RefundRequest(
                out_refund_no=refund.out_refund_no,
                out_trade_no=order.out_trade_no,
                transaction_id=refund.payment.transaction_id,
                merchant_id=order.merchant_id,
                amount_fen=refund.amount_fen,
                total_fen=refund.payment.amount_fen,
                reason=refund.get_reason_display(),
                notify_url=notify_url(refund.payment.gateway),
            )
        )
    except GatewayError as err:
        Refund.objects.filter(pk=refund.pk).update(failure=str(err)[:200])
        logger.warning("refund %s not sent: %s", refund.out_refund_no, err)
        return refund
    if state.state == "SUCCESS":
        apply_refund(gateway_name=refund.payment.gateway, state=state)
    else:
        Refund.objects.filter(pk=refund.pk, status=RefundStatus.REQUESTED).update(
            status=RefundStatus.PROCESSING, gateway_refund_id=state.refund_id
        )
    refund.refresh_from_db()
    return refund


def apply_refund(*, gateway_name: str, state: RefundState) -> str:
    """Apply the gateway's confirmation of a refund, once. Raises NotificationRejected for a
    refund we did not ask for, another school's merchant or another amount."""
    refund = (
        Refund.objects.filter(out_refund_no=state.out_refund_no)
        .select_related("payment__order")
        .first()
    )
    if refund is None or refund.payment.gateway != gateway_name:
        raise NotificationRejected("unknown_refund", f"no refund {state.out_refund_no[:40]}")
    if state.merchant_id and state.merchant_id != refund.payment.order.merchant_id:
        raise NotificationRejected("merchant", "refund of another school's merchant")
    if state.state != "SUCCESS":
        if state.state in ("ABNORMAL", "CLOSED"):
            Refund.objects.filter(pk=refund.pk).exclude(status=RefundStatus.SUCCEEDED).update(
                status=RefundStatus.FAILED, failure=state.state
            )
            return "failed"
        return "ignored"
    if state.amount_fen != refund.amount_fen:
        raise NotificationRejected(
            "amount", f"refunded {state.amount_fen} fen, we asked for {refund.amount_fen}"
        )
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=refund.invoice_id)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == RefundStatus.SUCCEEDED:
            return "duplicate"
        refund.status = RefundStatus.SUCCEEDED
        refund.succeeded_at = timezone.now()
        refund.gateway_refund_id = state.refund_id or refund.gateway_refund_id
        refund.save(update_fields=["status", "succeeded_at", "gateway_refund_id"])
        ledger.post(
            district_id=refund.district_id,
            school_id=refund.school_id,
            movements=[
                ledger.Movement(
                    JournalKind.REFUND,
                    f"refund:{refund.out_refund_no}",
                    ledger.refund_lines(refund.amount_fen),
                    invoice_id=invoice.pk,
                )
            ],
        )
        record_event(
            actor=None,
            action="billing.refund_succeeded",
            obj=invoice,
            payload={"refund": refund.out_refund_no, "amount": fmt(refund.amount_fen)},
        )
        with translation.override(settings.LANGUAGE_CODE):
            for g in Guardianship.objects.filter(student_id=invoice.student_id).select_related(
                "user"
            ):
                notify(
                    recipient=g.user,
                    district=invoice.district,
                    title=_("Refunded: %(amount)s yuan to the original payment")
                    % {"amount": fmt(refund.amount_fen)},
                    body=_("See how it was computed on the invoice page."),
                    url=reverse("billing_invoice", args=[invoice.public_id]),
                    key=f"refunded:{refund.pk}:{g.user_id}",
                )
    return "applied"


def reconcile_refunds(*, now: datetime | None = None, older_than=timedelta(minutes=2)) -> int:
    """Beat: refunds not sent (broker or gateway down) are sent again; refunds still
    processing are queried and their answer applied."""
    now = now or timezone.now()
    count = 0
    for pk in Refund.objects.filter(
        status=RefundStatus.REQUESTED, created_at__lt=now - older_than
    ).values_list("pk", flat=True)[:500]:
        send_refund(refund_id=pk)
        count += 1
    for refund in Refund.objects.filter(
        status=RefundStatus.PROCESSING, created_at__lt=now - older_than
    ).select_related("payment__order")[:500]:
        try:
            state = gateway.get(refund.payment.gateway).query_refund(
                out_refund_no=refund.out_refund_no, merchant_id=refund.payment.order.merchant_id
            )
            apply_refund(gateway_name=refund.payment.gateway, state=state)
        except (GatewayError, NotificationRejected) as err:
            logger.info("refund %s: %s", refund.out_refund_no, err)
        count += 1
    return count
