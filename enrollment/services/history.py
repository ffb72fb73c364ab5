"""The application history: the one way a service moves an application or records a step.

    transition(app, event=ApplicationEvent.APPROVED, actor=principal, at=now, payload={...})

checks that the step is one the lifecycle allows from the application's current status,
sets ``app.status`` when the step changes it, and appends an ``ApplicationTransition`` row
(from, to, actor, time, reason, small payload). The caller holds the application's row lock
and saves its other columns in the same transaction. ``transition_many`` appends the rows of
a set of applications in one INSERT … SELECT (bulk approval: thousands at once).

    submitted ─▶ applied ─▶ class_approved | flagged | rejected ─▶ approved
    approved: listed, agreement_signed, insurance_confirmed, activated (status unchanged)
    approved ─▶ withdrawal_requested ─▶ withdrawn, or ─(withdrawal_declined)─▶ approved
    approved | withdrawal_requested ─(the school withdraws)─▶ withdrawn

The rows are append-only (a trigger refuses UPDATE and DELETE); the parent's timeline and,
later, invoices and refunds read them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.errors import Conflict
from aftercare.models import User
from enrollment.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ApplicationTransition,
)

S, E = ApplicationStatus, ApplicationEvent
REVIEWABLE = (S.APPLIED, S.CLASS_APPROVED, S.FLAGGED, S.REJECTED)
PARTICIPATING = (S.APPROVED, S.WITHDRAWAL_REQUESTED)

# event -> (statuses it may start from, status it leads to; None: the status stays)
LIFECYCLE: dict[str, tuple[tuple[str, ...], str | None]] = {
    E.SUBMITTED: (("",), S.APPLIED),
    E.CLASS_APPROVED: (REVIEWABLE, S.CLASS_APPROVED),
    E.FLAGGED: (REVIEWABLE, S.FLAGGED),
    E.REJECTED: (REVIEWABLE, S.REJECTED),
    E.APPROVED: (REVIEWABLE, S.APPROVED),
    E.LISTED: (PARTICIPATING, None),
    E.AGREEMENT_SIGNED: ((S.APPROVED,), None),
    E.INSURANCE_CONFIRMED: (PARTICIPATING, None),
    E.ACTIVATED: (PARTICIPATING, None),
    E.WITHDRAWAL_REQUESTED: ((S.APPROVED,), S.WITHDRAWAL_REQUESTED),
    E.WITHDRAWAL_DECLINED: ((S.WITHDRAWAL_REQUESTED,), S.APPROVED),
    # from approved too: the school withdraws a child (withdraw_by_school, e.g. 劝退)
    E.WITHDRAWN: (PARTICIPATING, S.WITHDRAWN),
}

REASON_MAX = ApplicationTransition._meta.get_field("reason").max_length


def target(event: str, current: str) -> str:
    """The status ``event`` leads to from ``current``; Conflict when the lifecycle does not
    allow it (the services check first with their own message; this is the safety net)."""
    allowed, to = LIFECYCLE[event]
    if current not in allowed:
        raise Conflict(
            _("This step (%(step)s) is not possible while the application is %(status)s.")
            % {
                "step": ApplicationEvent(event).label,
                "status": ApplicationStatus(current).label if current else "—",
            },
            code="invalid_transition",
        )
    return to or current


def transition(
    application: Application,
    *,
    event: str,
    actor: User | None,
    at: datetime | None = None,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    from_status: str | None = None,
) -> ApplicationTransition:
    """Move ``application`` by ``event`` and append the history row (see the module).

    ``from_status`` is for a new application (``""``); otherwise the current status is used.
    """
    current = application.status if from_status is None else from_status
    to = target(event, current)
    application.status = to
    return ApplicationTransition.objects.create(
        district_id=application.district_id,
        school_id=application.school_id,
        application=application,
        event=event,
        from_status=current,
        to_status=to,
        actor=actor if actor is not None and actor.is_authenticated else None,
        at=at or timezone.now(),
        reason=(reason or "")[:REASON_MAX],
        payload=payload or {},
    )


TRANSITION_MANY = """
INSERT INTO enrollment_applicationtransition
    (district_id, school_id, application_id, event, from_status, to_status, actor_id, at,
     reason, payload)
