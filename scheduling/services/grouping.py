"""Grouping services: propose, adjust (move, merge, split), confirm, place latecomers.

Every function takes the plan's lock first (``common.lock_plan``), checks, writes with bulk
statements, and records an audit event. A proposal replaces the plan's unconfirmed basic
groups (and what was assigned to them); once confirmed, groups are kept: students may still be
moved, latecomers are placed by the rules into groups with room (``grouping.place``) without
reshuffling anyone, and withdrawals leave gaps. Extended courses get one section each (their
members are the confirmed registrations), kept in step with the published version.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import User
from aftercare.rules import require_school_manager
from plans.models import SchoolPlan, stage_of
from scheduling import checks
from scheduling.grouping import (
    ExistingGroup,
    Participant,
    group_name,
    place,
    propose,
    reason,
    reason_text,
    stage,
    unique_names,
)
from scheduling.models import (
    Assignment,
    CareGroup,
    Grouping,
    GroupingStatus,
    GroupKind,
    GroupMember,
    Placement,
    RoomBooking,
)
from scheduling.selectors import Board, load_board, participants_of
from scheduling.services.common import lock_plan, not_published, require_grouping
from scheduling.services.sections import sync_sections
from scheduling.services.sessions import regenerate_locked
from scheduling.sql import array_literal


@dataclass
class PlaceResult:
    placed: int
    new_groups: int
    sessions_added: int = 0


def _board(plan: SchoolPlan, *, with_calendar: bool = False) -> Board:
    lock_plan(plan)
    return load_board(plan, with_calendar=with_calendar)


INSERT_MEMBERS = """
INSERT INTO scheduling_groupmember
       (district_id, school_id, plan_id, group_id, student_id, application_id, placement,
        placed_at, note)
SELECT %(district)s, %(school)s, %(plan)s, m.group_id, m.student_id, m.application_id,
       %(placement)s, %(now)s, ''
  FROM unnest(%(groups)s::bigint[], %(students)s::bigint[], %(applications)s::bigint[])
       AS m (group_id, student_id, application_id)
