"""Handover (交接): the last-period teacher hands the staying children to a session.

``record_handover`` writes the handover and its children (one handover per source class or
source session and receiving session: a second one from the same source replaces the list
until a mismatch is resolved). ``compare_session`` — called by the roll and the handover
services, inside their transactions — compares every handover into a session with the
session's roll: the children handed over against the children of that source marked present
or late. A mismatch is flagged once (``mismatch_at``), the duty leaders of the day are told at
once (inbox, after the commit) and see it on their home page; it stays open until
``resolve_handover`` records a note (and who, if anyone, was at fault: handover violations
reduce teacher subsidies), even if the roll is corrected meanwhile.

Locks: the receiving session's handover rows (``SELECT … FOR UPDATE`` in id order) after the
roll call's row when called from the roll (the lock order of this app).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import MANAGER_ROLES, Membership, SchoolClass, User
from aftercare.tenancy import Scope
from enrollment.models import Student
from scheduling.models import Assignment, DutyRole, Session, SessionStatus

from ..access import duty_leader_users, is_duty_leader, is_school_staff, staff_record
from ..models import (
    AttendanceMark,
    Departure,
    DepartureKind,
    Fault,
    Handover,
    HandoverChild,
    HandoverStatus,
    RollCall,
)
from ..models.roll import HERE_STATUSES
from ..selectors.common import roster_student_ids
from .common import clean_text, day_label, inbox

NOTE_MAX = 300


def _check_today(session: Session, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(
            _("The session of %(date)s was cancelled.") % {"date": day_label(session.date)},
            code="session_cancelled",
        )
    today = timezone.localdate(now)
    if session.date != today:
        raise Conflict(
            _("Children are handed over on the day of the session (%(date)s), today is %(today)s.")
            % {"date": day_label(session.date), "today": day_label(today)},
            code="not_today",
        )


def record_handover(
    *,
    actor: User,
    session: Session,
    students: list[uuid.UUID],
    from_class: SchoolClass | None = None,
    from_session: Session | None = None,
    count: int | None = None,
    now: datetime | None = None,
) -> Handover:
    """Hand ``students`` (from ``from_class`` after the last period, or from an earlier
    ``from_session`` of the day) over to ``session``.

    Errors: NotAllowed (not a teacher or manager of the school), Conflict ``not_today`` /
    ``session_cancelled`` / ``resolved``, InvalidInput (no source or two, a source of another
    school, a child not of the source or not on the receiving roll, a count that differs from
    the list). Nothing is written on any error.
    """
    now = now or timezone.now()
    if not is_school_staff(Scope(actor), session.school_id):
        raise NotAllowed(_("Only the school's teachers hand children over."))
    if (from_class is None) == (from_session is None):
        raise InvalidInput(fields={"source": [_("Hand over from one class or one group.")]})
    source_school = (from_class or from_session).school_id
    if source_school != session.school_id:
        raise InvalidInput(fields={"source": [_("The source belongs to another school.")]})
    if from_session is not None and from_session.pk == session.pk:
        raise InvalidInput(fields={"source": [_("A group cannot hand over to itself.")]})
    _check_today(session, now)
    wanted = list(dict.fromkeys(students))
    if count is not None and count != len(wanted):
        raise InvalidInput(
            fields={
                "count": [
                    _("You counted %(count)d children but ticked %(n)d.")
                    % {"count": count, "n": len(wanted)}
                ]
            }
        )
    with transaction.atomic():
        on_roll = Student.objects.filter(pk__in=roster_student_ids(session))
        if from_class is not None:
            source = Student.objects.filter(school_class=from_class)
            source_label = from_class.name
        else:
            source = Student.objects.filter(pk__in=roster_student_ids(from_session))
            source_label = from_session.group.name
        found = dict(Student.objects.filter(public_id__in=wanted).values_list("public_id", "pk"))
        source_ids = set(source.filter(public_id__in=wanted).values_list("pk", flat=True))
        roll_ids = set(on_roll.filter(public_id__in=wanted).values_list("pk", flat=True))
        errors = {}
        for index, key in enumerate(wanted):
            pk = found.get(key)
            if pk is None or pk not in source_ids:
                errors[f"students.{index}"] = [
                    _("This child is not in %(source)s.") % {"source": source_label}
                ]
            elif pk not in roll_ids:
                errors[f"students.{index}"] = [
                    _("This child is not on the roll of %(group)s on %(date)s.")
                    % {"group": session.group.name, "date": day_label(session.date)}
                ]
        if errors:
            raise InvalidInput(fields=errors)
        ids = [found[k] for k in wanted]
        lookup = (
            {"from_class": from_class} if from_class is not None else {"from_session": from_session}
        )
        try:
            with transaction.atomic():
                handover, created = Handover.objects.select_for_update().get_or_create(
                    district_id=session.district_id,
                    session=session,
                    **lookup,
                    defaults={
                        "school_id": session.school_id,
                        "date": session.date,
                        "handed_by": actor,
                        "handed_by_staff": staff_record(actor, session.school_id),
                        "handed_at": now,
                        "count": len(ids),
                    },
                )
        except IntegrityError:  # created concurrently: take the row now
            handover = Handover.objects.select_for_update().get(
                district_id=session.district_id, session=session, **lookup
            )
            created = False
        if not created:
            if handover.status == HandoverStatus.RESOLVED:
                raise Conflict(
                    _("This handover was checked and resolved; it can no longer be changed."),
                    code="resolved",
                )
            handover.handed_by = actor
            handover.handed_by_staff = staff_record(actor, session.school_id)
            handover.handed_at = now
            handover.count = len(ids)
            handover.save(update_fields=["handed_by", "handed_by_staff", "handed_at", "count"])
            HandoverChild.objects.filter(handover=handover).exclude(student_id__in=ids).delete()
        HandoverChild.objects.bulk_create(
            [
                HandoverChild(district_id=session.district_id, handover=handover, student_id=pk)
                for pk in ids
            ],
            ignore_conflicts=True,
        )
        if from_session is not None:
            Departure.objects.filter(handover=handover).exclude(student_id__in=ids).delete()
            Departure.objects.bulk_create(
                [
                    Departure(
                        district_id=session.district_id,
                        school_id=session.school_id,
                        session=from_session,
                        student_id=pk,
                        date=from_session.date,
                        kind=DepartureKind.MOVED,
                        handover=handover,
                        at=now,
                        recorded_by=actor,
                        recorded_at=now,
                    )
                    for pk in ids
                ],
                ignore_conflicts=True,
            )
        record_event(
            actor=actor,
            action="handover.recorded" if created else "handover.changed",
            obj=session,
            payload={"handover": str(handover.public_id), "from": source_label, "count": len(ids)},
        )
        compare_session(session=session, now=now)
    handover.refresh_from_db()
    return handover


def compare_session(*, session: Session, now: datetime | None = None) -> list[Handover]:
    """Compare each handover into ``session`` with its roll (see the module docstring).
    Runs inside the caller's transaction; returns the handovers newly found mismatched."""
    now = now or timezone.now()
    handovers = list(
        Handover.objects.select_for_update().filter(session_id=session.pk).order_by("pk")
    )
    if not handovers:
        return []
    if not RollCall.objects.filter(session_id=session.pk).exists():
        return []
    handed: dict[int, set[int]] = {h.pk: set() for h in handovers}
    for handover_id, student_id in HandoverChild.objects.filter(handover_id__in=handed).values_list(
        "handover_id", "student_id"
    ):
        handed[handover_id].add(student_id)
    here = set(
        AttendanceMark.objects.filter(session_id=session.pk, status__in=HERE_STATUSES).values_list(
            "student_id", flat=True
        )
    )
    class_of = dict(
        Student.objects.filter(pk__in=roster_student_ids(session)).values_list(
            "pk", "school_class_id"
        )
    )
    newly = []
    for h in handovers:
        expected = handed[h.pk]
        if h.from_class_id is not None:
            source = {pk for pk, klass in class_of.items() if klass == h.from_class_id}
        else:
            source = set(
                Student.objects.filter(
                    pk__in=roster_student_ids(_session(h.from_session_id))
                ).values_list("pk", flat=True)
            )
        present = here & source
        missing = sorted(expected - present)
        extra = sorted(present - expected)
        fields = ["missing", "extra"]
        h.missing, h.extra = missing, extra
        if missing or extra:
            if h.status in (HandoverStatus.PENDING, HandoverStatus.MATCHED):
                h.status = HandoverStatus.MISMATCH
                h.mismatch_at = now
                fields += ["status", "mismatch_at"]
                newly.append(h)
        elif h.status == HandoverStatus.PENDING:
            h.status = HandoverStatus.MATCHED
            fields.append("status")
        h.save(update_fields=fields)
    if newly:
        _alert(session, newly, len(here))
    return newly


