"""Paying an invoice through the gateway, exactly once.

Concurrency design
------------------
* Starting a payment (``start_payment``) locks the invoice (``SELECT … FOR UPDATE``; lock
  order … -> invoice -> payment) and reuses the live order of the same revision and amount,
  or closes the stale ones and opens a new order: at most one live order per invoice (a
  partial unique index backs it). No partial payments: an order is for the whole amount of
  the invoice's current revision; an invoice changed after an order started gets a new one.
  The gateway is called after commit, by a task (``open_order``), never under a lock.
* A notification is verified and decrypted by the gateway class (signature over the raw
  body, freshness, AES-GCM), then ``apply_payment`` checks what it claims against our own
  records — the order exists, its school's merchant number is the one that was paid, the
  amount is the order's — and applies it in ONE short transaction: lock the invoice, then
  insert the payment. ``UNIQUE (gateway, transaction_id)`` and the order's one-to-one payment
  make the effect exactly-once: five concurrent deliveries of one notification queue on the
  invoice row; the first records the payment, its ledger journal (key
  ``payment:<gateway>:<transaction>``) and the receipt number (the school's counter row, the
  last lock taken); the others find the payment and only acknowledge.
* Anything that does not check out is refused with nothing recorded as paid and an audit
  event ``billing.notification_rejected`` naming the check.
* A notification that never comes: ``reconcile`` (beat, every minute) queries the gateway for
  orders still waiting after two minutes and applies the answer through the same path.
* The receipt PDF and the family's inbox message happen after commit.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, NotAllowed
from aftercare.models import User
from aftercare.notifications import notify
from aftercare.tenancy import Scope
from billing import conf, gateway, jobs
from billing.gateway.base import GatewayError, NotificationRejected, OrderRequest, OrderState
from billing.models import (
    Invoice,
    InvoiceStatus,
    JournalKind,
    MerchantAccount,
    OrderStatus,
    Payment,
    PaymentOrder,
    Receipt,
)
from billing.money import fmt
from billing.services import ledger
from enrollment.models import Guardianship

logger = logging.getLogger("billing.payments")

LIVE = [OrderStatus.CREATED, OrderStatus.PENDING]


def notify_url(gateway_name: str) -> str:
    return conf.notify_base_url() + reverse(f"billing_notify_{gateway_name}")


def merchant_for(school, gateway_name: str) -> MerchantAccount | None:
    account = MerchantAccount.objects.filter(school=school, gateway=gateway_name).first()
    if account is None and gateway_name == "sandbox":
        account, _created = MerchantAccount.objects.get_or_create(
            district_id=school.district_id,
            school=school,
            gateway="sandbox",
            defaults={"merchant_id": f"1{school.pk:09d}"},
        )
    return account


def _guardian_of(actor: User, invoice: Invoice) -> bool:
    return Guardianship.objects.filter(student_id=invoice.student_id, user=actor).exists()


@transaction.atomic
def start_payment(*, actor: User, invoice: Invoice, now: datetime | None = None) -> PaymentOrder:
    """Start paying ``invoice`` in full (a guardian of the child). Returns the live order;
    the gateway is asked to open it after commit (``open_order``).

    Errors: NotAllowed (not a guardian); Conflict ``not_payable`` (paid, cancelled, nothing
    due), ``no_merchant`` (the school cannot take online payments).
    """
    now = now or timezone.now()
    invoice = Invoice.objects.select_for_update().select_related("school").get(pk=invoice.pk)
    if not _guardian_of(actor, invoice):
        raise NotAllowed(_("Only the child's guardians can pay this invoice."))
    if invoice.status != InvoiceStatus.OPEN or invoice.amount_fen <= 0:
        raise Conflict(
            _("This invoice cannot be paid: it is %(status)s.")
            % {"status": invoice.get_status_display()},
            code="not_payable",
        )
    name = conf.gateway_name()
    account = merchant_for(invoice.school, name)
    if account is None:
        raise Conflict(
            _("%(school)s does not take online payments yet; ask the school.")
            % {"school": invoice.school.name},
            code="no_merchant",
        )
    live = list(PaymentOrder.objects.select_for_update().filter(invoice=invoice, status__in=LIVE))
    for order in live:
        if (
            order.revision == invoice.revision
            and order.amount_fen == invoice.amount_fen
            and order.gateway == name
            and order.expires_at > now
        ):
            return order
    for order in live:
        order.status = OrderStatus.CLOSED
        order.save(update_fields=["status"])
        jobs.later("billing.close_order", order.pk)
    order = PaymentOrder.objects.create(
        district_id=invoice.district_id,
        school=invoice.school,
        invoice=invoice,
        revision=invoice.revision,
        amount_fen=invoice.amount_fen,
        gateway=name,
        merchant_id=account.merchant_id,
        out_trade_no="KH" + timezone.localtime(now).strftime("%y%m%d") + secrets.token_hex(10),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(minutes=conf.order_minutes()),
    )
    record_event(
        actor=actor,
        action="billing.payment_started",
        obj=invoice,
        payload={"order": order.out_trade_no, "amount": fmt(order.amount_fen)},
    )
    jobs.later("billing.open_order", order.pk)
    return order


def open_order(*, order_id: int) -> PaymentOrder:
    """Ask the gateway to open the order (a task, after commit, no lock held). Idempotent:
    only an order still ``created`` is opened, and the gateway keys it by out_trade_no."""
    order = PaymentOrder.objects.select_related("invoice__semester", "school").get(pk=order_id)
    if order.status != OrderStatus.CREATED:
        return order
    gw = gateway.get(order.gateway)
    description = _("%(school)s after-school service fee, %(semester)s") % {
        "school": order.school.name,
        "semester": order.invoice.semester.name,
    }
    try:
        url = gw.create_order(
            OrderRequest(
                out_trade_no=order.out_trade_no,
                merchant_id=order.merchant_id,
                amount_fen=order.amount_fen,
                description=description,
                notify_url=notify_url(order.gateway),
                attach=str(order.invoice.public_id),
            )
        )
    except GatewayError as err:
        PaymentOrder.objects.filter(pk=order.pk, status=OrderStatus.CREATED).update(
            status=OrderStatus.FAILED, failure=str(err)[:200]
        )
        logger.warning("opening order %s failed: %s", order.out_trade_no, err)
    else:
        PaymentOrder.objects.filter(pk=order.pk, status=OrderStatus.CREATED).update(
            status=OrderStatus.PENDING, pay_url=url
        )
    order.refresh_from_db()
    return order


def close_order(*, order_id: int) -> None:
    """Tell the gateway a superseded order is closed (a task). A gateway answering that it was
    paid meanwhile is reconciled: the payment is recorded (and settled at term end)."""
    order = PaymentOrder.objects.get(pk=order_id)
    try:
        gateway.get(order.gateway).close_order(
            out_trade_no=order.out_trade_no, merchant_id=order.merchant_id
        )
    except GatewayError:
        reconcile_order(order_id=order.pk)


# --------------------------------------------------------------------------- notifications


@dataclass
class Outcome:
    result: str  # applied | duplicate | failed | ignored
    payment: Payment | None = None


def reject(*, gateway_name: str, rejection: NotificationRejected, order=None) -> None:
    """Record a refused notification (audit event naming the check); nothing else."""
    record_event(
        actor=None,
        action="billing.notification_rejected",
        obj=order,
        district=order.district if order is not None else None,
        school=order.school if order is not None else None,
        payload={"gateway": gateway_name, "check": rejection.code, "detail": rejection.detail},
    )


def apply_payment(*, gateway_name: str, state: OrderState) -> Outcome:
    """Apply a verified payment outcome (from a notification or a query) exactly once.

    Raises NotificationRejected (``unknown_order``, ``merchant``, ``amount``,
    ``transaction``) with nothing written; the caller records the rejection."""
    order = (
        PaymentOrder.objects.filter(out_trade_no=state.out_trade_no, gateway=gateway_name)
        .select_related("school", "district")
        .first()
    )
    if order is None:
        raise NotificationRejected("unknown_order", f"no order {state.out_trade_no[:40]}")
    if state.merchant_id != order.merchant_id:
        raise NotificationRejected(
            "merchant", f"paid to merchant {state.merchant_id}, the order's school has another"
        )
    if state.state != "SUCCESS":
        if state.state in ("PAYERROR", "CLOSED", "REVOKED"):
            PaymentOrder.objects.filter(pk=order.pk, status__in=LIVE).update(
                status=OrderStatus.FAILED if state.state == "PAYERROR" else OrderStatus.CLOSED,
                failure=state.state,
            )
            return Outcome("failed")
        return Outcome("ignored")
    if state.amount_fen != order.amount_fen:
        raise NotificationRejected(
            "amount", f"paid {state.amount_fen} fen, the order is for {order.amount_fen}"
        )
    if not state.transaction_id:
        raise NotificationRejected("transaction", "no transaction id")
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("student", "district", "school")
            .get(pk=order.invoice_id)
        )
        # One query answers both "this order was paid" and "this transaction paid another".
        existing = (
            Payment.objects.filter(
                Q(order=order) | Q(gateway=gateway_name, transaction_id=state.transaction_id)
            )
            .order_by("pk")
            .first()
        )
        if existing is not None:
            if existing.order_id == order.pk and existing.transaction_id == state.transaction_id:
                return Outcome("duplicate", existing)
            raise NotificationRejected(
                "transaction", "the order or the transaction was already paid otherwise"
            )
        paid_at = state.paid_at or timezone.now()
        payment = Payment.objects.create(
            district=order.district,
            school=order.school,
            invoice=invoice,
            order=order,
            gateway=gateway_name,
            transaction_id=state.transaction_id,
            amount_fen=state.amount_fen,
            paid_at=paid_at,
        )
        PaymentOrder.objects.filter(pk=order.pk).update(status=OrderStatus.PAID)
        if invoice.status == InvoiceStatus.OPEN:
            invoice.status = InvoiceStatus.PAID
            invoice.paid_at = paid_at
            invoice.save(update_fields=["status", "paid_at"])
        ledger.post(
            district_id=order.district_id,
            school_id=order.school_id,
            movements=[
                ledger.Movement(
                    JournalKind.PAYMENT,
                    f"payment:{gateway_name}:{state.transaction_id}",
                    ledger.payment_lines(state.amount_fen),
                    invoice_id=invoice.pk,
                )
            ],
        )
        record_event(
            actor=None,
            action="billing.payment_received",
            obj=invoice,
            payload={
                "order": order.out_trade_no,
                "transaction": state.transaction_id,
                "amount": fmt(state.amount_fen),
            },
        )
        receipt = issue_receipt(payment=payment)
        _tell_family(invoice, receipt)
        jobs.later("billing.render_receipt", receipt.pk)
    return Outcome("applied", payment)


def issue_receipt(*, payment: Payment) -> Receipt:
    """The receipt of ``payment`` with the school's next number for the year, from its
    counter row (one UPSERT; the row lock is the last one the payment takes)."""
    year = timezone.localtime(payment.paid_at).year
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO billing_receiptcounter (district_id, school_id, year, last)
            VALUES (%s, %s, %s, 1)
            ON CONFLICT (district_id, school_id, year)
            DO UPDATE SET last = billing_receiptcounter.last + 1
            RETURNING last
            """,
            [payment.district_id, payment.school_id, year],
        )
        seq = cur.fetchone()[0]
    code = (payment.school.code or "S").upper()[:10]
    return Receipt.objects.create(
        district_id=payment.district_id,
        school_id=payment.school_id,
        payment=payment,
        year=year,
        seq=seq,
        number=f"{code}-{year}-{seq:06d}",
        issued_at=payment.paid_at,
    )


