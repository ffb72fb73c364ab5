"""Complaint services: filing, the school's handling, escalation to the district.

Every transition locks the complaint's row (``SELECT … FOR UPDATE``) first and nothing else,
checks the state under that lock, writes the new state and one ``ComplaintEvent`` (the
timeline the family reads) and an audit event, all in one short transaction: two clicks on
"close", or a school closing while the family escalates, are serialised and the second sees
the state the first left (409 ``Conflict``). No other row is locked, so this takes no place
in the project's lock order (semester -> plan -> …) and cannot deadlock with it.

Side effects leave the transaction: inbox messages are recorded in the outbox
(``aftercare.notifications.notify_many``) and delivered after commit — the school's
managers when a complaint arrives, the district's officials at once for a fee or coercion
complaint (``FLAGGED_CATEGORIES``) and on escalation, the filer at each step.

Attachments are checked before anything is written (``feedback.attachments``) and stored in
the transaction; if it fails, the files stored are deleted again, so a refused complaint
leaves neither a row nor a file.

Deadlines come from the district policy (``feedback.deadlines``); ``now`` may be passed in
(tests freeze time by patching ``timezone.now`` as well).

Errors: ``NotAllowed`` (403: not a guardian of the child, not the school's manager, not an
official of the district), ``InvalidInput`` (400, field errors naming the value and the
limit), ``Conflict`` (409: the complaint is not in a state for this step).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import MANAGER_ROLES, District, Membership, Role, School, User
from aftercare.notifications import notify_many
from enrollment.models import Guardianship, Student
from scheduling.models import Session, StaffMember

from .. import attachments as files_
from ..deadlines import deadlines_for
from ..models import (
    DEDUCTION_MAX,
    DEDUCTION_MIN,
    DESCRIPTION_MAX,
    FLAGGED_CATEGORIES,
    NOTE_MAX,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEvent,
    ComplaintOutcome,
    ComplaintStatus,
    EventKind,
    Side,
)

MAX_PAST_DAYS = 365  # a complaint is about something of the last year


# --------------------------------------------------------------------------- helpers


def _text(value, *, field: str, limit: int, required: bool, errors: dict) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [
            _("At most %(max)d characters (this is %(n)d).") % {"max": limit, "n": len(text)}
        ]
    return text


def _managers(school_id: int) -> list[int]:
    return list(
        Membership.objects.filter(school_id=school_id, role__in=sorted(MANAGER_ROLES))
        .values_list("user_id", flat=True)
        .distinct()
    )


def _officials(district_id: int) -> list[int]:
    return list(
        Membership.objects.filter(district_id=district_id, role=Role.DISTRICT_OFFICIAL)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _notify(complaint: Complaint, recipients, *, key: str, title: str, body: str = "") -> None:
    url = reverse("complaint_detail", args=[complaint.public_id])
    district = District(pk=complaint.district_id)
    notify_many(
        {
            "district": district,
            "recipient": User(pk=user_id),
            "key": f"complaint:{complaint.pk}:{key}:{user_id}",
            "title": title,
            "body": body[:300],
            "url": url,
        }
        for user_id in sorted(set(recipients))
        if user_id is not None
    )


def _label(complaint: Complaint) -> str:
    return f"{complaint.reference} {complaint.get_category_display()}"


def _event(complaint, *, kind, side, actor, at, note="", payload=None) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        district_id=complaint.district_id,
        school_id=complaint.school_id,
        complaint=complaint,
        kind=kind,
        side=side,
        actor=actor,
        note=note,
        payload=payload or {},
        created_at=at,
    )


def _locked(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("school", "staff")
        .get(pk=complaint.pk)
    )


def _with_files(work):
    """Run ``work(stored)`` in a transaction; if it fails, delete the files it stored."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            return work(stored)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _attach(complaint, checked, *, actor, side, at, stored: list[str]) -> list[ComplaintAttachment]:
    out = []
    for item in checked:
        attachment = ComplaintAttachment(
            district_id=complaint.district_id,
            school_id=complaint.school_id,
            complaint=complaint,
            original_name=item.name[-200:],
            content_type=item.content_type,
            size=item.size,
            side=side,
            uploaded_by=actor,
            uploaded_at=at,
        )
        stored.append(files_.store(attachment, item))
        attachment.save()
        out.append(attachment)
    return out