def _session(pk: int) -> Session:
    return Session.objects.select_related("group").get(pk=pk)


def _alert(session: Session, handovers: list[Handover], here: int) -> None:
    """Tell the duty leaders of the day (or, without one, the school's managers) at once."""
    users = duty_leader_users(session.school_id, session.date, session.weekday)
    if not users:
        users = list(
            Membership.objects.filter(
                school_id=session.school_id, role__in=sorted(MANAGER_ROLES)
            ).values_list("user_id", flat=True)
        )
    messages = []
    for h in handovers:
        record_event(
            actor=None,
            action="handover.mismatch",
            obj=session,
            payload={
                "handover": str(h.public_id),
                "count": h.count,
                "missing": len(h.missing),
                "extra": len(h.extra),
            },
        )
        for user_id in set(users):
            messages.append(
                {
                    "district": session.district_id,
                    "recipient": user_id,
                    "key": f"handover-mismatch:{h.pk}:{h.mismatch_at.isoformat()}:{user_id}",
                    "title": _("Handover mismatch: %(group)s") % {"group": session.group.name},
                    "body": _(
                        "%(count)d children were handed over; %(missing)d of them are not "
                        "marked present and %(extra)d present children were not handed over. "
                        "Check the group now and resolve the handover with a note."
                    )
                    % {"count": h.count, "missing": len(h.missing), "extra": len(h.extra)},
                    "url": reverse("attendance_handover", args=[h.public_id]),
                }
            )
    inbox(messages)


