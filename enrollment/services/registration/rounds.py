"""Round one's end, the school's seat overview, and carrying seats over to an amendment."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.models import User
from enrollment.models import (
    LIVE_SEATS,
    Application,
    CapacityStatus,
    CourseCapacity,
    CourseRegistration,
    LotteryDraw,
    SeatStatus,
)
from enrollment.services.registration.common import _require_manager
from enrollment.services.registration.courses import (
    capacities_for,
    clear_cache,
    ensure_capacities,
)
from enrollment.services.registration.waitlist import (
    _fill_from_waitlist,
    _notify_family,
)
from plans.models import Course


@transaction.atomic
def close_round_one(*, actor: User, plan_version) -> list[Course]:
    """After round one: courses below their minimum size are cancelled; their students are
    told and may register again in round two for courses with free seats."""
    _require_manager(actor, plan_version.school)
    cancelled = []
    courses = list(plan_version.courses.all())
    capacities_for(plan_version.pk, courses)
    counts = dict(
        CourseRegistration.objects.filter(course__in=courses, status__in=LIVE_SEATS)
        .values("course_id")
        .annotate(n=Count("id", filter=Q(status__in=[SeatStatus.CONFIRMED, SeatStatus.OFFERED])))
        .values_list("course_id", "n")
    )
    for course in courses:
        capacity = CourseCapacity.objects.select_for_update().get(course_id=course.pk)
        if capacity.status != CapacityStatus.OPEN:
            continue
        if counts.get(course.pk, 0) >= course.min_size:
            continue
        capacity.status = CapacityStatus.CANCELLED
        capacity.taken = 0
        capacity.save(update_fields=["status", "taken"])
        regs = list(
            CourseRegistration.objects.filter(course=course, status__in=LIVE_SEATS).select_related(
                "course__school__district", "student"
            )
        )
        for reg in regs:
            reg.status = SeatStatus.COURSE_CANCELLED
            reg.decided_at = timezone.now()
            reg.offer_expires_at = None
            Application.objects.filter(pk=reg.application_id).update(
                courses_taken=F("courses_taken") - 1
            )
            _notify_family(
                reg,
                _("%(course)s will not open: too few students registered")
                % {"course": course.name},
                _("You may choose another course with free seats in the second round."),
            )
        CourseRegistration.objects.bulk_update(regs, ["status", "decided_at", "offer_expires_at"])
        cancelled.append(course)
        record_event(
            actor=actor,
            action="course.cancelled_below_minimum",
            obj=course,
            payload={
                "registered": counts.get(course.pk, 0),
                "min_size": course.min_size,
                "affected": len(regs),
            },
        )
    clear_cache()
    return cancelled


def seats_overview(plan_version) -> list[dict]:
    """Per course: capacity, taken, waitlist, entries — for the school's registration page."""
    courses = list(plan_version.courses.all())
    caps = capacities_for(plan_version.pk, courses)
    counts = {
        row["course_id"]: row
        for row in CourseRegistration.objects.filter(course__in=courses)
        .values("course_id")
        .annotate(
            confirmed=Count("id", filter=Q(status=SeatStatus.CONFIRMED)),
            offered=Count("id", filter=Q(status=SeatStatus.OFFERED)),
            waitlisted=Count("id", filter=Q(status=SeatStatus.WAITLISTED)),
            entered=Count("id", filter=Q(status=SeatStatus.ENTERED)),
        )
    }
    drawn = set(LotteryDraw.objects.filter(course__in=courses).values_list("course_id", flat=True))
    out = []
    for course in courses:
        row = counts.get(course.pk, {})
        out.append(
            {
                "course": course,
                "capacity": caps[course.pk],
                "confirmed": row.get("confirmed", 0),
                "offered": row.get("offered", 0),
                "waitlisted": row.get("waitlisted", 0),
                "entered": row.get("entered", 0),
                "drawn": course.pk in drawn,
            }
        )
    return out


# --------------------------------------------------------------------------- amendments


def carry_over_on_publish(*, actor: User, previous, published) -> None:
    """Create the seat counters of a published version. A published amendment replaces the
    courses of the previous version: seats, waitlists, entries and draws move to the course
    of the same lineage; a course the amendment drops is cancelled for its students (they
    are told and get round two). Runs inside ``publish_plan``'s transaction."""
    ensure_capacities(published.pk)  # the seat counters exist from publication on
    if previous is None:
        return
    old = {c.lineage: c for c in previous.courses.all()}
    if not old:
        return
    new = {c.lineage: c for c in published.courses.all()}
    for lineage, course in old.items():
        counter = CourseCapacity.objects.select_for_update().filter(course=course).first()
        if counter is None:
            continue
        successor = new.get(lineage)
        if successor is None:
            regs = list(
                CourseRegistration.objects.filter(
                    course=course, status__in=LIVE_SEATS
                ).select_related("course__school__district", "student")
            )
            for reg in regs:
                reg.status = SeatStatus.COURSE_CANCELLED
                reg.decided_at = timezone.now()
                reg.offer_expires_at = None
                Application.objects.filter(pk=reg.application_id).update(
                    courses_taken=F("courses_taken") - 1
                )
                _notify_family(
                    reg,
                    _("%(course)s was removed from the plan") % {"course": course.name},
                    _("You may choose another course with free seats."),
                )
            CourseRegistration.objects.bulk_update(
                regs, ["status", "decided_at", "offer_expires_at"]
            )
            counter.status = CapacityStatus.CANCELLED
            counter.taken = 0
            counter.save(update_fields=["status", "taken"])
            continue
        target = CourseCapacity.objects.select_for_update().get(course=successor)
        # The amended capacity, but never below the seats already given.
        target.capacity = max(successor.capacity, counter.taken)
        target.taken = counter.taken
        target.status = counter.status
        target.save(update_fields=["capacity", "taken", "status"])

        CourseRegistration.objects.filter(course=course).update(course=successor)
        LotteryDraw.objects.filter(course=course).update(course=successor)
        counter.taken = 0
        counter.status = CapacityStatus.CANCELLED
        counter.save(update_fields=["taken", "status"])
        _fill_from_waitlist(target, timezone.now())  # a larger course: new seats go to the line
    record_event(
        actor=actor,
        action="course.seats_carried_over",
        obj=published.plan,
        payload={"from_version": previous.number, "to_version": published.number},
    )
    clear_cache()
