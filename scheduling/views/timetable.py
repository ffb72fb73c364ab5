"""Timetables on a phone: a teacher's sessions (today first), a parent's children's."""

from __future__ import annotations

from itertools import groupby

from django.shortcuts import render
from django.utils import timezone

from aftercare.models import TEACHER_ROLES, Role
from aftercare.views.core import roles_required
from scheduling import selectors

DAYS_AHEAD = 14  # a teacher's two weeks
FAMILY_DAYS = 7  # a family's week


def by_date(sessions):
    return [(day, list(items)) for day, items in groupby(sessions, key=lambda s: s.date)]


@roles_required(*TEACHER_ROLES, Role.PRINCIPAL, Role.SCHOOL_ADMIN)
def teacher_timetable(request):
    """The next two weeks of the sessions the user teaches, today first."""
    today = timezone.localdate()
    sessions = selectors.teacher_sessions(user=request.user, start=today, days=DAYS_AHEAD)
    return render(
        request,
        "scheduling/teacher_timetable.html",
        {
            "days": by_date(sessions),
            "today": today,
            "several_schools": len({s.school_id for s in sessions}) > 1,
            "nav": "timetable",
        },
    )


@roles_required(Role.PARENT)
def family_sessions(request):
    """Each child's after-school sessions for the coming week, cancellations included."""
    today = timezone.localdate()
    children = selectors.children_sessions(
        scope=request.scope, user=request.user, start=today, days=FAMILY_DAYS
    )
    return render(
        request,
        "scheduling/family_sessions.html",
        {
            "children": [(child, by_date(sessions)) for child, sessions in children],
            "today": today,
            "nav": "family-sessions",
        },
    )