def _subject(
    *,
    school: School,
    student: Student | None,
    category: str,
    incident_date: date | None,
    session: Session | None,
    staff: StaffMember | None,
    now: datetime,
    errors: dict,
) -> date | None:
    if category not in ComplaintCategory.values:
        errors["category"] = [_("Choose what the complaint is about.")]
    if session is not None:
        if session.school_id != school.pk:
            errors["session"] = [_("This session is not one of %(school)s.") % {"school": school}]
        elif incident_date is None:
            incident_date = session.date
    if staff is not None and staff.school_id != school.pk:
        errors["staff"] = [
            _("%(name)s is not on the staff of %(school)s.")
            % {"name": staff.full_name, "school": school}
        ]
    today = timezone.localdate(now)
    if incident_date is None:
        errors["incident_date"] = [_("Say on which day it happened.")]
    elif incident_date > today:
        errors["incident_date"] = [
            _("%(date)s is in the future (today is %(today)s).")
            % {"date": incident_date.isoformat(), "today": today.isoformat()}
        ]
    elif incident_date < today - timedelta(days=MAX_PAST_DAYS):
        errors["incident_date"] = [
            _("%(date)s is more than %(days)d days ago; call the district's hotline.")
            % {"date": incident_date.isoformat(), "days": MAX_PAST_DAYS}
        ]
    return incident_date


def _new_complaint(
    *,
    actor: User,
    school: School,
    channel: str,
    side: str,
    student: Student | None,
    filed_by: User | None,
    category: str,
    description: str,
    incident_date: date,
    anonymous: bool,
    session: Session | None,
    staff: StaffMember | None,
    checked: list,
    now: datetime,
    extra: dict,
) -> Complaint:
    deadlines = deadlines_for(school.district_id, timezone.localdate(now))

    def work(stored):
        complaint = Complaint.objects.create(
            district_id=school.district_id,
            school=school,
            semester=deadlines.semester,
            channel=channel,
            student=student,
            filed_by=filed_by,
            anonymous=anonymous,
            category=category,
            session=session,
            staff=staff,
            incident_date=incident_date,
            description=description,
            submitted_at=now,
            ack_due_at=deadlines.ack_due(now),
            resolve_due_at=deadlines.resolve_due(now),
            flagged_at=now if category in FLAGGED_CATEGORIES else None,
            **extra,
        )
        kind = EventKind.FILED if channel == ComplaintChannel.FAMILY else EventKind.RECORDED
        _event(complaint, kind=kind, side=side, actor=actor, at=now)
        if checked:
            added = _attach(complaint, checked, actor=actor, side=side, at=now, stored=stored)
            _event(
                complaint,
                kind=EventKind.ATTACHED,
                side=side,
                actor=actor,
                at=now,
                payload={"files": [str(a.public_id) for a in added]},
            )
        if complaint.is_flagged:
            _event(
                complaint,
                kind=EventKind.FLAGGED,
                side=Side.DISTRICT,
                actor=None,
                at=now,
                payload={"category": category},
            )
        record_event(
            actor=actor,
            action="complaint.filed"
            if channel == ComplaintChannel.FAMILY
            else "complaint.recorded",
            obj=complaint,
            payload={
                "category": category,
                "anonymous": anonymous,
                "flagged": complaint.is_flagged,
                "attachments": len(checked),
            },
        )
        _notify(
            complaint,
            _managers(school.pk),
            key="filed",
            title=_("New complaint %(ref)s: acknowledge by %(due)s")
            % {
                "ref": _label(complaint),
                "due": timezone.localtime(complaint.ack_due_at).strftime("%Y-%m-%d %H:%M"),
            },
            body=description,
        )
        if complaint.is_flagged:
            _notify(
                complaint,
                _officials(school.district_id),
                key="flagged",
                title=_("Flagged complaint at %(school)s: %(ref)s")
                % {"school": school.name, "ref": _label(complaint)},
                body=description,
            )
        if filed_by is not None and channel == ComplaintChannel.HOTLINE:
            _notify(
                complaint,
                [filed_by.pk],
                key="recorded",
                title=_("Your hotline call was recorded as complaint %(ref)s")
                % {"ref": _label(complaint)},
            )
        return complaint

    return _with_files(work)


# --------------------------------------------------------------------------- filing


