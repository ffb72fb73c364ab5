"""Celery tasks of billing: thin (ids in, one service call), idempotent, sent by name on the
``billing`` queue (``billing.jobs``); the sweepers run from beat."""

from celery import shared_task

from billing import jobs, receipts, statements
from billing.services import disclosure, payments, payouts, refunds, runs, settlement


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
    for run_id in payouts.resume_stalled_payouts():
        jobs.send_now("billing.run_payout", run_id)


@shared_task(name="billing.run_payout", acks_late=True, ignore_result=True)
def run_payout(run_id: int) -> None:
    payouts.process_payout_run(run_id=run_id)


@shared_task(name="billing.run_payouts", acks_late=True, ignore_result=True)
def run_payouts(run_ids: list[int]) -> None:
    """A district's month of payout runs, computed together."""
    payouts.process_payout_runs(run_ids=run_ids)


@shared_task(name="billing.render_statements", acks_late=True, ignore_result=True)
def render_statements(run_id: int) -> None:
    statements.render_run(run_id=run_id)


@shared_task(name="billing.render_disclosure", acks_late=True, ignore_result=True)
def render_disclosure(version_id: int) -> None:
    disclosure.render_pdf(version_id=version_id)


@shared_task(name="billing.calendar", ignore_result=True)
def calendar() -> None:
    """Beat, daily: last month's payout runs (each school once) and the term-end disclosure
    drafts of semesters that have ended (each school once)."""
    payouts.start_monthly_runs()  # each run is dispatched when it commits
    disclosure.draft_due_disclosures()


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
