"""What feedback adds to the kernel's navigation and role home pages (registered in
``FeedbackConfig.ready`` through ``aftercare.registry``): each role's to-do first — the
complaints waiting for the school, the overdue and escalated ones for the district, the
evaluations a family has still to answer."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.context_processors import school_nav_label
from aftercare.models import TEACHER_ROLES, Role
from aftercare.registry import Section

from ..models import Complaint, ComplaintOutcome, ComplaintStatus, Side
from ..selectors import complaints as complaint_selectors
from ..selectors.evaluations import family_evaluations, teacher_evaluations


def nav(scope) -> list[dict]:
    items = []
    if scope.is_official():
        items.append(
            {
                "key": "district-feedback",
                "label": _("Complaints and evaluations"),
                "url": reverse("district_feedback"),
                "position": 30,
            }
        )
    for index, school in enumerate(scope.managed_school_objects, start=1):
        items.append(
            {
                "key": f"feedback-{school.pk}",
                "label": school_nav_label(scope, school, _("Complaints and evaluations")),
                "url": reverse("school_feedback", args=[school.public_id]),
                "group": index,
                "position": 45,
            }
        )
    if scope.roles & TEACHER_ROLES:
        items.append(
            {
                "key": "teacher-evaluations",
                "label": _("My evaluations"),
                "url": reverse("teacher_evaluations"),
                "group": 100,
                "position": 40,
            }
        )
    if Role.PARENT in scope.roles:
        items.append(
            {
                "key": "family-feedback",
                "label": _("Feedback"),
                "url": reverse("feedback_family"),
                "group": 200,
                "position": 40,
            }
        )
    return items


def _counts(qs, now):
    return qs.aggregate(
        submitted=Count("id", filter=Q(status=ComplaintStatus.SUBMITTED)),
        investigating=Count("id", filter=Q(status=ComplaintStatus.INVESTIGATING)),
        escalated=Count("id", filter=Q(status=ComplaintStatus.ESCALATED)),
        overdue=Count(
            "id",
            filter=Q(status=ComplaintStatus.SUBMITTED, ack_due_at__lt=now)
            | Q(status=ComplaintStatus.INVESTIGATING, resolve_due_at__lt=now),
        ),
        flagged_open=Count(
            "id",
            filter=Q(flagged_at__isnull=False)
            & Q(status__in=[ComplaintStatus.SUBMITTED, ComplaintStatus.INVESTIGATING]),
        ),
    )


def district_section(request, *, district) -> Section:
    now = timezone.now()
    counts = _counts(Complaint.objects.filter(district=district), now)
    return Section(
        "feedback/home/district.html",
        {"counts": counts, "url": reverse("district_feedback")},
    )


def school_section(request, *, school) -> Section | None:
    if school.pk not in request.scope.manager_schools:
        return None
    now = timezone.now()
    qs = Complaint.objects.filter(school=school)
    waiting = [
        complaint_selectors.project(c, Side.SCHOOL, now=now, full=False)
        for c in complaint_selectors.school_complaints(scope=request.scope, school=school)
        .filter(status__in=[ComplaintStatus.SUBMITTED, ComplaintStatus.INVESTIGATING])
        .order_by("ack_due_at")[:5]
    ]
    return Section(
        "feedback/home/school.html",
        {
            "counts": _counts(qs, now),
            "waiting": waiting,
            "url": reverse("school_feedback", args=[school.public_id]),
        },
    )


def teacher_section(request) -> Section | None:
    scope = request.scope
    if not scope.roles & TEACHER_ROLES:
        return None
    evaluations = teacher_evaluations(scope=scope, user=request.user)
    verified = Complaint.objects.filter(
        staff__user=request.user, outcome=ComplaintOutcome.VERIFIED
    ).count()
    if not evaluations and not verified:
        return None
    return Section(
        "feedback/home/teacher.html",
        {"evaluations": evaluations[:3], "verified": verified},
    )


def family_section(request) -> Section | None:
    now = timezone.now()
    todo = [
        t
        for t in family_evaluations(scope=request.scope, user=request.user, now=now)
        if t.answered_at is None and t.evaluation.is_open(now)
    ]
    open_complaints = [
        complaint_selectors.project(c, Side.FAMILY, now=now, full=False)
        for c in complaint_selectors.family_complaints(
            scope=request.scope, user=request.user
        ).exclude(status=ComplaintStatus.CLOSED, closed_at__lt=now - timedelta(days=14))[:5]
    ]
    return Section(
        "feedback/home/family.html",
        {"todo": todo, "complaints": open_complaints},
    )
