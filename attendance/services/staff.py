"""Staff attendance: check in and out, the school's records and corrections — all appended.

Every write appends one ``StaffAttendance`` row that supersedes the current head of the
(session, staff) chain (``supersedes`` is unique, and the first row of a chain is unique per
session and staff): two writers racing on one chain cannot both append — the loser gets a
409 and reloads. Nothing is ever updated or deleted (a trigger refuses it), so subsidies and
deductions (billing) are traceable to the rows and who recorded them.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import User
from aftercare.tenancy import Scope
from scheduling.models import Assignment, DutyRole, Session, SessionStatus, StaffMember

from ..access import is_duty_leader, staff_record
from ..models import StaffAttendance, StaffAttendanceSource, StaffStatus
from .common import clean_text, day_label

NOTE_MAX = 200


def head(session: Session, staff: StaffMember) -> StaffAttendance | None:
    """The current record of ``staff`` in ``session`` (the chain's head), or None."""
    return (
        StaffAttendance.objects.filter(
            session_id=session.pk, staff_id=staff.pk, superseded_by__isnull=True
        )
        .order_by("-pk")
        .first()
    )


def _assigned(session: Session, staff: StaffMember) -> bool:
    return Assignment.objects.filter(
        group_id=session.group_id, weekday=session.weekday, role=DutyRole.TEACHER, staff=staff
    ).exists()


def _substitute_for(session: Session, staff: StaffMember) -> bool:
    return StaffAttendance.objects.filter(
        session_id=session.pk,
        substitute=staff,
        status=StaffStatus.SUBSTITUTED,
        superseded_by__isnull=True,
    ).exists()


def _minutes(later: datetime, earlier: datetime) -> int:
    return max(0, int((later - earlier).total_seconds() // 60))


def _start(session: Session) -> datetime:
    return timezone.make_aware(datetime.combine(session.date, session.start_time))


def _end(session: Session) -> datetime:
    return timezone.make_aware(datetime.combine(session.date, session.end_time))


def _append(*, actor, session, staff, previous, action, now, **fields) -> StaffAttendance:
    try:
        with transaction.atomic():
            row = StaffAttendance.objects.create(
                district_id=session.district_id,
                school_id=session.school_id,
                session=session,
                staff=staff,
                date=session.date,
                recorded_by=actor,
                recorded_at=now,
                supersedes=previous,
                **fields,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Someone recorded this meanwhile; reload and try again."), code="changed"
        ) from exc
    record_event(
        actor=actor,
        action=action,
        obj=session,
        payload={
            "record": str(row.public_id),
            "staff": str(staff.public_id),
            "status": row.status,
            "minutes_late": row.minutes_late,
            "minutes_early": row.minutes_early,
            "substitute": str(row.substitute.public_id) if row.substitute else None,
            "supersedes": str(previous.public_id) if previous else None,
            "note": row.note,
        },
    )
    return row


def _check_day(session: Session, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(_("This session was cancelled."), code="session_cancelled")
    if session.date != timezone.localdate(now):
        raise Conflict(
            _("Check in and out on the day of the session (%(date)s).")
            % {"date": day_label(session.date)},
            code="not_today",
        )


@transaction.atomic
def check_in(*, actor: User, session: Session, now: datetime | None = None) -> StaffAttendance:
    """The teacher (or the recorded substitute) checks in; late after the start. Errors:
    NotAllowed, Conflict ``not_today`` / ``already_checked_in`` / ``changed``."""
    now = now or timezone.now()
    staff = staff_record(actor, session.school_id)
    if staff is None or not (_assigned(session, staff) or _substitute_for(session, staff)):
        raise NotAllowed(_("You do not teach this group today."), code="not_group_teacher")
    _check_day(session, now)
    previous = head(session, staff)
    if previous is not None and previous.checked_in_at is not None:
        raise Conflict(
            _("You checked in at %(time)s.")
            % {"time": timezone.localtime(previous.checked_in_at).strftime("%H:%M")},
            code="already_checked_in",
        )
    return _append(
        actor=actor,
        session=session,
        staff=staff,
        previous=previous,
        action="staff.checked_in",
        now=now,
        status=StaffStatus.PRESENT,
        checked_in_at=now,
        minutes_late=_minutes(now, _start(session)),
        source=StaffAttendanceSource.CHECK_IN,
    )


@transaction.atomic
def check_out(*, actor: User, session: Session, now: datetime | None = None) -> StaffAttendance:
    """The teacher checks out; before the end is an early leave (早退). Errors: NotAllowed,
    Conflict ``not_checked_in`` / ``already_checked_out`` / ``changed``."""
    now = now or timezone.now()
    staff = staff_record(actor, session.school_id)
    if staff is None:
        raise NotAllowed(_("You do not teach this group today."), code="not_group_teacher")
    _check_day(session, now)
    previous = head(session, staff)
    if previous is None or previous.checked_in_at is None:
        raise Conflict(_("Check in first."), code="not_checked_in")
    if previous.checked_out_at is not None:
        raise Conflict(
            _("You checked out at %(time)s.")
            % {"time": timezone.localtime(previous.checked_out_at).strftime("%H:%M")},
            code="already_checked_out",
        )
    return _append(
        actor=actor,
        session=session,
        staff=staff,
        previous=previous,
        action="staff.checked_out",
        now=now,
        status=StaffStatus.PRESENT,
        checked_in_at=previous.checked_in_at,
        checked_out_at=now,
        minutes_late=previous.minutes_late,
        minutes_early=_minutes(_end(session), now),
        note=previous.note,
        source=StaffAttendanceSource.CHECK_OUT,
    )


@transaction.atomic
def record_staff_attendance(
    *,
    actor: User,
    session: Session,
    staff: StaffMember,
    status: str,
    checked_in_at: datetime | None = None,
    checked_out_at: datetime | None = None,
    substitute: StaffMember | None = None,
    note: str = "",
    now: datetime | None = None,
) -> StaffAttendance:
    """The duty leader or a manager records a staff member's attendance of a session: present
    (with the times; late and early follow from them), missed (空堂) or substituted (with the
    substitute). When a record exists already this is a correction: a new row superseding it,
    with the reason in ``note`` (required).

    Errors: NotAllowed, InvalidInput (status, times, substitute, note), Conflict ``changed``
    (someone appended meanwhile)."""
    now = now or timezone.now()
    if not is_duty_leader(Scope(actor), session.school_id, session.date):
        raise NotAllowed(
            _("Only the duty leader of the day or the school's managers record staff attendance.")
        )
    if session.date > timezone.localdate(now):
        raise Conflict(_("This session has not taken place yet."), code="future")
    if staff.school_id != session.school_id or not (
        _assigned(session, staff) or _substitute_for(session, staff)
    ):
        raise InvalidInput(
            fields={
                "staff": [
                    _("%(name)s does not teach this group that day.") % {"name": staff.full_name}
                ]
            }
        )
    previous = head(session, staff)
    note = clean_text(note, NOTE_MAX + 1)
    errors: dict[str, list[str]] = {}
    if status not in StaffStatus.values:
        errors["status"] = [_("Choose present, missed or substituted.")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(max)d characters.") % {"max": NOTE_MAX}]
    if previous is not None and not note:
        errors["note"] = [_("This corrects an earlier record: give the reason.")]
    fields = {"status": status, "note": note}
    if status == StaffStatus.PRESENT:
        if checked_in_at is None:
            errors["checked_in_at"] = [_("Give the time the teacher arrived.")]
        elif checked_out_at is not None and checked_out_at < checked_in_at:
            errors["checked_out_at"] = [_("The teacher cannot leave before arriving.")]
        if checked_in_at is not None and timezone.localdate(checked_in_at) != session.date:
            errors["checked_in_at"] = [_("Give a time on the day of the session.")]
        if not errors:
            fields.update(
                checked_in_at=checked_in_at,
                checked_out_at=checked_out_at,
                minutes_late=_minutes(checked_in_at, _start(session)),
                minutes_early=_minutes(_end(session), checked_out_at) if checked_out_at else 0,
            )
    elif status == StaffStatus.SUBSTITUTED:
        if substitute is None:
            errors["substitute"] = [_("Name the substitute.")]
        elif substitute.pk == staff.pk or substitute.school_id != session.school_id:
            errors["substitute"] = [_("Choose another staff member of this school.")]
        elif not substitute.is_active:
            errors["substitute"] = [
                _("%(name)s is not on the active staff list.") % {"name": substitute.full_name}
            ]
        fields["substitute"] = substitute
    if errors:
        raise InvalidInput(fields=errors)
    return _append(
        actor=actor,
        session=session,
        staff=staff,
        previous=previous,
        action="staff.attendance_corrected"
        if previous is not None
        else "staff.attendance_recorded",
        now=now,
        source=StaffAttendanceSource.CORRECTION
        if previous is not None
        else StaffAttendanceSource.RECORDED,
        **fields,
    )
