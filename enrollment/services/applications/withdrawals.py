"""Withdrawal (退出): the family asks, the school approves or declines."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import User
from aftercare.rules import require_school_manager
from aftercare.texts import Text
from enrollment.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
)
from enrollment.services import registration
from enrollment.services.applications.common import (
    REASON_MAX,
    _day,
    _guardians,
    _Inbox,
    _lock,
    _managers,
    _require_guardian,
    _text,
    _to_family,
    family_url,
    school_url,
)
from enrollment.services.history import transition

# --------------------------------------------------------------------------- withdrawal


@transaction.atomic
def request_withdrawal(
    *,
    actor: User,
    application: Application,
    reason: str,
    last_day: date | None,
    now: datetime | None = None,
) -> Application:
    """A guardian asks to leave after-school service (退出申请) with a reason and the intended
    last day (today at the earliest, the semester's last day at the latest). The child keeps
    attending until the school decides. Audited as ``application.withdrawal_requested``; the
    guardians and the school's managers are told.

    Errors: NotAllowed, Conflict ``not_approved``, InvalidInput (reason, last_day).
    """
    now = now or timezone.now()
    app = _lock(application)
    _require_guardian(actor, app.student)
    if app.status != ApplicationStatus.APPROVED:
        raise Conflict(
            _("Only an approved application can be withdrawn; it is %(status)s.")
            % {"status": app.get_status_display()},
            code="not_approved",
        )
    errors: dict[str, list[str]] = {}
    try:
        reason = _text(
            reason, name="reason", limit=REASON_MAX, required=_("Give the reason for leaving.")
        )
    except InvalidInput as err:
        errors.update(err.fields)
    today = timezone.localdate(now)
    if last_day is None:
        errors["last_day"] = [_("Give the last day of service.")]
    elif last_day < today:
        errors["last_day"] = [_("The last day cannot be in the past.")]
    elif last_day > app.semester.end_date:
        errors["last_day"] = [
            _("The semester ends on %(date)s.") % {"date": _day(app.semester.end_date)}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    transition(
        app,
        event=ApplicationEvent.WITHDRAWAL_REQUESTED,
        actor=actor,
        at=now,
        reason=reason,
        payload={"last_day": str(last_day)},
    )
    app.withdrawal_requested_by = actor
    app.withdrawal_requested_at = now
    app.withdrawal_reason = reason
    app.withdrawal_last_day_requested = last_day
    app.withdrawal_decision_note = ""
    app.save(
        update_fields=[
            "status",
            "withdrawal_requested_by",
            "withdrawal_requested_at",
            "withdrawal_reason",
            "withdrawal_last_day_requested",
            "withdrawal_decision_note",
            "updated_at",
        ]
    )
    record_event(
        actor=actor,
        action="application.withdrawal_requested",
        obj=app,
        payload={"reason": reason, "last_day": str(last_day)},
    )
    name = app.student.name
    with _Inbox() as inbox:
        inbox.add(
            _guardians([app.student_id]).get(app.student_id, []),
            district=app.school.district,
            title=Text(gettext_noop("Withdrawal of %(student)s requested"), student=name),
            body=Text(
                gettext_noop("Last day asked for: %(date)s. The school will answer."),
                date=last_day,
            ),
            url=family_url(app),
        )
        inbox.add(
            _managers(app.school_id),
            district=app.school.district,
            title=Text(
                gettext_noop("%(class)s: %(student)s asks to leave after-school service"),
                student=name,
                **{"class": app.student.school_class.name},
            ),
            body=Text(
                gettext_noop("Last day: %(date)s. Reason: %(reason)s"),
                date=last_day,
                reason=reason,
            ),
            url=school_url(app, ApplicationStatus.WITHDRAWAL_REQUESTED),
        )
    return app


@transaction.atomic
def approve_withdrawal(
    *,
    actor: User,
    application: Application,
    effective_date: date | None = None,
    now: datetime | None = None,
) -> Application:
    """The school approves a withdrawal request. ``effective_date`` (default: the day the
    family asked for) is the last day of service, kept for billing; it may not lie before the
    approval of the application nor after the semester. In the same transaction every live
    extended-course entry of the application ends and its seats pass to the waiting list
    (``registration.release_application``). Audited as ``application.withdrawn``; the
    guardians are told.

    Errors: NotAllowed, Conflict ``no_request``, InvalidInput (effective_date).
    """
    now = now or timezone.now()
    app = _lock(application)
    require_school_manager(actor, app.school)
    if app.status != ApplicationStatus.WITHDRAWAL_REQUESTED:
        raise Conflict(_("There is no open withdrawal request."), code="no_request")
    effective_date = effective_date or app.withdrawal_last_day_requested
    earliest = timezone.localdate(app.approved_at) if app.approved_at else None
    if effective_date is None:
        raise InvalidInput(fields={"effective_date": [_("Give the last day of service.")]})
    if earliest is not None and effective_date < earliest:
        raise InvalidInput(
            fields={
                "effective_date": [
                    _("The last day cannot be before the approval on %(date)s.")
                    % {"date": _day(earliest)}
                ]
            }
        )
    if effective_date > app.semester.end_date:
        raise InvalidInput(
            fields={
                "effective_date": [
                    _("The semester ends on %(date)s.") % {"date": _day(app.semester.end_date)}
                ]
            }
        )
    transition(
        app,
        event=ApplicationEvent.WITHDRAWN,
        actor=actor,
        at=now,
        payload={"effective_date": str(effective_date)},
    )
    app.withdrawal_effective_date = effective_date
    app.withdrawn_at = now
    app.withdrawal_approved_by = actor
    app.save(
        update_fields=[
            "status",
            "withdrawal_effective_date",
            "withdrawn_at",
            "withdrawal_approved_by",
            "updated_at",
        ]
    )
    released = registration.release_application(
        actor=actor, application=app, reason=app.withdrawal_reason
    )
    record_event(
        actor=actor,
        action="application.withdrawn",
        obj=app,
        payload={"effective_date": str(effective_date), "course_entries_released": released},
    )
    with _Inbox() as inbox:
        _to_family(
            inbox,
            app,
            Text(gettext_noop("Withdrawal of %(student)s approved"), student=app.student.name),
            Text(gettext_noop("The last day of service is %(date)s."), date=effective_date),
        )
        teacher = app.student.school_class.homeroom_teacher
        if teacher is not None:
            inbox.add(
                [teacher],
                district=app.school.district,
                title=Text(
                    gettext_noop("%(class)s: %(student)s leaves after-school service"),
                    student=app.student.name,
                    **{"class": app.student.school_class.name},
                ),
                body=Text(
                    gettext_noop("The last day of service is %(date)s."), date=effective_date
                ),
                url=reverse("teacher_applications") + f"?status={ApplicationStatus.WITHDRAWN}",
            )
    return app


@transaction.atomic
def decline_withdrawal(
    *, actor: User, application: Application, reason: str, now: datetime | None = None
) -> Application:
    """The school declines a withdrawal request with a reason (required); the application is
    approved again and the child keeps attending. Audited as
    ``application.withdrawal_declined``; the guardians are told the reason.

    Errors: NotAllowed, Conflict ``no_request``, InvalidInput (reason).
    """
    now = now or timezone.now()
    app = _lock(application)
    require_school_manager(actor, app.school)
    if app.status != ApplicationStatus.WITHDRAWAL_REQUESTED:
        raise Conflict(_("There is no open withdrawal request."), code="no_request")
    reason = _text(
        reason, name="reason", limit=REASON_MAX, required=_("Give the reason for declining.")
    )
    transition(app, event=ApplicationEvent.WITHDRAWAL_DECLINED, actor=actor, at=now, reason=reason)
    app.withdrawal_decision_note = reason
    app.save(update_fields=["status", "withdrawal_decision_note", "updated_at"])
    record_event(
        actor=actor,
        action="application.withdrawal_declined",
        obj=app,
        payload={"reason": reason},
    )
    with _Inbox() as inbox:
        _to_family(
            inbox,
            app,
            _("Withdrawal of %(student)s declined") % {"student": app.student.name},
            _("Reason: %(reason)s") % {"reason": reason},
        )
    return app
