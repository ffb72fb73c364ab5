"""What scheduling adds to the kernel's navigation and home pages (registered in
``SchedulingConfig.ready`` through ``aftercare.registry``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.context_processors import school_nav_label
from aftercare.models import TEACHER_ROLES, Role
from aftercare.registry import Section
from scheduling import selectors


def nav(scope) -> list[dict]:
    items = []
    if scope.is_official():
        items.append(
            {
                "key": "institutions",
                "label": _("Institutions"),
                "url": reverse("scheduling_institutions"),
                "position": 35,
            }
        )
    for index, school in enumerate(scope.managed_school_objects, start=1):
        items.append(
            {
                "key": f"scheduling-{school.pk}",
                "label": school_nav_label(scope, school, _("Groups & staff")),
                "url": reverse("scheduling_index", args=[school.public_id]),
                "group": index,
                "position": 30,
            }
        )
    if scope.roles & TEACHER_ROLES:
        items.append(
            {
                "key": "timetable",
                "label": _("My timetable"),
                "url": reverse("scheduling_teacher_timetable"),
                "group": 100,
                "position": 5,
            }
        )
    if Role.PARENT in scope.roles:
        items.append(
            {
                "key": "family-sessions",
                "label": _("After-school timetable"),
                "url": reverse("scheduling_family_sessions"),
                "group": 200,
                "position": 30,
            }
        )
    return items


def teacher_today(request) -> Section | None:
    """The care teacher's home: today's groups first."""
    if not request.scope.roles & TEACHER_ROLES:
        return None
    today = timezone.localdate()
    return Section(
        "scheduling/home/teacher_today.html",
        {"sessions": selectors.today_groups(user=request.user, today=today), "today": today},
    )


def school_link(request, *, school) -> Section:
    return Section("scheduling/home/school_link.html")
