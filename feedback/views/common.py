"""Helpers the feedback pages share: the family's children, the sessions and teachers a
complaint may name, the school a manager looks at."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from aftercare.models import School
from aftercare.tenancy import get_visible_or_404
from enrollment.models import CourseRegistration, SeatStatus, Student
from scheduling.models import Assignment, DutyRole, GroupMember, Session, StaffMember

RECENT_DAYS = 31


def require(condition: bool, message: str | None = None) -> None:
    if not condition:
        raise PermissionDenied(message)


def children_of(request) -> list[Student]:
    return list(
        Student.objects.visible_to(request.scope)
        .filter(guardianships__user=request.user)
        .select_related("school_class", "school")
        .distinct()
        .order_by("name")
    )


def _groups_of(children) -> tuple[list[int], list]:
    ids = [c.pk for c in children]
    groups = list(GroupMember.objects.filter(student_id__in=ids).values_list("group_id", flat=True))
    lineages = list(
        CourseRegistration.objects.filter(
            student_id__in=ids, status=SeatStatus.CONFIRMED
        ).values_list("course__lineage", flat=True)
    )
    return groups, lineages


def recent_sessions(children) -> list[Session]:
    """The last month's sessions of the children's groups (basic care and course sections),
    for a complaint about a session."""
    if not children:
        return []
    groups, lineages = _groups_of(children)
    today = timezone.localdate()
    return list(
        Session.objects.filter(
            Q(group_id__in=groups) | Q(group__lineage__in=lineages),
            school_id__in={c.school_id for c in children},
            date__gte=today - timedelta(days=RECENT_DAYS),
            date__lte=today,
        )
        .select_related("group")
        .order_by("-date", "-start_time")[:60]
    )


def children_teachers(children) -> list[StaffMember]:
    """Staff who teach the children's groups (what a family can name in a complaint)."""
    if not children:
        return []
    groups, lineages = _groups_of(children)
    assigned = Assignment.objects.filter(
        Q(group_id__in=groups) | Q(group__lineage__in=lineages), role=DutyRole.TEACHER
    ).values("staff_id")
    return list(
        StaffMember.objects.filter(
            pk__in=assigned, school_id__in={c.school_id for c in children}
        ).order_by("full_name")
    )


def managed_school(request, school_id) -> School:
    school = get_visible_or_404(
        School.objects.select_related("district"), request.scope, public_id=school_id
    )
    require(
        school.pk in request.scope.manager_schools or request.scope.is_official(school.district_id)
    )
    return school
