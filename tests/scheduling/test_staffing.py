"""Staffing and rooms: required vs assigned, and every impossible assignment refused with the
reason and nothing written."""

from datetime import date

import pytest
from django.utils import timezone

from aftercare.errors import InvalidInput, NotAllowed
from scheduling import checks
from scheduling.models import (
    Assignment,
    CareGroup,
    DutyRole,
    GroupKind,
    InstitutionStatus,
    RoomBooking,
    StaffKind,
    VettingRecord,
    VettingStep,
)
from scheduling.selectors import load_board
from scheduling.services import assignments as services
from scheduling.services import grouping
from tests.scheduling.world import care_teacher

pytestmark = pytest.mark.django_db
ALL_WEEK = [0, 1, 2, 3, 4]


@pytest.fixture
def two_groups(sched):
    """Grade 1 (31, alone) and grade 5 (32, alone), proposed; grade 1 runs 15:05–17:30,
    grade 5 16:00–17:30: they overlap every day."""
    sched.participants(1, 1, 31)
    sched.participants(5, 1, 32)
    grouping.propose_groups(actor=sched.principal, plan=sched.plan)
    groups = {
        g.grades[0]: g for g in CareGroup.objects.filter(plan=sched.plan, kind=GroupKind.BASIC)
    }
    return sched, groups


def vet(staff, steps=VettingStep.values):
    for step in steps:
        VettingRecord.objects.create(
            district=staff.district,
            school=staff.school,
            staff=staff,
            step=step,
            done_on=date(2026, 8, 1),
            document="vetting/x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=1,
            uploaded_by=staff.school.district and staff.school.memberships.first().user,
        )


def assign(sched, staff, group, weekdays=ALL_WEEK, role=DutyRole.TEACHER):
    return services.assign_staff(
        actor=sched.principal,
        plan=sched.plan,
        staff=staff,
        role=role,
        weekdays=weekdays,
        group=group,
    )


def test_a_teacher_cannot_be_in_two_places_at_once(two_groups):
    sched, groups = two_groups
    teacher = care_teacher(sched, "王老师")
    assign(sched, teacher, groups[1])
    with pytest.raises(InvalidInput) as err:
        assign(sched, teacher, groups[5], weekdays=[0, 2])
    assert err.value.code == "impossible_assignment"
    message = " ".join(err.value.fields["staff"])
    assert "王老师" in message and groups[1].name in message and "16:00" not in message
    assert "15:05–17:30" in message
    assert not Assignment.objects.filter(group=groups[5]).exists()


def test_a_room_holds_one_group_at_a_time(two_groups):
    sched, groups = two_groups
    room = sched.room("101教室", 45)
    services.book_room(
        actor=sched.principal, plan=sched.plan, group=groups[1], room=room, weekdays=ALL_WEEK
    )
    with pytest.raises(InvalidInput) as err:
        services.book_room(
            actor=sched.principal, plan=sched.plan, group=groups[5], room=room, weekdays=[4]
        )
    assert err.value.code == "impossible_booking"
    assert (
        "101教室" in err.value.fields["room"][0] and groups[1].name in err.value.fields["room"][0]
    )
    assert not RoomBooking.objects.filter(group=groups[5]).exists()


def test_a_room_too_small_is_refused(two_groups):
    sched, groups = two_groups
    with pytest.raises(InvalidInput) as err:
        services.book_room(
            actor=sched.principal,
            plan=sched.plan,
            group=groups[1],
            room=sched.room("小会议室", 20),
            weekdays=[0],
        )
    assert "20" in err.value.fields["room"][0] and "31" in err.value.fields["room"][0]


def test_an_unvetted_external_person_is_refused_until_vetted(two_groups):
    sched, groups = two_groups
    person = sched.person("外聘张三", StaffKind.EXTERNAL)
    vet(person, [VettingStep.BACKGROUND_CHECK, VettingStep.AGREEMENT])
    with pytest.raises(InvalidInput) as err:
        assign(sched, person, groups[1])
    message = err.value.fields["staff"][0]
    assert "外聘张三" in message
    assert str(VettingStep.PUBLIC_NOTICE.label) in message
    assert str(VettingStep.FILING.label) in message
    assert str(VettingStep.AGREEMENT.label) not in message
    assert not Assignment.objects.exists()
    vet(person, [VettingStep.PUBLIC_NOTICE, VettingStep.FILING])
    assert len(assign(sched, person, groups[1])) == 5


