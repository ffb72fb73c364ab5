"""Writing audit events. Services call ``record_event`` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from aftercare.actions import action_label, register_actions
from aftercare.models import AuditEvent, District, School

__all__ = ["action_label", "record_event", "register_actions"]


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
