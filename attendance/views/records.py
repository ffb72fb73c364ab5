"""Follow-ups (flags, warnings, 劝退), weekly activity records (每周活动记录), exports and the
staff attendance month — the school's and the homeroom teacher's pages."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.errors import DomainError
from aftercare.models import Role, School, SchoolClass, Semester
from aftercare.tenancy import get_visible_or_404
from scheduling.models import CareGroup, StaffMember

from ..access import is_homeroom_teacher, is_manager, is_school_staff
from ..forms import CloseFollowUpForm, DismissForm, WarningForm, WeeklyRecordForm
from ..models import FollowUp, WeeklyRecord
from ..selectors.followup import follow_ups_for
from ..selectors.staff import staff_month
from ..services import export as export_services
from ..services import followup as services
from ..services import records as record_services
from .common import require, show_error


@login_required
def followups(request):
    scope = request.scope
    require(bool(scope.manager_schools) or Role.HOMEROOM_TEACHER in scope.roles)
    return render(
        request,
        "attendance/followups.html",
        {
            "flags": follow_ups_for(scope=scope),
            "warning_form": WarningForm(),
            "close_form": CloseFollowUpForm(),
            "dismiss_form": DismissForm(),
            "nav": "attendance-followups",
        },
    )


@require_POST
@login_required
def followup_action(request, followup_id, action):
    flag = get_visible_or_404(
        FollowUp.objects.select_related("student__school_class"),
        request.scope,
        public_id=followup_id,
    )
    try:
        if action == "warn":
            services.issue_warning(
                actor=request.user,
                student=flag.student,
                text=request.POST.get("text", ""),
                follow_up=flag,
            )
            messages.success(
                request, _("Warning sent to the family of %(name)s.") % {"name": flag.student.name}
            )
        elif action == "close":
            services.close_follow_up(
                actor=request.user, follow_up=flag, note=request.POST.get("note", "")
            )
            messages.success(request, _("Follow-up closed."))
        elif action == "dismiss":
            form = DismissForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the last day and the reason."))
            else:
                services.dismiss_student(
                    actor=request.user, student=flag.student, **form.cleaned_data
                )
                messages.success(
                    request, _("%(name)s is dismissed (劝退).") % {"name": flag.student.name}
                )
    except DomainError as err:
        show_error(request, err)
    return redirect("attendance_followups")


def _week(value) -> date:
    day = parse_date(value or "") or timezone.localdate()
    return record_services.monday_of(day)


@login_required
def weekly(request, class_id):
    school_class = get_visible_or_404(
        SchoolClass.objects.select_related("school"), request.scope, public_id=class_id
    )
    scope = request.scope
    require(
        is_homeroom_teacher(request.user, school_class)
        or is_manager(scope, school_class.school_id)
        or scope.is_official(school_class.district_id)
    )
    can_write = is_homeroom_teacher(request.user, school_class)
    week = _week(request.GET.get("week"))
    record = WeeklyRecord.objects.filter(school_class=school_class, week_start=week).first()
    initial = {"week_start": week}
    if record is not None:
        initial.update(
            activities=record.activities, highlights=record.highlights, safety=record.safety
        )
    form = WeeklyRecordForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        require(can_write)
        if form.is_valid():
            try:
                saved = record_services.save_weekly_record(
                    actor=request.user, school_class=school_class, **form.cleaned_data
                )
            except DomainError as err:
                show_error(request, err, form)
                status = err.status
            else:
                messages.success(request, _("Weekly record saved."))
                return redirect(f"{request.path}?week={saved.week_start}")
        else:
            status = 400
    records = list(
        WeeklyRecord.objects.filter(school_class=school_class)
        .select_related("semester", "filled_by")
        .order_by("-week_start")
    )
    terms: dict = {}
    for r in records:
        terms.setdefault(r.semester, []).append(r)
    return render(
        request,
        "attendance/weekly.html",
        {
            "school_class": school_class,
            "form": form,
            "record": record,
            "week": week,
            "terms": terms,
            "can_write": can_write and (record is None or record.archived_at is None),
            "nav": "attendance-weekly",
        },
        status=status,
    )


@login_required
def school_records(request, school_id):
    """The school's weekly records per term, with the archive action; the staff month; the
    export."""
    school = get_visible_or_404(
        School.objects.select_related("district"), request.scope, public_id=school_id
    )
    scope = request.scope
    require(is_manager(scope, school.pk) or scope.is_official(school.district_id))
    semesters = list(
        Semester.objects.filter(district_id=school.district_id).order_by("-start_date")
    )
    semester = next((s for s in semesters if str(s.public_id) == request.GET.get("semester")), None)
    semester = semester or (semesters[0] if semesters else None)
    if request.method == "POST":
        require(is_manager(scope, school.pk))
        try:
            n = record_services.archive_weekly_records(
                actor=request.user, school=school, semester=semester
            )
        except DomainError as err:
            show_error(request, err)
        else:
            messages.success(request, _("%(n)d weekly records archived.") % {"n": n})
        return redirect(f"{request.path}?semester={semester.public_id}")
    records = (
        WeeklyRecord.objects.filter(school=school, semester=semester)
        .select_related("school_class", "filled_by")
        .order_by("school_class__grade", "school_class__number", "-week_start")
        if semester
        else []
    )
    today = timezone.localdate()
    month = request.GET.get("month") or f"{today:%Y-%m}"
    try:
        year, mon = (int(x) for x in month.split("-"))
        date(year, mon, 1)
    except ValueError:
        year, mon = today.year, today.month
    figures = staff_month(school=school, year=year, month=mon)
    staff = {s.pk: s for s in StaffMember.objects.filter(pk__in=figures)}
    return render(
        request,
        "attendance/school_records.html",
        {
            "school": school,
            "semesters": semesters,
            "semester": semester,
            "records": records,
            "month": f"{year:04d}-{mon:02d}",
            "staff_rows": sorted(
                ((staff[k], v) for k, v in figures.items() if k in staff),
                key=lambda x: x[0].full_name,
            ),
            "classes": SchoolClass.objects.filter(school=school).order_by("grade", "number"),
            "groups": CareGroup.objects.filter(school=school).order_by(
                "plan_id", "kind", "position"
            ),
            "start": today.replace(day=1),
            "end": today,
            "nav": f"duty-{school.pk}",
        },
    )


@login_required
def export(request, school_id):
    school = get_visible_or_404(School.objects.all(), request.scope, public_id=school_id)
    require(
        is_school_staff(request.scope, school.pk) or request.scope.is_official(school.district_id)
    )
    what = request.GET.get("what", "school")
    school_class = group = None
    if what.startswith("class:"):
        school_class = SchoolClass.objects.filter(school=school, public_id=_uuid(what[6:])).first()
    elif what.startswith("group:"):
        group = CareGroup.objects.filter(school=school, public_id=_uuid(what[6:])).first()
    today = timezone.localdate()
    start = parse_date(request.GET.get("start") or "") or today.replace(day=1)
    end = parse_date(request.GET.get("end") or "") or today
    try:
        content, name = export_services.export_attendance(
            actor=request.user,
            school=school,
            start=start,
            end=end,
            school_class=school_class,
            group=group,
        )
    except DomainError as err:
        show_error(request, err)
        return redirect("home")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _uuid(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
