"""Serious safety incidents (``safety.Incident``, severity serious) offered to the principal
for the subsidy deduction: confirmed into a ``SafetyIncident`` (which the payout runs deduct,
``record_incident``) or declined with a reason. Billing reads safety; safety never imports
billing. One decision per incident: the review row is unique per incident, and the incident
row is locked ``FOR UPDATE`` while deciding, so two clicks decide once (the second is a
``Conflict`` naming the first decision)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import School, User
from billing.models import IncidentDecision, SafetyIncidentReview
from billing.services.payouts.common import require_manager
from billing.services.payouts.inputs import record_incident
from safety.models import Incident, IncidentSeverity
from scheduling.models import StaffMember


def offered_incidents(school: School):
    """The school's serious incidents nobody has decided on yet, oldest first."""
    return offered_incidents_in([school.pk])


def offered_incidents_in(school_ids):
    """``offered_incidents`` of several schools (ids) at once."""
    return Incident.objects.filter(
        school_id__in=school_ids, severity=IncidentSeverity.SERIOUS, subsidy_review__isnull=True
    ).order_by("occurred_at", "pk")


def decide_incident(
    *,
    actor: User,
    incident: Incident,
    decision: str,
    staff: StaffMember | None = None,
    percent: int | None = None,
    reason: str = "",
) -> SafetyIncidentReview:
    """Confirm (``staff`` responsible, ``percent`` of their semester's subsidy within the
    district's range) or decline (``reason`` required) a serious incident for the subsidy.
    Audited (``billing.incident_confirmed`` / ``billing.incident_declined``; a confirmation
    also ``billing.incident_recorded``). All or nothing in one transaction.

    Errors: NotAllowed (not the school's manager); InvalidInput (not serious, no staff or a
    staff member of another school, percent out of range, no reason); Conflict
    ``incident_decided`` when it was decided already."""
    school = incident.school
    require_manager(actor, school)
    errors: dict[str, list] = {}
    if incident.severity != IncidentSeverity.SERIOUS:
        raise InvalidInput(_("Only serious incidents are offered for the subsidy."))
    if decision not in IncidentDecision.values:
        raise InvalidInput(fields={"decision": [_("Confirm or decline.")]})
    reason = (reason or "").strip()
    if decision == IncidentDecision.CONFIRMED:
        if staff is None or staff.school_id != school.pk:
            errors["staff"] = [_("Choose the staff member responsible.")]
        if percent is None:
            errors["percent"] = [_("Give the deduction in percent.")]
    elif not reason:
        errors["reason"] = [_("Say why it does not count for the subsidy.")]
    if errors:
        raise InvalidInput(fields=errors)
    try:
        with transaction.atomic():
            Incident.objects.select_for_update().filter(pk=incident.pk).first()
            done = SafetyIncidentReview.objects.filter(incident=incident).first()
            if done is not None:
                raise Conflict(
                    _("This incident was already decided (%(decision)s).")
                    % {"decision": done.get_decision_display()},
                    code="incident_decided",
                )
            result = None
            if decision == IncidentDecision.CONFIRMED:
                day = timezone.localdate(incident.occurred_at)
                result = record_incident(
                    actor=actor,
                    staff=staff,
                    day=day,
                    percent=percent,
                    description=incident.description,
                    evidence=_("Safety incident record %(ref)s") % {"ref": incident.public_id},
                )
            review = SafetyIncidentReview.objects.create(
                district_id=school.district_id,
                school=school,
                incident=incident,
                decision=decision,
                safety_incident=result,
                reason=reason[:300],
                decided_by=actor,
            )
            record_event(
                actor=actor,
                action=f"billing.incident_{decision}",
                obj=review,
                payload={
                    "incident": str(incident.public_id),
                    "staff": staff.full_name if result else None,
                    "percent": percent if result else None,
                    "reason": reason[:300],
                },
            )
    except IntegrityError as err:
        raise Conflict(_("This incident was already decided."), code="incident_decided") from err
    return review
