"""Staffing (排班): teachers of groups, managers and duty leaders per weekday; rooms.

Every call checks the whole request before writing anything and refuses, with the reason in
Chinese, what cannot be: a person who may not be scheduled (vetting missing, institution not
approved, inactive); a teacher in two places at once (two groups whose sessions overlap on some
date of that timetable weekday, or teaching while being the day's manager or duty leader); more
paid 课时 than the policy allows a teacher per day (the most on any one date) or per week (the
regular week: the most on each timetable weekday, added up; volunteers are unpaid and exempt);
a room booked by another group at an overlapping time, or one with fewer seats than the group
has children; a weekday the group does not meet. Nothing is half-applied: a request for five
weekdays with one impossible writes none. The plan's lock (``services.common``) is held from
the checks to the writes, so a concurrent assignment cannot slip between them.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import InvalidInput
from aftercare.models import User
from aftercare.rules import require_school_manager
from plans.models import SchoolPlan
from scheduling.checks import WEEKDAY_NAMES, days_label
from scheduling.models import (
    UNPAID_KINDS,
    Assignment,
    CareGroup,
    DutyRole,
    Room,
    RoomBooking,
    StaffMember,
)
from scheduling.selectors import Board, load_board, schedulable_problem
from scheduling.services.common import lock_plan, not_published, require_grouping
from scheduling.staffing import Block, first_overlap, lessons_of


def _hhmm(block: Block) -> str:
    return f"{block.start:%H:%M}–{block.end:%H:%M}"


def _locked_board(plan: SchoolPlan) -> Board:
    lock_plan(plan)
    board = load_board(plan, with_calendar=True)
    require_grouping(board.grouping)
    if board.version is None:
        raise not_published()
    return board


def _clean_weekdays(weekdays) -> list[int]:
    try:
        days = sorted({int(w) for w in weekdays})
    except (TypeError, ValueError):
        days = []
    if not days or any(not 0 <= w <= 6 for w in days):
        raise InvalidInput(fields={"weekdays": [_("Choose at least one weekday.")]})
    return days


def _group_of(board: Board, group: CareGroup | None) -> CareGroup | None:
    if group is None:
        return None
    found = next((g for g in board.groups if g.pk == group.pk), None)
    if found is None:
        raise InvalidInput(fields={"group": [_("Choose a group of this plan.")]})
    return found


def _blocks(board: Board, group_id: int, weekday: int) -> list[Block]:
    time = board.times.get(group_id)
    return time.on_weekday(weekday) if time else []


def _teacher_conflicts(
    board: Board, staff: StaffMember, group: CareGroup, weekdays: list[int]
) -> list[str]:
    out = []
    mine = [a for a in board.assignments if a.staff_id == staff.pk]
    for weekday in weekdays:
        day = WEEKDAY_NAMES[weekday]
        for a in mine:
            if a.weekday != weekday:
                continue
            if a.role != DutyRole.TEACHER:
                out.append(
                    _("%(name)s is the %(role)s on %(day)s and cannot also teach a group.")
                    % {"name": staff.full_name, "role": a.get_role_display(), "day": day}
                )
                continue
            if a.group_id == group.pk:
                continue
            clash = first_overlap(
                _blocks(board, group.pk, weekday), _blocks(board, a.group_id, weekday)
            )
            if clash:
                out.append(
                    _(
                        "%(name)s already teaches %(other)s on %(day)s %(time)s: one person "
                        "cannot be in two places at once."
                    )
                    % {
                        "name": staff.full_name,
                        "other": a.group.name,
                        "day": day,
                        "time": _hhmm(clash[1]),
                    }
                )
    return out


def _lesson_caps(
    board: Board, staff: StaffMember, group: CareGroup, weekdays: list[int]
) -> list[str]:
    rules = board.rules_for(group).staffing
    if staff.kind in UNPAID_KINDS or not (
        rules.paid_lessons_per_day or rules.paid_lessons_per_week
    ):
        return []
    pairs = {
        (a.group_id, a.weekday)
        for a in board.assignments
        if a.staff_id == staff.pk and a.role == DutyRole.TEACHER
    } | {(group.pk, w) for w in weekdays}
    per_date: dict = defaultdict(int)
    weekday_of: dict = {}
    for group_id, weekday in pairs:
        time = board.times.get(group_id)
        if time is None:
            continue
        for block in time.on_weekday(weekday):
            per_date[block.date] += lessons_of(
                block, rules.lesson_minutes, at_least_one=time.at_least_one_lesson
            )
            weekday_of[block.date] = weekday
    per_weekday: dict[int, int] = defaultdict(int)
    for day, n in per_date.items():
        per_weekday[weekday_of[day]] = max(per_weekday[weekday_of[day]], n)
    out = []
    cap = rules.paid_lessons_per_day
    if cap:
        for weekday in sorted(per_weekday):
            if per_weekday[weekday] > cap:
                out.append(
                    _(
                        "%(name)s would teach %(n)d paid lessons on %(day)s, more than the "
                        "district's %(cap)d per day."
                    )
                    % {
                        "name": staff.full_name,
                        "n": per_weekday[weekday],
                        "day": WEEKDAY_NAMES[weekday],
                        "cap": cap,
                    }
                )
    cap = rules.paid_lessons_per_week
    week = sum(per_weekday.values())
    if cap and week > cap:
        out.append(
            _(
                "%(name)s would teach %(n)d paid lessons a week, more than the district's "
                "%(cap)d per week."
            )
            % {"name": staff.full_name, "n": week, "cap": cap}
        )
    return out


@transaction.atomic
def assign_staff(
    *,
    actor: User,
    plan: SchoolPlan,
    staff: StaffMember,
    role: str,
    weekdays,
    group: CareGroup | None = None,
) -> list[Assignment]:
    """Assign ``staff`` on ``weekdays``: as a group's teacher (``group`` given), or as the
    day's manager or duty leader. All or nothing (module doc lists the refusals, each an
    ``InvalidInput`` whose ``fields["staff"]`` names every reason). Assigning what is there
    already is a no-op. Errors: NotAllowed, InvalidInput, Conflict (``no_grouping``,
    ``plan_not_published``)."""
    require_school_manager(actor, plan.school)
    if role not in DutyRole.values:
        raise InvalidInput(fields={"role": [_("Choose a valid role.")]})
    days = _clean_weekdays(weekdays)
    if staff.school_id != plan.school_id:
        raise InvalidInput(fields={"staff": [_("Choose a staff member of this school.")]})
    board = _locked_board(plan)
    group = _group_of(board, group)
    if role == DutyRole.TEACHER and group is None:
        raise InvalidInput(fields={"group": [_("Choose the group to teach.")]})
    if role != DutyRole.TEACHER and group is not None:
        raise InvalidInput(fields={"group": [_("Managers and duty leaders serve the whole day.")]})
    meets = set(board.weekdays(group)) if group is not None else set(board.service_weekdays())
    off = [w for w in days if w not in meets]
    if off:
        where = group.name if group is not None else _("the school")
        raise InvalidInput(
            fields={
                "weekdays": [
                    _("%(where)s has no service on %(days)s.")
                    % {"where": where, "days": days_label(off)}
                ]
            }
        )
    staff = StaffMember.objects.select_related("institution").get(pk=staff.pk)
    problems = []
    problem = schedulable_problem(staff)
    if problem:
        problems.append(problem)
    if role == DutyRole.TEACHER:
        problems += _teacher_conflicts(board, staff, group, days)
        problems += _lesson_caps(board, staff, group, days)
    else:
        for weekday in days:
            teaching = [
                a
                for a in board.assignments
                if a.staff_id == staff.pk and a.weekday == weekday and a.role == DutyRole.TEACHER
            ]
            if teaching:
                problems.append(
                    _("%(name)s teaches %(group)s on %(day)s and cannot also be the %(role)s.")
                    % {
                        "name": staff.full_name,
                        "group": teaching[0].group.name,
                        "day": WEEKDAY_NAMES[weekday],
                        "role": DutyRole(role).label,
                    }
                )
    if problems:
        raise InvalidInput(
            problems[0] if len(problems) == 1 else _("The assignment is not possible."),
            code="impossible_assignment",
            fields={"staff": problems},
        )
    existing = {
        a.weekday
        for a in board.assignments
        if a.staff_id == staff.pk and a.role == role and a.group_id == (group.pk if group else None)
    }
    new = [
        Assignment(
            district_id=plan.district_id,
            school_id=plan.school_id,
            plan=plan,
            weekday=w,
            role=role,
            staff=staff,
            group=group,
            created_by=actor,
        )
        for w in days
        if w not in existing
    ]
    Assignment.objects.bulk_create(new)
    if new:
        record_event(
            actor=actor,
            action="staffing.assigned",
            obj=plan,
            payload={
                "staff": staff.full_name,
                "role": role,
                "group": group.name if group else "",
                "weekdays": [a.weekday for a in new],
            },
        )
    return new


@transaction.atomic
def unassign(*, actor: User, assignment: Assignment) -> None:
    plan = SchoolPlan.objects.select_related("school").get(pk=assignment.plan_id)
    require_school_manager(actor, plan.school)
    lock_plan(plan)
    deleted, _rows = Assignment.objects.filter(pk=assignment.pk).delete()
    if deleted:
        record_event(
            actor=actor,
            action="staffing.unassigned",
            obj=plan,
            payload={
                "staff": assignment.staff.full_name,
                "role": assignment.role,
                "weekday": assignment.weekday,
            },
        )


@transaction.atomic
def book_room(
    *, actor: User, plan: SchoolPlan, group: CareGroup, room: Room, weekdays
) -> list[RoomBooking]:
    """Put ``group`` in ``room`` on ``weekdays`` (replacing its room there). Refused, all or
    nothing: a room of another school or out of use, fewer seats than the group's children,
    another group in the room at an overlapping time, a day the group does not meet."""
    require_school_manager(actor, plan.school)
    days = _clean_weekdays(weekdays)
    if room.school_id != plan.school_id:
        raise InvalidInput(fields={"room": [_("Choose a room of this school.")]})
    board = _locked_board(plan)
    group = _group_of(board, group)
    if group is None:
        raise InvalidInput(fields={"group": [_("Choose a group of this plan.")]})
    room = Room.objects.get(pk=room.pk)
    problems = []
    if not room.is_active:
        problems.append(_("%(room)s is not in use.") % {"room": room.name})
    off = [w for w in days if w not in board.weekdays(group)]
    if off:
        problems.append(
            _("%(where)s has no service on %(days)s.")
            % {"where": group.name, "days": days_label(off)}
        )
    size = board.sizes.get(group.pk, 0)
    if room.capacity and room.capacity < size:
        problems.append(
            _("%(room)s seats %(cap)d; %(group)s has %(n)d children.")
            % {"room": room.name, "cap": room.capacity, "group": group.name, "n": size}
        )
    for weekday in days:
        for b in board.bookings:
            if b.room_id != room.pk or b.weekday != weekday or b.group_id == group.pk:
                continue
            clash = first_overlap(
                _blocks(board, group.pk, weekday), _blocks(board, b.group_id, weekday)
            )
            if clash:
                other = next((g.name for g in board.groups if g.pk == b.group_id), "")
                problems.append(
                    _(
                        "%(room)s holds %(other)s on %(day)s %(time)s: a room holds one group "
                        "at a time."
                    )
                    % {
                        "room": room.name,
                        "other": other,
                        "day": WEEKDAY_NAMES[weekday],
                        "time": _hhmm(clash[1]),
                    }
                )
    if problems:
        raise InvalidInput(
            problems[0] if len(problems) == 1 else _("The room cannot be booked."),
            code="impossible_booking",
            fields={"room": problems},
        )
    RoomBooking.objects.filter(group=group, weekday__in=days).delete()
    bookings = RoomBooking.objects.bulk_create(
        [
            RoomBooking(
                district_id=plan.district_id,
                school_id=plan.school_id,
                plan=plan,
                group=group,
                weekday=w,
                room=room,
                created_by=actor,
            )
            for w in days
        ]
    )
    record_event(
        actor=actor,
        action="staffing.room_booked",
        obj=plan,
        payload={"room": room.name, "group": group.name, "weekdays": days},
    )
    return bookings


@transaction.atomic
def unbook_room(*, actor: User, booking: RoomBooking) -> None:
    plan = SchoolPlan.objects.select_related("school").get(pk=booking.plan_id)
    require_school_manager(actor, plan.school)
    lock_plan(plan)
    deleted, _rows = RoomBooking.objects.filter(pk=booking.pk).delete()
    if deleted:
        record_event(
            actor=actor,
            action="staffing.room_released",
            obj=plan,
            payload={"room": booking.room.name, "weekday": booking.weekday},
        )
