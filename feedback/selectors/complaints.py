"""Reads of complaints, by who asks — and the selectors other apps call.

Pages and the API start from ``complaints_for`` (the caller's complaints, ``visible_to`` their
scope) and show a complaint only through ``project(complaint, side)``: the one place that
decides what each side sees. The school's projection of an anonymous complaint has no filer,
no caller and no child (only the child's grade), its timeline no family names, its
attachments no original file names; the family's has no deduction; a teacher's only the
verified outcome about them. Exports use the same projection.

For other apps (they import this module; it imports none of them):
* ``verified_complaints_for(staff, month)`` — billing: the verified complaints about a
  teacher whose evidence concerns that month, with ``deduction_percent`` (None: verified, no
  deduction) and ``verified_at``.
* ``overdue_complaints(district=…, now=…)`` — reporting: open complaints past their deadline
  (an alert per complaint; the district's feedback page lists them too).
* ``complaint_summary(district=…, semester=…)`` — reporting's annual assessment: per school,
  the complaints of a semester, verified, missed deadlines, open now, overdue now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from aftercare.models import GRADE_NAMES
from aftercare.tenancy import Scope

from ..models import (
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintOutcome,
    ComplaintStatus,
    EventKind,
    Side,
)
from ..rules import TEACHER

LIST_RELATED = ("school", "student__school_class", "filed_by", "staff", "session__group")


def complaints_for(*, scope: Scope) -> QuerySet[Complaint]:
    """Every complaint the caller sees, newest first, with what a list shows."""
    return Complaint.objects.visible_to(scope).select_related(*LIST_RELATED)


def school_complaints(*, scope: Scope, school) -> QuerySet[Complaint]:
    return complaints_for(scope=scope).filter(school=school)


def district_complaints(*, scope: Scope, district) -> QuerySet[Complaint]:
    return complaints_for(scope=scope).filter(district=district)


def family_complaints(*, scope: Scope, user) -> QuerySet[Complaint]:
    return complaints_for(scope=scope).filter(filed_by=user)


def teacher_complaints(*, scope: Scope, user) -> QuerySet[Complaint]:
    """The verified complaints about a teacher (what their subsidy statement may cite)."""
    return complaints_for(scope=scope).filter(staff__user=user, outcome=ComplaintOutcome.VERIFIED)


def with_timeline(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return qs.prefetch_related(
        Prefetch(
            "events",
            queryset=ComplaintEvent.objects.select_related("actor").order_by("created_at", "id"),
        ),
        Prefetch("attachments", queryset=ComplaintAttachment.objects.order_by("uploaded_at", "id")),
    )


def filter_list(qs: QuerySet[Complaint], params, *, now: datetime) -> QuerySet[Complaint]:
    """The list filters pages and the API share: ``status`` (a status, ``open`` or
    ``overdue``), ``category``, ``flagged``."""
    status = params.get("status") or ""
    if status == "open":
        qs = qs.filter(status__in=[ComplaintStatus.SUBMITTED, ComplaintStatus.INVESTIGATING])
    elif status == "overdue":
        qs = qs.overdue(now)
    elif status in ComplaintStatus.values:
        qs = qs.filter(status=status)
    if params.get("category"):
        qs = qs.filter(category=params["category"])
    if params.get("flagged") in ("1", "true", "on"):
        qs = qs.filter(flagged_at__isnull=False)
    return qs


# --------------------------------------------------------------------------- projection


@dataclass
class Shown:
    """A complaint as one side sees it (templates, API and exports read only this)."""

    id: str
    reference: str
    side: str
    category: str
    category_label: str
    status: str
    status_label: str
    channel: str
    channel_label: str
    anonymous: bool
    school_id: str
    school_name: str
    incident_date: date
    submitted_at: datetime
    ack_due_at: datetime
    resolve_due_at: datetime
    due_at: datetime | None
    overdue: bool
    flagged: bool
    acknowledged_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    upheld_at: datetime | None
    reopened_count: int
    missed_deadline: bool
    outcome: str
    outcome_label: str
    findings: str
    url: str
    description: str = ""
    child_id: str | None = None
    child_name: str = ""
    child_grade: str = ""
    child_class: str = ""
    filed_by_name: str = ""
    filed_by_mobile: str = ""
    caller_name: str = ""
    caller_mobile: str = ""
    session_id: str | None = None
    session_label: str = ""
    staff_id: str | None = None
    staff_name: str = ""
    deduction_percent: int | None = None
    deduction_month: date | None = None
    events: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)


def _masked_file_name(index: int, attachment: ComplaintAttachment) -> str:
    ext = attachment.file.name.rsplit(".", 1)[-1] if "." in attachment.file.name else "bin"
    return f"{index}.{ext}"


def attachment_name(attachment: ComplaintAttachment, side: str, index: int) -> str:
    """The name a side sees: the school gets a numbered name for an anonymous complaint (an
    original file name may carry the family's)."""
    if side == Side.SCHOOL and attachment.complaint.anonymous and attachment.side == Side.FAMILY:
        return _masked_file_name(index, attachment)
    return attachment.original_name


def project(
    complaint: Complaint, side: str, *, now: datetime | None = None, full: bool = True
) -> Shown:
    """What ``side`` (district, school, family, teacher) may see of ``complaint``; with
    ``full``, its timeline and attachments too (prefetch them: ``with_timeline``)."""
    now = now or timezone.now()
    hide_family = side == Side.SCHOOL and complaint.anonymous
    shown = Shown(
        id=str(complaint.public_id),
        reference=complaint.reference,
        side=side,
        category=complaint.category,
        category_label=str(complaint.get_category_display()),
        status=complaint.status,
        status_label=str(complaint.get_status_display()),
        channel=complaint.channel,
        channel_label=str(complaint.get_channel_display()),
        anonymous=complaint.anonymous,
        school_id=str(complaint.school.public_id),
        school_name=complaint.school.name,
        incident_date=complaint.incident_date,
        submitted_at=complaint.submitted_at,
        ack_due_at=complaint.ack_due_at,
        resolve_due_at=complaint.resolve_due_at,
        due_at=complaint.due_at,
        overdue=complaint.is_overdue(now),
        flagged=complaint.is_flagged,
        acknowledged_at=complaint.acknowledged_at,
        closed_at=complaint.closed_at,
        escalated_at=complaint.escalated_at,
        upheld_at=complaint.upheld_at,
        reopened_count=complaint.reopened_count,
        missed_deadline=complaint.missed_deadline,
        outcome=complaint.outcome,
        outcome_label=str(complaint.get_outcome_display()) if complaint.outcome else "",
        findings=complaint.findings,
        url=reverse("complaint_detail", args=[complaint.public_id]),
    )
    if complaint.staff_id is not None:
        shown.staff_id = str(complaint.staff.public_id)
        shown.staff_name = complaint.staff.full_name
    if side == TEACHER:  # the outcome about them, nothing of the family
        shown.deduction_percent = complaint.deduction_percent
        shown.deduction_month = complaint.deduction_month
        return shown
    shown.description = complaint.description
    if complaint.session_id is not None:
        shown.session_id = str(complaint.session.public_id)
        shown.session_label = f"{complaint.session.date:%Y-%m-%d} {complaint.session.group.name}"
    student = complaint.student
    if student is not None:
        shown.child_grade = str(GRADE_NAMES.get(student.school_class.grade, ""))
        if not hide_family:
            shown.child_id = str(student.public_id)
            shown.child_name = student.name
            shown.child_class = str(student.school_class.name)
    if not hide_family:
        if complaint.filed_by_id is not None:
            shown.filed_by_name = str(complaint.filed_by)
            shown.filed_by_mobile = complaint.filed_by.mobile or ""
        if side != Side.FAMILY:
            shown.caller_name = complaint.caller_name
            shown.caller_mobile = complaint.caller_mobile
    if side in (Side.DISTRICT, Side.SCHOOL):
        shown.deduction_percent = complaint.deduction_percent
        shown.deduction_month = complaint.deduction_month
    if not full:
        return shown
    attachments = list(complaint.attachments.all())
    for index, attachment in enumerate(attachments, start=1):
        attachment.complaint = complaint
        shown.attachments.append(
            {
                "id": str(attachment.public_id),
                "name": attachment_name(attachment, side, index),
                "content_type": attachment.content_type,
                "size": attachment.size,
                "side": attachment.side,
                "uploaded_at": attachment.uploaded_at,
                "url": reverse("complaint_attachment", args=[attachment.public_id]),
            }
        )
    names = {a["id"]: a for a in shown.attachments}
    for event in complaint.events.all():
        shown.events.append(_event_shown(event, side, hide_family=hide_family, files=names))
    return shown


def _event_shown(event: ComplaintEvent, side: str, *, hide_family: bool, files: dict) -> dict:
    # Names: the district sees everyone's; the school its own side's and the district's
    # (never the family's when anonymous); the family sees sides, not staff names.
    if event.actor is None:
        actor = ""
    elif side == Side.DISTRICT or (
        side == Side.SCHOOL and (event.side != Side.FAMILY or not hide_family)
    ):
        actor = str(event.actor)
    else:
        actor = ""
    payload = {}
    if event.kind == EventKind.CLOSED:
        payload["outcome"] = event.payload.get("outcome", "")
        payload["outcome_label"] = (
            str(ComplaintOutcome(event.payload["outcome"]).label)
            if event.payload.get("outcome") in ComplaintOutcome.values
            else ""
        )
        if side in (Side.DISTRICT, Side.SCHOOL):
            payload["deduction_percent"] = event.payload.get("deduction_percent")
            payload["deduction_month"] = event.payload.get("deduction_month")
    return {
        "kind": event.kind,
        "label": str(event.get_kind_display()),
        "side": event.side,
        "side_label": str(event.get_side_display()),
        "actor": actor,
        "note": event.note,
        "at": event.created_at,
        "late": bool(event.payload.get("late")),
        "files": [files[f] for f in event.payload.get("files", []) if f in files],
        **payload,
    }


# --------------------------------------------------------------------------- for other apps


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def verified_complaints_for(staff, month: date) -> QuerySet[Complaint]:
    """Billing's evidence: verified complaints about ``staff`` (a ``scheduling.StaffMember``)
    concerning the month of ``month`` (any day of it), oldest first. Each row has
    ``deduction_percent`` (10–100 of that month's subsidy, or None: verified without a
    deduction), ``verified_at``, ``deduction_month`` and ``public_id`` to cite. A complaint
    reopened by the district drops out (its evidence is withdrawn) until closed again."""
    return Complaint.objects.filter(
        staff=staff,
        outcome=ComplaintOutcome.VERIFIED,
        deduction_month=first_of_month(month),
    ).order_by("verified_at", "id")


def overdue_complaints(*, district, now: datetime | None = None, school=None) -> QuerySet:
    """Open complaints past their deadline (not acknowledged, or not closed, in time),
    oldest deadline first — reporting turns each into a district alert."""
    now = now or timezone.now()
    qs = Complaint.objects.filter(district=district).overdue(now).select_related("school")
    if school is not None:
        qs = qs.filter(school=school)
    return qs.order_by("ack_due_at", "id")


@dataclass
class ComplaintSummary:
    school_id: int
    total: int = 0
    verified: int = 0
    not_verified: int = 0
    open: int = 0
    overdue_now: int = 0
    missed_deadline: int = 0
    escalated: int = 0
    flagged: int = 0
    reopened: int = 0


def complaint_summary(*, district, semester=None, now: datetime | None = None) -> dict:
    """Per school id, the complaints of ``semester`` (all when None): one grouped query.
    ``missed_deadline`` counts complaints acknowledged or closed late, or escalated while
    overdue; ``overdue_now`` those open past their deadline at ``now``."""
    now = now or timezone.now()
    qs = Complaint.objects.filter(district=district)
    if semester is not None:
        qs = qs.filter(semester=semester)
    overdue = Q(status=ComplaintStatus.SUBMITTED, ack_due_at__lt=now) | Q(
        status=ComplaintStatus.INVESTIGATING, resolve_due_at__lt=now
    )
    rows = qs.values("school_id").annotate(
        total=Count("id"),
        verified=Count("id", filter=Q(outcome=ComplaintOutcome.VERIFIED)),
        not_verified=Count("id", filter=Q(outcome=ComplaintOutcome.NOT_VERIFIED)),
        open=Count(
            "id", filter=Q(status__in=[ComplaintStatus.SUBMITTED, ComplaintStatus.INVESTIGATING])
        ),
        overdue_now=Count("id", filter=overdue),
        missed_deadline=Count("id", filter=Q(missed_deadline=True) | overdue),
        escalated=Count("id", filter=Q(escalated_at__isnull=False)),
        flagged=Count("id", filter=Q(flagged_at__isnull=False)),
        reopened=Count("id", filter=Q(reopened_count__gt=0)),
    )
    return {row["school_id"]: ComplaintSummary(**row) for row in rows}
