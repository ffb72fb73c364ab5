"""What enrollment puts on each role's to-do list (home pages, through ``aftercare.registry``).

* a parent: per child, the next step — apply, wait for the class teacher or the school, sign
  the agreement, confirm the insurance, accept a course seat before its deadline;
* a homeroom teacher: the applications waiting for their review;
* a principal: applications waiting for the school's approval, the participant list to
  publish, agreements and insurance still missing, the course registration's state;
* an official: nothing here (plans adds the plans waiting for review).

A fixed number of queries per page, whatever the number of children or applications.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aftercare.registry import Todo
from aftercare.tenancy import Scope
from aftercare.texts import format_day
from enrollment.models import Application, ApplicationStatus, CourseRegistration, SeatStatus
from enrollment.selectors.applications import PARTICIPATING, ChildRow, family_overview


def _when(value: datetime) -> str:
    return format_day(value, "time")


def child_todos(row: ChildRow, offers: list[CourseRegistration]) -> list[Todo]:
    """The next steps of one child, most urgent first."""
    app = row.application
    todos: list[Todo] = []
    applications = reverse("family_applications")
    for reg in offers:
        todos.append(
            Todo(
                label=_("Seat offered in %(course)s: accept it") % {"course": reg.course.name},
                detail=_("before %(when)s") % {"when": _when(reg.offer_expires_at)}
                if reg.offer_expires_at
                else "",
                url=reverse("family_courses"),
                action=pgettext("todo action", "Accept or decline"),
                state="warn",
            )
        )
    if app is None:
        if row.plan is None:
            todos.append(
                Todo(
                    label=_("The school has not published its after-school plan yet"), state="wait"
                )
            )
        elif row.can_apply:
            todos.append(
                Todo(
                    label=_("Apply for after-school service"),
                    detail=row.admission.times() if row.admission else "",
                    url=applications,
                    action=pgettext("todo action", "Apply"),
                )
            )
        elif row.admission is not None:
            todos.append(Todo(label=row.admission.refusal(), state="wait"))
        return todos
    status = app.status
    if status == ApplicationStatus.APPLIED:
        todos.append(
            Todo(
                label=_("Applied: waiting for the class teacher's review"),
                detail=_("applied %(when)s") % {"when": _when(app.applied_at)},
                url=applications,
                action=pgettext("todo action", "Details"),
                state="wait",
            )
        )
    elif status in (ApplicationStatus.CLASS_APPROVED, ApplicationStatus.FLAGGED):
        todos.append(
            Todo(
                label=_("Reviewed by the class teacher: waiting for the school's approval"),
                url=applications,
                action=pgettext("todo action", "Details"),
                state="wait",
            )
        )
    elif status == ApplicationStatus.REJECTED:
        todos.append(
            Todo(
                label=_("Not admitted"),
                detail=app.rejection_reason,
                url=applications,
                action=pgettext("todo action", "Details"),
                state="warn",
            )
        )
    elif status == ApplicationStatus.WITHDRAWAL_REQUESTED:
        todos.append(Todo(label=_("Withdrawal requested: waiting for the school"), state="wait"))
    if status in PARTICIPATING:
        agreement = reverse("application_agreement", args=[app.public_id])
        if app.signed_at is None:
            todos.append(
                Todo(
                    label=_("Sign the service agreement"),
                    url=agreement,
                    action=pgettext("todo action", "Sign"),
                )
            )
        if app.insurance_confirmed_at is None:
            todos.append(
                Todo(
                    label=_("Confirm the accident insurance (学平险)"),
                    url=agreement,
                    action=pgettext("todo action", "Confirm"),
                )
            )
        if status == ApplicationStatus.APPROVED and app.signed_at and app.insurance_confirmed_at:
            todos.append(
                Todo(
                    label=_("Enrolled: the child may attend"),
                    url=reverse("family_courses"),
                    action=pgettext("todo action", "Extended courses"),
                    state="ok",
                )
            )
    return todos


def family_todos(*, user, scope: Scope, now: datetime) -> list[tuple[ChildRow, list[Todo]]]:
    rows = family_overview(user=user, scope=scope, now=now)
    offers: dict[int, list[CourseRegistration]] = {}
    for reg in (
        CourseRegistration.objects.filter(
            student__in=[r.student for r in rows], status=SeatStatus.OFFERED
        )
        .select_related("course")
        .order_by("offer_expires_at")
    ):
        offers.setdefault(reg.student_id, []).append(reg)
    return [(row, child_todos(row, offers.get(row.student.pk, []))) for row in rows]


def teacher_todos(*, user, scope: Scope) -> list[Todo]:
    pending = (
        Application.objects.visible_to(scope)
        .filter(student__school_class__homeroom_teacher=user, status=ApplicationStatus.APPLIED)
        .count()
    )
    if not pending:
        return []
    return [
        Todo(
            label=_("applications waiting for your review"),
            count=pending,
            url=reverse("teacher_applications"),
            action=pgettext("todo action", "Review"),
        )
    ]


def school_todos(*, school, scope: Scope) -> list[Todo]:
    """The school's application and registration work of its current semesters."""
    counts = (
        Application.objects.visible_to(scope)
        .filter(school=school, semester__end_date__gte=timezone.localdate())
        .aggregate(
            to_approve=Count(
                "id",
                filter=Q(status__in=[ApplicationStatus.CLASS_APPROVED, ApplicationStatus.FLAGGED]),
            ),
            with_teacher=Count("id", filter=Q(status=ApplicationStatus.APPLIED)),
            unlisted=Count("id", filter=Q(status__in=PARTICIPATING, listed_at__isnull=True)),
            unsigned=Count("id", filter=Q(status__in=PARTICIPATING, signed_at__isnull=True)),
            uninsured=Count(
                "id", filter=Q(status__in=PARTICIPATING, insurance_confirmed_at__isnull=True)
            ),
            withdrawals=Count("id", filter=Q(status=ApplicationStatus.WITHDRAWAL_REQUESTED)),
        )
    )
    url = reverse("school_applications", args=[school.public_id])
    todos = []
    if counts["to_approve"]:
        todos.append(
            Todo(
                label=_("applications reviewed by class teachers, waiting for your approval"),
                count=counts["to_approve"],
                url=f"{url}?status={ApplicationStatus.CLASS_APPROVED}",
                action=pgettext("todo action", "Approve"),
            )
        )
    if counts["withdrawals"]:
        todos.append(
            Todo(
                label=_("withdrawal requests to decide"),
                count=counts["withdrawals"],
                url=f"{url}?status={ApplicationStatus.WITHDRAWAL_REQUESTED}",
                action=pgettext("todo action", "Decide"),
            )
        )
    if counts["unlisted"]:
        todos.append(
            Todo(
                label=_("approved children not yet on the public participant list"),
                count=counts["unlisted"],
                url=url,
                action=pgettext("todo action", "Publish"),
            )
        )
    if counts["with_teacher"]:
        todos.append(
            Todo(
                label=_("applications still with the class teachers"),
                count=counts["with_teacher"],
                url=f"{url}?status={ApplicationStatus.APPLIED}",
                action=pgettext("todo action", "See"),
                state="wait",
            )
        )
    if counts["unsigned"] or counts["uninsured"]:
        todos.append(
            Todo(
                label=_("participants without a signed agreement or confirmed insurance"),
                count=max(counts["unsigned"], counts["uninsured"]),
                detail=_("%(unsigned)s not signed, %(uninsured)s insurance not confirmed") % counts,
                url=url,
                action=pgettext("todo action", "See"),
                state="wait",
            )
        )
    return todos
