"""A course row of the school's registration page, opened: who registered (child, class,
status, time), for the school's own principal and administrators; an .xlsx download through
the project's export helper. Another school's or district's course is 404, other roles 403."""

from __future__ import annotations

import tablib
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftercare.audit import record_event
from aftercare.exports import xlsx_bytes
from aftercare.tenancy import get_visible_or_404
from enrollment.models import SeatStatus
from enrollment.selectors.registrants import STATUS_ORDER, registrants_of, status_counts
from plans.models import Course, PlanStatus, SchoolPlan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def course_registrants(request, plan_id, course_id):
    scope = request.scope
    plan = get_visible_or_404(
        SchoolPlan.objects.select_related("school", "semester"), scope, public_id=plan_id
    )
    if not scope.manages(plan.school):
        raise PermissionDenied  # children's names: the school's own managers only
    course = get_visible_or_404(
        Course.objects.filter(version__plan=plan, version__status=PlanStatus.PUBLISHED),
        scope,
        public_id=course_id,
    )
    status = request.GET.get("status", "")
    if status not in SeatStatus.values:
        status = ""  # an unknown filter shows everyone
    rows = list(registrants_of(course, status=status))
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, plan, course, rows)
    counts = status_counts(course)
    tabs = [(s, SeatStatus(s).label, counts.get(s, 0)) for s in STATUS_ORDER if counts.get(s)]
    tabs += [
        (s, SeatStatus(s).label, n)
        for s, n in sorted(counts.items())
        if s not in STATUS_ORDER and n
    ]
    return render(
        request,
        "enrollment/course_registrants.html",
        {
            "plan": plan,
            "course": course,
            "rows": rows,
            "status": status,
            "tabs": tabs,
            "total": sum(counts.values()),
            "nav": f"plans-{plan.school_id}",
        },
    )


def _xlsx(request, plan, course, rows) -> HttpResponse:
    data = tablib.Dataset(
        headers=[_("Student"), _("Class"), _("Status"), _("Round"), _("Registered at")],
        title=course.name,
    )
    for r in rows:
        data.append(
            [
                r.student.name,
                r.student.school_class.name,
                r.get_status_display(),
                r.round,
                timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            ]
        )
    record_event(
        actor=request.user,
        action="course.registrants_exported",
        obj=course,
        payload={"rows": len(rows)},
    )
    response = HttpResponse(xlsx_bytes(data), content_type=XLSX)
    name = f"{plan.school.name}-{course.name}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
