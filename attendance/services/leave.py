"""Leave (请假): requested by a guardian for one or more days from today on, decided by the
homeroom teacher (or the school's managers).

Overlapping live requests of a child are refused by an exclusion constraint (a double submit
or two guardians asking at once leave one). Approving a leave after the roll was taken turns
the child's ``absent`` marks of those days into ``leave`` (excused) in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import User
from aftercare.tenancy import Scope
from enrollment.models import Guardianship, Student

from ..access import is_homeroom_teacher, is_manager
from ..models import AttendanceMark, LeaveReason, LeaveRequest, LeaveStatus, MarkStatus
from ..models.leave import MAX_LEAVE_DAYS, NOTE_MAX
from .common import clean_text, day_label, inbox


def _range_label(leave: LeaveRequest) -> str:
    if leave.start_date == leave.end_date:
        return day_label(leave.start_date)
    return f"{day_label(leave.start_date)}–{day_label(leave.end_date)}"


@transaction.atomic
def request_leave(
    *,
    actor: User,
    student: Student,
    start_date: date,
    end_date: date | None = None,
    reason: str,
    note: str = "",
    now: datetime | None = None,
) -> LeaveRequest:
    """A guardian asks for leave from ``start_date`` to ``end_date`` (both included; one day
    when ``end_date`` is None). Errors: NotAllowed (not a guardian), InvalidInput ``past_day``
    and other field errors, Conflict ``overlap`` (a live request covers one of the days)."""
    now = now or timezone.now()
    if not Guardianship.objects.filter(student=student, user=actor).exists():
        raise NotAllowed(
            _("Only the guardians of %(name)s can request leave.") % {"name": student.name}
        )
    today = timezone.localdate(now)
    end_date = end_date or start_date
    errors: dict[str, list[str]] = {}
    if start_date is None:
        errors["start_date"] = [_("Choose the first day.")]
    elif start_date < today:
        errors["start_date"] = [
            _("Leave is requested in advance: %(date)s has passed (today is %(today)s).")
            % {"date": day_label(start_date), "today": day_label(today)}
        ]
    if start_date is not None and end_date < start_date:
        errors["end_date"] = [_("The last day cannot be before the first day.")]
    elif start_date is not None and (end_date - start_date).days + 1 > MAX_LEAVE_DAYS:
        errors["end_date"] = [
            _("One request covers at most %(max)d days (this one %(n)d).")
            % {"max": MAX_LEAVE_DAYS, "n": (end_date - start_date).days + 1}
        ]
    if reason not in LeaveReason.values:
        errors["reason"] = [_("Choose a reason.")]
    note = clean_text(note, NOTE_MAX + 1)
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(max)d characters.") % {"max": NOTE_MAX}]
    if errors:
        raise InvalidInput(fields=errors, code="past_day" if "start_date" in errors else None)
    try:
        with transaction.atomic():
            leave = LeaveRequest.objects.create(
                district_id=student.district_id,
                school_id=student.school_id,
                student=student,
                start_date=start_date,
                end_date=end_date,
                reason=reason,
                note=note,
                requested_by=actor,
                requested_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("%(name)s already has a leave request covering one of these days.")
            % {"name": student.name},
            code="overlap",
        ) from exc
    record_event(
        actor=actor,
        action="leave.requested",
        obj=student,
        payload={
            "leave": str(leave.public_id),
            "start": str(start_date),
            "end": str(end_date),
            "reason": reason,
        },
    )
    teacher = student.school_class.homeroom_teacher_id
    if teacher is not None:
        inbox(
            [
                {
                    "district": student.district_id,
                    "recipient": teacher,
                    "key": f"leave-requested:{leave.pk}",
                    "title": _("Leave request: %(name)s, %(dates)s")
                    % {"name": student.name, "dates": _range_label(leave)},
                    "body": f"{leave.get_reason_display()} {note}".strip(),
                    "url": reverse("attendance_leave_queue"),
                }
            ]
        )
    return leave


@transaction.atomic
def decide_leave(
    *,
    actor: User,
    leave: LeaveRequest,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> LeaveRequest:
    """Approve or refuse a pending request (refusing needs a note). Approval excuses the
    child's absent marks of those days. Errors: NotAllowed, Conflict ``decided``,
    InvalidInput (note)."""
    now = now or timezone.now()
    leave = (
        LeaveRequest.objects.select_for_update()
        .select_related("student__school_class")
        .get(pk=leave.pk)
    )
    student = leave.student
    if not (
        is_homeroom_teacher(actor, student.school_class)
        or is_manager(Scope(actor), leave.school_id)
    ):
        raise NotAllowed(
            _("Only the homeroom teacher of %(name)s or the school's managers decide on leave.")
            % {"name": student.name}
        )
    if leave.status != LeaveStatus.PENDING:
        raise Conflict(
            _("This request is already %(status)s.") % {"status": leave.get_status_display()},
            code="decided",
        )
    note = clean_text(note, NOTE_MAX + 1)
    if len(note) > NOTE_MAX:
        raise InvalidInput(fields={"note": [_("At most %(max)d characters.") % {"max": NOTE_MAX}]})
    if not approve and not note:
        raise InvalidInput(fields={"note": [_("Tell the family why the leave is refused.")]})
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED
    leave.decided_by = actor
    leave.decided_at = now
    leave.decision_note = note
    leave.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    excused = 0
    if approve:
        excused = AttendanceMark.objects.filter(
            student=student,
            date__gte=leave.start_date,
            date__lte=leave.end_date,
            status=MarkStatus.ABSENT,
        ).update(status=MarkStatus.LEAVE, leave=leave, marked_at=now)
    record_event(
        actor=actor,
        action="leave.approved" if approve else "leave.refused",
        obj=student,
        payload={"leave": str(leave.public_id), "note": note, "absences_excused": excused},
    )
    title = (
        _("Leave approved: %(name)s, %(dates)s")
        if approve
        else _("Leave refused: %(name)s, %(dates)s")
    ) % {"name": student.name, "dates": _range_label(leave)}
    inbox(
        [
            {
                "district": leave.district_id,
                "recipient": user_id,
                "key": f"leave-decided:{leave.pk}:{user_id}",
                "title": title,
                "body": note,
                "url": reverse("attendance_family_leave"),
            }
            for user_id in Guardianship.objects.filter(student=student).values_list(
                "user_id", flat=True
            )
        ]
    )
    return leave


@transaction.atomic
def cancel_leave(*, actor: User, leave: LeaveRequest, now: datetime | None = None) -> LeaveRequest:
    """A guardian withdraws a request: pending, or approved and not started yet. Errors:
    NotAllowed, Conflict ``not_cancellable``."""
    now = now or timezone.now()
    leave = LeaveRequest.objects.select_for_update().select_related("student").get(pk=leave.pk)
    if not Guardianship.objects.filter(student_id=leave.student_id, user=actor).exists():
        raise NotAllowed(_("Only the child's guardians can cancel the request."))
    today = timezone.localdate(now)
    cancellable = leave.status == LeaveStatus.PENDING or (
        leave.status == LeaveStatus.APPROVED and leave.start_date > today
    )
    if not cancellable:
        raise Conflict(
            _("This request can no longer be cancelled (%(status)s).")
            % {"status": leave.get_status_display()},
            code="not_cancellable",
        )
    leave.status = LeaveStatus.CANCELLED
    leave.save(update_fields=["status"])
    record_event(
        actor=actor,
        action="leave.cancelled",
        obj=leave.student,
        payload={"leave": str(leave.public_id)},
    )
    return leave
