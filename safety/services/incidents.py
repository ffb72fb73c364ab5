"""Incidents: recorded by a teacher, acknowledged by a guardian, amended, never rewritten.

* ``record_incident`` — a teacher of the child's group (or a manager) records kind, time,
  place, what happened and what was done, with up to ``MAX_PHOTOS`` photos or PDFs (checked
  by their first bytes, at most ``MAX_MB`` each; photos re-encoded without their metadata).
  A photo of a child needs the guardians' photo consent in force: without it the whole
  incident is refused and nothing is written. In the same transaction the guardians get an
  inbox message (delivered after commit by the outbox); a serious incident is also sent to
  the school's principal and administrators and to the district's officials, and marked
  ``escalated_at`` (a CHECK constraint backs it).
* ``edit_incident`` — the recorder may correct it while no guardian has acknowledged it
  (audited with the names of the changed fields; the guardians are told what changed);
  afterwards it is a Conflict (409) — and a trigger refuses the UPDATE in PostgreSQL too
  (migration 0003): only ``amend_incident`` remains, which appends an
  ``IncidentAmendment`` (append-only in the database) and tells the guardians.
* ``acknowledge_incident`` — a guardian, once (the row is locked; a second one is 409).

Files are written after the rows are validated, under ``MEDIA_ROOT/safety/`` (outside the web
root), and deleted again if the transaction fails.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import MANAGER_ROLES, Membership, User
from aftercare.notifications import notify
from aftercare.roles import OFFICIAL_ROLES
from aftercare.rules import require
from aftercare.tenancy import Scope
from enrollment.models import Guardianship, Student
from scheduling.documents import sniff

from .. import rules, selectors
from ..models import (
    TEXT_MAX,
    ConsentPurpose,
    Incident,
    IncidentAmendment,
    IncidentKind,
    IncidentPhoto,
    IncidentSeverity,
)

MAX_MB = 5
MAX_PHOTOS = 4
MAX_PIXELS = 40_000_000


@dataclass
class CheckedFile:
    name: str
    content_type: str
    extension: str
    content: bytes


def _refuse(message) -> InvalidInput:
    return InvalidInput(fields={"photos": [message]}, code="bad_photo")


def _clean_image(data: bytes, content_type: str, name: str) -> bytes:
    fmt = "PNG" if content_type == "image/png" else "JPEG"
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.size[0] * probe.size[1] > MAX_PIXELS:
                raise _refuse(_("“%(name)s” has too many pixels.") % {"name": name})
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=fmt, **({"quality": 88} if fmt == "JPEG" else {}))
            return out.getvalue()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise _refuse(_("“%(name)s” could not be read as a photo.") % {"name": name}) from exc


def check_photos(files, *, already: int = 0) -> list[CheckedFile]:
    """Every upload checked (type by its bytes: PDF, JPEG, PNG; size; count) or InvalidInput
    on ``photos``. Nothing is stored here."""
    files = [f for f in (files or []) if f is not None]
    if already + len(files) > MAX_PHOTOS:
        raise _refuse(_("At most %(n)d photos or files per incident.") % {"n": MAX_PHOTOS})
    checked = []
    for upload in files:
        name = (getattr(upload, "name", "") or "photo")[-100:]
        if upload.size > MAX_MB * 1024 * 1024:
            raise _refuse(
                _("“%(name)s” is %(size).1f MB; files may be at most %(max)d MB.")
                % {"name": name, "size": upload.size / 1024 / 1024, "max": MAX_MB}
            )
        upload.seek(0)
        data = upload.read(MAX_MB * 1024 * 1024 + 1)
        upload.seek(0)
        if len(data) > MAX_MB * 1024 * 1024:
            raise _refuse(_("“%(name)s” is over %(max)d MB.") % {"name": name, "max": MAX_MB})
        found = sniff(data[:16])
        if found is None:
            raise _refuse(_("“%(name)s” is not a JPEG or PNG photo or a PDF.") % {"name": name})
        if found.content_type.startswith("image/"):
            data = _clean_image(data, found.content_type, name)
        checked.append(CheckedFile(name, found.content_type, found.extension, data))
    return checked


def _clean_fields(*, kind, severity, occurred_at, place, description, action_taken) -> dict:
    errors: dict[str, list] = {}
    if kind not in IncidentKind.values:
        errors["kind"] = [_("Choose what kind of incident it was.")]
    if severity not in IncidentSeverity.values:
        errors["severity"] = [_("Choose how serious it was.")]
    now = timezone.now()
    if not isinstance(occurred_at, datetime):
        errors["occurred_at"] = [_("Give the date and time it happened.")]
    elif occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = [_("The time is in the future.")]
    elif occurred_at < now - timedelta(days=30):
        errors["occurred_at"] = [_("Record incidents within 30 days.")]
    texts = {
        "place": (place or "").strip(),
        "description": (description or "").strip(),
        "action_taken": (action_taken or "").strip(),
    }
    for name, value in texts.items():
        limit = 100 if name == "place" else TEXT_MAX
        if not value:
            errors[name] = [_("This field is required.")]
        elif len(value) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    if errors:
        raise InvalidInput(fields=errors)
    return {"kind": kind, "severity": severity, "occurred_at": occurred_at, **texts}


def _guardians(student: Student):
    return [g.user for g in Guardianship.objects.filter(student=student).select_related("user")]


def _url(incident: Incident) -> str:
    return reverse("safety_incident", args=[incident.public_id])


def _store(incident: Incident, checked: list[CheckedFile], actor, written: list[str]) -> None:
    now = timezone.now()
    for item in checked:
        photo = IncidentPhoto(
            district_id=incident.district_id,
            school_id=incident.school_id,
            incident=incident,
            content_type=item.content_type,
            size=len(item.content),
            uploaded_by=actor,
            uploaded_at=now,
        )
        photo.file.save(f"file.{item.extension}", ContentFile(item.content), save=False)
        written.append(photo.file.name)
        photo.save()


def _delete_files(names: list[str]) -> None:
    for name in names:
        IncidentPhoto.file.field.storage.delete(name)


def record_incident(
    *,
    actor,
    student: Student,
    kind: str,
    occurred_at,
    place: str,
    description: str,
    action_taken: str,
    severity: str = IncidentSeverity.MINOR,
    photos=None,
) -> Incident:
    """Errors: NotAllowed (not the child's group teacher nor a manager), InvalidInput (fields,
    photos, ``consent_missing`` for a photo without photo consent)."""
    scope = Scope(actor)
    require(
        rules.can_record_incident(scope, student),
        _("Only the teachers of the child's group and the school's managers record incidents."),
    )
    fields = _clean_fields(
        kind=kind,
        severity=severity,
        occurred_at=occurred_at,
        place=place,
        description=description,
        action_taken=action_taken,
    )
    checked = check_photos(photos)
    if checked and not selectors.has_consent(student, ConsentPurpose.PHOTOS):
        raise InvalidInput(
            _("The guardians have not consented to photos of this child: record it without them."),
            code="consent_missing",
            fields={"photos": [_("No photo consent for this child.")]},
        )
    now = timezone.now()
    written: list[str] = []
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                district_id=student.district_id,
                school_id=student.school_id,
                student=student,
                recorded_by=actor,
                recorded_at=now,
                escalated_at=now if fields["severity"] == IncidentSeverity.SERIOUS else None,
                **fields,
            )
            _store(incident, checked, actor, written)
            _notify_recorded(incident)
            record_event(
                actor=actor,
                action="safety.incident_recorded",
                obj=incident,
                payload={
                    "kind": incident.kind,
                    "severity": incident.severity,
                    "photos": len(checked),
                    "student": str(student.public_id),
                },
            )
    except BaseException:
        _delete_files(written)
        raise
    return incident


def _notify_recorded(incident: Incident) -> None:
    student = incident.student
    kind = incident.get_kind_display()
    when = timezone.localtime(incident.occurred_at).strftime("%m-%d %H:%M")
    for user in _guardians(student):
        notify(
            recipient=user,
            district=incident.district,
            title=_("%(kind)s: %(child)s at %(when)s — please read and acknowledge")
            % {"kind": kind, "child": student.name, "when": when},
            body=incident.action_taken,
            url=_url(incident),
            key=f"safety:incident:{incident.pk}:guardian:{user.pk}",
        )
    if incident.severity != IncidentSeverity.SERIOUS:
        return
    staff = Membership.objects.filter(
        district_id=incident.district_id, school_id=incident.school_id, role__in=MANAGER_ROLES
    ) | Membership.objects.filter(
        district_id=incident.district_id, school__isnull=True, role__in=OFFICIAL_ROLES
    )
    for user in User.objects.filter(pk__in=staff.values("user_id")).order_by("pk"):
        notify(
            recipient=user,
            district=incident.district,
            title=_("Serious incident at %(school)s: %(kind)s, %(when)s")
            % {"school": incident.school.name, "kind": kind, "when": when},
            body=incident.description,
            url=_url(incident),
            key=f"safety:incident:{incident.pk}:serious:{user.pk}",
        )


def _notify_corrected(incident: Incident, changed: list[str], photos: int) -> None:
    """The guardians are told what the recorder corrected (field labels, not values)."""
    labels = [str(Incident._meta.get_field(name).verbose_name) for name in changed]
    if photos:
        labels.append(_("photos"))
    for user in _guardians(incident.student):
        notify(
            recipient=user,
            district=incident.district,
            title=_("The teacher corrected the incident report about %(child)s")
            % {"child": incident.student.name},
            body=_("Corrected: %(fields)s. Please read it again.") % {"fields": "、".join(labels)},
            url=_url(incident),
            key=f"safety:incident:{incident.pk}:corrected:{timezone.now().timestamp()}:{user.pk}",
        )


def _locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update()
        .select_related("student", "district")
        .get(pk=incident.pk)
    )


def edit_incident(*, actor, incident: Incident, photos=None, **values) -> Incident:
    """The recorder corrects an incident nobody has acknowledged yet. Errors: NotAllowed,
    Conflict (``acknowledged``: amend it instead), InvalidInput."""
    require(
        rules.can_edit_incident(Scope(actor), incident),
        _("Only the teacher who recorded it corrects it."),
    )
    fields = _clean_fields(
        kind=values.get("kind", incident.kind),
        severity=values.get("severity", incident.severity),
        occurred_at=values.get("occurred_at", incident.occurred_at),
        place=values.get("place", incident.place),
        description=values.get("description", incident.description),
        action_taken=values.get("action_taken", incident.action_taken),
    )
    checked = check_photos(photos, already=incident.photos.count())
    if checked and not selectors.has_consent(incident.student, ConsentPurpose.PHOTOS):
        raise InvalidInput(
            fields={"photos": [_("No photo consent for this child.")]}, code="consent_missing"
        )
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = _locked(incident)
            if locked.is_acknowledged:
                raise Conflict(
                    _("A guardian has acknowledged this incident: add an amendment instead."),
                    code="acknowledged",
                )
            was_serious = locked.severity == IncidentSeverity.SERIOUS
            changed = sorted(n for n, v in fields.items() if getattr(locked, n) != v)
            for name, value in fields.items():
                setattr(locked, name, value)
            if locked.severity == IncidentSeverity.SERIOUS and not was_serious:
                locked.escalated_at = timezone.now()
            if was_serious and locked.severity != IncidentSeverity.SERIOUS:
                raise InvalidInput(
                    fields={
                        "severity": [
                            _("A serious incident was reported to the district: amend it instead.")
                        ]
                    }
                )
            locked.save()
            _store(locked, checked, actor, written)
            if locked.severity == IncidentSeverity.SERIOUS and not was_serious:
                _notify_recorded(locked)
            if changed or checked:
                _notify_corrected(locked, changed, len(checked))
            record_event(
                actor=actor,
                action="safety.incident_edited",
                obj=locked,
                payload={"changed": changed, "photos": len(checked)},
            )
    except BaseException:
        _delete_files(written)
        raise
    return locked


def acknowledge_incident(*, actor, incident: Incident) -> Incident:
    """A guardian acknowledges, once. Errors: NotAllowed, Conflict (already acknowledged)."""
    require(
        rules.can_acknowledge(Scope(actor), incident),
        _("Only the child's guardians acknowledge an incident."),
    )
    with transaction.atomic():
        locked = _locked(incident)
        if locked.is_acknowledged:
            raise Conflict(_("This incident has already been acknowledged."), code="acknowledged")
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = actor
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
        notify(
            recipient=locked.recorded_by,
            district=locked.district,
            title=_("%(child)s's guardian acknowledged the incident")
            % {"child": locked.student.name},
            url=_url(locked),
            key=f"safety:incident:{locked.pk}:ack",
        )
        record_event(actor=actor, action="safety.incident_acknowledged", obj=locked)
    return locked


def amend_incident(*, actor, incident: Incident, text: str) -> IncidentAmendment:
    """Append an amendment (staff who may act on the incident). Errors: NotAllowed,
    InvalidInput (empty or too long)."""
    require(
        rules.can_amend(Scope(actor), incident),
        _("Only the school's staff who care for the child amend an incident."),
    )
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={"text": [_("Write what is added or corrected.")]})
    if len(text) > TEXT_MAX:
        raise InvalidInput(fields={"text": [_("At most %(n)d characters.") % {"n": TEXT_MAX}]})
    with transaction.atomic():
        locked = _locked(incident)
        amendment = IncidentAmendment.objects.create(
            district_id=locked.district_id,
            school_id=locked.school_id,
            incident=locked,
            text=text,
            written_by=actor,
            written_at=timezone.now(),
        )
        for user in _guardians(locked.student):
            notify(
                recipient=user,
                district=locked.district,
                title=_("The school added to the incident report about %(child)s")
                % {"child": locked.student.name},
                body=text,
                url=_url(locked),
                key=f"safety:amendment:{amendment.pk}:{user.pk}",
            )
        record_event(
            actor=actor,
            action="safety.incident_amended",
            obj=locked,
            payload={"amendment": str(amendment.public_id)},
        )
    return amendment
