"""The scheduling board of a plan: groups with the reasons for each merge, the rules
re-checked on every change, staffing required vs assigned, the duty rota; a group's page
(members, moving, merging, splitting, teachers and rooms per weekday); exports."""

from __future__ import annotations

from datetime import timedelta

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftercare.errors import DomainError
from aftercare.models import WEEKDAYS
from aftercare.tenancy import get_visible_or_404
from enrollment.models import CourseRegistration, SeatStatus
from plans.models import SchoolPlan
from scheduling import checks, rules, selectors
from scheduling.forms import (
    AssignForm,
    CancelDayForm,
    DutyForm,
    MergeForm,
    MoveForm,
    RoomBookingForm,
)
from scheduling.grouping import reason_text
from scheduling.models import (
    Assignment,
    CareGroup,
    DutyRole,
    Grouping,
    GroupKind,
    Room,
    RoomBooking,
    Session,
    SessionStatus,
    StaffMember,
)
from scheduling.resources import xlsx_bytes
from scheduling.services import assignments as staffing_services
from scheduling.services import grouping as grouping_services
from scheduling.services import sessions as session_services
from scheduling.views.staff import forbidden_or, school_for

WEEKDAY_NAMES = dict(WEEKDAYS)
PLAN_QS = SchoolPlan.objects.select_related("school", "school__district", "semester")


def plan_for(request, plan_id) -> SchoolPlan:
    plan = get_visible_or_404(PLAN_QS, request.scope, public_id=plan_id)
    if not rules.can_view_school(request.scope, plan.school):
        raise PermissionDenied
    return plan


def _messages_of(err: DomainError) -> list[str]:
    out = [str(err.message)]
    for msgs in err.fields.values():
        out += [str(m) for m in msgs if str(m) != out[0]]
    return out


def _report(request, err: DomainError) -> None:
    forbidden_or(err)
    for text in _messages_of(err):
        messages.error(request, text)


# --------------------------------------------------------------------------- index


@login_required
def scheduling_index(request, school_id):
    school = school_for(request, school_id)
    plans = list(selectors.plans_for_scheduling(scope=request.scope, school=school))
    groupings = {
        g.plan_id: g
        for g in Grouping.objects.filter(plan__in=plans).only(
            "plan_id", "status", "sessions_generated_at"
        )
    }
    counts = selectors.session_counts([p.pk for p in plans])
    for p in plans:
        p.grouping = groupings.get(p.pk)
        p.sessions = counts.get(p.pk, {"scheduled": 0, "cancelled": 0})
    return render(
        request,
        "scheduling/index.html",
        {"school": school, "plans": plans, "nav": f"scheduling-{school.pk}"},
    )


# --------------------------------------------------------------------------- the board


def _group_rows(board):
    rows = []
    for g in board.groups:
        size = board.sizes.get(g.pk, 0)
        days = []
        for w in board.weekdays(g):
            booking = board.room(g.pk, w)
            days.append(
                {
                    "weekday": w,
                    "label": WEEKDAY_NAMES[w],
                    "teachers": [a.staff.full_name for a in board.teachers(g.pk, w)],
                    "room": booking.room.name if booking else "",
                }
            )
        rows.append(
            {
                "group": g,
                "reasons": [reason_text(r) for r in g.reasons],
                "size": size,
                "required": checks.need(board, g),
                "days": days,
                "short": any(
                    len(d["teachers"]) < checks.need(board, g) or not d["room"] for d in days
                )
                and size > 0,
                "max_size": board.rules_for(g).grouping.max_size,
            }
        )
    return rows


@login_required
def plan_board(request, plan_id):
    plan = plan_for(request, plan_id)
    board = selectors.load_board(plan, with_calendar=True)
    can_manage = rules.can_manage_school(request.scope, plan.school)
    issues = checks.check(board)
    staff = StaffMember.objects.filter(school=plan.school, is_active=True).order_by("full_name")
    service_days = board.service_weekdays()
    duty = {
        w: {
            "label": WEEKDAY_NAMES[w],
            "leaders": board.duty(DutyRole.DUTY_LEADER, w),
            "managers": board.duty(DutyRole.MANAGER, w),
        }
        for w in service_days
    }
    counts = selectors.session_counts([plan.pk]).get(plan.pk, {"scheduled": 0, "cancelled": 0})
    return render(
        request,
        "scheduling/board.html",
        {
            "plan": plan,
            "school": plan.school,
            "board": board,
            "rules": board.rules,
            "basic_rows": [r for r in _group_rows(board) if r["group"].kind == GroupKind.BASIC],
            "section_rows": [r for r in _group_rows(board) if r["group"].kind == GroupKind.COURSE],
            "issues": issues,
            "staffing": checks.staffing(board),
            "unplaced": len(board.unplaced()),
            "duty": duty,
            "duty_form": DutyForm(staff=staff, weekdays=service_days) if can_manage else None,
            "cancel_form": CancelDayForm() if can_manage else None,
            "cancellations": selectors.cancellations_of(plan),
            "sessions": counts,
            "can_manage": can_manage,
            "nav": f"scheduling-{plan.school_id}",
        },
    )


