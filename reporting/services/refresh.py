"""Refreshing a district's rollups and alerts: nightly (Celery beat) and on demand.

``request_refresh`` records a ``RollupRun`` (queued) and sends ``reporting.refresh`` after
commit; ``run_refresh`` claims it with one conditional UPDATE (queued → running: a message
delivered twice runs once), rewrites the rollups of its range (``reporting.rollups``), then
recomputes the alerts of every semester the range touches, and records the figures. One live
run per district (a partial unique index): asking again while one waits or runs is a 409, and
the nightly job skips a district that is already refreshing.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import District, Semester, User
from aftercare.tenancy import Scope
from reporting import jobs, rules
from reporting.conf import conf
from reporting.models import RefreshStatus, RollupRun
from reporting.rollups import refresh_rollups
from reporting.services.alerts import recompute_alerts

log = logging.getLogger("reporting.refresh")
MAX_DAYS = 400


def default_range(district, today: date) -> tuple[date, date]:
    """The current semester up to today (the whole of it once it is over), else the last
    ``NIGHTLY_DAYS`` days."""
    semester = (
        Semester.objects.filter(district=district, start_date__lte=today)
        .order_by("-start_date")
        .first()
    )
    if semester is not None:
        return semester.start_date, min(today, semester.end_date)
    return today - timedelta(days=conf("NIGHTLY_DAYS")), today


def _create_run(*, district, start, end, actor=None) -> RollupRun:
    try:
        with transaction.atomic():
            return RollupRun.objects.create(
                district=district,
                requested_by=actor,
                start=start,
                end=end,
                created_at=timezone.now(),
            )
    except IntegrityError as err:
        raise Conflict(
            _("A refresh of this district is already queued or running; wait for it to finish."),
            code="refresh_running",
        ) from err


def request_refresh(
    *, actor: User, district: District, start: date | None = None, end: date | None = None
) -> RollupRun:
    """An official asks for the district's figures and alerts to be recomputed now (default:
    the current semester so far). Errors: NotAllowed (not an official of the district),
    InvalidInput (range), Conflict (a refresh is already live)."""
    rules.require(
        rules.can_act(Scope(actor), district.pk),
        _("Only district officials can ask for a recompute."),
    )
    today = timezone.localdate()
    if start is None or end is None:
        start, end = default_range(district, today)
    if end < start:
        raise InvalidInput(fields={"end": [_("The last day cannot be before the first day.")]})
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(
            fields={"end": [_("Recompute at most %(max)d days at a time.") % {"max": MAX_DAYS}]}
        )
    with transaction.atomic():
        run = _create_run(district=district, start=start, end=end, actor=actor)
        record_event(
            actor=actor,
            action="reporting.refresh_requested",
            obj=district,
            payload={"run": run.pk, "start": str(start), "end": str(end)},
        )
        jobs.later("reporting.refresh", run.pk)
    return run


def run_refresh(*, run_id: int) -> RollupRun | None:
    """Claim and carry out one run (idempotent: a run already claimed is left alone)."""
    now = timezone.now()
    claimed = RollupRun.objects.filter(pk=run_id, status=RefreshStatus.QUEUED).update(
        status=RefreshStatus.RUNNING, started_at=now
    )
    if not claimed:
        return None
    run = RollupRun.objects.select_related("district").get(pk=run_id)
    started = time.monotonic()
    try:
        result = refresh_rollups(district=run.district, start=run.start, end=run.end)
        alerts = {}
        for semester in Semester.objects.filter(pk__in=result.semesters):
            alerts[semester.name] = recompute_alerts(
                district=run.district, semester=semester
            ).as_dict()
    except Exception as error:  # recorded on the run; beat tries again next night
        log.exception("rollup refresh %s failed", run_id)
        RollupRun.objects.filter(pk=run_id).update(
            status=RefreshStatus.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
        )
        raise
    RollupRun.objects.filter(pk=run_id).update(
        status=RefreshStatus.DONE,
        finished_at=timezone.now(),
        rows={"stale_deleted": result.deleted, "seconds": round(time.monotonic() - started, 2)},
        alerts=alerts,
    )
    run.refresh_from_db()
    return run


def nightly(*, today: date | None = None) -> list[int]:
    """Beat: a run per district over the last ``NIGHTLY_DAYS`` days (corrections of past days
    included), queued; districts already refreshing are skipped. Returns the new run ids."""
    today = today or timezone.localdate()
    start = today - timedelta(days=conf("NIGHTLY_DAYS"))
    now = timezone.now()
    # A run whose message was lost is sent again (claiming is idempotent); one whose worker
    # died hours ago is marked failed, so the district can refresh again.
    for run_id in RollupRun.objects.filter(
        status=RefreshStatus.QUEUED, created_at__lt=now - timedelta(minutes=10)
    ).values_list("pk", flat=True):
        jobs.later("reporting.refresh", run_id)
    RollupRun.objects.filter(
        status=RefreshStatus.RUNNING, started_at__lt=now - timedelta(hours=3)
    ).update(status=RefreshStatus.FAILED, finished_at=now, error="worker lost")
    runs = []
    for district in District.objects.order_by("pk"):
        try:
            run = _create_run(district=district, start=start, end=today)
        except Conflict:
            continue
        runs.append(run.pk)
        jobs.later("reporting.refresh", run.pk)
    return runs


def latest_run(district) -> RollupRun | None:
    return RollupRun.objects.filter(district=district).order_by("-created_at", "-pk").first()


def last_done(district) -> RollupRun | None:
    return (
        RollupRun.objects.filter(district=district, status=RefreshStatus.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )
