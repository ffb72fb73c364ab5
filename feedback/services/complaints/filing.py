"""Filing a complaint: a guardian on the web or app, a district official from the hotline."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import Role, School, User
from enrollment.models import Guardianship, Student
from scheduling.models import Session, StaffMember

from ... import attachments as files_
from ...models import (
    DESCRIPTION_MAX,
    Complaint,
    ComplaintChannel,
    Side,
)
from .common import (
    _new_complaint,
    _subject,
    _text,
)

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
