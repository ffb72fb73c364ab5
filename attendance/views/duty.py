"""The duty leader's pages (值班): the day board, clearing (清校), patrol (巡查), handover
mismatches, staff attendance records; and the teacher's handover page (交接)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from aftercare.errors import DomainError
from aftercare.models import School, SchoolClass
from aftercare.tenancy import get_visible_or_404
from enrollment.models import Student
from scheduling.models import Session, StaffMember

from ..access import is_duty_leader, is_school_staff, lookup_session
from ..forms import PatrolForm, ResolveHandoverForm, StaffRecordForm
from ..models import Handover, HandoverChild
from ..selectors.common import approved_leave_on, roster_student_ids
from ..selectors.duty import day_board
from ..selectors.staff import session_staff
from ..services import duty as services
from ..services import handover as handover_services
from ..services import staff as staff_services
from .common import require, show_error


def _school(request, school_id):
    return get_visible_or_404(
        School.objects.select_related("district"), request.scope, public_id=school_id
    )


@login_required
def board(request, school_id):
    school = _school(request, school_id)
    scope = request.scope
    require(is_school_staff(scope, school.pk) or scope.is_official(school.district_id))
    day = parse_date(request.GET.get("date") or "") or timezone.localdate()
    data = day_board(school, day)
    is_duty = is_duty_leader(scope, school.pk, day)
    patrol_form = PatrolForm(sessions=data.sessions)
    status = 200
    if request.method == "POST":
        require(is_duty)
        action = request.POST.get("action")
        try:
            if action == "patrol":
                patrol_form = PatrolForm(request.POST, sessions=data.sessions)
                if not patrol_form.is_valid():
                    status = 400
                else:
                    d = patrol_form.cleaned_data
                    session = next(
                        (s for s in data.sessions if str(s.public_id) == d["session"]), None
                    )
                    services.record_patrol(
                        actor=request.user,
                        school=school,
                        note=d["note"],
                        session=session,
                        place=d["place"],
                        issue=d["issue"],
                    )
                    messages.success(request, _("Patrol recorded."))
                    return redirect("attendance_duty", school.public_id)
            elif action == "clear":
                notes = {
                    key[5:]: value for key, value in request.POST.items() if key.startswith("note-")
                }
                services.confirm_clearing(
                    actor=request.user,
                    school=school,
                    day=day,
                    notes=notes,
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("School cleared (清校) and recorded."))
                return redirect("attendance_duty", school.public_id)
        except DomainError as err:
            if action == "patrol":
                show_error(request, err, patrol_form)
            else:
                show_error(request, err)
            status = err.status
    for s in data.sessions:
        s.posted_note = request.POST.get(f"note-{s.public_id}", "")
    now = timezone.localtime().time()
    running = [s.end_time for s in data.sessions if s.is_open and s.end_time > now]
    clear_after = max(running) if running else None
    return render(
        request,
        "attendance/duty.html",
        {
            "school": school,
            "board": data,
            "day": day,
            "is_today": day == timezone.localdate(),
            "is_duty": is_duty,
            "patrol_form": patrol_form,
            "clear_after": clear_after,
            "nav": f"duty-{school.pk}",
        },
        status=status,
    )


@login_required
def handover_detail(request, handover_id):
    handover = get_visible_or_404(
        Handover.objects.select_related(
            "session__group",
            "school",
            "from_class",
            "from_session__group",
            "handed_by",
            "resolved_by",
            "fault_staff",
        ),
        request.scope,
        public_id=handover_id,
    )
    scope = request.scope
    require(is_school_staff(scope, handover.school_id) or scope.is_official(handover.district_id))
    can_resolve = is_duty_leader(scope, handover.school_id, handover.date)
    form = ResolveHandoverForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(can_resolve)
        if form.is_valid():
            try:
                handover_services.resolve_handover(
                    actor=request.user, handover=handover, **form.cleaned_data
                )
            except DomainError as err:
                show_error(request, err, form)
                status = err.status
            else:
                messages.success(request, _("Handover resolved."))
                return redirect("attendance_handover", handover.public_id)
        else:
            status = 400
    names = dict(
        Student.objects.filter(pk__in=[*handover.missing, *handover.extra]).values_list(
            "pk", "name"
        )
    )
    return render(
        request,
        "attendance/handover_detail.html",
        {
            "handover": handover,
            "children": HandoverChild.objects.filter(handover=handover)
            .select_related("student__school_class")
            .order_by("student__name"),
            "missing": [names.get(pk, "?") for pk in handover.missing],
            "extra": [names.get(pk, "?") for pk in handover.extra],
            "can_resolve": can_resolve,
            "form": form,
            "nav": f"duty-{handover.school_id}",
        },
        status=status,
    )


@login_required
def handover_start(request):
    """The last-period teacher: choose the class and the receiving group of today."""
    scope = request.scope
    schools = scope.teacher_schools | scope.manager_schools
    require(bool(schools))
    classes = list(
        SchoolClass.objects.filter(school_id__in=schools).order_by("school_id", "grade", "number")
    )
    own = [c for c in classes if c.homeroom_teacher_id == request.user.pk]
    chosen = next((c for c in classes if str(c.public_id) == request.GET.get("class")), None)
    chosen = chosen or (own[0] if len(own) == 1 else None)
    sessions = []
    if chosen is not None:
        today = timezone.localdate()
        for s in (
            Session.objects.filter(school_id=chosen.school_id, date=today)
            .select_related("group")
            .order_by("start_time")
        ):
            n = Student.objects.filter(pk__in=roster_student_ids(s), school_class=chosen).count()
            if n:
                s.n_from_class = n
                sessions.append(s)
    return render(
        request,
        "attendance/handover_start.html",
        {
            "classes": classes,
            "own": own,
            "chosen": chosen,
            "sessions": sessions,
            "nav": "attendance",
        },
    )


@login_required
def handover_form(request, class_id, session_id):
    """Tick the children staying and hand them over (count and list)."""
    scope = request.scope
    schools = scope.teacher_schools | scope.manager_schools
    school_class = (
        SchoolClass.objects.filter(public_id=class_id, school_id__in=schools)
        .select_related("school")
        .first()
    )
    session = (
        Session.objects.filter(public_id=session_id, school_id__in=schools)
        .select_related("group")
        .first()
    )
    if school_class is None or session is None or session.school_id != school_class.school_id:
        raise Http404
    children = list(
        Student.objects.filter(
            pk__in=roster_student_ids(session), school_class=school_class
        ).order_by("name", "pk")
    )
    leaves = approved_leave_on(session.date, [c.pk for c in children])
    existing = Handover.objects.filter(session=session, from_class=school_class).first()
    ticked = (
        set(HandoverChild.objects.filter(handover=existing).values_list("student_id", flat=True))
        if existing
        else {c.pk for c in children if c.pk not in leaves}
    )
    status = 200
    if request.method == "POST":
        wanted = []
        for value in request.POST.getlist("students"):
            try:
                wanted.append(uuid.UUID(value))
            except ValueError:
                continue
        count = request.POST.get("count") or None
        try:
            handover = handover_services.record_handover(
                actor=request.user,
                session=session,
                students=wanted,
                from_class=school_class,
                count=int(count) if count and count.isdigit() else None,
            )
        except DomainError as err:
            show_error(request, err)
            status = err.status
            ticked = {c.pk for c in children if c.public_id in set(wanted)}
        else:
            messages.success(
                request,
                _("%(n)d children handed over to %(group)s.")
                % {"n": handover.count, "group": session.group.name},
            )
            return redirect("attendance_handover", handover.public_id)
    for c in children:
        c.on_leave = leaves.get(c.pk)
        c.ticked = c.pk in ticked
    return render(
        request,
        "attendance/handover_form.html",
        {
            "school_class": school_class,
            "session": session,
            "children": children,
            "existing": existing,
            "nav": "attendance",
        },
        status=status,
    )


@login_required
def staff_record(request, session_id):
    """The duty leader records or corrects a teacher's attendance of a session."""
    session, access = lookup_session(request.scope, session_id)
    require(access.can_read or is_duty_leader(request.scope, session.school_id, session.date))
    can_record = is_duty_leader(request.scope, session.school_id, session.date)
    rows = session_staff(session)
    substitutes = StaffMember.objects.filter(school_id=session.school_id, is_active=True).order_by(
        "full_name"
    )
    form = StaffRecordForm(
        request.POST or None, staff=[r["staff"] for r in rows], substitutes=substitutes
    )
    status = 200
    if request.method == "POST":
        require(can_record)
        if form.is_valid():
            d = form.cleaned_data
            staff = next(r["staff"] for r in rows if str(r["staff"].public_id) == d["staff"])
            sub = next((s for s in substitutes if str(s.public_id) == d["substitute"]), None)

            def at(t):
                return timezone.make_aware(datetime.combine(session.date, t)) if t else None

            try:
                staff_services.record_staff_attendance(
                    actor=request.user,
                    session=session,
                    staff=staff,
                    status=d["status"],
                    checked_in_at=at(d["checked_in"]),
                    checked_out_at=at(d["checked_out"]),
                    substitute=sub,
                    note=d["note"],
                )
            except DomainError as err:
                show_error(request, err, form)
                status = err.status
            else:
                messages.success(request, _("Staff attendance recorded."))
                return redirect("attendance_staff_record", session.public_id)
        else:
            status = 400
    return render(
        request,
        "attendance/staff_record.html",
        {
            "session": session,
            "rows": rows,
            "form": form,
            "can_record": can_record,
            "nav": f"duty-{session.school_id}",
        },
        status=status,
    )
