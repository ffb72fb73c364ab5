"""Writes of the staff roster, vetting, rooms and the district's institution whitelist.

Keyword-only, one transaction each, audited. Callers found the objects through
``visible_to`` (another tenant's never reaches here); these answer ``NotAllowed`` for a wrong
role and ``InvalidInput`` with field messages for bad data. Who may be scheduled is decided
here too (``schedulable_problem``), for the assignment service to refuse the rest.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import District, School, User
from aftercare.rules import require_school_manager
from aftercare.tenancy import Scope
from scheduling import rules
from scheduling.documents import check_document
from scheduling.models import (
    Institution,
    InstitutionStatus,
    Room,
    StaffKind,
    StaffMember,
    VettingRecord,
    VettingStep,
)
from scheduling.selectors import staff_users

INSTITUTION_FIELDS = (
    "name",
    "licence_number",
    "licence_valid_until",
    "price_list",
    "evaluation_score",
    "evaluation_note",
)
STAFF_FIELDS = (
    "kind",
    "full_name",
    "mobile",
    "user",
    "institution",
    "instructor",
    "subject",
    "note",
    "is_active",
)


def _require_official(actor: User, district_id: int) -> None:
    if not rules.can_manage_institutions(Scope(actor), district_id):
        raise NotAllowed(_("Only district officials can do this."))


# --------------------------------------------------------------------------- institutions


def _check_institution(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if not (values.get("name") or "").strip():
        errors["name"] = [_("This field is required.")]
    if not (values.get("licence_number") or "").strip():
        errors["licence_number"] = [_("Enter the institution's licence number.")]
    score = values.get("evaluation_score")
    if score is not None and not (0 <= score <= 100):
        errors["evaluation_score"] = [
            _("Satisfaction is a percentage from 0 to 100, not %(value)s.") % {"value": score}
        ]
    if errors:
        raise InvalidInput(fields=errors)


@transaction.atomic
def save_institution(
    *,
    actor: User,
    district: District,
    data: dict[str, Any],
    institution: Institution | None = None,
) -> Institution:
    """Add an institution to the district's whitelist (approved) or change its details.
    Errors: NotAllowed (not an official of the district), InvalidInput."""
    _require_official(actor, district.pk)
    values = {k: data[k] for k in INSTITUTION_FIELDS if k in data}
    if institution is not None:
        merged = {k: getattr(institution, k) for k in INSTITUTION_FIELDS} | values
    else:
        merged = values
    _check_institution(merged)
    created = institution is None
    if created:
        institution = Institution(district=district, status=InstitutionStatus.APPROVED)
    for key, value in values.items():
        setattr(institution, key, value.strip() if isinstance(value, str) else value)
    try:
        with transaction.atomic():
            institution.save()
    except IntegrityError as err:
        raise InvalidInput(
            fields={"name": [_("The district already lists an institution of this name.")]}
        ) from err
    record_event(
        actor=actor,
        action="institution.added" if created else "institution.changed",
        obj=institution,
        district=district,
        payload={k: str(v) for k, v in values.items()},
    )
    return institution


@transaction.atomic
def set_institution_status(
    *, actor: User, institution: Institution, status: str, note: str = ""
) -> Institution:
    """Approve, suspend or remove (exit) an institution. Its instructors can be scheduled only
    while it is approved; existing assignments show as violations on the schools' pages.
    Errors: NotAllowed, InvalidInput (status; a reason is required to suspend or exit)."""
    _require_official(actor, institution.district_id)
    if status not in InstitutionStatus.values:
        raise InvalidInput(fields={"status": [_("Choose a valid status.")]})
    note = (note or "").strip()
    if status != InstitutionStatus.APPROVED and not note:
        raise InvalidInput(fields={"status_note": [_("Give the reason.")]})
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    previous = institution.status
    institution.status = status
    institution.status_note = note[:200]
    institution.status_changed_at = timezone.now()
    institution.save(update_fields=["status", "status_note", "status_changed_at"])
    record_event(
        actor=actor,
        action="institution.status_changed",
        obj=institution,
        payload={"from": previous, "to": status, "note": note},
    )
    return institution


# --------------------------------------------------------------------------- staff


def _clean_staff(school: School, values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    kind = values.get("kind")
    if kind not in StaffKind.values:
        errors["kind"] = [_("Choose a valid kind.")]
    if not (values.get("full_name") or "").strip():
        errors["full_name"] = [_("This field is required.")]
    user = values.get("user")
    if kind == StaffKind.SCHOOL_TEACHER and user is None:
        errors["user"] = [_("Choose the teacher's account: a teacher of this school logs in.")]
    if user is not None and not staff_users(school).filter(pk=user.pk).exists():
        errors["user"] = [
            _("%(user)s holds no staff role at %(school)s.") % {"user": user, "school": school}
        ]
    institution = values.get("institution")
    if kind == StaffKind.INSTITUTION:
        if institution is None:
            errors["institution"] = [_("Choose the institution the instructor comes from.")]
        elif institution.district_id != school.district_id:
            errors["institution"] = [_("Choose an institution of this district.")]
    elif institution is not None:
        errors["institution"] = [_("Only an institution's instructor belongs to an institution.")]
    instructor = values.get("instructor")
    if instructor is not None and (
        institution is None or instructor.institution_id != institution.pk
    ):
        errors["instructor"] = [_("Choose an entry of the chosen institution's staff list.")]
    if kind in StaffKind.values and kind != StaffKind.SCHOOL_TEACHER and not values.get("mobile"):
        errors["mobile"] = [_("Enter a mobile number to reach this person.")]
    return errors


@transaction.atomic
def save_staff(
    *,
    actor: User,
    school: School,
    data: dict[str, Any],
    staff: StaffMember | None = None,
) -> StaffMember:
    """Add a staff member to the school's roster or change one.

    A teacher of the school is linked to their user account (name and mobile default to the
    account's). An institution's instructor must come from an institution the district has
    approved. Errors: NotAllowed, InvalidInput (per field; a mobile or account already on
    the roster)."""
    require_school_manager(actor, school)
    values = {k: data[k] for k in STAFF_FIELDS if k in data}
    if values.get("mobile") == "":
        values["mobile"] = None
    user = values.get("user", staff.user if staff else None)
    if user is not None and values.get("kind", staff.kind if staff else None) == (
        StaffKind.SCHOOL_TEACHER
    ):
        if not (values.get("full_name") or (staff and staff.full_name)):
            values["full_name"] = user.full_name or str(user)
        if "mobile" not in values and not (staff and staff.mobile):
            values["mobile"] = user.mobile
    merged = {k: getattr(staff, k) for k in STAFF_FIELDS} | values if staff else values
    errors = _clean_staff(school, merged)
    institution = merged.get("institution")
    changed_institution = staff is None or (
        institution is not None and institution.pk != staff.institution_id
    )
    if (
        not errors
        and institution is not None
        and changed_institution
        and institution.status != InstitutionStatus.APPROVED
    ):
        errors["institution"] = [
            _("%(name)s is not on the district's approved list (%(status)s).")
            % {"name": institution.name, "status": institution.get_status_display()}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    created = staff is None
    if created:
        staff = StaffMember(district_id=school.district_id, school=school)
    for key, value in values.items():
        setattr(staff, key, value.strip() if isinstance(value, str) else value)
    try:
        with transaction.atomic():
            staff.save()
    except IntegrityError as err:
        text = str(err)
        field = "user" if "staff_user_once" in text else "mobile"
        raise InvalidInput(
            fields={field: [_("This person is already on the school's staff list.")]}
        ) from err
    record_event(
        actor=actor,
        action="staff.added" if created else "staff.changed",
        obj=staff,
        payload={k: "" if v is None else str(v) for k, v in values.items() if k != "user"},
    )
    return staff


@transaction.atomic
def record_vetting(
    *, actor: User, staff: StaffMember, step: str, done_on: date, upload
) -> VettingRecord:
    """Record one vetting step with its date and document (PDF, JPEG or PNG, its type read
    from the file itself; ``scheduling.documents``). A step recorded again replaces the
    earlier document (the old file is removed after commit). Errors: NotAllowed,
    InvalidInput (step, date in the future, document type or size, a teacher of the school)."""
    school = staff.school
    require_school_manager(actor, school)
    errors: dict[str, list[str]] = {}
    if step not in VettingStep.values:
        errors["step"] = [_("Choose a valid step.")]
    if not staff.needs_vetting:
        errors["step"] = [_("Teachers of the school need no vetting.")]
    if done_on is None:
        errors["done_on"] = [_("This field is required.")]
    elif done_on > timezone.localdate():
        errors["done_on"] = [
            _("The date %(date)s is in the future.") % {"date": done_on.isoformat()}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    sniffed = check_document(upload)
    record = (
        VettingRecord.objects.select_for_update()
        .filter(district_id=staff.district_id, staff=staff, step=step)
        .first()
    )
    old_name = record.document.name if record is not None else None
    if record is None:
        record = VettingRecord(district_id=staff.district_id, school=school, staff=staff, step=step)
    record.done_on = done_on
    record.original_name = (upload.name or "document")[-200:]
    record.content_type = sniffed.content_type
    record.size = upload.size
    record.uploaded_by = actor
    record.document.save(f"document.{sniffed.extension}", upload, save=False)
    new_name = record.document.name
    storage = record.document.storage
    # A failed transaction must not leave the new file behind; a committed one removes the
    # replaced file.
    transaction.on_commit(lambda: old_name and storage.delete(old_name))
    try:
        record.save()
    except Exception:
        storage.delete(new_name)
        raise
    record_event(
        actor=actor,
        action="staff.vetting_recorded",
        obj=staff,
        payload={"step": step, "date": done_on.isoformat(), "type": sniffed.content_type},
    )
    return record


# --------------------------------------------------------------------------- rooms


@transaction.atomic
def save_room(
    *, actor: User, school: School, data: dict[str, Any], room: Room | None = None
) -> Room:
    """Add or change a room. Errors: NotAllowed, InvalidInput (name missing or taken)."""
    require_school_manager(actor, school)
    name = (data.get("name", room.name if room else "") or "").strip()
    if not name:
        raise InvalidInput(fields={"name": [_("This field is required.")]})
    created = room is None
    if created:
        room = Room(district_id=school.district_id, school=school)
    room.name = name
    for key in ("capacity", "note", "is_active"):
        if key in data:
            setattr(room, key, data[key])
    try:
        with transaction.atomic():
            room.save()
    except IntegrityError as err:
        raise InvalidInput(
            fields={"name": [_("The school already has a room named %(name)s.") % {"name": name}]}
        ) from err
    record_event(
        actor=actor,
        action="room.added" if created else "room.changed",
        obj=room,
        payload={"name": name, "capacity": room.capacity, "active": room.is_active},
    )
    return room
