"""Writing audit events. Services call ``record_event`` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from aftercare.actions import action_label, register_actions
from aftercare.models import AuditEvent, District, School

__all__ = ["action_label", "record_event", "register_actions", "register_object_repr"]

# model label -> how an event shows the object, for models whose ``str`` names a child
# (registered by their apps): the log then references the object, not the child's name.
_object_reprs: dict[str, Any] = {}


def register_object_repr(label: str, fn) -> None:
    _object_reprs[label] = fn


def reference(obj) -> str:
    """An object by its kind and (short) id instead of its ``str``."""
    ident = getattr(obj, "public_id", None)
    return f"{obj._meta.verbose_name} #{ident.hex[:8] if ident else obj.pk}"


def _object_repr(obj) -> str:
    fn = _object_reprs.get(obj._meta.label_lower)
    return str(fn(obj) if fn is not None else obj)[:200]


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
        object_repr=_object_repr(obj) if obj is not None else "",
        payload=payload or {},
        ip_address=ip_address,
    )
