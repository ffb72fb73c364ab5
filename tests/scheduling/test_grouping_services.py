"""Grouping services: propose from a published plan, adjust, confirm, place latecomers."""

import pytest
from django.utils import timezone

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent
from enrollment.models import Application, ApplicationStatus
from plans.models import PlanStatus, PlanVersion
from scheduling.models import CareGroup, Grouping, GroupingStatus, GroupKind, GroupMember
from scheduling.selectors import load_board
from scheduling.services import grouping as services

pytestmark = pytest.mark.django_db


def basic(plan):
    return list(CareGroup.objects.filter(plan=plan, kind=GroupKind.BASIC).order_by("position"))


def test_propose_groups_participants_by_the_rules(sched):
    sched.participants(1, 1, 31)
    sched.participants(1, 2, 12)
    sched.participants(2, 1, 9)
    grouping = services.propose_groups(actor=sched.principal, plan=sched.plan)
    assert grouping.status == GroupingStatus.PROPOSED
    groups = basic(sched.plan)
    sizes = sorted(g.members.count() for g in groups)
    # 1-1 stands alone (31); 1-2 (12) and 2-1 (9) are below 30: adjacent grades merge (21);
    # the world's grade-3 child (1) merges with grade 2 first? No: 1-2+2-1 = 21, then the
    # grade-3 child joins the adjacent unit: 22.
    assert sizes == [22, 31]
    assert GroupMember.objects.filter(plan=sched.plan).count() == 53
    merged = next(g for g in groups if len(g.grades) > 1)
    assert merged.reasons and all(r["code"] for r in merged.reasons)
    section = CareGroup.objects.get(plan=sched.plan, kind=GroupKind.COURSE)
    assert section.course == sched.course and section.lineage == sched.course.lineage
    assert AuditEvent.objects.filter(action="grouping.proposed").count() == 1


def test_grouping_an_unpublished_plan_is_refused_and_writes_nothing(sched):
    PlanVersion.objects.filter(pk=sched.version.pk).update(status=PlanStatus.SUPERSEDED)
    with pytest.raises(Conflict) as err:
        services.propose_groups(actor=sched.principal, plan=sched.plan)
    assert err.value.code == "plan_not_published"
    assert "发布" in str(err.value.message) or "publish" in str(err.value.message)
    assert not Grouping.objects.exists() and not CareGroup.objects.exists()


def test_only_the_schools_managers_group(sched, world):
    for key in ("teacher_a1", "care_a1", "official_a", "principal_a2"):
        with pytest.raises(NotAllowed):
            services.propose_groups(actor=world.users[key], plan=sched.plan)
    assert not Grouping.objects.exists()


def test_nobody_to_group(world):
    from tests.scheduling.conftest import build_sched

    sched = build_sched(world, "a1")
    Application.objects.filter(plan=sched.plan).update(status=ApplicationStatus.APPLIED)
    with pytest.raises(InvalidInput) as err:
        services.propose_groups(actor=sched.principal, plan=sched.plan)
    assert err.value.code == "no_participants"


def test_proposing_again_replaces_the_basic_groups(sched):
    sched.participants(4, 1, 10)
    services.propose_groups(actor=sched.principal, plan=sched.plan)
    first = {g.pk for g in basic(sched.plan)}
    section = CareGroup.objects.get(plan=sched.plan, kind=GroupKind.COURSE).pk
    services.propose_groups(actor=sched.principal, plan=sched.plan)
    assert first.isdisjoint({g.pk for g in basic(sched.plan)})
    assert CareGroup.objects.get(plan=sched.plan, kind=GroupKind.COURSE).pk == section
    assert GroupMember.objects.filter(plan=sched.plan).count() == 11


def test_move_refuses_more_than_the_maximum_and_writes_nothing(sched):
    a = sched.participants(1, 1, 35)
    b = sched.participants(2, 1, 35)
    services.propose_groups(actor=sched.principal, plan=sched.plan)
    target = CareGroup.objects.get(plan=sched.plan, members__student=a[0])
    with pytest.raises(InvalidInput) as err:
        services.move_students(
            actor=sched.principal, plan=sched.plan, students=[s.pk for s in b[:6]], to_group=target
        )
    assert err.value.code == "group_too_large"
    assert "41" in str(err.value.message) and "40" in str(err.value.message)
    assert GroupMember.objects.filter(group=target).count() == 35
    moved = services.move_students(
        actor=sched.principal, plan=sched.plan, students=[b[0].pk], to_group=target
    )
    assert moved == 1 and GroupMember.objects.get(student=b[0]).group == target


def test_move_across_stages_is_refused_where_forbidden(world):
    from tests.scheduling.conftest import build_sched

    sched = build_sched(world, "a1", merge_within_stage_only=True)
    a = sched.participants(2, 1, 10)
    b = sched.participants(4, 1, 10)
    services.propose_groups(actor=sched.principal, plan=sched.plan)
    target = CareGroup.objects.get(plan=sched.plan, members__student=a[0])
    with pytest.raises(InvalidInput) as err:
        services.move_students(
            actor=sched.principal, plan=sched.plan, students=[b[0].pk], to_group=target
        )
    assert err.value.code == "cross_stage"
    assert GroupMember.objects.get(student=b[0]).group != target


