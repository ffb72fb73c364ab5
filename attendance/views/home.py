"""What attendance adds to the kernel's navigation and home pages (registered in
``AttendanceConfig.ready`` through ``aftercare.registry``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.context_processors import school_nav_label
from aftercare.models import TEACHER_ROLES, Role, School
from aftercare.registry import Section
from enrollment.models import Student

from ..access import duty_leader_users
from ..models import AttendanceMark, Departure, FollowUp, FollowUpStatus, LeaveRequest, LeaveStatus
from ..selectors.duty import day_board, open_mismatches
from ..selectors.roll import teacher_sessions_on


def nav(scope) -> list[dict]:
    items = []
    for index, school in enumerate(scope.managed_school_objects, start=1):
        items.append(
            {
                "key": f"duty-{school.pk}",
                "label": school_nav_label(scope, school, _("Today (duty)")),
                "url": reverse("attendance_duty", args=[school.public_id]),
                "group": index,
                "position": 35,
            }
        )
    if scope.roles & TEACHER_ROLES:
        items.append(
            {
                "key": "attendance",
                "label": _("Roll call"),
                "url": reverse("attendance_today"),
                "group": 100,
                "position": 3,
            }
        )
    if Role.HOMEROOM_TEACHER in scope.roles or scope.manager_schools:
        items.append(
            {
                "key": "attendance-leave",
                "label": _("Leave requests"),
                "url": reverse("attendance_leave_queue"),
                "group": 100,
                "position": 12,
            }
        )
    if Role.PARENT in scope.roles:
        items.append(
            {
                "key": "family-leave",
                "label": _("Leave"),
                "url": reverse("attendance_family_leave"),
                "group": 200,
                "position": 15,
            }
        )
    return items


def teacher_today(request) -> Section | None:
    """The teacher's home: today's groups to take roll for, first."""
    scope = request.scope
    if not scope.roles & TEACHER_ROLES:
        return None
    today = timezone.localdate()
    pending = 0
    if Role.HOMEROOM_TEACHER in scope.roles:
        pending = LeaveRequest.objects.filter(
            student__school_class__homeroom_teacher=request.user, status=LeaveStatus.PENDING
        ).count()
    flags = FollowUp.objects.filter(
        student__school_class__homeroom_teacher=request.user, status=FollowUpStatus.OPEN
    ).count()
    classes = list(request.user.homeroom_classes.order_by("grade", "number"))
    return Section(
        "attendance/home/teacher_today.html",
        {
            "sessions": teacher_sessions_on(request.user, today),
            "today": today,
            "pending_leave": pending,
            "flags": flags,
            "classes": classes,
        },
    )


def teacher_duty(request) -> Section | None:
    """The duty leader of the day (值班领导): open handover mismatches and groups."""
    scope = request.scope
    if not scope.roles & TEACHER_ROLES:
        return None
    today = timezone.localdate()
    schools = [s for s in scope.teacher_schools if request.user.pk in duty_leader_users(s, today)]
    if not schools:
        return None
    boards = [day_board(school, today) for school in School.objects.filter(pk__in=schools)]
    return Section(
        "attendance/home/duty.html",
        {"boards": boards, "mismatches": open_mismatches(schools), "today": today},
    )


def school_today(request, *, school) -> Section | None:
    if school.pk not in request.scope.manager_schools:
        return None
    today = timezone.localdate()
    return Section(
        "attendance/home/duty.html",
        {
            "boards": [day_board(school, today)],
            "mismatches": open_mismatches([school.pk]),
            "today": today,
            "school_page": True,
            "flags": FollowUp.objects.filter(school=school, status=FollowUpStatus.OPEN).count(),
            "pending_leave": LeaveRequest.objects.filter(
                school=school, status=LeaveStatus.PENDING
            ).count(),
        },
    )


def family_today(request) -> Section | None:
    children = list(
        Student.objects.visible_to(request.scope)
        .filter(guardianships__user=request.user)
        .distinct()
        .order_by("name")
    )
    if not children:
        return None
    today = timezone.localdate()
    ids = [c.pk for c in children]
    marks = {}
    for m in AttendanceMark.objects.filter(student_id__in=ids, date=today).select_related(
        "session__group"
    ):
        marks.setdefault(m.student_id, []).append(m)
    gone = {
        d.student_id: d
        for d in Departure.objects.filter(student_id__in=ids, date=today, kind="picked_up")
    }
    leaves = {
        leave.student_id: leave
        for leave in LeaveRequest.objects.filter(
            student_id__in=ids,
            status__in=[LeaveStatus.PENDING, LeaveStatus.APPROVED],
            end_date__gte=today,
        ).order_by("start_date")
    }
    for c in children:
        c.today_marks = marks.get(c.pk, [])
        c.picked_up = gone.get(c.pk)
        c.next_leave = leaves.get(c.pk)
    return Section("attendance/home/family.html", {"children": children, "today": today})
