"""What safety adds to the navigation and the role home pages (registered in
``SafetyConfig.ready``): the family's to-do (incidents to acknowledge, the privacy notice to
decide on, the safety information to confirm for the semester), the school's pending
deletion requests and unacknowledged incidents, a teacher's recent incidents, the district's
serious incidents."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.context_processors import school_nav_label
from aftercare.models import TEACHER_ROLES, Role
from aftercare.registry import Todo, todo_section

from .. import selectors
from ..models import (
    ConsentDecision,
    DeletionRequest,
    DeletionStatus,
    Incident,
    IncidentSeverity,
    SafetyProfile,
)


def nav(scope) -> list[dict]:
    items = []
    if scope.is_official():
        items.append(
            {
                "key": "district-privacy",
                "label": gettext_lazy("Privacy and safety"),
                "url": reverse("safety_district"),
                "position": 35,
            }
        )
    for index, school in enumerate(scope.managed_school_objects, start=1):
        items.append(
            {
                "key": f"safety-{school.pk}",
                "label": school_nav_label(scope, school, gettext_lazy("Safety")),
                "url": reverse("safety_school", args=[school.public_id]),
                "group": index,
                "position": 47,
            }
        )
    if Role.PARENT in scope.roles:
        items.append(
            {
                "key": "family-safety",
                "label": gettext_lazy("Safety and privacy"),
                "url": reverse("safety_family"),
                "group": 200,
                "position": 45,
            }
        )
    return items


def family_section(request, **context):
    """The guardian's safety to-dos for every child, in a fixed number of queries."""
    today = timezone.localdate()
    children = selectors.guardians_children(request.user)
    todos = []
    if not children:
        return todo_section(_("Safety and privacy"), todos, testid="safety-todos")
    ids = [c.pk for c in children]
    open_incidents = defaultdict(list)
    for incident in Incident.objects.filter(
        student_id__in=ids, acknowledged_at__isnull=True
    ).order_by("occurred_at"):
        open_incidents[incident.student_id].append(incident)
    profiles = {p.student_id: p for p in SafetyProfile.objects.filter(student_id__in=ids)}
    districts = {c.district_id for c in children}
    notices = {d: selectors.current_notice(d) for d in districts}
    semesters = {d: selectors.current_semester(d, today) for d in districts}
    decided = set(
        ConsentDecision.objects.filter(
            student_id__in=ids, notice_id__in=[n.pk for n in notices.values() if n]
        ).values_list("student_id", "notice_id", "semester_id")
    )
    for child in children:
        for incident in open_incidents[child.pk]:
            todos.append(
                Todo(
                    label=_("Incident report about %(child)s to acknowledge")
                    % {"child": child.name},
                    detail=timezone.localtime(incident.occurred_at).strftime("%m-%d %H:%M"),
                    url=reverse("safety_incident", args=[incident.public_id]),
                    action=_("Read"),
                    state="warn",
                )
            )
        notice, semester = notices[child.district_id], semesters[child.district_id]
        if notice is not None and not any(
            sid == child.pk and nid == notice.pk and (semester is None or sem == semester.pk)
            for sid, nid, sem in decided
        ):
            todos.append(
                Todo(
                    label=_("Privacy notice for %(child)s: decide for this semester")
                    % {"child": child.name},
                    url=reverse("safety_consent", args=[child.public_id]),
                    action=_("Decide"),
                )
            )
        profile = profiles.get(child.pk)
        if profile is None or (
            semester is not None and profile.confirmed_semester_id != semester.pk
        ):
            todos.append(
                Todo(
                    label=_("Emergency contacts and medical notes of %(child)s to confirm")
                    % {"child": child.name},
                    url=reverse("safety_child", args=[child.public_id]),
                    action=_("Confirm"),
                )
            )
    return todo_section(_("Safety and privacy"), todos, testid="safety-todos")


def school_section(request, school=None, **context):
    if school is None or school.pk not in request.scope.manager_schools:
        return None
    pending = DeletionRequest.objects.filter(school=school, status=DeletionStatus.PENDING).count()
    unacked = Incident.objects.filter(
        school=school,
        acknowledged_at__isnull=True,
        recorded_at__lt=timezone.now() - timedelta(days=1),
    ).count()
    url = reverse("safety_school", args=[school.public_id])
    todos = []
    if pending:
        todos.append(
            Todo(label=_("Deletion requests to review"), count=pending, url=url, action=_("Review"))
        )
    if unacked:
        todos.append(
            Todo(
                label=_("Incident reports not acknowledged by the family after a day"),
                count=unacked,
                url=url,
                action=_("See"),
                state="wait",
            )
        )
    return todo_section(_("Safety"), todos, testid="safety-school-todos")


def teacher_section(request, **context):
    if not (request.scope.roles & TEACHER_ROLES):
        return None
    recent = Incident.objects.filter(
        recorded_by=request.user, acknowledged_at__isnull=True
    ).select_related("student")[:5]
    todos = [
        Todo(
            label=_("%(child)s: waiting for the family to acknowledge") % {"child": i.student.name},
            url=reverse("safety_incident", args=[i.public_id]),
            action=_("See"),
            state="wait",
        )
        for i in recent
    ]
    return todo_section(_("Incidents I recorded"), todos, testid="safety-teacher-todos")


def district_section(request, district=None, **context):
    scope = request.scope
    if not scope.is_official():
        return None
    serious = Incident.objects.filter(
        district_id__in=scope.official_districts,
        severity=IncidentSeverity.SERIOUS,
        occurred_at__gte=timezone.now() - timedelta(days=30),
    ).count()
    if not serious:
        return None
    return todo_section(
        _("Safety"),
        [
            Todo(
                label=_("Serious incidents in the last 30 days"),
                count=serious,
                url=reverse("safety_district"),
                action=_("See"),
                state="warn",
            )
        ],
        testid="safety-district-todos",
    )


def after_binding(request, *, student, **context) -> str | None:
    """The binding flow's next step (``aftercare.registry`` flow ``child_bound``): the
    district's current privacy notice and the consent per purpose, when this guardian has
    not decided under it for the child yet (a new semester's notice version stays a home
    to-do)."""
    notice = selectors.current_notice(student.district_id)
    if notice is None:
        return None
    if ConsentDecision.objects.filter(
        student=student, guardian=request.user, notice=notice
    ).exists():
        return None
    return reverse("safety_consent", args=[student.public_id]) + "?flow=binding"
