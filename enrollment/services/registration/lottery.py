"""Lottery courses: the draw."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict
from aftercare.models import User
from enrollment.lottery import draw_order, mask_name, new_seed
from enrollment.models import (
    CourseCapacity,
    CourseRegistration,
    LotteryDraw,
    SeatStatus,
)
from enrollment.services.registration.common import _require_manager
from enrollment.services.registration.courses import (
    course_info,
)
from enrollment.services.registration.waitlist import (
    _notify_family,
)
from plans.models import Course, RegistrationMode


@transaction.atomic
def draw_lottery(
    *, actor: User, course: Course, seed: str | None = None, now: datetime | None = None
) -> LotteryDraw:
    """Draw a lottery course after its window closed: priority groups first, then by the
    published seed. The first ``capacity`` entries get seats, the rest join the waitlist in
    draw order. Errors: NotAllowed, Conflict (window open, already drawn)."""
    _require_manager(actor, course.school)
    now = now or timezone.now()
    info = course_info(course.public_id, fresh=True)
    lottery_windows = [w for w in info.windows if w.mode == RegistrationMode.LOTTERY]
    if not lottery_windows:
        raise Conflict(_("This course is not allocated by lottery."), code="not_lottery")
    if any(w.closes_at > now for w in lottery_windows):
        raise Conflict(
            _("The lottery is drawn after the registration window closes."), code="window_open"
        )
    capacity = CourseCapacity.objects.select_for_update().get(course_id=course.pk)
    if LotteryDraw.objects.filter(course=course).exists():
        raise Conflict(_("This course has already been drawn."), code="already_drawn")
    entries = list(
        CourseRegistration.objects.select_for_update()
        .filter(course=course, status=SeatStatus.ENTERED)
        .select_related("student", "application")
    )
    seed = seed or new_seed()
    tiers = {str(r.public_id): (0 if r.application.priority_groups else 1) for r in entries}
    by_token = {str(r.public_id): r for r in entries}
    ordered = draw_order(seed, tiers.items())
    free = capacity.capacity - capacity.taken
    published = []
    for rank, (token, tier) in enumerate(ordered, start=1):
        reg = by_token[token]
        reg.lottery_rank = rank
        reg.status = SeatStatus.CONFIRMED if rank <= free else SeatStatus.WAITLISTED
        reg.decided_at = now
        published.append(
            {
                "rank": rank,
                "token": token,
                "tier": tier,
                "name": mask_name(reg.student.name),
                "result": reg.status,
            }
        )
    CourseRegistration.objects.bulk_update(entries, ["lottery_rank", "status", "decided_at"])
    capacity.taken += min(free, len(entries))
    capacity.save(update_fields=["taken"])
    draw = LotteryDraw.objects.create(
        district_id=course.district_id,
        school_id=course.school_id,
        course=course,
        seed=seed,
        entries=published,
        drawn_by=actor,
        drawn_at=now,
    )
    record_event(
        actor=actor,
        action="course.lottery_drawn",
        obj=course,
        payload={"seed": seed, "entries": len(entries), "seats": min(free, len(entries))},
    )
    for reg in entries:
        _notify_family(
            reg,
            _("Lottery result for %(course)s: %(result)s")
            % {"course": course.name, "result": reg.get_status_display()},
        )
    return draw