def _tell_family(invoice: Invoice, receipt: Receipt) -> None:
    url = reverse("billing_invoice", args=[invoice.public_id])
    for g in Guardianship.objects.filter(student_id=invoice.student_id).select_related("user"):
        notify(
            recipient=g.user,
            district=invoice.district,
            title=_("Paid: %(amount)s yuan for %(student)s, receipt %(number)s")
            % {
                "amount": fmt(receipt.payment.amount_fen),
                "student": invoice.student.name,
                "number": receipt.number,
            },
            url=url,
            key=f"paid:{receipt.pk}:{g.user_id}",
        )


# --------------------------------------------------------------------------- reconciliation


def reconcile_order(*, order_id: int) -> Outcome | None:
    """Ask the gateway how a waiting order stands and apply the answer (no lock held while
    asking)."""
    order = PaymentOrder.objects.get(pk=order_id)
    try:
        state = gateway.get(order.gateway).query_order(
            out_trade_no=order.out_trade_no, merchant_id=order.merchant_id
        )
    except GatewayError as err:
        logger.info("query of %s failed: %s", order.out_trade_no, err)
        return None
    finally:
        PaymentOrder.objects.filter(pk=order.pk).update(last_queried_at=timezone.now())
    try:
        return apply_payment(gateway_name=order.gateway, state=state)
    except NotificationRejected as rejection:
        reject(gateway_name=order.gateway, rejection=rejection, order=order)
        return None


