"""Celery tasks of enrollment: thin wrappers, scheduled by beat (see settings)."""

from celery import shared_task


@shared_task(name="enrollment.expire_offers")
def expire_offers() -> int:
    """Waitlist offers past their deadline lapse; the seat goes to the next in line."""
    from enrollment.services.registration import expire_offers as expire

    return expire()


@shared_task(name="enrollment.purge_stale_records")
def purge_stale_records() -> dict:
    from enrollment.services.families import purge_stale_records as purge

    return purge()
