"""The semester calendar page: holidays, make-up days (调休) and events shown and edited as
ranges (国庆 is one row of seven days), with a month view for phones.

Storage stays one entry per day (``aftercare.calendar.school_days`` and the plans' calendar
read every day); ``ranges_of`` groups them for people. Routes are unchanged:
``semester_detail`` (``?month=YYYY-MM`` picks the month, ``?edit=<entry id>`` opens a range
for editing) and ``calendar_exception_delete`` (removes the whole range of that entry).
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare import rules, services
from aftercare.calendar import month_grid, range_containing, ranges_of, school_days
from aftercare.errors import InvalidInput
from aftercare.forms import CalendarExceptionForm
from aftercare.models import CalendarException, CalendarKind, Semester
from aftercare.tenancy import get_visible_or_404
from aftercare.views.errors import apply_domain_error, domain_errors


def _back_to_semester(request, semester_id, **_kwargs) -> str:
    return reverse("semester_detail", args=[semester_id])


def _months(semester: Semester) -> list[date]:
    months, day = [], semester.start_date.replace(day=1)
    while day <= semester.end_date:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def _pick_month(request, months: list[date]) -> date:
    raw = request.GET.get("month", "")
    if raw:
        try:
            year, month = (int(part) for part in raw.split("-"))
            wanted = date(year, month, 1)
        except (TypeError, ValueError):
            wanted = None
        if wanted in months:
            return wanted
    today = timezone.localdate().replace(day=1)
    return today if today in months else months[0]


def _editable(rng, can_edit, school) -> bool:
    return can_edit or (school is not None and rng.school_id == school.pk)


@login_required
@domain_errors(back=_back_to_semester)
def semester_detail(request, semester_id):
    scope = request.scope
    semester = get_visible_or_404(Semester, scope, public_id=semester_id)
    rules.require(
        rules.can_read_semester(scope, semester),
        _("Only district officials, principals and school administrators see the calendar."),
    )
    can_edit = rules.can_edit_calendar(scope, semester.district_id)
    school = None
    if not can_edit:
        school = next(
            s for s in scope.managed_school_objects if s.district_id == semester.district_id
        )
    entries = semester.exceptions.select_related("school")
    if school is not None:
        entries = entries.filter(Q(school__isnull=True) | Q(school=school))
    exceptions = list(entries)
    ranges = ranges_of(exceptions)

    editing = None
    edit_id = request.POST.get("replace") or request.GET.get("edit")
    if edit_id:
        try:
            editing = range_containing(exceptions, int(edit_id))
        except ValueError:
            editing = None
        if editing is None or not _editable(editing, can_edit, school):
            raise Http404
    initial = {"date": semester.start_date}
    if editing is not None:
        initial = {
            "date": editing.first,
            "end_date": editing.last if editing.days > 1 else None,
            "kind": editing.kind,
            "note": editing.note,
            "follows_weekday": editing.follows_weekday,
        }
        if school is None and editing.school_id:
            first = next(e for e in exceptions if e.pk == editing.pk)
            initial["school"] = first.school.public_id
    form = CalendarExceptionForm(
        request.POST or None, district=semester.district, school=school, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        replacing = [e for e in exceptions if editing and e.pk in editing.ids]
        try:
            services.add_calendar_range(
                actor=request.user,
                semester=semester,
                first=data["date"],
                last=data.get("end_date") or data["date"],
                kind=data["kind"],
                school=data.get("school") or school,
                note=data["note"],
                follows_weekday=data.get("follows_weekday"),
                replacing=replacing,
            )
        except InvalidInput as err:
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Calendar updated."))
            return redirect("semester_detail", semester.public_id)

    months = _months(semester)
    shown = _pick_month(request, months)
    index = months.index(shown)
    days = school_days(semester, school, exceptions)
    return render(
        request,
        "district/semester_detail.html",
        {
            "semester": semester,
            "ranges": [(r, _editable(r, can_edit, school)) for r in ranges],
            "school_day_count": len(days),
            "form": form,
            "editing": editing,
            "can_edit": can_edit,
            "school": school,
            "month": shown,
            # Officials see the district's days; a school's leaders their school's as well.
            "weeks": month_grid(
                semester,
                shown.year,
                shown.month,
                [e for e in exceptions if school is not None or e.school_id is None],
            ),
            "prev_month": months[index - 1] if index > 0 else None,
            "next_month": months[index + 1] if index + 1 < len(months) else None,
            "kinds": CalendarKind,
            "nav": "semesters",
        },
    )


@require_POST
@login_required
@domain_errors(back=_back_to_semester)
def calendar_exception_delete(request, semester_id, exception_id):
    """Remove the whole range the entry belongs to (国庆's seven days at once)."""
    scope = request.scope
    semester = get_visible_or_404(Semester, scope, public_id=semester_id)
    exception = get_visible_or_404(
        CalendarException.objects.filter(semester=semester), scope, pk=exception_id
    )
    same = CalendarException.objects.filter(
        semester=semester, school_id=exception.school_id, kind=exception.kind
    )
    rng = range_containing(list(same), exception.pk)
    services.remove_calendar_range(
        actor=request.user, exceptions=[e for e in same if e.pk in rng.ids]
    )
    messages.success(request, _("Calendar updated."))
    return redirect("semester_detail", semester.public_id)
