"""Helpers the complaint services share (the package docstring has the design)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.models import MANAGER_ROLES, District, Membership, Role, School, User
from aftercare.notifications import notify_many
from enrollment.models import Student
from scheduling.models import Session, StaffMember

from ... import attachments as files_
from ...deadlines import deadlines_for
from ...models import (
    FLAGGED_CATEGORIES,
    Complaint,
    ComplaintAttachment,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEvent,
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