@transaction.atomic
def resolve_handover(
    *, actor: User, handover: Handover, note: str, fault: str, now: datetime | None = None
) -> Handover:
    """Close a mismatch with a note and whom (if anyone) it is attributed to.

    Errors: NotAllowed (the duty leader of the day or a manager), Conflict ``not_open``,
    InvalidInput (note, fault)."""
    now = now or timezone.now()
    handover = (
        Handover.objects.select_for_update().select_related("session__group").get(pk=handover.pk)
    )
    session = handover.session
    if not is_duty_leader(Scope(actor), session.school_id, session.date):
        raise NotAllowed(_("Only the duty leader of the day or the school's managers resolve it."))
    if handover.status != HandoverStatus.MISMATCH:
        raise Conflict(_("This handover has no open mismatch."), code="not_open")
    note = clean_text(note, NOTE_MAX + 1)
    errors = {}
    if not note or len(note) > NOTE_MAX:
        errors["note"] = [
            _("Write what was found (at most %(max)d characters).") % {"max": NOTE_MAX}
        ]
    if fault not in Fault.values:
        errors["fault"] = [_("Choose who was at fault, or nobody.")]
    if errors:
        raise InvalidInput(fields=errors)
    fault_staff = None
    if fault == Fault.HANDING:
        fault_staff = handover.handed_by_staff
    elif fault == Fault.RECEIVING:
        fault_staff = receiving_staff(session)
    handover.status = HandoverStatus.RESOLVED
    handover.resolved_by = actor
    handover.resolved_at = now
    handover.resolution_note = note
    handover.fault = fault
    handover.fault_staff = fault_staff
    handover.save(
        update_fields=[
            "status",
            "resolved_by",
            "resolved_at",
            "resolution_note",
            "fault",
            "fault_staff",
        ]
    )
    record_event(
        actor=actor,
        action="handover.resolved",
        obj=session,
        payload={
            "handover": str(handover.public_id),
            "fault": fault,
            "fault_staff": str(fault_staff.public_id) if fault_staff else None,
            "note": note,
        },
    )
    return handover


def receiving_staff(session: Session):
    """The staff member who took the receiving roll, else the group's teacher that day."""
    taker = (
        RollCall.objects.filter(session_id=session.pk).values_list("taken_by_id", flat=True).first()
    )
    if taker is not None:
        staff = staff_record(User(pk=taker), session.school_id)
        if staff is not None:
            return staff
    assignment = (
        Assignment.objects.filter(
            group_id=session.group_id, weekday=session.weekday, role=DutyRole.TEACHER
        )
        .select_related("staff")
        .order_by("pk")
        .first()
    )
    return assignment.staff if assignment else None
