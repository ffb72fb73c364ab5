"""Exporting attendance to xlsx: a school (managers, officials), a class (its homeroom teacher
too) or a group (its teachers too), over a range of days. Audited."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.exports import xlsx_bytes
from aftercare.models import School, SchoolClass, User
from aftercare.tenancy import Scope
from scheduling.models import Assignment, CareGroup, DutyRole

from ..access import is_homeroom_teacher, is_manager
from ..models import AttendanceMark, Departure
from ..resources import AttendanceResource

MAX_DAYS = 200


def export_attendance(
    *,
    actor: User,
    school: School,
    start: date,
    end: date,
    school_class: SchoolClass | None = None,
    group: CareGroup | None = None,
) -> tuple[bytes, str]:
    """(xlsx bytes, file name). Errors: NotAllowed, InvalidInput (range)."""
    scope = Scope(actor)
    allowed = is_manager(scope, school.pk) or scope.is_official(school.district_id)
    if not allowed and school_class is not None:
        allowed = is_homeroom_teacher(actor, school_class)
    if not allowed and group is not None:
        allowed = Assignment.objects.filter(
            group=group, role=DutyRole.TEACHER, staff__user=actor
        ).exists()
    if not allowed:
        raise NotAllowed(_("You may export only your own class or group."))
    if start is None or end is None or end < start:
        raise InvalidInput(fields={"end": [_("The last day cannot be before the first day.")]})
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(
            fields={"end": [_("Export at most %(max)d days at a time.") % {"max": MAX_DAYS}]}
        )
    marks = AttendanceMark.objects.filter(school=school, date__gte=start, date__lte=end)
    label = school.name
    if school_class is not None:
        marks = marks.filter(student__school_class=school_class)
        label = f"{school.name}-{school_class.name}"
    if group is not None:
        marks = marks.filter(session__group=group)
        label = f"{school.name}-{group.name}"
    marks = marks.select_related(
        "session__group", "student__school_class", "leave", "marked_by"
    ).order_by("date", "session__start_time", "session__group__name", "student__name", "student_id")
    departures = {
        (d.session_id, d.student_id): d
        for d in Departure.objects.filter(
            school=school, date__gte=start, date__lte=end, session_id__in=marks.values("session_id")
        )
    }
    dataset = AttendanceResource(departures=departures).export(queryset=marks)
    record_event(
        actor=actor,
        action="attendance.exported",
        obj=school,
        payload={
            "start": str(start),
            "end": str(end),
            "class": str(school_class.public_id) if school_class else None,
            "group": str(group.public_id) if group else None,
            "rows": len(dataset),
        },
    )
    name = f"{label}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return xlsx_bytes(dataset), name  # formula-like text stays text


def default_range(today: date) -> tuple[date, date]:
    return today - timedelta(days=30), today
