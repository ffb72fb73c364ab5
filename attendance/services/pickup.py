"""Pickup (接送): who may take a child home, who did and when, and closing a group.

* ``add_pickup_person`` / ``remove_pickup_person`` — kept by the guardians (a partial unique
  index: one live entry per child and mobile number).
* ``record_pickup`` — the teacher records who picked a child up and when; only a guardian or a
  person the guardians authorized (an unknown person is refused); after the session's end plus
  the policy's grace it is a late pickup, counted per child (and flagged at the policy's count).
* ``close_group`` — the teacher closes the group once every child marked present has left
  (picked up or handed over to another group): the duty leader's clearing then sees it empty.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import User, mobile_validator
from aftercare.tenancy import Scope
from enrollment.models import Guardianship, Student
from scheduling.models import Session

from ..access import SessionAccess, access_of
from ..models import (
    AttendanceMark,
    Departure,
    DepartureKind,
    PickupPerson,
    PickupRelation,
    RollCall,
)
from ..models.roll import HERE_STATUSES
from ..selectors.common import policy_for_session, roster_student_ids
from .common import clean_text, day_label, inbox
from .followup import flag_late_pickups
from .roll import check_roll_time

MAX_PERSONS = 8


def _require_guardian(actor: User, student: Student) -> None:
    if not Guardianship.objects.filter(student=student, user=actor).exists():
        raise NotAllowed(_("Only the guardians of %(name)s can do this.") % {"name": student.name})


@transaction.atomic
def add_pickup_person(
    *, actor: User, student: Student, name: str, relation: str, phone: str, now=None
) -> PickupPerson:
    """A guardian authorizes someone to pick the child up. Errors: NotAllowed, InvalidInput
    (name, relation, phone, already listed, too many)."""
    now = now or timezone.now()
    _require_guardian(actor, student)
    name = clean_text(name, 41)
    phone = (phone or "").strip().replace(" ", "")
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 40:
        errors["name"] = [_("Give the person's name (at most 40 characters).")]
    if relation not in PickupRelation.values:
        errors["relation"] = [_("Choose how they are related to the child.")]
    try:
        mobile_validator(phone)
    except ValidationError:
        errors["phone"] = [_("Enter a valid 11-digit mainland mobile number.")]
    if errors:
        raise InvalidInput(fields=errors)
    live = PickupPerson.objects.select_for_update().filter(student=student, removed_at__isnull=True)
    if live.count() >= MAX_PERSONS:
        raise InvalidInput(
            fields={"name": [_("At most %(max)d people can be authorized.") % {"max": MAX_PERSONS}]}
        )
    try:
        with transaction.atomic():
            person = PickupPerson.objects.create(
                district_id=student.district_id,
                school_id=student.school_id,
                student=student,
                name=name,
                relation=relation,
                phone=phone,
                added_by=actor,
                added_at=now,
            )
    except IntegrityError as exc:
        raise InvalidInput(
            fields={"phone": [_("%(phone)s is already on the list.") % {"phone": phone}]}
        ) from exc
    record_event(
        actor=actor,
        action="pickup.person_added",
        obj=student,
        payload={"person": str(person.public_id), "relation": relation},  # ids, no names
    )
    return person


@transaction.atomic
def remove_pickup_person(*, actor: User, person: PickupPerson, now=None) -> None:
    now = now or timezone.now()
    _require_guardian(actor, person.student)
    if person.removed_at is not None:
        return
    PickupPerson.objects.filter(pk=person.pk, removed_at__isnull=True).update(removed_at=now)
    record_event(
        actor=actor,
        action="pickup.person_removed",
        obj=person.student,
        payload={"person": str(person.public_id)},
    )


def authorized_person(student: Student, key: uuid.UUID):
    """(person, guardian user) for ``key``: a live pickup person of the child, or one of its
    guardians (by user id); (None, None) when neither."""
    person = PickupPerson.objects.filter(
        public_id=key, student=student, removed_at__isnull=True
    ).first()
    if person is not None:
        return person, None
    guardianship = (
        Guardianship.objects.filter(student=student, user__public_id=key)
        .select_related("user")
        .first()
    )
    if guardianship is not None:
        return None, guardianship
    return None, None


def record_pickup(
    *,
    actor: User,
    session: Session,
    student: uuid.UUID,
    person: uuid.UUID,
    at: datetime | None = None,
    access: SessionAccess | None = None,
    now: datetime | None = None,
) -> Departure:
    """Record that ``person`` picked ``student`` up from ``session`` at ``at`` (default now).

    Errors: NotAllowed, Conflict ``not_today`` / ``session_cancelled`` / ``moved``,
    InvalidInput ``not_on_roll`` / ``not_present`` / ``unknown_pickup_person`` / a time not
    on the day or in the future. Nothing is written on any error.
    """
    now = now or timezone.now()
    access = access or access_of(Scope(actor), session)
    if not access.can_take_roll:
        raise NotAllowed(_("Only the teacher of the group records pickups."))
    check_roll_time(session, now=now, reason="")
    at = at or now
    if timezone.localdate(at) != session.date or at > now + timedelta(minutes=1):
        raise InvalidInput(fields={"at": [_("Give a time of today that is not in the future.")]})
    child = (
        Student.objects.filter(pk__in=roster_student_ids(session), public_id=student)
        .select_related("school_class")
        .first()
    )
    if child is None:
        raise InvalidInput(
            fields={
                "student": [
                    _("This child is not on the roll of %(group)s.") % {"group": session.group.name}
                ]
            },
            code="not_on_roll",
        )
    mark = AttendanceMark.objects.filter(session_id=session.pk, student=child).first()
    if mark is None or mark.status not in HERE_STATUSES:
        raise InvalidInput(
            fields={
                "student": [
                    _("%(name)s is not marked present; take the roll first.") % {"name": child.name}
                ]
            },
            code="not_present",
        )
    who, guardianship = authorized_person(child, person)
    if who is None and guardianship is None:
        raise InvalidInput(
            fields={
                "person": [
                    _(
                        "This person is not authorized to pick up %(name)s: only the guardians "
                        "and the people they listed may. Call a guardian before letting the "
                        "child go."
                    )
                    % {"name": child.name}
                ]
            },
            code="unknown_pickup_person",
        )
    policy = policy_for_session(session)
    deadline = timezone.make_aware(datetime.combine(session.date, session.end_time)) + timedelta(
        minutes=policy.late_pickup_grace_minutes
    )
    end = deadline - timedelta(minutes=policy.late_pickup_grace_minutes)
    is_late = at > deadline
    minutes_late = int((at - end).total_seconds() // 60) if is_late else 0
    if who is not None:
        name, relation = who.name, who.get_relation_display()
    else:
        name = guardianship.user.full_name or str(guardianship.user)
        relation = guardianship.get_relation_display()
    values = {
        "kind": DepartureKind.PICKED_UP,
        "person": who,
        "guardian": guardianship.user if guardianship else None,
        "handover": None,
        "picked_up_by": name[:64],
        "relation": str(relation)[:32],
        "at": at,
        "minutes_late": minutes_late,
        "is_late": is_late,
        "recorded_by": actor,
        "recorded_at": now,
    }
    with transaction.atomic():
        existing = (
            Departure.objects.select_for_update()
            .filter(district_id=session.district_id, session=session, student=child)
            .first()
        )
        if existing is not None and existing.kind == DepartureKind.MOVED:
            raise Conflict(
                _("%(name)s was handed over to another group.") % {"name": child.name},
                code="moved",
            )
        if existing is None:
            departure = Departure.objects.create(
                district_id=session.district_id,
                school_id=session.school_id,
                session=session,
                student=child,
                date=session.date,
                **values,
            )
        else:
            for key, value in values.items():
                setattr(existing, key, value)
            existing.save()
            departure = existing
        record_event(
            actor=actor,
            action="pickup.recorded" if existing is None else "pickup.corrected",
            obj=session,
            payload={
                "student": str(child.public_id),
                # who picked up, by id (the person listed, or the guardian's user)
                "person": str(who.public_id) if who is not None else "",
                "guardian": guardianship.user_id if guardianship is not None else None,
                "relation": str(relation),
                "at": at.isoformat(),
                "minutes_late": minutes_late,
            },
        )
        if who is not None:
            _tell_guardians(session, child, name, relation, at)
        if is_late:
            flag_late_pickups(session=session, student_ids=[child.pk], now=now)
    return departure


def _tell_guardians(session, child, name, relation, at) -> None:
    inbox(
        [
            {
                "district": session.district_id,
                "recipient": user_id,
                "key": f"pickup:{session.pk}:{child.pk}:{user_id}:{at.isoformat()}",
                "title": _("%(child)s was picked up by %(name)s")
                % {"child": child.name, "name": name},
                "body": _("%(relation)s %(name)s picked %(child)s up at %(time)s (%(group)s).")
                % {
                    "relation": relation,
                    "name": name,
                    "child": child.name,
                    "time": timezone.localtime(at).strftime("%H:%M"),
                    "group": session.group.name,
                },
                "url": reverse("attendance_child", args=[child.public_id]),
            }
            for user_id in Guardianship.objects.filter(student=child).values_list(
                "user_id", flat=True
            )
        ]
    )


@transaction.atomic
def close_group(
    *, actor: User, session: Session, access: SessionAccess | None = None, now=None
) -> RollCall:
    """Close the group: every child marked present or late has left. Errors: NotAllowed,
    Conflict ``no_roll`` / ``children_left`` (naming them)."""
    now = now or timezone.now()
    access = access or access_of(Scope(actor), session)
    if not access.can_take_roll:
        raise NotAllowed(_("Only the teacher of the group closes it."))
    roll = RollCall.objects.select_for_update().filter(session_id=session.pk).first()
    if roll is None:
        raise Conflict(_("Take the roll first."), code="no_roll")
    remaining = still_here(session)
    if remaining:
        raise Conflict(
            _("%(n)d children have not left yet: %(names)s.")
            % {"n": len(remaining), "names": "、".join(remaining)},
            code="children_left",
        )
    if roll.closed_at is None:
        roll.closed_at = now
        roll.closed_by = actor
        roll.save(update_fields=["closed_at", "closed_by"])
        record_event(
            actor=actor,
            action="roll.group_closed",
            obj=session,
            payload={"date": day_label(session.date)},
        )
    return roll


def still_here(session: Session) -> list[str]:
    """Names of the children marked present or late who have no departure."""
    gone = Departure.objects.filter(session_id=session.pk).values("student_id")
    return list(
        AttendanceMark.objects.filter(session_id=session.pk, status__in=HERE_STATUSES)
        .exclude(student_id__in=gone)
        .order_by("student__name")
        .values_list("student__name", flat=True)
    )
