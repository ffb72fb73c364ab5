"""Writing audit events. Services call ``record_event`` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, District, School

# Human labels of action codes, for the audit pages. Apps add theirs with register_actions.
ACTION_LABELS: dict[str, Any] = {
    "semester.created": _("Semester created"),
    "calendar.exception_added": _("Calendar date added"),
    "calendar.exception_removed": _("Calendar date removed"),
    "membership.granted": _("Role granted"),
    "student.viewed": _("Student record viewed"),
    "policy.created": _("Policy started from a preset"),
    "policy.changed": _("Policy changed"),
    "plan.created": _("Plan created"),
    "plan.edited": _("Plan edited"),
    "plan.submitted": _("Plan submitted"),
    "plan.approved": _("Plan approved"),
    "plan.returned": _("Plan returned"),
    "plan.published": _("Plan published"),
    "plan.amendment_started": _("Plan amendment started"),
}


def register_actions(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str):
    return ACTION_LABELS.get(action, action)


def _district_and_school(obj) -> tuple[District | None, School | None]:
    if obj is None:
        return None, None
    if isinstance(obj, District):
        return obj, None
    if isinstance(obj, School):
        return obj.district, obj
    return getattr(obj, "district", None), getattr(obj, "school", None)


def record_event(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    district: District | None = None,
    school: School | None = None,
    payload: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit event. District and school default to the object's own."""
    obj_district, obj_school = _district_and_school(obj)
    district = district or obj_district or (school.district if school else None)
    school = school or obj_school
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        district=district,
        school=school,
        actor=actor,
        actor_repr=str(actor)[:100] if actor else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(getattr(obj, "public_id", None) or getattr(obj, "pk", "") or ""),
        object_repr=str(obj)[:200] if obj is not None else "",
        payload=payload or {},
        ip_address=ip_address,
    )
