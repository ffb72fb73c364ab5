"""Grouping and staffing rules as pure functions: the seeds' examples, then properties."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.grouping import ExistingGroup, Participant, Rules, place, propose, stage
from scheduling.staffing import StaffingRules, required_managers, required_teachers

SEED_002 = StaffingRules(
    students_per_teacher=45,
    teacher_remainder_threshold=30,
    groups_per_manager=5,
    manager_remainder_threshold=3,
)


def cohort(*classes):
    """Participants of classes given as (grade, number, n); ids are consecutive."""
    out, sid = [], 0
    for grade, number, n in classes:
        for _ in range(n):
            sid += 1
            out.append(Participant(sid, grade * 100 + number, grade, number))
    return out


# --------------------------------------------------------------------------- seed examples


@pytest.mark.parametrize(
    ("students", "teachers"),
    [
        (0, 0),
        (1, 1),  # never zero for a non-empty group
        (30, 1),
        (31, 1),  # no whole 45, a remainder of 31 > 30: one teacher
        (45, 1),
        (75, 1),  # 45 + remainder 30: not over 30
        (76, 2),  # 45 + remainder 31: one more
        (90, 2),
        (121, 3),
    ],
)
def test_teacher_ratio_of_seed_002(students, teachers):
    """「按每45名学生配1名教师(余数不足45名但超过30名的也配1名教师)」"""
    assert required_teachers(students, SEED_002) == teachers


@pytest.mark.parametrize(
    ("groups", "managers"),
    [(0, 0), (3, 0), (4, 1), (5, 1), (8, 1), (9, 2), (10, 2), (13, 2), (14, 3)],
)
def test_manager_ratio_of_seed_002(groups, managers):
    """「每5班加配1名管理…不足5班但超过3班的也配备1名…超过8班的配备2名」"""
    assert required_managers(groups, SEED_002) == managers


def test_teacher_ratio_any_remainder_and_no_managers_when_unset():
    rules = StaffingRules(students_per_teacher=50, teacher_remainder_threshold=0)
    assert [required_teachers(n, rules) for n in (1, 50, 51, 100, 101)] == [1, 1, 2, 2, 3]
    assert required_managers(12, rules) == 0


def test_a_class_of_thirty_stands_alone():
    """Seed 001: 「30人及以上以原班级编成一个班」"""
    groups = propose(cohort((3, 1, 30), (3, 2, 12)), Rules())
    alone = next(g for g in groups if 301 in g.class_ids)
    assert alone.class_ids == [301] and alone.size == 30
    assert alone.reasons == [
        {"code": "alone", "cls": {"grades": [3], "numbers": [1]}, "n": 30, "min": 30}
    ]


def test_a_small_class_merges_with_the_smallest_class_of_its_grade():
    """Seed 001: 「班级不足30人，同年级调整人数最少的班级混合编班」: 3-1 (20) goes with 3-3 (5),
    the smallest, not 3-2 (12)."""
    groups = propose(cohort((3, 1, 20), (3, 2, 12), (3, 3, 5)), Rules(max_size=40))
    sizes = {tuple(g.class_ids): g.size for g in groups}
    # 3-3 (5, the smallest) is merged first, with the next smallest, 3-2 (12) -> 17; then the
    # unit still below 30 takes 3-1 (20) -> 37.
    assert sizes == {(301, 302, 303): 37}
    first, second = groups[0].reasons
    assert first["code"] == second["code"] == "merged_grade"
    assert (first["a"], first["b"]) == (
        {"grades": [3], "numbers": [3]},
        {"grades": [3], "numbers": [2]},
    )


def test_a_small_grade_merges_with_an_adjacent_grade():
    """Seed 001: 「年级不足30人，按照相邻年级跨年级调整混合编班」"""
    groups = propose(cohort((1, 1, 12), (2, 1, 10), (4, 1, 35)), Rules())
    merged = next(g for g in groups if len(g.grades) > 1)
    assert merged.grades == [1, 2] and merged.size == 22
    assert any(r["code"] == "merged_adjacent" for r in merged.reasons)
    assert next(g for g in groups if g.grades == [4]).size == 35


def test_merges_stay_within_the_stage_when_the_policy_says_so():
    """Seed 004: 「不足20人的，可以合并年级（班级）…合并只限在第一、第二、第三各个学段内」"""
    participants = cohort((2, 1, 8), (3, 1, 9), (4, 1, 30))
    free = propose(participants, Rules(merge_threshold=20))
    assert any(g.grades == [2, 3] for g in free)
    staged = propose(participants, Rules(merge_threshold=20, within_stage=True))
    assert all(len({stage(x) for x in g.grades}) == 1 for g in staged)
    assert sorted(g.size for g in staged) == [8, 9, 30]
    assert any(r["code"] == "small_stage" for g in staged for r in g.reasons)


def test_a_class_above_the_maximum_is_split_evenly():
    groups = propose(cohort((5, 1, 83)), Rules(max_size=40))
    assert sorted(g.size for g in groups) == [27, 28, 28]
    assert len({g.name for g in groups}) == 3


def test_stages():
    assert [stage(g) for g in range(1, 10)] == [0, 0, 1, 1, 2, 2, 3, 3, 3]


# --------------------------------------------------------------------------- properties

classes_strategy = st.lists(
    st.tuples(st.integers(1, 6), st.integers(1, 4), st.integers(1, 70)),
    min_size=1,
    max_size=14,
    unique_by=lambda c: (c[0], c[1]),
)
rules_strategy = st.builds(
    Rules,
    max_size=st.integers(10, 50),
    merge_threshold=st.integers(5, 45),
    within_stage=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(classes=classes_strategy, rules=rules_strategy)
def test_every_participant_is_placed_once_and_no_group_is_too_big(classes, rules):
    participants = cohort(*classes)
    groups = propose(participants, rules)
    placed = Counter(sid for g in groups for sid in g.members)
    assert set(placed) == {p.student_id for p in participants}
    assert all(n == 1 for n in placed.values())
    assert all(1 <= g.size <= rules.max_size for g in groups)
    assert len({g.name for g in groups}) == len(groups)
    assert all(g.reasons for g in groups if len(g.class_ids) > 1)


@settings(max_examples=300, deadline=None)
@given(classes=classes_strategy, rules=rules_strategy)
def test_no_forbidden_merge_across_stages_and_big_classes_stand_alone(classes, rules):
    participants = cohort(*classes)
    size = Counter(p.class_id for p in participants)
    for g in propose(participants, rules):
        if rules.within_stage:
            assert len({stage(x) for x in g.grades}) == 1
        if len(g.class_ids) > 1:
            assert all(size[c] < rules.merge_threshold for c in g.class_ids)
        # merged grades are contiguous (a grade merges with an adjacent one)
        assert max(g.grades) - min(g.grades) + 1 == len(g.grades)


@settings(max_examples=100, deadline=None)
@given(classes=classes_strategy, rules=rules_strategy)
def test_the_proposal_is_deterministic(classes, rules):
    participants = cohort(*classes)
    first = [(g.name, g.members) for g in propose(participants, rules)]
    again = [(g.name, g.members) for g in propose(list(reversed(participants)), rules)]
    assert first == again


@settings(max_examples=200, deadline=None)
@given(
    existing=st.lists(st.tuples(st.integers(1, 6), st.integers(0, 40)), min_size=0, max_size=6),
    newcomers=st.lists(st.tuples(st.integers(1, 6), st.integers(1, 3)), max_size=30),
    rules=rules_strategy,
)
def test_latecomers_fill_groups_with_room_and_nobody_moves(existing, newcomers, rules):
    groups = [
        ExistingGroup(key=i, grades={g}, class_ids={g * 100 + 1}, size=min(n, rules.max_size))
        for i, (g, n) in enumerate(existing)
    ]
    before = {g.key: g.size for g in groups}
    people = [Participant(1000 + i, g * 100 + c, g, c) for i, (g, c) in enumerate(newcomers)]
    placed = place(people, groups, rules)
    assert sorted(p.student_id for p in placed) == sorted(p.student_id for p in people)
    final = Counter(p.group.key for p in placed)
    for g in groups:  # existing groups only grow, never beyond the maximum
        assert g.size == before[g.key] + final.get(g.key, 0) <= max(rules.max_size, before[g.key])
    new_groups = {p.group.key: p.group for p in placed if p.new}
    assert all(g.size <= rules.max_size for g in new_groups.values())
    if rules.within_stage:
        for p in placed:
            assert len({stage(x) for x in p.group.grades}) == 1


def test_a_latecomer_joins_their_classmates_first():
    groups = [
        ExistingGroup(key="a", grades={3}, class_ids={302}, size=10),
        ExistingGroup(key="b", grades={3}, class_ids={301}, size=25),
    ]
    placed = place([Participant(1, 301, 3, 1)], groups, Rules())
    assert placed[0].group.key == "b" and placed[0].reason == {"code": "late_class"}


def test_reasons_are_put_into_words_when_shown():
    from django.utils import translation

    from scheduling.grouping import reason_text

    (group,) = propose(cohort((3, 1, 20), (3, 2, 12)), Rules())
    with translation.override("en"):
        text = reason_text(group.reasons[0])
    assert text.startswith("Grade 3 Class 2 (12) is below 30 and merges with Grade 3 Class 1 (20)")
    assert reason_text("older text stays") == "older text stays"