"""


@transaction.atomic
def propose_groups(*, actor: User, plan: SchoolPlan) -> Grouping:
    """Propose basic-care groups for the published plan's participants by the district's
    rules (``scheduling.grouping``), each group with the reasons for its merges, plus one
    section per running extended course. Proposing again replaces the unconfirmed basic
    groups and what was assigned to them.

    Errors: NotAllowed; Conflict ``plan_not_published``, ``grouping_confirmed``;
    InvalidInput ``no_participants``."""
    require_school_manager(actor, plan.school)
    lock_plan(plan)
    # Only what a proposal needs: the groups there are (to replace) and the participants.
    board = load_board(plan, with_calendar=False, groups_only=True)
    if board.version is None:
        raise not_published()
    if board.confirmed:
        raise Conflict(
            _("The groups are confirmed. New participants are placed into them instead."),
            code="grouping_confirmed",
        )
    board.participants = participants_of(plan)
    if not board.participants:
        raise InvalidInput(
            _("No child of this plan is approved for basic care yet: there is nobody to group."),
            code="no_participants",
        )
    now = timezone.now()
    # Each stage (小学, 初中) is grouped by its own rules and never merged with the other.
    by_stage: dict[str, list[Participant]] = {}
    for p, _app in board.participants.values():
        by_stage.setdefault(stage_of(p.grade), []).append(p)
    stage_rules = {
        key: board.plan_rules.get(min(p.grade for p in people)).grouping
        for key, people in by_stage.items()
    }
    applied = {key: r.as_dict() for key, r in stage_rules.items()}
    grouping = board.grouping
    if grouping is None:
        grouping = Grouping.objects.create(
            district_id=plan.district_id,
            school_id=plan.school_id,
            plan=plan,
            rules=applied,
            proposed_at=now,
            proposed_by=actor,
        )
        board.grouping = grouping
    else:
        grouping.rules = applied
        grouping.proposed_at = now
        grouping.proposed_by = actor
        grouping.status = GroupingStatus.PROPOSED
        grouping.save(update_fields=["rules", "proposed_at", "proposed_by", "status"])
        # What hangs on the old groups goes first, each in one DELETE (no sessions exist
        # before confirmation), so the groups' own delete collects nothing row by row.
        old = [g.pk for g in board.groups if g.kind == GroupKind.BASIC]
        GroupMember.objects.filter(group_id__in=old).delete()
        Assignment.objects.filter(group_id__in=old).delete()
        RoomBooking.objects.filter(group_id__in=old).delete()
        CareGroup.objects.filter(pk__in=old).delete()
        board.groups = [g for g in board.groups if g.kind == GroupKind.COURSE]
    proposal = [
        group
        for key in sorted(by_stage, key=lambda k: min(p.grade for p in by_stage[k]))
        for group in propose(by_stage[key], stage_rules[key])
    ]
    section_names = {g.name for g in board.sections}
    names = unique_names([g.name for g in proposal], section_names)
    groups = CareGroup.objects.bulk_create(
        [
            CareGroup(
                district_id=plan.district_id,
                school_id=plan.school_id,
                plan=plan,
                grouping=grouping,
                kind=GroupKind.BASIC,
                name=name,
                position=index,
                grades=g.grades,
                reasons=g.reasons,
            )
            for index, (g, name) in enumerate(zip(proposal, names, strict=True))
        ]
    )
    placed = [
        (group.pk, sid, board.participants[sid][1])
        for group, g in zip(groups, proposal, strict=True)
        for sid in g.members
    ]
    with connection.cursor() as cursor:  # every member in one statement
        cursor.execute(
            INSERT_MEMBERS,
            {
                "district": plan.district_id,
                "school": plan.school_id,
                "plan": plan.pk,
                "placement": Placement.PROPOSED.value,
                "now": now,
                "groups": array_literal(p[0] for p in placed),
                "students": array_literal(p[1] for p in placed),
                "applications": array_literal(p[2] for p in placed),
            },
        )
    board.groups += groups
    sync_sections(board)
    record_event(
        actor=actor,
        action="grouping.proposed",
        obj=plan,
        payload={
            "groups": len(groups),
            "participants": len(board.participants),
            "rules": applied,
        },
    )
    return grouping


def _basic_group(board: Board, group: CareGroup) -> CareGroup:
    if group.plan_id != board.plan.pk:
        raise InvalidInput(fields={"group": [_("Choose a group of this plan.")]})
    if group.kind != GroupKind.BASIC:
        raise InvalidInput(
            _("An extended course section holds the course's registrations; it is not regrouped."),
            code="section_fixed",
        )
    return next(g for g in board.groups if g.pk == group.pk)


def _grades_of(board: Board, student_ids) -> set[int]:
    return {board.participants[s][0].grade for s in student_ids if s in board.participants}


def _refresh_group(board: Board, group: CareGroup, member_ids: list[int], taken: set[str]):
    """Grades and name of ``group`` after its members changed."""
    parts = [board.participants[s][0] for s in member_ids if s in board.participants]
    group.grades = sorted({p.grade for p in parts}) or group.grades
    classes = sorted({(p.grade, p.class_number, p.class_id) for p in parts})
    if classes:
        group.name = unique_names([group_name(classes, None)], taken - {group.name})[0]
    taken.add(group.name)
    group.save(update_fields=["grades", "name"])


@transaction.atomic
def move_students(
    *, actor: User, plan: SchoolPlan, students: list[int], to_group: CareGroup, note: str = ""
) -> int:
    """Move participants (student ids; unplaced ones are placed) into ``to_group``. Allowed
    before and after confirmation; never above the maximum group size or across 学段 where
    the policy forbids it. Errors: NotAllowed, InvalidInput (not participants, a section,
    too many, stage), Conflict ``no_grouping``."""
    require_school_manager(actor, plan.school)
    board = _board(plan)
    require_grouping(board.grouping)
    target = _basic_group(board, to_group)
    students = list(dict.fromkeys(students))
    strangers = [s for s in students if s not in board.participants]
    if strangers or not students:
        raise InvalidInput(
            fields={"students": [_("Choose participants of this plan to move.")]},
        )
    moving = [s for s in students if board.member_of.get(s) != target.pk]
    rules = board.rules_for(target).grouping
    size = board.sizes.get(target.pk, 0) + len(moving)
    if size > rules.max_size:
        raise InvalidInput(
            _("%(group)s would have %(n)d participants, more than the maximum of %(max)d.")
            % {"group": target.name, "n": size, "max": rules.max_size},
            code="group_too_large",
        )
    current = {m.student.school_class.grade for m in board.members.get(target.pk, [])}
    grades = current | _grades_of(board, moving)
    if rules.within_stage and len({stage(g) for g in grades}) > 1:
        raise InvalidInput(
            _("%(group)s would mix grades %(grades)s across stages; the district forbids it.")
            % {"group": target.name, "grades": "、".join(str(g) for g in sorted(grades))},
            code="cross_stage",
        )
    if not moving:
        return 0
    now = timezone.now()
    sources = {board.member_of[s] for s in moving if s in board.member_of}
    GroupMember.objects.filter(plan=plan, student_id__in=moving).update(
        group=target, placement=Placement.MOVED, placed_at=now, note=note[:200]
    )
    GroupMember.objects.bulk_create(
        [
            GroupMember(
                district_id=plan.district_id,
                school_id=plan.school_id,
                plan=plan,
                group=target,
                student_id=s,
                application_id=board.participants[s][1],
                placement=Placement.MOVED,
                placed_at=now,
                note=note[:200],
            )
            for s in moving
            if s not in board.member_of
        ]
    )
    taken = {g.name for g in board.groups}
    if not board.confirmed:  # confirmed groups keep their names (timetables show them)
        for group in [target, *(g for g in board.basic_groups if g.pk in sources)]:
            ids = list(GroupMember.objects.filter(group=group).values_list("student_id", flat=True))
            _refresh_group(board, group, ids, taken)
    record_event(
        actor=actor,
        action="grouping.students_moved",
        obj=plan,
        payload={"to": target.name, "students": len(moving)},
    )
    return len(moving)


def _require_unconfirmed(board: Board) -> None:
    if board.confirmed:
        raise Conflict(
            _("Confirmed groups are not merged or split any more; move students instead."),
            code="grouping_confirmed",
        )


@transaction.atomic
def merge_groups(*, actor: User, plan: SchoolPlan, group: CareGroup, other: CareGroup):
    """Merge ``other`` into ``group`` (before confirmation). Refused above the maximum size
    or across 学段 where the policy forbids it."""
    require_school_manager(actor, plan.school)
    board = _board(plan)
    require_grouping(board.grouping)
    _require_unconfirmed(board)
    target, source = _basic_group(board, group), _basic_group(board, other)
    if target.pk == source.pk:
        raise InvalidInput(fields={"other": [_("Choose another group.")]})
    rules = board.rules_for(target).grouping
    size = board.sizes.get(target.pk, 0) + board.sizes.get(source.pk, 0)
    if size > rules.max_size:
        raise InvalidInput(
            _("Together %(a)s and %(b)s have %(n)d participants, more than the maximum of %(max)d.")
            % {"a": target.name, "b": source.name, "n": size, "max": rules.max_size},
            code="group_too_large",
        )
    grades = set(target.grades) | set(source.grades)
    if rules.within_stage and len({stage(g) for g in grades}) > 1:
        raise InvalidInput(
            _("%(a)s and %(b)s are in different stages; the district merges only within one.")
            % {"a": target.name, "b": source.name},
            code="cross_stage",
        )
    GroupMember.objects.filter(group=source).update(group=target)
    target.reasons = [
        *target.reasons,
        *source.reasons,
        reason("merged_by_school", b=source.name),
    ]
    target.save(update_fields=["reasons"])
    source.delete()
    board.groups = [g for g in board.groups if g.pk != source.pk]
    ids = list(GroupMember.objects.filter(group=target).values_list("student_id", flat=True))
    _refresh_group(board, target, ids, {g.name for g in board.groups})
    record_event(
        actor=actor,
        action="grouping.groups_merged",
        obj=plan,
        payload={"into": target.name, "from": source.name, "size": size},
    )
    return target


@transaction.atomic
def split_group(
    *, actor: User, plan: SchoolPlan, group: CareGroup, students: list[int] | None = None
) -> CareGroup:
    """Split ``group`` in two (before confirmation): ``students`` form the new group, or by
    default the second half of the members in class order."""
    require_school_manager(actor, plan.school)
    board = _board(plan)
    require_grouping(board.grouping)
    _require_unconfirmed(board)
    source = _basic_group(board, group)
    members = sorted(
        board.members.get(source.pk, []),
        key=lambda m: (m.student.school_class.grade, m.student.school_class.number, m.student_id),
    )
    ids = [m.student_id for m in members]
    if students:
        chosen = list(dict.fromkeys(students))
        if any(s not in ids for s in chosen):
            raise InvalidInput(fields={"students": [_("Choose members of this group.")]})
    else:
        chosen = ids[(len(ids) + 1) // 2 :]
    if not chosen or len(chosen) == len(ids):
        raise InvalidInput(
            _("A group of %(n)d cannot be split that way: both parts need members.")
            % {"n": len(ids)},
            code="split_empty",
        )
    new = CareGroup.objects.create(
        district_id=plan.district_id,
        school_id=plan.school_id,
        plan=plan,
        grouping=board.grouping,
        kind=GroupKind.BASIC,
        name=f"{source.name}·{len(board.groups) + 1}",
        position=source.position,
        grades=source.grades,
        reasons=[reason("split_by_school", a=source.name)],
    )
    GroupMember.objects.filter(plan=plan, student_id__in=chosen).update(group=new)
    taken = {g.name for g in board.groups}
    _refresh_group(board, source, [s for s in ids if s not in chosen], taken)
    _refresh_group(board, new, chosen, taken)
    record_event(
        actor=actor,
        action="grouping.group_split",
        obj=plan,
        payload={"from": source.name, "new": new.name, "moved": len(chosen)},
    )
    return new


@transaction.atomic
def confirm_grouping(*, actor: User, plan: SchoolPlan) -> Grouping:
    """Confirm the groups and their staffing. Refused while any rule is broken (the
    ``Conflict`` lists every violation in ``fields["violations"]``)."""
    require_school_manager(actor, plan.school)
    board = _board(plan, with_calendar=True)
    grouping = require_grouping(board.grouping)
    if board.version is None:
        raise not_published()
    if grouping.is_confirmed:
        return grouping
    issues = checks.check(board)
    if issues:
        raise Conflict(
            _("%(n)d rule(s) are still broken; fix them before confirming.") % {"n": len(issues)},
            code="violations",
            fields={"violations": [i.message for i in issues]},
        )
    grouping.status = GroupingStatus.CONFIRMED
    grouping.confirmed_at = timezone.now()
    grouping.confirmed_by = actor
    grouping.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    record_event(
        actor=actor,
        action="grouping.confirmed",
        obj=plan,
        payload={"groups": len(board.groups), "participants": len(board.participants)},
    )
    return grouping


def place_latecomers(board: Board, *, now) -> PlaceResult:
    """Place the board's unplaced participants (the lock is held). See ``grouping.place``."""
    unplaced = board.unplaced()
    sections = sync_sections(board) if board.version else 0
    if not unplaced:
        return PlaceResult(placed=0, new_groups=sections)
    existing = []
    for g in board.basic_groups:
        members = [m for m in board.members.get(g.pk, []) if m.student_id in board.participants]
        existing.append(
            ExistingGroup(
                key=g.pk,
                grades=set(g.grades),
                class_ids={m.student.school_class_id for m in members},
                size=board.sizes.get(g.pk, 0),
                name=g.name,
            )
        )
    newcomers: list[Participant] = [board.participants[s][0] for s in unplaced]
    placed = []
    for key in sorted({stage_of(p.grade) for p in newcomers}):  # each stage by its rules
        people = [p for p in newcomers if stage_of(p.grade) == key]
        placed += place(
            people,
            [g for g in existing if stage_of(min(g.grades)) == key],
            board.plan_rules.get(people[0].grade).grouping,
        )
    new_groups: dict[object, CareGroup] = {}
    for p in placed:
        if p.new and p.group.key not in new_groups:
            new_groups[p.group.key] = CareGroup(
                district_id=board.plan.district_id,
                school_id=board.plan.school_id,
                plan=board.plan,
                grouping=board.grouping,
                kind=GroupKind.BASIC,
                name=p.group.name,
                position=len(board.groups) + len(new_groups),
                grades=sorted(p.group.grades),
                reasons=[p.reason],
                placed_late=True,
            )
    CareGroup.objects.bulk_create(list(new_groups.values()))
    board.groups += list(new_groups.values())
    GroupMember.objects.bulk_create(
        [
            GroupMember(
                district_id=board.plan.district_id,
                school_id=board.plan.school_id,
                plan=board.plan,
                group_id=new_groups[p.group.key].pk if p.group.key in new_groups else p.group.key,
                student_id=p.student_id,
                application_id=board.participants[p.student_id][1],
                placement=Placement.LATE,
                placed_at=now,
                note=reason_text(p.reason)[:200],
            )
            for p in placed
        ]
    )
    grown = {p.group.key: p.group.grades for p in placed if p.group.key not in new_groups}
    for group in board.basic_groups:
        if group.pk in grown and set(grown[group.pk]) != set(group.grades):
            group.grades = sorted(grown[group.pk])
            CareGroup.objects.filter(pk=group.pk).update(grades=group.grades)
    return PlaceResult(placed=len(placed), new_groups=len(new_groups) + sections)


@transaction.atomic
def place_new_participants(*, actor: User, plan: SchoolPlan) -> PlaceResult:
    """Place participants approved after confirmation (round two, late approvals) by the same
    rules, without moving anyone; groups opened for them and new course sections get their
    future sessions when sessions exist already. Errors: NotAllowed, Conflict
    (``plan_not_published``, ``no_grouping``, ``not_confirmed``: propose again instead)."""
    require_school_manager(actor, plan.school)
    board = _board(plan)
    grouping = require_grouping(board.grouping)
    if board.version is None:
        raise not_published()
    if not grouping.is_confirmed:
        raise Conflict(
            _("The groups are not confirmed yet: propose them again to include everyone."),
            code="not_confirmed",
        )
    now = timezone.now()
    result = place_latecomers(board, now=now)
    if grouping.sessions_generated_at is not None and (result.placed or result.new_groups):
        result.sessions_added = regenerate_locked(actor=actor, plan=plan, future_only=True).created
    record_event(
        actor=actor,
        action="grouping.latecomers_placed",
        obj=plan,
        payload={"placed": result.placed, "new_groups": result.new_groups},
    )
    return result
