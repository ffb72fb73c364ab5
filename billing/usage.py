"""What a child was actually offered and missed, for term-end settlement (多退少补).

Two sources, each ONE function, so settlement never counts sessions itself:

* ``cancelled(plan)`` — sessions the school cancelled (force majeure: weather, sports day,
  a teacher's absence), from scheduling: whole days (``DayCancellation``) for everyone and
  cancelled sessions of a course's section for that course. Credited to every participant,
  basic care and extended courses alike.
* ``personal_absences(application)`` — days the child was absent for personal reasons, from
  the attendance app's roll calls. Until attendance records them this returns nothing (no
  attendance data is invented); settlement already asks it, and credits them where the
  policy says: basic care when the refund basis is per session (按实结算), extended courses
  only when the policy refunds them pro rata (``ExtendedRefund.PRO_RATA``; the seeds: X
  courses are not refunded for personal leave, 个人原因请假不退款).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from scheduling.models import DayCancellation, Session, SessionStatus


@dataclass
class Cancelled:
    days: set[date] = field(default_factory=set)  # the whole school
    # by course lineage: a course keeps its sessions across plan amendments
    courses: dict = field(default_factory=lambda: defaultdict(set))

    def for_line(self, service: str, lineage=None) -> set[date]:
        if service == "course" and lineage is not None:
            return self.days | self.courses.get(lineage, set())
        return set(self.days)


def cancelled(plan) -> Cancelled:
    out = Cancelled()
    out.days = set(DayCancellation.objects.filter(plan=plan).values_list("date", flat=True))
    for lineage, day in Session.objects.filter(
        plan=plan, status=SessionStatus.CANCELLED, group__course__isnull=False
    ).values_list("group__course__lineage", "date"):
        out.courses[lineage].add(day)
    return out


def personal_absences(application) -> dict[tuple[str, int | None], set[date]]:
    """Personal absences of the child by service ((``basic``, None) or (``course``, id)).
    The attendance app plugs in here; none are recorded yet."""
    return {}
