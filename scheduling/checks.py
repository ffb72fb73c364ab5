"""The rules of a plan's groups and staffing, re-checked after every change.

``check(board)`` lists every violation, in Chinese, with the value and the limit:
participants in no group; a group above the maximum size; a merge across 学段 where the policy
forbids it; a class big enough to stand alone sharing its group; per group and weekday the
teachers the ratio requires against those assigned, and a missing room (or one too small); per
service weekday the managers the number of groups requires, and the duty leader; assigned
people who may not be scheduled (vetting missing, institution no longer approved). A grouping
is confirmed only when the list is empty. ``staffing(board)`` is the required-vs-assigned table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from aftercare.models import WEEKDAYS
from scheduling.grouping import class_name, stage
from scheduling.models import DutyRole
from scheduling.selectors import Board
from scheduling.staffing import required_managers, required_teachers

WEEKDAY_NAMES = dict(WEEKDAYS)


def days_label(weekdays) -> str:
    return "、".join(str(WEEKDAY_NAMES[w]) for w in sorted(weekdays))


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    group_id: int | None = None
    kind: str = "policy"  # the template's styling: policy (rule broken) | incomplete

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "group_id": self.group_id}


@dataclass
class DayStaffing:
    weekday: int
    groups: int
    teachers_required: int
    teachers_assigned: int
    managers_required: int
    managers_assigned: int
    duty_leaders: int

    @property
    def label(self) -> str:
        return str(WEEKDAY_NAMES[self.weekday])

    @property
    def ok(self) -> bool:
        return (
            self.teachers_assigned >= self.teachers_required
            and self.managers_assigned >= self.managers_required
            and self.duty_leaders >= 1
        )


def need(board: Board, group) -> int:
    """Teachers ``group`` needs by the ratio of its stage and class of service."""
    return required_teachers(board.sizes.get(group.pk, 0), board.rules_for(group).staffing)


def staffing(board: Board) -> list[DayStaffing]:
    rules = board.rules.staffing
    out = []
    for weekday in board.service_weekdays():
        groups = [g for g in board.groups if weekday in board.weekdays(g)]
        required = sum(need(board, g) for g in groups)
        assigned = sum(min(len(board.teachers(g.pk, weekday)), need(board, g)) for g in groups)
        out.append(
            DayStaffing(
                weekday=weekday,
                groups=sum(1 for g in groups if board.sizes.get(g.pk, 0)),
                teachers_required=required,
                teachers_assigned=assigned,
                managers_required=required_managers(
                    sum(1 for g in groups if board.sizes.get(g.pk, 0)), rules
                ),
                managers_assigned=len(board.duty(DutyRole.MANAGER, weekday)),
                duty_leaders=len(board.duty(DutyRole.DUTY_LEADER, weekday)),
            )
        )
    return out


def _grouping_issues(board: Board) -> list[Issue]:
    out: list[Issue] = []
    unplaced = board.unplaced()
    if unplaced:
        out.append(
            Issue(
                "unplaced",
                _("%(n)d participants are in no group yet: place them or propose again.")
                % {"n": len(unplaced)},
                kind="incomplete",
            )
        )
    class_size: dict[int, int] = defaultdict(int)
    for participant, _app in board.participants.values():
        class_size[participant.class_id] += 1
    class_label = {
        p.class_id: class_name(p.grade, p.class_number) for p, _a in board.participants.values()
    }
    # participants per group and class, and the group holding most of each class
    per_group: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for group_id, members in board.members.items():
        for m in members:
            if m.student_id in board.participants:
                per_group[group_id][m.student.school_class_id] += 1
    home: dict[int, int] = {}
    for group_id, counts in per_group.items():
        for class_id, n in counts.items():
            best = home.get(class_id)
            if best is None or (n, -group_id) > (per_group[best][class_id], -best):
                home[class_id] = group_id
    for group in board.basic_groups:
        rules = board.rules_for(group).grouping
        size = board.sizes.get(group.pk, 0)
        if size > rules.max_size:
            out.append(
                Issue(
                    "group_too_large",
                    _("%(group)s has %(n)d participants, more than the maximum of %(max)d.")
                    % {"group": group.name, "n": size, "max": rules.max_size},
                    group.pk,
                )
            )
        grades = {
            m.student.school_class.grade
            for m in board.members.get(group.pk, [])
            if m.student_id in board.participants
        }
        if rules.within_stage and len({stage(g) for g in grades}) > 1:
            out.append(
                Issue(
                    "cross_stage",
                    _(
                        "%(group)s mixes grades %(grades)s across stages; the district merges "
                        "only within a stage (1–2, 3–4, 5–6)."
                    )
                    % {"group": group.name, "grades": "、".join(str(g) for g in sorted(grades))},
                    group.pk,
                )
            )
        for class_id in sorted(per_group[group.pk]):
            # A class big enough to stand alone keeps its own group: the group holding most
            # of it holds no other class. (Moving one child out does not break that.)
            if (
                class_size[class_id] >= rules.merge_threshold
                and home.get(class_id) == group.pk
                and len(per_group[group.pk]) > 1
            ):
                out.append(
                    Issue(
                        "class_not_alone",
                        _(
                            "%(cls)s has %(n)d participants (at least %(min)d) and forms "
                            "its own group, but shares %(group)s with other classes."
                        )
                        % {
                            "cls": class_label.get(class_id, class_id),
                            "n": class_size[class_id],
                            "min": rules.merge_threshold,
                            "group": group.name,
                        },
                        group.pk,
                    )
                )
    return out


def _staffing_issues(board: Board) -> list[Issue]:
    out: list[Issue] = []
    for group in board.groups:
        size = board.sizes.get(group.pk, 0)
        if not size:
            continue
        rules = board.rules_for(group).staffing
        needed = need(board, group)
        short: dict[int, list[int]] = defaultdict(list)  # assigned count -> weekdays
        no_room: list[int] = []
        small_room: dict[str, list[int]] = defaultdict(list)
        for weekday in board.weekdays(group):
            have = len(board.teachers(group.pk, weekday))
            if have < needed:
                short[have].append(weekday)
            booking = board.room(group.pk, weekday)
            if booking is None:
                no_room.append(weekday)
            elif booking.room.capacity and booking.room.capacity < size:
                small_room[booking.room.name].append(weekday)
        for have, days in sorted(short.items()):
            out.append(
                Issue(
                    "teacher_shortfall",
                    _(
                        "%(group)s (%(n)d students) needs %(need)d teacher(s) on %(days)s by the "
                        "ratio of %(per)d students per teacher; %(have)d assigned."
                    )
                    % {
                        "group": group.name,
                        "n": size,
                        "need": needed,
                        "days": days_label(days),
                        "per": rules.students_per_teacher,
                        "have": have,
                    },
                    group.pk,
                )
            )
        if no_room:
            out.append(
                Issue(
                    "no_room",
                    _("%(group)s has no room on %(days)s.")
                    % {"group": group.name, "days": days_label(no_room)},
                    group.pk,
                    kind="incomplete",
                )
            )
        for room, days in small_room.items():
            out.append(
                Issue(
                    "room_too_small",
                    _("%(room)s seats fewer than the %(n)d students of %(group)s (%(days)s).")
                    % {"room": room, "n": size, "group": group.name, "days": days_label(days)},
                    group.pk,
                )
            )
    rules = board.rules.staffing
    for day in staffing(board):
        if day.managers_assigned < day.managers_required:
            out.append(
                Issue(
                    "manager_shortfall",
                    _(
                        "%(day)s: %(groups)d groups need %(need)d manager(s) "
                        "(one per %(per)d groups); %(have)d assigned."
                    )
                    % {
                        "day": day.label,
                        "groups": day.groups,
                        "need": day.managers_required,
                        "per": rules.groups_per_manager or 0,
                        "have": day.managers_assigned,
                    },
                )
            )
        if day.duty_leaders < 1:
            out.append(
                Issue(
                    "no_duty_leader",
                    _("%(day)s has no duty leader (值班领导).") % {"day": day.label},
                )
            )
    reported: set[int] = set()
    for a in board.assignments:
        problem = board.staff_problems.get(a.staff_id)
        if problem and a.staff_id not in reported:
            reported.add(a.staff_id)
            out.append(Issue("staff_not_schedulable", problem, a.group_id))
    return out


def check(board: Board) -> list[Issue]:
    """Every violation of ``board`` (module doc); empty when it may be confirmed."""
    if board.grouping is None:
        return []
    return _grouping_issues(board) + _staffing_issues(board)
