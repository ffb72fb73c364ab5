"""Complaint deadlines: the district sets them, this module dates them.

The policy of the semester a complaint falls in (the semester containing its day, else the
last one begun before it) gives ``complaint_ack_days`` and ``complaint_resolve_days``. A
deadline of N days from a moment is the end of the N-th calendar day after that moment's day
in Asia/Shanghai (filed on Monday at 21:00 with 2 days to acknowledge: due Wednesday 23:59:59).
Calendar days, not school days: families and the hotline count in days, and a complaint
about safety does not wait for the holidays to end. A district without a policy yet gets the
model's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from aftercare.models import Semester
from plans.models import DistrictPolicy
from plans.selectors import current_policy

DEFAULT_ACK_DAYS = DistrictPolicy._meta.get_field("complaint_ack_days").default
DEFAULT_RESOLVE_DAYS = DistrictPolicy._meta.get_field("complaint_resolve_days").default


@dataclass(frozen=True)
class Deadlines:
    semester: Semester | None
    ack_days: int
    resolve_days: int

    def ack_due(self, start: datetime) -> datetime:
        return end_of_day_after(start, self.ack_days)

    def resolve_due(self, start: datetime) -> datetime:
        # Never before the acknowledgement is due (a policy may set them equal).
        return end_of_day_after(start, max(self.resolve_days, self.ack_days))


def end_of_day_after(start: datetime, days: int) -> datetime:
    day = timezone.localdate(start) + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def semester_on(district_id: int, day: date) -> Semester | None:
    """The semester containing ``day``, else the last one begun before it, else the first."""
    semesters = Semester.objects.filter(district_id=district_id)
    return (
        semesters.filter(start_date__lte=day, end_date__gte=day).first()
        or semesters.filter(start_date__lte=day).order_by("-start_date").first()
        or semesters.order_by("start_date").first()
    )


def deadlines_for(district_id: int, day: date) -> Deadlines:
    semester = semester_on(district_id, day)
    policy = current_policy(semester) if semester is not None else None
    if policy is None:
        return Deadlines(semester, DEFAULT_ACK_DAYS, DEFAULT_RESOLVE_DAYS)
    return Deadlines(semester, policy.complaint_ack_days, policy.complaint_resolve_days)
