"""Celery tasks of billing: thin (ids in, one service call), idempotent, sent by name on the
``billing`` queue (``billing.jobs``); the sweepers run from beat."""

from celery import shared_task

from billing import jobs, receipts
from billing.services import payments, refunds, runs, settlement


@shared_task(name="billing.run_billing", acks_late=True, ignore_result=True)
def run_billing(run_id: int) -> None:
    runs.process_run(run_id=run_id)


@shared_task(name="billing.run_settlement", acks_late=True, ignore_result=True)
def run_settlement(run_id: int) -> None:
    settlement.process_settlement(run_id=run_id)


@shared_task(name="billing.send_fee_notices", acks_late=True, ignore_result=True)
def send_fee_notices(run_id: int) -> None:
    runs.send_fee_notices(run_id=run_id)


@shared_task(name="billing.resume_runs", ignore_result=True)
def resume_runs() -> None:
    for run_id in runs.resume_stalled_runs():
        jobs.send_now("billing.run_billing", run_id)


@shared_task(name="billing.open_order", acks_late=True, ignore_result=True)
def open_order(order_id: int) -> None:
    payments.open_order(order_id=order_id)


@shared_task(name="billing.close_order", acks_late=True, ignore_result=True)
def close_order(order_id: int) -> None:
    payments.close_order(order_id=order_id)


@shared_task(name="billing.render_receipt", acks_late=True, ignore_result=True)
def render_receipt(receipt_id: int) -> None:
    receipts.render(receipt_id=receipt_id)


@shared_task(name="billing.send_refund", acks_late=True, ignore_result=True)
def send_refund(refund_id: int) -> None:
    refunds.send_refund(refund_id=refund_id)


@shared_task(name="billing.reconcile", ignore_result=True)
def reconcile() -> None:
    """Beat, every minute: withdrawals to refund, orders and refunds whose notification never
    came."""
    refunds.refund_withdrawals()
    payments.reconcile()
    refunds.reconcile_refunds()