@login_required
@require_POST
def plan_board_action(request, plan_id, action):
    plan = plan_for(request, plan_id)
    if not rules.can_manage_school(request.scope, plan.school):
        raise PermissionDenied
    back = redirect("scheduling_board", plan.public_id)
    try:
        if action == "propose":
            grouping_services.propose_groups(actor=request.user, plan=plan)
            messages.success(request, _("Groups proposed. Check the reasons, adjust, confirm."))
        elif action == "confirm":
            grouping_services.confirm_grouping(actor=request.user, plan=plan)
            messages.success(request, _("Groups and staffing confirmed."))
        elif action == "place":
            result = grouping_services.place_new_participants(actor=request.user, plan=plan)
            messages.success(
                request,
                _("%(n)d new participants placed; %(g)d new groups or sections.")
                % {"n": result.placed, "g": result.new_groups},
            )
        elif action == "generate":
            result = session_services.generate_sessions(actor=request.user, plan=plan)
            messages.success(
                request,
                _("Sessions: %(c)d added, %(u)d changed, %(d)d removed.")
                % {"c": result.created, "u": result.updated, "d": result.deleted},
            )
        elif action == "duty":
            staff = StaffMember.objects.filter(school=plan.school, is_active=True)
            board = selectors.load_board(plan, with_calendar=True)
            form = DutyForm(request.POST, staff=staff, weekdays=board.service_weekdays())
            if not form.is_valid():
                messages.error(request, _("Choose the role, the person and the weekdays."))
                return back
            staffing_services.assign_staff(
                actor=request.user,
                plan=plan,
                staff=form.cleaned_data["staff"],
                role=form.cleaned_data["role"],
                weekdays=form.cleaned_data["weekdays"],
            )
            messages.success(request, _("Duty rota updated."))
        elif action == "cancel-day":
            form = CancelDayForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for e in errors:
                        messages.error(request, e)
                return back
            cancellation = session_services.cancel_day(
                actor=request.user,
                plan=plan,
                day=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("%(n)d sessions on %(date)s cancelled; the families are told.")
                % {"n": cancellation.sessions_cancelled, "date": cancellation.date.isoformat()},
            )
        else:
            raise Http404
    except DomainError as err:
        _report(request, err)
    return back


# --------------------------------------------------------------------------- a group


def group_for(request, group_id) -> CareGroup:
    group = get_visible_or_404(
        CareGroup.objects.select_related(
            "plan", "plan__school", "plan__school__district", "plan__semester", "course"
        ),
        request.scope,
        public_id=group_id,
    )
    if not rules.can_view_school(request.scope, group.plan.school):
        raise PermissionDenied
    return group


@login_required
def group_detail(request, group_id):
    group = group_for(request, group_id)
    plan = group.plan
    board = selectors.load_board(plan, with_calendar=True)
    can_manage = rules.can_manage_school(request.scope, plan.school)
    members = sorted(
        (m for m in board.members.get(group.pk, [])),
        key=lambda m: (m.student.school_class.grade, m.student.school_class.number, m.student.name),
    )
    for m in members:
        m.participating = m.student_id in board.participants
    weekdays = board.weekdays(group)
    days = []
    for w in weekdays:
        blocks = board.times[group.pk].on_weekday(w)
        times = sorted({(b.start, b.end) for b in blocks})
        booking = board.room(group.pk, w)
        days.append(
            {
                "weekday": w,
                "label": WEEKDAY_NAMES[w],
                "times": [f"{s:%H:%M}–{e:%H:%M}" for s, e in times],
                "teachers": board.teachers(group.pk, w),
                "booking": booking,
            }
        )
    others = CareGroup.objects.filter(grouping=board.grouping, kind=GroupKind.BASIC).exclude(
        pk=group.pk
    )
    staff = StaffMember.objects.filter(school=plan.school, is_active=True).order_by("full_name")
    room_qs = Room.objects.filter(school=plan.school, is_active=True).order_by("name")
    issues = [i for i in checks.check(board) if i.group_id == group.pk]
    section_students = []
    if group.kind == GroupKind.COURSE:
        section_students = list(
            CourseRegistration.objects.filter(
                course__version__plan=plan,
                course__lineage=group.lineage,
                status=SeatStatus.CONFIRMED,
            )
            .select_related("student", "student__school_class")
            .order_by("student__school_class__grade", "student__name")
        )
    basic = group.kind == GroupKind.BASIC
    return render(
        request,
        "scheduling/group.html",
        {
            "group": group,
            "reasons": [reason_text(r) for r in group.reasons],
            "plan": plan,
            "school": plan.school,
            "board": board,
            "size": board.sizes.get(group.pk, 0),
            "required": checks.need(board, group),
            "group_rules": board.rules_for(group),
            "members": members,
            "section_students": section_students,
            "days": days,
            "issues": issues,
            "can_manage": can_manage,
            "move_form": MoveForm(members=members, groups=others) if can_manage and basic else None,
            "merge_form": MergeForm(groups=others)
            if can_manage and basic and not board.confirmed
            else None,
            "assign_form": AssignForm(staff=staff, weekdays=weekdays) if can_manage else None,
            "room_form": RoomBookingForm(rooms=room_qs, weekdays=weekdays) if can_manage else None,
            "nav": f"scheduling-{plan.school_id}",
        },
    )


