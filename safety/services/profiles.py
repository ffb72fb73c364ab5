"""Writing a child's safety profile, and reading its medical notes with an audit trail.

* ``save_profile`` — by a guardian: emergency contacts (at least
  ``settings.SAFETY_MIN_EMERGENCY_CONTACTS``, each with a name, relation and an 11-digit mobile,
  no number twice), allergies, conditions, what to do, medication. Medical notes need the
  guardian's medical consent in force (``safety.selectors.has_consent``); ``confirm`` records
  that the guardian checked it for the current semester. One row per child (``select_for_update``
  on an existing one; the unique student key settles two first saves).
* ``read_medical`` — every staff read of a profile with medical notes writes a
  ``safety.medical_viewed`` audit event (the guardians' own reads are not audited).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.rules import require
from aftercare.tenancy import Scope
from enrollment.models import Student

from .. import rules, selectors
from ..models import TEXT_MAX, ConsentPurpose, SafetyProfile

MOBILE = re.compile(r"^1\d{10}$")
MAX_CONTACTS = 5
MEDICAL_FIELDS = ("allergies", "conditions", "what_to_do", "medication")


def min_contacts() -> int:
    return int(getattr(settings, "SAFETY_MIN_EMERGENCY_CONTACTS", 2))


def clean_contacts(contacts) -> list[dict]:
    """Contacts as stored, or InvalidInput on ``contacts`` saying what is wrong."""
    if not isinstance(contacts, list):
        raise InvalidInput(fields={"contacts": [_("Give the emergency contacts as a list.")]})
    cleaned, seen = [], set()
    for index, raw in enumerate(contacts, start=1):
        if not isinstance(raw, dict):
            raise InvalidInput(
                fields={"contacts": [_("Contact %(n)d is not valid.") % {"n": index}]}
            )
        name = str(raw.get("name") or "").strip()[:40]
        relation = str(raw.get("relation") or "").strip()[:20]
        mobile = str(raw.get("mobile") or "").strip()
        if not (name or relation or mobile):
            continue
        if not name or not MOBILE.match(mobile):
            raise InvalidInput(
                fields={
                    "contacts": [
                        _("Contact %(n)d needs a name and an 11-digit mobile number.")
                        % {"n": index}
                    ]
                }
            )
        if mobile in seen:
            raise InvalidInput(
                fields={"contacts": [_("The number %(m)s is given twice.") % {"m": mobile}]}
            )
        seen.add(mobile)
        cleaned.append({"name": name, "relation": relation, "mobile": mobile})
    if len(cleaned) < min_contacts():
        raise InvalidInput(
            fields={
                "contacts": [
                    _("Give at least %(n)d emergency contacts who can be reached.")
                    % {"n": min_contacts()}
                ]
            }
        )
    if len(cleaned) > MAX_CONTACTS:
        raise InvalidInput(
            fields={"contacts": [_("At most %(n)d contacts.") % {"n": MAX_CONTACTS}]}
        )
    return cleaned


def save_profile(
    *,
    actor,
    student: Student,
    contacts: list,
    allergies: str = "",
    conditions: str = "",
    what_to_do: str = "",
    medication: str = "",
    confirm: bool = False,
) -> SafetyProfile:
    """Create or replace the child's profile. Errors: NotAllowed (not a guardian),
    InvalidInput (contacts, too long, medical notes without medical consent, an alert without
    what to do)."""
    scope = Scope(actor)
    require(rules.can_edit_profile(scope, student), _("Only the child's guardians keep this."))
    contacts = clean_contacts(contacts)
    medical = {
        "allergies": (allergies or "").strip(),
        "conditions": (conditions or "").strip(),
        "what_to_do": (what_to_do or "").strip(),
        "medication": (medication or "").strip(),
    }
    errors = {
        name: [_("At most %(n)d characters.") % {"n": TEXT_MAX}]
        for name, value in medical.items()
        if len(value) > TEXT_MAX
    }
    if errors:
        raise InvalidInput(fields=errors)
    has_medical = any(medical.values())
    if has_medical and not selectors.has_consent(student, ConsentPurpose.MEDICAL):
        raise InvalidInput(
            _(
                "Medical notes are kept only with your consent to “keeping allergies and medical "
                "notes for the teachers”: give it on the consent page first."
            ),
            code="consent_missing",
            fields={"allergies": [_("Consent for medical notes is missing.")]},
        )
    has_alert = bool(medical["allergies"] or medical["conditions"])
    if has_alert and not medical["what_to_do"]:
        raise InvalidInput(
            fields={"what_to_do": [_("Say what the teacher should do if it happens.")]}
        )
    now = timezone.now()
    semester = selectors.current_semester(student.district_id, timezone.localdate(now))
    try:
        with transaction.atomic():
            profile = SafetyProfile.objects.select_for_update().filter(student=student).first()
            created = profile is None
            if created:
                profile = SafetyProfile(
                    district_id=student.district_id, school_id=student.school_id, student=student
                )
            changed = sorted(
                name
                for name in ("contacts", *MEDICAL_FIELDS)
                if getattr(profile, name) != (contacts if name == "contacts" else medical[name])
            )
            profile.contacts = contacts
            for name, value in medical.items():
                setattr(profile, name, value)
            profile.has_alert = has_alert
            if confirm:
                profile.confirmed_semester = semester
                profile.confirmed_at = now
                profile.confirmed_by = actor
            profile.save()
            record_event(
                actor=actor,
                action="safety.profile_confirmed" if confirm else "safety.profile_saved",
                obj=profile,
                payload={"changed": changed, "created": created, "alert": has_alert},
            )
    except IntegrityError as exc:  # two first saves at once
        raise Conflict(code="profile_saved_meanwhile") from exc
    return profile


def read_medical(*, actor, student: Student, profile: SafetyProfile | None, via: str = "page"):
    """Record a staff read of the child's medical notes (nothing when there are none, or when
    the reader is a guardian). Runs in its own transaction: the read is kept even when the
    page fails later."""
    if profile is None or not profile.has_medical:
        return None
    scope = Scope(actor)
    if rules.is_guardian(scope, student):
        return None
    return record_event(
        actor=actor,
        action="safety.medical_viewed",
        obj=profile,
        payload={"via": via, "student": str(student.public_id)},
    )
