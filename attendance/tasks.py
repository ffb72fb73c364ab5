"""Celery tasks of attendance: thin wrappers, scheduled by beat (see settings)."""

from celery import shared_task


@shared_task(name="attendance.alert_open_groups")
def alert_open_groups() -> int:
    """Groups still open after the day's last period (plus the pickup grace): the duty
    leaders are told (once per group and day)."""
    from attendance.services.duty import alert_open_groups as alert

    return alert()
