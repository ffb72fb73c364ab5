"""The district dashboard and its drill-down (district → school → class or group → child),
the replica's state, and the on-demand recompute.

Read-only pages run with their reads on the streaming replica when there is one
(``aftercare.db_router.replica_reads``); lookups come first, so another district's object is
404 and one's own district with the wrong role 403 (``reporting.rules``). Every table exports
to xlsx with ``?export=<table key>`` (audited).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.audit import record_event
from aftercare.db_router import replica_reads, replica_status
from aftercare.models import School, SchoolClass
from aftercare.views.errors import domain_errors
from enrollment.models import Student
from reporting import rules
from reporting.selectors.district import district_page
from reporting.selectors.drill import child_page, class_page, group_page, school_page
from reporting.selectors.period import oversight_district, resolve_period
from reporting.services import refresh
from reporting.sources import SOURCES
from reporting.tables import xlsx_response
from scheduling.models import CareGroup


def require_reader(request, district_id: int | None = None) -> None:
    rules.require(
        rules.can_read(request.scope, district_id),
        _("Only the district's officials and inspectors (督学) see the dashboard."),
    )


def _source(request):
    """The rollups; the raw rows only where allowed (DEBUG, the benchmark)."""
    wanted = request.GET.get("source", "rollup")
    if wanted != "rollup" and (settings.DEBUG or getattr(settings, "REPORTING_RAW_SOURCE", False)):
        return SOURCES.get(wanted, SOURCES["rollup"])()
    return SOURCES["rollup"]()


def _export(request, page, obj, name: str):
    """The page's table ``?export=<key>`` as xlsx, audited; None when nothing was asked."""
    key = request.GET.get("export")
    if not key:
        return None
    table = page.table(key)
    if table is None:
        raise Http404
    record_event(
        actor=request.user,
        action="reporting.exported",
        obj=obj,
        payload={"table": key, "rows": len(table.rows), "path": request.path},
    )
    return xlsx_response(table, f"{name}-{table.title}-{page.period.start}-{page.period.end}")


def _context(request, page, district, **extra):
    return {
        "page": page,
        "period": page.period,
        "district": district,
        "can_act": rules.can_act(request.scope, district.pk),
        "replica_fallback": getattr(request, "replica_fallback", False),
        "last_run": refresh.last_done(district),
        "live_run": refresh.latest_run(district),
        "nav": "reporting-dashboard",
        **extra,
    }


@login_required
@domain_errors
@replica_reads
def dashboard(request):
    require_reader(request)
    district = oversight_district(request)
    period = resolve_period(request, district)
    source = _source(request)
    page = district_page(
        source=source, period=period, names=rules.sees_names(request.scope, district.pk)
    )
    exported = _export(request, page, district, district.name)
    if exported is not None:
        return exported
    return render(
        request,
        "reporting/dashboard.html",
        _context(request, page, district, source=source.name),
    )


@login_required
@domain_errors
@replica_reads
def school_detail(request, school_id):
    school = rules.lookup_or_404(
        School.objects.select_related("district"), request.scope, public_id=school_id
    )
    require_reader(request, school.district_id)
    district = oversight_district(request, school.district_id)
    period = resolve_period(request, district)
    page = school_page(
        school=school, period=period, names=rules.sees_names(request.scope, district.pk)
    )
    return _export(request, page, school, school.name) or render(
        request, "reporting/drill.html", _context(request, page, district, school=school)
    )


@login_required
@domain_errors
@replica_reads
def class_detail(request, class_id):
    klass = rules.lookup_or_404(
        SchoolClass.objects.select_related("school", "homeroom_teacher"),
        request.scope,
        public_id=class_id,
    )
    require_reader(request, klass.district_id)
    district = oversight_district(request, klass.district_id)
    period = resolve_period(request, district)
    page = class_page(
        klass=klass, period=period, names=rules.sees_names(request.scope, district.pk)
    )
    return _export(request, page, klass.school, f"{klass.school.name}-{klass.name}") or render(
        request,
        "reporting/drill.html",
        _context(request, page, district, school=klass.school, klass=klass),
    )


@login_required
@domain_errors
@replica_reads
def group_detail(request, group_id):
    group = rules.lookup_or_404(
        CareGroup.objects.select_related("school", "plan"), request.scope, public_id=group_id
    )
    require_reader(request, group.district_id)
    district = oversight_district(request, group.district_id)
    period = resolve_period(request, district)
    page = group_page(
        group=group, period=period, names=rules.sees_names(request.scope, district.pk)
    )
    return _export(request, page, group.school, f"{group.school.name}-{group.name}") or render(
        request,
        "reporting/drill.html",
        _context(request, page, district, school=group.school, group=group),
    )


@login_required
@domain_errors
@replica_reads
def child_detail(request, student_id):
    student = rules.lookup_or_404(
        Student.objects.select_related("school", "school_class"),
        request.scope,
        public_id=student_id,
    )
    require_reader(request, student.district_id)
    district = oversight_district(request, student.district_id)
    period = resolve_period(request, district)
    names = rules.sees_names(request.scope, district.pk)
    page = child_page(student=student, period=period, names=names)
    # Every staff read of a child's record is audited (ARCHITECTURE.md, minors' data).
    record_event(
        actor=request.user,
        action="student.viewed",
        obj=student,
        payload={"page": "reporting", "masked": not names},
    )
    return _export(request, page, student, page.title) or render(
        request,
        "reporting/drill.html",
        _context(
            request,
            page,
            district,
            school=student.school,
            klass=student.school_class,
            child=student,
        ),
    )


@login_required
@domain_errors
def replica(request):
    require_reader(request)
    district = oversight_district(request)
    return render(
        request,
        "reporting/replica.html",
        {"status": replica_status(), "district": district, "nav": "reporting-dashboard"},
    )


@require_POST
@login_required
@domain_errors(back=lambda request, **kw: reverse("reporting_dashboard"))
def recompute(request):
    require_reader(request)
    district = oversight_district(request)
    refresh.request_refresh(actor=request.user, district=district)
    messages.success(
        request, _("Recompute queued: the figures and alerts are updated in a minute or two.")
    )
    return redirect(reverse("reporting_dashboard") + f"?district={district.public_id}")
