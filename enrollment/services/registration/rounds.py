"""Round one's end, the school's seat overview, and what a publication gives the
registration side (seat counters, lottery commitments, seats carried over to an amendment)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict
from aftercare.models import User
from aftercare.rules import require_school_manager
from enrollment.models import (
    HOLDING_SEATS,
    LIVE_SEATS,
    CapacityStatus,
    CourseCapacity,
    CourseRegistration,
    LotteryCommitment,
    LotteryDraw,
    SeatStatus,
)
from enrollment.services.registration.common import (
    lock_applications,
    lock_counters,
    lock_plan,
    lock_plan_gate,
    lock_registrations,
    notify_families,
)
from enrollment.services.registration.courses import (
    _fmt,
    capacities_for,
    clear_cache,
    ensure_capacities,
)
from enrollment.services.registration.lottery import ensure_commitments
from enrollment.services.registration.waitlist import (
    _fill_from_waitlist,
)
from plans.models import Course, RegistrationWindow, WindowKind


@transaction.atomic
def close_round_one(*, actor: User, plan_version, now: datetime | None = None) -> list[Course]:
    """After round one: courses below their minimum size are cancelled; their students are
    told and may register again in round two for courses with free seats.

    Refused while a round-one window is still open (Conflict ``round_one_open``, naming the
    time it ends). Locks in the package's order: the plan and its registration gate (no
    claim runs meanwhile), the applications of the version's live entries, every seat
    counter of the version, then the entries; the counts that decide are read under those
    locks. Set-based writes; audited per cancelled course; families told after the commit.
    Errors: NotAllowed, Conflict ``round_one_open``.
    """
    require_school_manager(actor, plan_version.school)
    now = now or timezone.now()
    ends = max(
        RegistrationWindow.objects.filter(
            version=plan_version, kind=WindowKind.EXTENDED, round=1
        ).values_list("closes_at", flat=True),
        default=None,
    )
    if ends is not None and now < ends:
        raise Conflict(
            _("Round one is open until %(time)s; close it after that.") % {"time": _fmt(ends)},
            code="round_one_open",
        )
    courses = list(plan_version.courses.order_by("pk"))
    capacities_for(plan_version.pk, courses)  # the counters exist (no lock taken)
    live = CourseRegistration.objects.filter(course__in=courses, status__in=LIVE_SEATS)
    lock_plan(plan_version.plan_id)
    lock_applications(live.values_list("application_id", flat=True))
    counters = lock_counters(c.pk for c in courses)
    holding = dict(
        live.filter(status__in=HOLDING_SEATS)
        .values("course_id")
        .annotate(n=Count("id"))
        .values_list("course_id", "n")
    )
    below = [
        c
        for c in courses
        if counters[c.pk].status == CapacityStatus.OPEN and holding.get(c.pk, 0) < c.min_size
    ]
    affected = _cancel_courses(
        below,
        now,
        title=lambda r: (
            _("%(course)s will not open: too few students registered") % {"course": r.course.name}
        ),
        body=_("You may choose another course with free seats in the second round."),
    )
    for course in below:
        record_event(
            actor=actor,
            action="course.cancelled_below_minimum",
            obj=course,
            payload={
                "registered": holding.get(course.pk, 0),
                "min_size": course.min_size,
                "affected": affected.get(course.pk, 0),
            },
        )
    clear_cache()
    return below


CANCEL_APPLICATIONS = """
UPDATE enrollment_application a
   SET courses_taken = a.courses_taken - v.n
  FROM unnest(%(ids)s::bigint[], %(counts)s::integer[]) AS v(id, n)
 WHERE a.id = v.id
"""


def _cancel_courses(courses, now, *, title, body) -> dict[int, int]:
    """Cancel these courses (their counters and applications already locked): every live
    entry becomes ``course_cancelled`` and stops counting against its child's limit; the
    counters close (their cache version moves on). Set-based. Returns entries per course."""
    ids = [c.pk for c in courses]
    if not ids:
        return {}
    regs = lock_registrations(
        CourseRegistration.objects.filter(course_id__in=ids, status__in=LIVE_SEATS)
    )
    CourseRegistration.objects.filter(pk__in=[r.pk for r in regs]).update(
        status=SeatStatus.COURSE_CANCELLED, decided_at=now, offer_expires_at=None
    )
    per_application = Counter(r.application_id for r in regs)
    if per_application:
        with connection.cursor() as cursor:
            cursor.execute(
                CANCEL_APPLICATIONS,
                {"ids": list(per_application), "counts": list(per_application.values())},
            )
    CourseCapacity.objects.filter(course_id__in=ids).update(
        status=CapacityStatus.CANCELLED, taken=0, version=F("version") + 1
    )
    notify_families(regs, title, body)
    return dict(Counter(r.course_id for r in regs))


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
    """What a publication gives the registration side (the plans app's publish hook, inside
    ``publish_plan``'s transaction, which holds the plan's row lock): the seat counters of
    the new version and, for a lottery, the commitment to each course's seed. A published
    amendment replaces the courses of the previous version: seats, waitlists, entries, draws
    and commitments move to the course of the same lineage; a course the amendment drops is
    cancelled for its students (they are told and get round two).

    Locks in the package's order: the plan's registration gate (the plan row is already
    held), the applications of the dropped courses' live entries, the seat counters of the
    old and new courses (ascending), then the entries.
    """
    ensure_capacities(published.pk)  # the seat counters exist from publication on
    if previous is not None:
        _carry_over(actor, previous, published)
    ensure_commitments(published)
    clear_cache()


def _carry_over(actor: User, previous, published) -> None:
    old = {c.lineage: c for c in previous.courses.order_by("pk")}
    if not old:
        return
    ensure_capacities(previous.pk)
    new = {c.lineage: c for c in published.courses.all()}
    now = timezone.now()
    lock_plan_gate(published.plan_id)
    dropped = [c for lineage, c in old.items() if lineage not in new]
    lock_applications(
        CourseRegistration.objects.filter(course__in=dropped, status__in=LIVE_SEATS).values_list(
            "application_id", flat=True
        )
    )
    counters = lock_counters([c.pk for c in old.values()] + [c.pk for c in new.values()])
    _cancel_courses(
        [c for c in dropped if counters[c.pk].status != CapacityStatus.CANCELLED],
        now,
        title=lambda r: _("%(course)s was removed from the plan") % {"course": r.course.name},
        body=_("You may choose another course with free seats."),
    )
    for lineage, course in old.items():
        successor = new.get(lineage)
        if successor is None:
            continue
        counter, target = counters[course.pk], counters[successor.pk]
        # The amended capacity, but never below the seats already given.
        target.capacity = max(successor.capacity, counter.taken)
        target.taken = counter.taken
        target.status = counter.status
        target.version += 1
        target.save(update_fields=["capacity", "taken", "status", "version"])
        CourseRegistration.objects.filter(course=course).update(course=successor)
        LotteryDraw.objects.filter(course=course).update(course=successor)
        if not LotteryCommitment.objects.filter(course=successor).exists():
            LotteryCommitment.objects.filter(course=course).update(course=successor)
        counter.taken = 0
        counter.status = CapacityStatus.CANCELLED
        counter.version += 1
        counter.save(update_fields=["taken", "status", "version"])
        _fill_from_waitlist(target, now)  # a larger course: new seats go to the line
    record_event(
        actor=actor,
        action="course.seats_carried_over",
        obj=published.plan,
        payload={"from_version": previous.number, "to_version": published.number},
    )