SELECT a.district_id, a.school_id, a.id, %(event)s, v.from_status, v.to_status, %(actor)s,
       %(at)s, '', v.payload
  FROM unnest(%(ids)s::bigint[], %(from)s::text[], %(to)s::text[], %(payloads)s::jsonb[])
       AS v(id, from_status, to_status, payload)
  JOIN enrollment_application a ON a.id = v.id
"""


def transition_many(
    *,
    rows: list[tuple[int, str, str]],
    event: str,
    actor: User | None,
    at: datetime,
) -> int:
    """The history rows of a set-based change: ``rows`` are (application id, status before,
    JSON payload text). Every move is checked against the lifecycle first; one statement
    writes them all. The caller has locked the applications and changes their columns."""
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            TRANSITION_MANY,
            {
                "event": event,
                "to": [target(event, before) for _id, before, _p in rows],
                "actor": actor.pk if actor is not None and actor.is_authenticated else None,
                "at": at,
                "ids": [r[0] for r in rows],
                "from": [r[1] for r in rows],
                "payloads": [r[2] for r in rows],
            },
        )
        return cursor.rowcount


# The history an application's columns imply, for applications made without the services
# (test factories, imports). Same reading as migration 0010's backfill.
BACKFILL = """
WITH a AS (
    SELECT *,
           CASE WHEN rejection_reason <> '' OR status = 'rejected' THEN 'rejected'
                WHEN status = 'flagged' OR needs_accompaniment THEN 'flagged'
                ELSE 'class_approved' END AS review
      FROM enrollment_application WHERE id = ANY(%(ids)s)
), steps (district_id, school_id, application_id, event, from_status, to_status, actor_id, at,
          reason) AS (
    SELECT district_id, school_id, id, 'submitted', '', 'applied', applied_by_id, applied_at, ''
      FROM a
    UNION ALL
    SELECT district_id, school_id, id, review, 'applied', review, class_reviewed_by_id,
           class_reviewed_at, rejection_reason FROM a WHERE class_reviewed_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'approved',
           CASE WHEN class_reviewed_at IS NULL THEN 'applied' ELSE review END, 'approved',
           approved_by_id, approved_at, '' FROM a WHERE approved_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'listed', 'approved', 'approved', NULL, listed_at, ''
      FROM a WHERE listed_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'agreement_signed', 'approved', 'approved', signed_by_id,
           signed_at, '' FROM a WHERE signed_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'insurance_confirmed', 'approved', 'approved',
           insurance_confirmed_by_id, insurance_confirmed_at, ''
      FROM a WHERE insurance_confirmed_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'activated', 'approved', 'approved', NULL,
           GREATEST(signed_at, insurance_confirmed_at), ''
      FROM a WHERE signed_at IS NOT NULL AND insurance_confirmed_at IS NOT NULL
       AND approved_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'withdrawal_requested', 'approved',
           'withdrawal_requested', withdrawal_requested_by_id, withdrawal_requested_at,
           withdrawal_reason FROM a WHERE withdrawal_requested_at IS NOT NULL
    UNION ALL
    SELECT district_id, school_id, id, 'withdrawn', 'withdrawal_requested', 'withdrawn',
           withdrawal_approved_by_id, withdrawn_at, '' FROM a WHERE withdrawn_at IS NOT NULL
)
INSERT INTO enrollment_applicationtransition
    (district_id, school_id, application_id, event, from_status, to_status, actor_id, at,
     reason, payload)
SELECT district_id, school_id, application_id, event, from_status, to_status, actor_id, at,
       reason, '{"backfilled": true}'::jsonb
  FROM steps WHERE NOT EXISTS (SELECT 1 FROM enrollment_applicationtransition t
                                WHERE t.application_id = steps.application_id)
 ORDER BY application_id, at
"""


def backfill_history(application_ids: list[int]) -> int:
    """Write the history the columns of these applications imply (those with none yet)."""
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL, {"ids": list(application_ids)})
        return cursor.rowcount