def test_instructors_come_only_from_approved_institutions(two_groups):
    from scheduling.models import Institution

    sched, groups = two_groups
    inst = Institution.objects.create(
        district=sched.school.district, name="某机构", licence_number="L1"
    )
    from institutions.demo import demo_instructor

    entry = demo_instructor(inst, "机构李四", today=timezone.localdate())
    person = sched.person("机构李四", StaffKind.INSTITUTION, institution=inst, instructor=entry)
    vet(person)
    assert assign(sched, person, groups[1], weekdays=[0])
    Institution.objects.filter(pk=inst.pk).update(status=InstitutionStatus.SUSPENDED)
    with pytest.raises(InvalidInput) as err:
        assign(sched, person, groups[1], weekdays=[1])
    assert "某机构" in err.value.fields["staff"][0]
    # The assignment made before the suspension shows as a violation.
    board = load_board(sched.plan)
    assert any(i.code == "staff_not_schedulable" for i in checks.check(board))


def test_an_instructor_without_a_valid_check_cannot_be_scheduled(two_groups):
    """Issue 18: an institution's instructor needs its staff-list entry with a valid
    background check (sexual-offence record check included) and health certificate."""
    from datetime import timedelta

    from institutions.demo import demo_instructor
    from scheduling.models import Institution

    sched, groups = two_groups
    inst = Institution.objects.create(
        district=sched.school.district, name="某机构", licence_number="L1"
    )
    person = sched.person("机构王五", StaffKind.INSTITUTION, institution=inst)
    vet(person)
    with pytest.raises(InvalidInput) as err:
        assign(sched, person, groups[1], weekdays=[0])
    assert "机构王五" in err.value.fields["staff"][0]
    entry = demo_instructor(inst, "机构王五", today=timezone.localdate())
    entry.background_check_valid_until = timezone.localdate() - timedelta(days=1)
    entry.save()
    person.instructor = entry
    person.save()
    with pytest.raises(InvalidInput):
        assign(sched, person, groups[1], weekdays=[0])
    assert not Assignment.objects.filter(staff=person).exists()
    entry.background_check_valid_until = timezone.localdate() + timedelta(days=30)
    entry.save()
    assert assign(sched, person, groups[1], weekdays=[0])


def test_paid_lessons_per_day_and_week(world):
    from tests.scheduling.world import build_sched

    sched = build_sched(
        world, "a1", teacher_paid_lessons_per_day=3, teacher_paid_lessons_per_week=12
    )
    sched.participants(1, 1, 31)  # 15:05–17:30: 3 课时 a day
    sched.participants(5, 1, 31)  # 16:00–17:30: 2 课时
    grouping.propose_groups(actor=sched.principal, plan=sched.plan)
    groups = {
        g.grades[0]: g for g in CareGroup.objects.filter(plan=sched.plan, kind=GroupKind.BASIC)
    }
    section = CareGroup.objects.get(plan=sched.plan, kind=GroupKind.COURSE)  # Wed 16:00–16:40
    teacher = care_teacher(sched, "赵老师")
    assign(sched, teacher, groups[1], weekdays=[0, 1, 2, 3])  # 12 a week
    with pytest.raises(InvalidInput) as err:
        assign(sched, teacher, groups[1], weekdays=[4])  # 15 a week > 12
    assert "15" in err.value.fields["staff"][0] and "12" in err.value.fields["staff"][0]
    other = care_teacher(sched, "钱老师")
    assign(sched, other, groups[5], weekdays=[0])
    volunteer = sched.person("志愿者孙", StaffKind.VOLUNTEER)
    vet(volunteer)
    assert assign(sched, volunteer, groups[1], weekdays=ALL_WEEK)  # unpaid: no cap
    # 3 (grade 1) + 1 (course, overlapping in time is refused anyway) on Wednesday:
    with pytest.raises(InvalidInput) as err:
        assign(sched, teacher, section, weekdays=[2])
    assert any(
        "two places" in m or "同一时间" in m or "15:05–17:30" in m
        for m in err.value.fields["staff"]
    )
    assert not Assignment.objects.filter(group=section).exists()


