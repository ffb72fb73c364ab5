"""Celery tasks of reporting: thin (ids in, one service call), sent by name on the
``reporting`` queue (``reporting.jobs``); the nightly refresh runs from beat."""

from celery import shared_task

from reporting.services import refresh


@shared_task(name="reporting.refresh", acks_late=True, ignore_result=True)
def refresh_district(run_id: int) -> None:
    refresh.run_refresh(run_id=run_id)


@shared_task(name="reporting.nightly", ignore_result=True)
def nightly() -> None:
    refresh.nightly()
