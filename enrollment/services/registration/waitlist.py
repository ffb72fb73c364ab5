"""Waiting lists and releasing seats: positions, offers, cancelling, expiry, withdrawal."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, NotAllowed
from aftercare.models import User
from aftercare.selectors import count_of
from enrollment.models import (
    LIVE_SEATS,
    Application,
    CapacityStatus,
    CourseCapacity,
    CourseRegistration,
    SeatStatus,
)
from enrollment.services.registration.common import (
    OFFER_HOURS,
    lock_applications,
    lock_counters,
    lock_registrations,
    notify_families,
)
from enrollment.services.registration.courses import (
    _fmt,
    course_info,
)

LAST_IN_LINE = 2**31 - 1


def _queue_key():
    """The order of a waiting list: lottery ranks first (after a draw), then arrival."""
    return Coalesce("lottery_rank", Value(LAST_IN_LINE))


def with_positions(queryset):
    """Annotate ``position`` (1 = next in line; None unless waitlisted) in the same query,
    so lists of registrations count their places without a query per row."""
    ahead = (
        CourseRegistration.objects.filter(course=OuterRef("course"), status=SeatStatus.WAITLISTED)
        .annotate(_key=_queue_key())
        .filter(Q(_key__lt=OuterRef("_key")) | Q(_key=OuterRef("_key"), id__lt=OuterRef("id")))
    )
    return queryset.annotate(_key=_queue_key()).annotate(
        position=Case(
            When(status=SeatStatus.WAITLISTED, then=count_of(ahead) + 1),
            default=None,
            output_field=IntegerField(),
        )
    )


def waitlist_position(registration: CourseRegistration) -> int | None:
    """1 for the next in line; lottery ranks order the list when there was a draw."""
    if registration.status != SeatStatus.WAITLISTED:
        return None
    return (
        with_positions(CourseRegistration.objects.filter(pk=registration.pk))
        .values_list("position", flat=True)
        .first()
    )


# --------------------------------------------------------------------------- releasing seats


def _notify_family(reg: CourseRegistration, title: str, body: str = "") -> None:
    notify_families([reg], title, body)


def _next_in_line(course_id: int) -> CourseRegistration | None:
    return (
        CourseRegistration.objects.select_for_update(skip_locked=True)
        .filter(course_id=course_id, status=SeatStatus.WAITLISTED)
        .order_by(F("lottery_rank").asc(nulls_last=True), "id")
        .first()
    )


def _offer(nxt: CourseRegistration, now: datetime) -> None:
    nxt.status = SeatStatus.OFFERED
    nxt.offer_expires_at = now + timedelta(hours=OFFER_HOURS)
    nxt.save(update_fields=["status", "offer_expires_at"])
    record_event(
        actor=None,
        action="course.seat_offered",
        obj=nxt.course,
        payload={"registration": str(nxt.public_id), "expires": nxt.offer_expires_at.isoformat()},
    )
    _notify_family(
        nxt,
        _("A seat in %(course)s is free for %(student)s")
        % {"course": nxt.course.name, "student": nxt.student.name},
        _("Accept it before %(deadline)s, or it goes to the next in line.")
        % {"deadline": _fmt(nxt.offer_expires_at)},
    )


def _fill_from_waitlist(counter: CourseCapacity, now: datetime) -> int:
    """Offer every free seat of a (locked) counter to the next in line. Returns offers."""
    offered = 0
    while counter.status == CapacityStatus.OPEN and counter.taken < counter.capacity:
        nxt = _next_in_line(counter.course_id)
        if nxt is None:
            break
        counter.taken += 1
        _offer(nxt, now)
        offered += 1
    counter.save(update_fields=["taken"])
    return offered


def _pass_seat_on(capacity: CourseCapacity, now: datetime) -> None:
    """A held seat became free: offer it to the next in line, or give it back."""
    capacity.taken -= 1
    _fill_from_waitlist(capacity, now)


def _locked(reg: CourseRegistration) -> tuple[CourseRegistration, CourseCapacity]:
    """Lock application, then seat counter, then the registration (the claim's order)."""
    lock_applications([reg.application_id])
    capacity = lock_counters([reg.course_id])[reg.course_id]
    (reg,) = lock_registrations(CourseRegistration.objects.filter(pk=reg.pk))
    return reg, capacity


def _end(reg: CourseRegistration, capacity: CourseCapacity, status: str, now) -> None:
    held = reg.status in (SeatStatus.CONFIRMED, SeatStatus.OFFERED)
    live = reg.status in LIVE_SEATS
    reg.status = status
    reg.decided_at = now
    reg.offer_expires_at = reg.offer_expires_at if status != SeatStatus.CONFIRMED else None
    reg.save(update_fields=["status", "decided_at", "offer_expires_at"])
    if live:
        Application.objects.filter(pk=reg.application_id).update(
            courses_taken=F("courses_taken") - 1
        )
    if held:
        _pass_seat_on(capacity, now)


def may_leave(reg: CourseRegistration, now: datetime) -> bool:
    """Whether a family may give up this entry on its own now (see cancel_registration)."""
    if reg.status != SeatStatus.CONFIRMED:
        return True  # a waiting-list place, an offer or a lottery entry holds nobody's seat
    info = course_info(reg.course.public_id)
    if info is not None and info.window_at(now) is not None:
        return True
    from plans.checks import current_policy

    semester = reg.course.version.plan.semester
    policy = current_policy(semester)
    return bool(policy and policy.extended_withdraw_mid_semester)


@transaction.atomic
def cancel_registration(
    *,
    actor: User,
    registration: CourseRegistration,
    reason: str = "",
    now: datetime | None = None,
) -> CourseRegistration:
    """A guardian gives up a seat, a waiting-list place or a lottery entry; the seat passes on.

    While a registration window of the course is open this is always possible; afterwards a
    confirmed seat may be left only where the district policy allows leaving extended courses
    mid-semester (otherwise the family asks for a withdrawal). Errors: Conflict
    ``not_active``, NotAllowed ``mid_semester_exit``.
    """
    reg, capacity = _locked(registration)
    if reg.status not in LIVE_SEATS:
        raise Conflict(_("This registration is no longer active."), code="not_active")
    now = now or timezone.now()
    if not may_leave(reg, now):
        raise NotAllowed(
            _(
                "Extended courses cannot be left mid-semester under the district policy; "
                "ask the school for a withdrawal."
            ),
            code="mid_semester_exit",
        )
    _end(reg, capacity, SeatStatus.CANCELLED, now)
    record_event(
        actor=actor,
        action="course.cancelled_by_family",
        obj=reg.course,
        payload={"registration": str(reg.public_id), "reason": reason[:200]},
    )
    return reg


@transaction.atomic
def accept_offer(*, actor: User, registration: CourseRegistration) -> CourseRegistration:
    reg, _capacity = _locked(registration)
    now = timezone.now()
    if reg.status != SeatStatus.OFFERED:
        raise Conflict(_("There is no open offer for this course."), code="no_offer")
    if reg.offer_expires_at <= now:
        raise Conflict(_("The offer has expired."), code="offer_expired")
    reg.status = SeatStatus.CONFIRMED
    reg.decided_at = now
    reg.offer_expires_at = None
    reg.save(update_fields=["status", "decided_at", "offer_expires_at"])
    record_event(
        actor=actor,
        action="course.offer_accepted",
        obj=reg.course,
        payload={"registration": str(reg.public_id)},
    )
    return reg


@transaction.atomic
def decline_offer(*, actor: User, registration: CourseRegistration) -> CourseRegistration:
    reg, capacity = _locked(registration)
    if reg.status != SeatStatus.OFFERED:
        raise Conflict(_("There is no open offer for this course."), code="no_offer")
    _end(reg, capacity, SeatStatus.DECLINED, timezone.now())
    record_event(
        actor=actor,
        action="course.offer_declined",
        obj=reg.course,
        payload={"registration": str(reg.public_id)},
    )
    return reg


def expire_offers(now: datetime | None = None) -> int:
    """Offers past their deadline lapse and the seat goes to the next in line (beat task)."""
    now = now or timezone.now()
    expired = 0
    ids = list(
        CourseRegistration.objects.filter(
            status=SeatStatus.OFFERED, offer_expires_at__lte=now
        ).values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        with transaction.atomic():
            reg, capacity = _locked(CourseRegistration.objects.get(pk=pk))
            if reg.status == SeatStatus.OFFERED and reg.offer_expires_at <= now:
                _end(reg, capacity, SeatStatus.EXPIRED, now)
                record_event(
                    actor=None,
                    action="course.offer_expired",
                    obj=reg.course,
                    payload={"registration": str(reg.public_id)},
                )
                expired += 1
    return expired


def release_application(*, actor: User, application: Application, reason: str) -> int:
    """Withdrawal: every live entry of the application ends and its seats pass on.

    Called inside the withdrawal service's transaction. Returns how many entries ended.
    """
    ended = 0
    now = timezone.now()
    live = CourseRegistration.objects.filter(application=application, status__in=LIVE_SEATS)
    lock_applications([application.pk])
    counters = lock_counters(live.values_list("course_id", flat=True))  # all, in course order
    for reg in lock_registrations(live):
        _end(reg, counters[reg.course_id], SeatStatus.CANCELLED, now)
        ended += 1
    if ended:
        record_event(
            actor=actor,
            action="course.released_on_withdrawal",
            obj=application.student,
            payload={"entries": ended, "reason": reason[:200]},
        )
    return ended
