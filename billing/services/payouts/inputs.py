"""What the principal records for the payouts: major safety incidents and labour agreements."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import InvalidInput
from aftercare.models import Semester, User
from billing.models import (
    LabourAgreement,
    RateUnit,
    SafetyIncident,
)
from billing.money import fmt
from billing.services import subsidies
from billing.services.payouts.common import (
    require_manager,
)
from scheduling.models import StaffKind, StaffMember


def record_incident(
    *,
    actor: User,
    staff: StaffMember,
    day: date,
    percent: int,
    description: str,
    evidence: str,
) -> SafetyIncident:
    """A major safety incident (重大安全事故) not handled properly: ``percent`` of the staff
    member's subsidy of the semester (within the district's 50–100 %), deducted by the
    semester's payout runs not yet approved (and, for months already approved, from the
    next ones). Audited (``billing.incident_recorded``).

    Errors: NotAllowed; InvalidInput naming the value and the bounds; Conflict when no
    semester covers the day."""
    school = staff.school
    require_manager(actor, school)
    semester = Semester.objects.filter(
        district_id=school.district_id, start_date__lte=day, end_date__gte=day
    ).first()
    if semester is None:
        raise InvalidInput(fields={"day": [_("No semester covers %(day)s.") % {"day": day}]})
    rules = subsidies.current_rules(semester)
    low, high = (rules.incident_min_percent, rules.incident_max_percent) if rules else (50, 100)
    errors: dict[str, list] = {}
    if not low <= int(percent) <= high:
        errors["percent"] = [
            _("%(value)s%% is outside the district's range of %(low)s–%(high)s%%.")
            % {"value": percent, "low": low, "high": high}
        ]
    if not (description or "").strip():
        errors["description"] = [_("Say what happened.")]
    if not (evidence or "").strip():
        errors["evidence"] = [_("Name the evidence (report number, recording, witnesses).")]
    if day > timezone.localdate():
        errors["day"] = [_("The date is in the future.")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        incident = SafetyIncident.objects.create(
            district_id=school.district_id,
            school=school,
            semester=semester,
            staff=staff,
            date=day,
            percent=int(percent),
            description=description.strip()[:500],
            evidence=evidence.strip()[:200],
            recorded_by=actor,
        )
        record_event(
            actor=actor,
            action="billing.incident_recorded",
            obj=incident,
            payload={"staff": staff.full_name, "date": str(day), "percent": int(percent)},
        )
    return incident


def save_agreement(
    *, actor: User, staff: StaffMember, rate_unit: str, rate_fen: int, note: str = ""
) -> LabourAgreement:
    """What a staff member who is not the school's own teacher is paid under their signed
    agreement (劳务费). Audited (``billing.agreement_saved``). Errors: NotAllowed;
    InvalidInput (a school teacher or volunteer; a negative rate; an unknown unit)."""
    require_manager(actor, staff.school)
    errors = {}
    if staff.kind in (StaffKind.SCHOOL_TEACHER, StaffKind.VOLUNTEER):
        errors["staff"] = [
            _("%(name)s is paid by the school's subsidy rules, not an agreement.")
            % {"name": staff.full_name}
            if staff.kind == StaffKind.SCHOOL_TEACHER
            else _("Volunteers are not paid.")
        ]
    if rate_unit not in RateUnit.values:
        errors["rate_unit"] = [_("Choose per session or per lesson.")]
    if rate_fen is None or rate_fen < 0:
        errors["rate"] = [_("Not negative.")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        agreement, _created = LabourAgreement.objects.update_or_create(
            district_id=staff.district_id,
            staff=staff,
            defaults={
                "school": staff.school,
                "rate_unit": rate_unit,
                "rate_fen": rate_fen,
                "note": note[:200],
                "updated_by": actor,
                "updated_at": timezone.now(),
            },
        )
        record_event(
            actor=actor,
            action="billing.agreement_saved",
            obj=agreement,
            payload={"staff": staff.full_name, "rate": fmt(rate_fen), "unit": rate_unit},
        )
    return agreement