@login_required
@require_POST
def group_action(request, group_id, action):
    group = group_for(request, group_id)
    plan = group.plan
    if not rules.can_manage_school(request.scope, plan.school):
        raise PermissionDenied
    back = redirect("scheduling_group", group.public_id)
    try:
        if action == "move":
            board = selectors.load_board(plan, with_calendar=False)
            others = CareGroup.objects.filter(grouping=board.grouping, kind=GroupKind.BASIC)
            form = MoveForm(request.POST, members=board.members.get(group.pk, []), groups=others)
            if not form.is_valid():
                messages.error(request, _("Tick the students and choose the group to move to."))
                return back
            n = grouping_services.move_students(
                actor=request.user,
                plan=plan,
                students=form.cleaned_data["students"],
                to_group=form.cleaned_data["to_group"],
            )
            messages.success(
                request,
                _("%(n)d students moved to %(group)s.")
                % {"n": n, "group": form.cleaned_data["to_group"].name},
            )
        elif action == "merge":
            form = MergeForm(request.POST, groups=CareGroup.objects.filter(plan=plan))
            if not form.is_valid():
                messages.error(request, _("Choose the group to merge with."))
                return back
            grouping_services.merge_groups(
                actor=request.user, plan=plan, group=group, other=form.cleaned_data["other"]
            )
            messages.success(request, _("Groups merged."))
        elif action == "split":
            new = grouping_services.split_group(actor=request.user, plan=plan, group=group)
            messages.success(request, _("Split: %(name)s opened.") % {"name": new.name})
            return redirect("scheduling_group", new.public_id)
        elif action == "assign":
            board = selectors.load_board(plan, with_calendar=True)
            form = AssignForm(
                request.POST,
                staff=StaffMember.objects.filter(school=plan.school),
                weekdays=board.weekdays(group),
            )
            if not form.is_valid():
                messages.error(request, _("Choose the person and the weekdays."))
                return back
            staffing_services.assign_staff(
                actor=request.user,
                plan=plan,
                staff=form.cleaned_data["staff"],
                role=DutyRole.TEACHER,
                weekdays=form.cleaned_data["weekdays"],
                group=group,
            )
            messages.success(
                request,
                _("%(name)s assigned.") % {"name": form.cleaned_data["staff"].full_name},
            )
        elif action == "room":
            board = selectors.load_board(plan, with_calendar=True)
            form = RoomBookingForm(
                request.POST,
                rooms=Room.objects.filter(school=plan.school),
                weekdays=board.weekdays(group),
            )
            if not form.is_valid():
                messages.error(request, _("Choose the room and the weekdays."))
                return back
            staffing_services.book_room(
                actor=request.user,
                plan=plan,
                group=group,
                room=form.cleaned_data["room"],
                weekdays=form.cleaned_data["weekdays"],
            )
            messages.success(request, _("Room booked."))
        else:
            raise Http404
    except DomainError as err:
        _report(request, err)
    except CareGroup.DoesNotExist as err:
        raise Http404 from err
    return back


@login_required
@require_POST
def assignment_delete(request, assignment_id):
    assignment = get_visible_or_404(
        Assignment.objects.select_related("plan__school", "staff", "group"),
        request.scope,
        public_id=assignment_id,
    )
    if not rules.can_manage_school(request.scope, assignment.plan.school):
        raise PermissionDenied
    try:
        staffing_services.unassign(actor=request.user, assignment=assignment)
    except DomainError as err:
        _report(request, err)
    else:
        messages.success(request, _("Assignment removed."))
    if assignment.group is not None:
        return redirect("scheduling_group", assignment.group.public_id)
    return redirect("scheduling_board", assignment.plan.public_id)