def test_all_weekdays_or_none(two_groups):
    sched, groups = two_groups
    teacher = care_teacher(sched, "周老师")
    assign(sched, teacher, groups[5], weekdays=[4])
    with pytest.raises(InvalidInput):
        assign(sched, teacher, groups[1], weekdays=[0, 1, 2, 3, 4])  # Friday clashes
    assert Assignment.objects.filter(staff=teacher).count() == 1


def test_a_duty_leader_cannot_teach_that_day(two_groups):
    sched, groups = two_groups
    leader = care_teacher(sched, "吴校长")
    assign(sched, leader, None, weekdays=[0], role=DutyRole.DUTY_LEADER)
    with pytest.raises(InvalidInput) as err:
        assign(sched, leader, groups[1], weekdays=[0])
    assert "吴校长" in err.value.fields["staff"][0]


def test_days_without_service_are_refused(two_groups):
    sched, groups = two_groups
    with pytest.raises(InvalidInput) as err:
        assign(sched, care_teacher(sched, "郑老师"), groups[1], weekdays=[5])
    assert "weekdays" in err.value.fields


def test_shortfalls_are_listed_and_filled(two_groups):
    sched, groups = two_groups
    board = load_board(sched.plan)
    issues = checks.check(board)
    codes = [i.code for i in issues]
    # grade 1 (31), grade 5 (32) and the world's lone grade-3 child: three groups
    assert codes.count("teacher_shortfall") == 3 and "no_duty_leader" in codes
    assert codes.count("no_room") == 3
    short = next(i for i in issues if i.code == "teacher_shortfall" and i.group_id == groups[1].pk)
    assert "31" in short.message and "45" in short.message
    days = checks.staffing(board)
    assert [d.teachers_required for d in days] == [3] * 5 and not any(d.ok for d in days)
    for n, grade in enumerate((1, 3, 5)):
        assign(sched, care_teacher(sched, f"老师{n}"), groups[grade])
        services.book_room(
            actor=sched.principal,
            plan=sched.plan,
            group=groups[grade],
            room=sched.room(f"30{n}教室", 40),
            weekdays=ALL_WEEK,
        )
    assign(sched, care_teacher(sched, "值班"), None, role=DutyRole.DUTY_LEADER)
    board = load_board(sched.plan)
    assert checks.check(board) == []
    assert all(d.ok for d in checks.staffing(board))


def test_managers_follow_the_number_of_groups(sched):
    for number in range(1, 5):  # four classes of 30: four groups -> one manager
        sched.participants(6, number, 30)
    grouping.propose_groups(actor=sched.principal, plan=sched.plan)
    board = load_board(sched.plan)
    day = checks.staffing(board)[0]
    assert (day.groups, day.managers_required) == (5, 1)  # 4 + the world's grade-3 child
    assert any(i.code == "manager_shortfall" for i in checks.check(board))


def test_wrong_role_and_foreign_staff(two_groups, world):
    sched, groups = two_groups
    teacher = care_teacher(sched, "冯老师")
    with pytest.raises(NotAllowed):
        services.assign_staff(
            actor=world.users["care_a1"],
            plan=sched.plan,
            staff=teacher,
            role=DutyRole.TEACHER,
            weekdays=[0],
            group=groups[1],
        )
    from scheduling.models import StaffMember

    stranger = StaffMember.objects.create(
        district=world.schools["a2"].district,
        school=world.schools["a2"],
        kind=StaffKind.SCHOOL_TEACHER,
        full_name="别校老师",
        user=world.users["teacher_a2"],
    )
    with pytest.raises(InvalidInput):
        assign(sched, stranger, groups[1], weekdays=[0])
    assert not Assignment.objects.exists()
    assert timezone.now()