def test_merge_and_split(sched):
    a = sched.participants(5, 1, 30)
    b = sched.participants(6, 1, 30)
    services.propose_groups(actor=sched.principal, plan=sched.plan)
    ga = CareGroup.objects.get(plan=sched.plan, members__student=a[0])
    gb = CareGroup.objects.get(plan=sched.plan, members__student=b[0])
    with pytest.raises(InvalidInput) as err:  # 60 > 40
        services.merge_groups(actor=sched.principal, plan=sched.plan, group=ga, other=gb)
    assert err.value.code == "group_too_large"
    new = services.split_group(actor=sched.principal, plan=sched.plan, group=gb)
    assert new.members.count() == 15 and gb.members.count() == 15
    services.merge_groups(actor=sched.principal, plan=sched.plan, group=gb, other=new)
    assert gb.members.count() == 30 and not CareGroup.objects.filter(pk=new.pk).exists()


def test_confirm_is_refused_while_rules_are_broken(sched):
    sched.participants(3, 2, 20)
    services.propose_groups(actor=sched.principal, plan=sched.plan)
    with pytest.raises(Conflict) as err:
        services.confirm_grouping(actor=sched.principal, plan=sched.plan)
    assert err.value.code == "violations"
    codes = " ".join(err.value.fields["violations"])
    assert "teacher" in codes or "教师" in codes
    assert Grouping.objects.get().status == GroupingStatus.PROPOSED


def test_latecomers_are_placed_without_reshuffling(staffed):
    sched = staffed.sched
    plan = sched.plan
    before = dict(GroupMember.objects.filter(plan=plan).values_list("student_id", "group_id"))
    late = sched.participants(3, 9, 3)  # a class nobody knew: joins a grade-3 group with room
    far = sched.participants(6, 1, 41)  # a big late class: joins groups with room or new ones
    result = services.place_new_participants(actor=sched.principal, plan=plan)
    after = dict(GroupMember.objects.filter(plan=plan).values_list("student_id", "group_id"))
    assert {k: after[k] for k in before} == before  # nobody moved
    assert all(s.pk in after for s in late + far)
    assert result.placed == 44
    for group in CareGroup.objects.filter(plan=plan, kind=GroupKind.BASIC):
        assert group.members.count() <= 40
    assert CareGroup.objects.filter(plan=plan, placed_late=True).exists()
    assert Grouping.objects.get(plan=plan).status == GroupingStatus.CONFIRMED


def test_a_withdrawal_leaves_a_gap(staffed):
    sched = staffed.sched
    leaver = staffed.members[0]
    Application.objects.filter(student=leaver).update(
        status=ApplicationStatus.WITHDRAWN,
        withdrawn_at=timezone.now(),
        withdrawal_effective_date=timezone.localdate(),
    )
    board = load_board(sched.plan, with_calendar=False)
    group_id = board.member_of[leaver.pk]
    assert board.sizes[group_id] == len(board.members[group_id]) - 1
    before = dict(GroupMember.objects.values_list("student_id", "group_id"))
    services.place_new_participants(actor=sched.principal, plan=sched.plan)
    assert dict(GroupMember.objects.values_list("student_id", "group_id")) == before


def test_latecomers_need_a_confirmed_grouping(sched):
    sched.participants(3, 2, 5)
    services.propose_groups(actor=sched.principal, plan=sched.plan)
    with pytest.raises(Conflict) as err:
        services.place_new_participants(actor=sched.principal, plan=sched.plan)
    assert err.value.code == "not_confirmed"


def test_a_big_class_keeps_its_own_group(sched):
    from scheduling import checks

    big = sched.participants(1, 1, 32)
    small = sched.participants(2, 1, 10)
    services.propose_groups(actor=sched.principal, plan=sched.plan)
    home = CareGroup.objects.get(plan=sched.plan, members__student=big[0])
    other = CareGroup.objects.get(plan=sched.plan, members__student=small[0])

    def codes():
        return [i.code for i in checks.check(load_board(sched.plan, with_calendar=False))]

    # One child moved out of the big class: the class still has its own group.
    services.move_students(
        actor=sched.principal, plan=sched.plan, students=[big[0].pk], to_group=other
    )
    assert "class_not_alone" not in codes()
    # Another class's child moved into the big class's group: the rule is broken.
    services.move_students(
        actor=sched.principal, plan=sched.plan, students=[small[1].pk], to_group=home
    )
    assert "class_not_alone" in codes()


def test_primary_and_junior_grades_are_grouped_apart(sched):
    """A school with both stages (九年一贯制): grade 6 and grade 7 are adjacent, but each
    stage is grouped by its own rules and the two never merge."""
    sched.participants(6, 1, 8)
    sched.participants(7, 1, 9)
    services.propose_groups(actor=sched.principal, plan=sched.plan)
    grades = sorted(
        g.grades for g in CareGroup.objects.filter(plan=sched.plan, kind=GroupKind.BASIC)
    )
    assert [6] in grades and [7] in grades
    assert set(Grouping.objects.get().rules) == {"primary", "junior"}