def file_complaint(
    *,
    actor: User,
    student: Student,
    category: str,
    description: str,
    incident_date: date | None = None,
    anonymous: bool = False,
    session: Session | None = None,
    staff: StaffMember | None = None,
    files=(),
    now: datetime | None = None,
) -> Complaint:
    """A guardian files a complaint about ``student``'s after-school service at the child's
    school. Anonymous: the school never learns who filed it, nor the child; the district
    does. Fee and coercion complaints go to the district's officials at once.
    Errors: NotAllowed (not a guardian of the child), InvalidInput (category, date, text,
    session or teacher of another school, attachments)."""
    now = now or timezone.now()
    if not Guardianship.objects.filter(student=student, user=actor).exists():
        raise NotAllowed(
            _("Only a guardian of %(name)s can file a complaint about them.")
            % {"name": student.name},
            code="not_guardian",
        )
    school = School.objects.select_related("district").get(pk=student.school_id)
    errors: dict[str, list[str]] = {}
    description = _text(
        description, field="description", limit=DESCRIPTION_MAX, required=True, errors=errors
    )
    incident_date = _subject(
        school=school,
        student=student,
        category=category,
        incident_date=incident_date,
        session=session,
        staff=staff,
        now=now,
        errors=errors,
    )
    if errors:
        raise InvalidInput(fields=errors)
    checked = files_.check_files(files)
    return _new_complaint(
        actor=actor,
        school=school,
        channel=ComplaintChannel.FAMILY,
        side=Side.FAMILY,
        student=student,
        filed_by=actor,
        category=category,
        description=description,
        incident_date=incident_date,
        anonymous=bool(anonymous),
        session=session,
        staff=staff,
        checked=checked,
        now=now,
        extra={},
    )


def record_hotline_complaint(
    *,
    actor: User,
    school: School,
    caller_name: str,
    caller_mobile: str,
    category: str,
    description: str,
    incident_date: date | None = None,
    student: Student | None = None,
    anonymous: bool = False,
    session: Session | None = None,
    staff: StaffMember | None = None,
    files=(),
    now: datetime | None = None,
) -> Complaint:
    """A district official records a complaint received by the hotline on the caller's
    behalf. When the caller's number is that of a guardian of ``student``, the complaint is
    theirs in the app too (they follow it and may escalate). Errors: NotAllowed (not an
    official of the school's district), InvalidInput."""
    now = now or timezone.now()
    if not actor.memberships.filter(
        district_id=school.district_id, role=Role.DISTRICT_OFFICIAL
    ).exists():
        raise NotAllowed(_("Only the district's officials record hotline complaints."))
    errors: dict[str, list[str]] = {}
    caller_name = _text(caller_name, field="caller_name", limit=40, required=True, errors=errors)
    caller_mobile = _text(
        caller_mobile, field="caller_mobile", limit=20, required=False, errors=errors
    )
    if caller_mobile and not caller_mobile.replace("-", "").isdigit():
        errors["caller_mobile"] = [
            _("“%(value)s” is not a phone number.") % {"value": caller_mobile}
        ]
    description = _text(
        description, field="description", limit=DESCRIPTION_MAX, required=True, errors=errors
    )
    if student is not None and student.school_id != school.pk:
        errors["student"] = [
            _("%(name)s is not a pupil of %(school)s.") % {"name": student.name, "school": school}
        ]
    incident_date = _subject(
        school=school,
        student=student,
        category=category,
        incident_date=incident_date,
        session=session,
        staff=staff,
        now=now,
        errors=errors,
    )
    if errors:
        raise InvalidInput(fields=errors)
    checked = files_.check_files(files)
    filed_by = None
    if student is not None and caller_mobile:
        guardianship = (
            Guardianship.objects.filter(student=student, user__mobile=caller_mobile)
            .select_related("user")
            .first()
        )
        filed_by = guardianship.user if guardianship else None
    return _new_complaint(
        actor=actor,
        school=school,
        channel=ComplaintChannel.HOTLINE,
        side=Side.DISTRICT,
        student=student,
        filed_by=filed_by,
        category=category,
        description=description,
        incident_date=incident_date,
        anonymous=bool(anonymous),
        session=session,
        staff=staff,
        checked=checked,
        now=now,
        extra={"recorded_by": actor, "caller_name": caller_name, "caller_mobile": caller_mobile},
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
