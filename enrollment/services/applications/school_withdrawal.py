"""Withdrawal decided by the school (e.g. a dismissal, 劝退, after recorded warnings).

``withdraw_by_school`` ends a participating application (approved, or with a family's
withdrawal request still open) the way an approved family withdrawal does — same status
(``withdrawn``), same history event (``ApplicationEvent.WITHDRAWN``, its payload marked
``by_school``), same columns (``withdrawal_effective_date`` is the last day of service), same
release of the extended-course seats to the waiting lists
(``registration.release_application``) — so everything that follows a withdrawal follows this
one too without knowing about it: the roll drops the child after the last day, and billing's
minute sweep (``billing.services.refunds.refund_withdrawals``, which looks for withdrawn
applications whose semester invoice is not handled yet) refunds or re-issues the invoice.
Enrollment never imports billing.

Lock order: the application row (``_lock``), then — inside ``release_application`` — the seat
counters of its courses and its registrations, as every withdrawal.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.audit import record_event, register_actions
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import User
from aftercare.rules import require_school_manager
from enrollment.models import Application, ApplicationEvent, ApplicationStatus
from enrollment.services import registration
from enrollment.services.applications.common import _day, _Inbox, _lock, _text, _to_family
from enrollment.services.history import PARTICIPATING, transition

WITHDRAWAL_REASON_MAX = Application._meta.get_field("withdrawal_reason").max_length

register_actions({"application.withdrawn_by_school": gettext_lazy("Withdrawn by the school")})


@transaction.atomic
def withdraw_by_school(
    *,
    actor: User,
    application: Application,
    last_day: date | None,
    reason: str,
    source: str = "",
    tell_family: bool = True,
    now: datetime | None = None,
) -> Application:
    """The school's principal or administrators withdraw a participating child after
        ``last_day`` (today at the earliest, the semester's end at the latest, not before the
        application's approval). ``reason`` (required) is kept as the withdrawal reason and told to
        the guardians; ``source`` (e.g. ``"dismissal:<uuid>"``) goes into the history and audit
        payloads. ``tell_family=False`` when the caller sends the guardians its own message (the
    dismissal does). Audited as ``application.withdrawn_by_school`` (ids and dates only, no names);
        the guardians and the homeroom teacher are told after commit.

        Errors: NotAllowed (not a manager of the school), Conflict ``not_participating``,
        InvalidInput (reason, last_day). Nothing is written on error.
    """
    now = now or timezone.now()
    app = _lock(application)
    require_school_manager(actor, app.school)
    if app.status not in PARTICIPATING:
        raise Conflict(
            _("Only a participating child can be withdrawn; the application is %(status)s.")
            % {"status": app.get_status_display()},
            code="not_participating",
        )
    errors: dict[str, list[str]] = {}
    try:
        reason = _text(
            reason,
            name="reason",
            limit=WITHDRAWAL_REASON_MAX,
            required=_("Give the reason for the withdrawal."),
        )
    except InvalidInput as err:
        errors.update(err.fields)
    today = timezone.localdate(now)
    earliest = timezone.localdate(app.approved_at) if app.approved_at else today
    if last_day is None:
        errors["last_day"] = [_("Give the last day of service.")]
    elif last_day < max(today, earliest):
        errors["last_day"] = [
            _("The last day cannot be before %(date)s.") % {"date": _day(max(today, earliest))}
        ]
    elif last_day > app.semester.end_date:
        errors["last_day"] = [
            _("The semester ends on %(date)s.") % {"date": _day(app.semester.end_date)}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    before = app.status
    transition(
        app,
        event=ApplicationEvent.WITHDRAWN,
        actor=actor,
        at=now,
        reason=reason,
        payload={"effective_date": str(last_day), "by_school": True, "source": source},
    )
    app.withdrawal_reason = reason
    app.withdrawal_effective_date = last_day
    app.withdrawn_at = now
    app.withdrawal_approved_by = actor
    app.save(
        update_fields=[
            "status",
            "withdrawal_reason",
            "withdrawal_effective_date",
            "withdrawn_at",
            "withdrawal_approved_by",
            "updated_at",
        ]
    )
    released = registration.release_application(actor=actor, application=app, reason=reason)
    record_event(
        actor=actor,
        action="application.withdrawn_by_school",
        obj=app,
        payload={
            "effective_date": str(last_day),
            "status_before": before,
            "course_entries_released": released,
            "source": source,
        },
    )
    with _Inbox() as inbox:
        if tell_family:
            _to_family(
                inbox,
                app,
                _("The school ends the after-school service of %(student)s")
                % {"student": app.student.name},
                _("The last day of service is %(date)s. Reason: %(reason)s")
                % {"date": _day(last_day), "reason": reason},
            )
        teacher = app.student.school_class.homeroom_teacher
        if teacher is not None:
            inbox.add(
                [teacher],
                district=app.school.district,
                title=_("%(class)s: %(student)s leaves after-school service")
                % {"class": app.student.school_class.name, "student": app.student.name},
                body=_("The last day of service is %(date)s.") % {"date": _day(last_day)},
                url=reverse("teacher_applications") + f"?status={ApplicationStatus.WITHDRAWN}",
            )
    return app
