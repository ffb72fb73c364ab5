"""The school's handling (acknowledge, close with findings), messages, and the district's
decisions (escalation, reopening, upholding)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import MANAGER_ROLES, Role, User
from scheduling.models import StaffMember

from ... import attachments as files_
from ...deadlines import deadlines_for
from ...models import (
    DEDUCTION_MAX,
    DEDUCTION_MIN,
    NOTE_MAX,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintOutcome,
    ComplaintStatus,
    EventKind,
    Side,
)
from .common import (
    _attach,
    _event,
    _label,
    _locked,
    _managers,
    _notify,
    _officials,
    _text,
    _with_files,
)

# --------------------------------------------------------------------------- the school


def _require_manager(actor: User, complaint: Complaint) -> None:
    if not actor.memberships.filter(
        school_id=complaint.school_id, role__in=sorted(MANAGER_ROLES)
    ).exists():
        raise NotAllowed(_("Only the school's principal or administrators handle complaints."))


def _require_official(actor: User, complaint: Complaint) -> None:
    if not actor.memberships.filter(
        district_id=complaint.district_id, role=Role.DISTRICT_OFFICIAL
    ).exists():
        raise NotAllowed(_("Only the district's officials decide on escalated complaints."))


def acknowledge_complaint(
    *, actor: User, complaint: Complaint, note: str = "", now: datetime | None = None
) -> Complaint:
    """The school confirms it has the complaint and is investigating; the family is told.
    Errors: NotAllowed, Conflict ``not_submitted``, InvalidInput (note)."""
    now = now or timezone.now()
    _require_manager(actor, complaint)
    errors: dict = {}
    note = _text(note, field="note", limit=NOTE_MAX, required=False, errors=errors)
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        complaint = _locked(complaint)
        if complaint.status != ComplaintStatus.SUBMITTED:
            raise Conflict(
                _("Complaint %(ref)s is %(status)s; only a new one is acknowledged.")
                % {"ref": complaint.reference, "status": complaint.get_status_display()},
                code="not_submitted",
            )
        late = now > complaint.ack_due_at
        complaint.status = ComplaintStatus.INVESTIGATING
        complaint.acknowledged_at = now
        complaint.missed_deadline = complaint.missed_deadline or late
        complaint.save(update_fields=["status", "acknowledged_at", "missed_deadline", "updated_at"])
        _event(
            complaint,
            kind=EventKind.ACKNOWLEDGED,
            side=Side.SCHOOL,
            actor=actor,
            at=now,
            note=note,
            payload={"late": late},
        )
        record_event(
            actor=actor, action="complaint.acknowledged", obj=complaint, payload={"late": late}
        )
        _notify(
            complaint,
            [complaint.filed_by_id],
            key=f"ack:{complaint.reopened_count}",
            title=_("Complaint %(ref)s: the school is investigating (findings by %(due)s)")
            % {
                "ref": _label(complaint),
                "due": timezone.localtime(complaint.resolve_due_at).strftime("%Y-%m-%d"),
            },
            body=note,
        )
    return complaint


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def close_complaint(
    *,
    actor: User,
    complaint: Complaint,
    outcome: str,
    findings: str,
    staff: StaffMember | None = None,
    deduction_percent: int | None = None,
    deduction_month: date | None = None,
    now: datetime | None = None,
) -> Complaint:
    """The school closes the complaint as verified or not, with its findings (the family
    reads them). A verified complaint about a teacher (``staff``, or the one named at
    filing) may carry the subsidy deduction the school chooses, 10–100 % of the teacher's
    subsidy for ``deduction_month`` (default: the month it happened): billing's evidence.
    A new complaint is acknowledged by closing it. Errors: NotAllowed, Conflict
    ``not_open``, InvalidInput (outcome, findings, teacher, deduction)."""
    now = now or timezone.now()
    _require_manager(actor, complaint)
    errors: dict[str, list[str]] = {}
    if outcome not in ComplaintOutcome.values:
        errors["outcome"] = [_("Say whether the complaint was verified.")]
    findings = _text(findings, field="findings", limit=NOTE_MAX, required=True, errors=errors)
    with transaction.atomic():
        complaint = _locked(complaint)
        if complaint.status not in (ComplaintStatus.SUBMITTED, ComplaintStatus.INVESTIGATING):
            raise Conflict(
                _("Complaint %(ref)s is %(status)s; it cannot be closed now.")
                % {"ref": complaint.reference, "status": complaint.get_status_display()},
                code="not_open",
            )
        staff = staff or complaint.staff
        if staff is not None and staff.school_id != complaint.school_id:
            errors["staff"] = [
                _("%(name)s is not on the staff of %(school)s.")
                % {"name": staff.full_name, "school": complaint.school}
            ]
        if deduction_percent is not None:
            if outcome != ComplaintOutcome.VERIFIED:
                errors["deduction_percent"] = [
                    _("Only a verified complaint can lead to a deduction.")
                ]
            elif staff is None:
                errors["staff"] = [_("Choose the teacher the deduction applies to.")]
            elif not DEDUCTION_MIN <= deduction_percent <= DEDUCTION_MAX:
                errors["deduction_percent"] = [
                    _(
                        "A deduction for a verified complaint is %(min)d%%–%(max)d%% of the "
                        "month's subsidy, not %(value)s%%."
                    )
                    % {"min": DEDUCTION_MIN, "max": DEDUCTION_MAX, "value": deduction_percent}
                ]
        month = None
        if outcome == ComplaintOutcome.VERIFIED and staff is not None and not errors:
            month = first_of_month(deduction_month or complaint.incident_date)
            if month > first_of_month(timezone.localdate(now)):
                errors["deduction_month"] = [
                    _("%(month)s has not begun.") % {"month": month.strftime("%Y-%m")}
                ]
        if errors:
            raise InvalidInput(fields=errors)
        due = complaint.ack_due_at if complaint.status == "submitted" else complaint.resolve_due_at
        late = now > due
        verified = outcome == ComplaintOutcome.VERIFIED
        complaint.status = ComplaintStatus.CLOSED
        complaint.acknowledged_at = complaint.acknowledged_at or now
        complaint.closed_at = now
        complaint.outcome = outcome
        complaint.findings = findings
        complaint.staff = staff
        complaint.verified_at = now if verified else None
        complaint.deduction_percent = deduction_percent
        complaint.deduction_month = month
        complaint.missed_deadline = complaint.missed_deadline or late
        complaint.save()
        payload = {"outcome": outcome, "late": late}
        if month is not None:
            payload.update(
                staff=str(staff.public_id),
                deduction_percent=deduction_percent,
                deduction_month=month.isoformat(),
            )
        _event(
            complaint,
            kind=EventKind.CLOSED,
            side=Side.SCHOOL,
            actor=actor,
            at=now,
            note=findings,
            payload=payload,
        )
        record_event(actor=actor, action="complaint.closed", obj=complaint, payload=payload)
        _notify(
            complaint,
            [complaint.filed_by_id],
            key=f"closed:{complaint.reopened_count}",
            title=_("Complaint %(ref)s closed: %(outcome)s")
            % {"ref": _label(complaint), "outcome": complaint.get_outcome_display()},
            body=findings,
        )
    return complaint


# --------------------------------------------------------------------------- messages


def add_note(
    *,
    actor: User,
    complaint: Complaint,
    side: str,
    note: str,
    files=(),
    now: datetime | None = None,
) -> ComplaintEvent:
    """A message on the timeline (and photos or PDFs with it) from one of the parties: the
    filing family, the school's managers, the district's officials; the others are told.
    ``side`` is the caller's side (``feedback.rules.side_of``). Errors: NotAllowed,
    InvalidInput (empty note, attachments)."""
    now = now or timezone.now()
    if side == Side.FAMILY:
        allowed = complaint.filed_by_id == actor.pk
    elif side == Side.SCHOOL:
        allowed = actor.memberships.filter(
            school_id=complaint.school_id, role__in=sorted(MANAGER_ROLES)
        ).exists()
    elif side == Side.DISTRICT:
        allowed = actor.memberships.filter(
            district_id=complaint.district_id, role=Role.DISTRICT_OFFICIAL
        ).exists()
    else:
        allowed = False
    if not allowed:
        raise NotAllowed(_("Only the parties to a complaint write on it."))
    errors: dict = {}
    note = _text(note, field="note", limit=NOTE_MAX, required=not files, errors=errors)
    if errors:
        raise InvalidInput(fields=errors)
    already = ComplaintAttachment.objects.filter(complaint=complaint).count()
    checked = files_.check_files(files, already=already)

    def work(stored):
        locked = _locked(complaint)
        if checked:  # counted again under the lock: two uploads at once stay within the limit
            files_.check_files([], already=locked.attachments.count() + len(checked))
        added = _attach(locked, checked, actor=actor, side=side, at=now, stored=stored)
        event = _event(
            locked,
            kind=EventKind.NOTE if note else EventKind.ATTACHED,
            side=side,
            actor=actor,
            at=now,
            note=note,
            payload={"files": [str(a.public_id) for a in added]} if added else {},
        )
        record_event(
            actor=actor,
            action="complaint.note_added",
            obj=locked,
            payload={"side": side, "files": len(added)},
        )
        recipients = []
        if side != Side.FAMILY:
            recipients.append(locked.filed_by_id)
        if side != Side.SCHOOL:
            recipients += _managers(locked.school_id)
        if side != Side.DISTRICT and locked.status == ComplaintStatus.ESCALATED:
            recipients += _officials(locked.district_id)
        _notify(
            locked,
            recipients,
            key=f"note:{event.pk}",
            title=_("New message on complaint %(ref)s") % {"ref": _label(locked)},
            body=note,
        )
        return event

    return _with_files(work)


# --------------------------------------------------------------------------- the district


def escalate_complaint(
    *, actor: User, complaint: Complaint, reason: str, now: datetime | None = None
) -> Complaint:
    """The family takes the complaint to the district: after the school closed it (unless
    the district already upheld that closure), or when the school let a deadline pass.
    Errors: NotAllowed (not the filer), Conflict ``not_escalatable``, InvalidInput."""
    now = now or timezone.now()
    if complaint.filed_by_id != actor.pk:
        raise NotAllowed(_("Only the family who filed the complaint can escalate it."))
    errors: dict = {}
    reason = _text(reason, field="reason", limit=NOTE_MAX, required=True, errors=errors)
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        complaint = _locked(complaint)
        closed = complaint.status == ComplaintStatus.CLOSED and complaint.upheld_at is None
        if not (closed or complaint.is_overdue(now)):
            if complaint.upheld_at is not None:
                message = _("The district has already upheld the school's findings.")
            elif complaint.status == ComplaintStatus.ESCALATED:
                message = _("The complaint is already with the district.")
            else:
                message = _(
                    "The school has until %(due)s; you can escalate when it closes the "
                    "complaint or if that time passes."
                ) % {"due": timezone.localtime(complaint.due_at).strftime("%Y-%m-%d %H:%M")}
            raise Conflict(message, code="not_escalatable")
        if complaint.is_open:  # the school let a deadline pass
            complaint.missed_deadline = True
        complaint.status = ComplaintStatus.ESCALATED
        complaint.escalated_at = now
        complaint.save(update_fields=["status", "escalated_at", "missed_deadline", "updated_at"])
        _event(
            complaint, kind=EventKind.ESCALATED, side=Side.FAMILY, actor=actor, at=now, note=reason
        )
        record_event(actor=actor, action="complaint.escalated", obj=complaint)
        _notify(
            complaint,
            _officials(complaint.district_id) + _managers(complaint.school_id),
            key=f"escalated:{complaint.reopened_count}",
            title=_("Complaint %(ref)s escalated to the district") % {"ref": _label(complaint)},
            body=reason,
        )
    return complaint


def reopen_complaint(
    *, actor: User, complaint: Complaint, note: str, now: datetime | None = None
) -> Complaint:
    """The district sends a closed or escalated complaint back to the school, with its
    instructions: the outcome and any deduction are withdrawn (the event keeps them) and new
    deadlines run from today. Errors: NotAllowed, Conflict ``not_reopenable``,
    InvalidInput (note)."""
    now = now or timezone.now()
    _require_official(actor, complaint)
    errors: dict = {}
    note = _text(note, field="note", limit=NOTE_MAX, required=True, errors=errors)
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        complaint = _locked(complaint)
        if complaint.status not in (ComplaintStatus.CLOSED, ComplaintStatus.ESCALATED):
            raise Conflict(
                _("Complaint %(ref)s is %(status)s; the school is still on it.")
                % {"ref": complaint.reference, "status": complaint.get_status_display()},
                code="not_reopenable",
            )
        before = {
            "outcome": complaint.outcome,
            "findings": complaint.findings,
            "deduction_percent": complaint.deduction_percent,
            "deduction_month": complaint.deduction_month.isoformat()
            if complaint.deduction_month
            else None,
            "upheld": complaint.upheld_at is not None,
        }
        deadlines = deadlines_for(complaint.district_id, timezone.localdate(now))
        if complaint.acknowledged_at is None:
            complaint.status = ComplaintStatus.SUBMITTED
            complaint.ack_due_at = deadlines.ack_due(now)
        else:
            complaint.status = ComplaintStatus.INVESTIGATING
        complaint.resolve_due_at = max(deadlines.resolve_due(now), complaint.ack_due_at)
        complaint.outcome = ""
        complaint.findings = ""
        complaint.closed_at = None
        complaint.verified_at = None
        complaint.deduction_percent = None
        complaint.deduction_month = None
        complaint.upheld_at = None
        complaint.reopened_count += 1
        complaint.save()
        _event(
            complaint,
            kind=EventKind.REOPENED,
            side=Side.DISTRICT,
            actor=actor,
            at=now,
            note=note,
            payload={"before": before},
        )
        record_event(actor=actor, action="complaint.reopened", obj=complaint, payload=before)
        _notify(
            complaint,
            [complaint.filed_by_id, *_managers(complaint.school_id)],
            key=f"reopened:{complaint.reopened_count}",
            title=_("Complaint %(ref)s reopened by the district (findings by %(due)s)")
            % {
                "ref": _label(complaint),
                "due": timezone.localtime(complaint.resolve_due_at).strftime("%Y-%m-%d"),
            },
            body=note,
        )
    return complaint


def uphold_complaint(
    *, actor: User, complaint: Complaint, note: str, now: datetime | None = None
) -> Complaint:
    """The district confirms the school's closure of an escalated complaint: final (it
    cannot be escalated again; the district may still reopen it). Errors: NotAllowed,
    Conflict ``not_escalated`` / ``never_closed`` (reopen it instead), InvalidInput."""
    now = now or timezone.now()
    _require_official(actor, complaint)
    errors: dict = {}
    note = _text(note, field="note", limit=NOTE_MAX, required=True, errors=errors)
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        complaint = _locked(complaint)
        if complaint.status != ComplaintStatus.ESCALATED:
            raise Conflict(
                _("Complaint %(ref)s is %(status)s, not with the district.")
                % {"ref": complaint.reference, "status": complaint.get_status_display()},
                code="not_escalated",
            )
        if not complaint.outcome:
            raise Conflict(
                _("The school never closed complaint %(ref)s: reopen it for the school.")
                % {"ref": complaint.reference},
                code="never_closed",
            )
        complaint.status = ComplaintStatus.CLOSED
        complaint.upheld_at = now
        complaint.save(update_fields=["status", "upheld_at", "updated_at"])
        _event(complaint, kind=EventKind.UPHELD, side=Side.DISTRICT, actor=actor, at=now, note=note)
        record_event(actor=actor, action="complaint.upheld", obj=complaint)
        _notify(
            complaint,
            [complaint.filed_by_id, *_managers(complaint.school_id)],
            key=f"upheld:{complaint.reopened_count}",
            title=_("Complaint %(ref)s: the district upholds the school's findings")
            % {"ref": _label(complaint)},
            body=note,
        )
    return complaint