def reconcile(*, now: datetime | None = None, older_than=timedelta(minutes=2)) -> int:
    """Beat: orders whose notification never came. Orders still ``created`` are opened again;
    pending ones are queried (each at most once a minute); expired unpaid ones close."""
    now = now or timezone.now()
    count = 0
    for pk in PaymentOrder.objects.filter(
        status=OrderStatus.CREATED, created_at__lt=now - older_than
    ).values_list("pk", flat=True)[:500]:
        open_order(order_id=pk)
        count += 1
    waiting = PaymentOrder.objects.filter(
        status=OrderStatus.PENDING, created_at__lt=now - older_than
    ).exclude(last_queried_at__gt=now - timedelta(minutes=1))
    for pk in waiting.values_list("pk", flat=True)[:500]:
        outcome = reconcile_order(order_id=pk)
        count += 1
        if outcome is None or outcome.result == "ignored":
            PaymentOrder.objects.filter(
                pk=pk, status=OrderStatus.PENDING, expires_at__lt=now - older_than
            ).update(status=OrderStatus.CLOSED, failure="expired")
    return count


def can_pay(scope: Scope, invoice: Invoice) -> bool:
    return (
        invoice.status == InvoiceStatus.OPEN and invoice.amount_fen > 0 and scope.is_authenticated
    )