@login_required
@require_POST
def booking_delete(request, booking_id):
    booking = get_visible_or_404(
        RoomBooking.objects.select_related("plan__school", "group", "room"),
        request.scope,
        public_id=booking_id,
    )
    if not rules.can_manage_school(request.scope, booking.plan.school):
        raise PermissionDenied
    try:
        staffing_services.unbook_room(actor=request.user, booking=booking)
    except DomainError as err:
        _report(request, err)
    else:
        messages.success(request, _("Room released."))
    return redirect("scheduling_group", booking.group.public_id)


# --------------------------------------------------------------------------- exports


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def plan_export(request, plan_id, what):
    plan = plan_for(request, plan_id)
    board = selectors.load_board(plan, with_calendar=True)
    if what == "groups":
        groups = tablib.Dataset(
            headers=["分组", "类型", "年级", "人数", "应配教师", "星期", "教师", "教室"],
            title="分组",
        )
        for row in _group_rows(board):
            g = row["group"]
            for d in row["days"] or [{"label": "", "teachers": [], "room": ""}]:
                groups.append(
                    [
                        g.name,
                        g.get_kind_display(),
                        "、".join(str(x) for x in g.grades),
                        row["size"],
                        row["required"],
                        str(d["label"]),
                        "、".join(d["teachers"]),
                        d["room"],
                    ]
                )
        roster = tablib.Dataset(headers=["分组", "年级", "班级", "学籍号", "姓名"], title="名单")
        for g in board.basic_groups:
            for m in sorted(
                board.members.get(g.pk, []),
                key=lambda m: (m.student.school_class.grade, m.student.school_class.number),
            ):
                if m.student_id in board.participants:
                    roster.append(
                        [
                            g.name,
                            m.student.school_class.grade,
                            m.student.school_class.number,
                            m.student.student_number,
                            m.student.name,
                        ]
                    )
        return _xlsx(xlsx_bytes(groups, roster), f"groups-{plan.school.code}.xlsx")
    if what == "timetable":
        sessions = list(
            Session.objects.filter(plan=plan).select_related("group").order_by("date", "start_time")
        )
        selectors.sessions_with_staff(sessions, [plan.pk])
        data = tablib.Dataset(
            headers=[
                "日期",
                "星期",
                "开始",
                "结束",
                "分组",
                "课时",
                "教师",
                "教室",
                "状态",
                "原因",
            ],
            title="课表",
        )
        for s in sessions:
            data.append(
                [
                    s.date.isoformat(),
                    str(WEEKDAY_NAMES[s.weekday]),
                    f"{s.start_time:%H:%M}",
                    f"{s.end_time:%H:%M}",
                    s.group.name,
                    s.lessons,
                    "、".join(s.teachers),
                    s.room_name,
                    s.get_status_display(),
                    s.cancel_reason,
                ]
            )
        return _xlsx(xlsx_bytes(data), f"timetable-{plan.school.code}.xlsx")
    raise Http404


# --------------------------------------------------------------------------- the week


def monday_of(day):
    return day - timedelta(days=day.weekday())


@login_required
@require_GET
def plan_week(request, plan_id):
    """The whole school's week: a table (groups × days) on a desktop, day by day on a phone."""
    plan = plan_for(request, plan_id)
    today = timezone.localdate()
    try:
        wanted = request.GET.get("week")
        monday = monday_of(
            timezone.datetime.strptime(wanted, "%Y-%m-%d").date() if wanted else today
        )
    except ValueError:
        monday = monday_of(today)
    sessions = selectors.week_sessions(plan=plan, monday=monday)
    dates = [monday + timedelta(days=i) for i in range(7)]
    used = sorted({s.date for s in sessions}) or dates[:5]
    groups: dict[int, dict] = {}
    for s in sessions:
        row = groups.setdefault(s.group_id, {"group": s.group, "cells": {d: [] for d in used}})
        row["cells"][s.date].append(s)
    rows = [
        {"group": r["group"], "cells": [r["cells"][d] for d in used]}
        for r in sorted(
            groups.values(), key=lambda r: (r["group"].kind, r["group"].position, r["group"].pk)
        )
    ]
    by_day = [(d, [s for s in sessions if s.date == d]) for d in used]
    return render(
        request,
        "scheduling/week.html",
        {
            "plan": plan,
            "school": plan.school,
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "dates": used,
            "rows": rows,
            "by_day": by_day,
            "today": today,
            "cancelled": SessionStatus.CANCELLED,
            "nav": f"scheduling-{plan.school_id}",
        },
    )
