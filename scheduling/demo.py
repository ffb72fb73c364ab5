"""Demo step (order 40, after the applications): groups, staff, rooms and sessions for the
school with the published plan (实验小学), through the real services, so ``make run`` shows a
confirmed grouping, a staffed week and the semester's sessions.

Staff: the school's own teachers (the care teacher ``sy-care`` takes the first group, so their
home page shows today's groups), a vetted retired teacher, two instructors of approved
institutions (one more institution is suspended), and a volunteer whose vetting is still
missing (to show the state). Rooms: classrooms and activity rooms. The principal and the
administrator share the duty rota. Idempotent: nothing is done once the plan is grouped.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from aftercare.models import User
from institutions.demo import demo_instructor
from plans.models import PlanStatus, SchoolPlan
from scheduling.models import (
    DutyRole,
    Grouping,
    GroupKind,
    InstitutionStatus,
    StaffKind,
    StaffMember,
    VettingStep,
)
from scheduling.selectors import load_board
from scheduling.services import assignments, grouping, sessions, staff

# A minimal valid PDF: the vetting documents of the demo.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
INSTITUTIONS = (
    # name, licence, price list, satisfaction, status
    ("青山区少年宫艺术培训中心", "教民14010520001", "书法、美术：每课时 18 元", "92.5", "approved"),
    ("青山区绿茵体育俱乐部", "体民14010520017", "足球：每课时 10 元", "88.0", "approved"),
    ("未来星科技教育有限公司", "教民14010520033", "科技制作：每课时 25 元", "71.0", "suspended"),
)
ROOMS = [
    *((f"{n}教室", 45) for n in (101, 102, 103, 201, 202, 203, 301, 302)),
    ("艺术活动室", 40),
    ("音乐教室", 45),
    ("美术教室", 30),
    ("益智活动室", 30),
    ("科技活动室", 25),
    ("操场", None),
]
COURSE_ROOMS = {
    "硬笔书法": "艺术活动室",
    "合唱团": "音乐教室",
    "创意美术": "美术教室",
    "围棋": "益智活动室",
    "校园足球": "操场",
    "科技小制作": "科技活动室",
}


def _vet(actor, member: StaffMember, day: date, steps=VettingStep.values) -> None:
    for step in steps:
        staff.record_vetting(
            actor=actor,
            staff=member,
            step=step,
            done_on=day,
            upload=SimpleUploadedFile(f"{step}.pdf", DEMO_PDF, content_type="application/pdf"),
        )


def scheduling_step(demo) -> None:
    school = demo.schools[0].school
    plan = SchoolPlan.objects.filter(
        school=school, semester=demo.semester, versions__status=PlanStatus.PUBLISHED
    ).first()
    if plan is None or Grouping.objects.filter(plan=plan).exists():
        return
    principal = User.objects.get(username="sy-principal")
    official = demo.official
    vetted_on = demo.semester.start_date.replace(day=1)

    institutions = {}
    for name, licence, prices, score, _status in INSTITUTIONS:
        inst = staff.save_institution(
            actor=official,
            district=demo.district,
            data={
                "name": name,
                "licence_number": licence,
                "price_list": prices,
                "evaluation_score": Decimal(score),
                "licence_valid_until": date(2028, 8, 31),
            },
        )
        institutions[name] = inst
    for name, *_rest, status in INSTITUTIONS:
        if status != InstitutionStatus.APPROVED:
            staff.set_institution_status(
                actor=official,
                institution=institutions[name],
                status=status,
                note="年度评估满意度低于80%，暂停合作",
            )

    # The school's own staff: the care teacher, the homeroom teachers, principal and admin.
    members = {}
    people = (
        [("sy-care", "")]
        + [(f"sy-t{g}{n}", "") for g in range(1, 7) for n in range(1, 4)]
        + [("sy-principal", ""), ("sy-admin", "")]
    )
    for username, subject in people:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        members[username] = staff.save_staff(
            actor=principal,
            school=school,
            data={"kind": StaffKind.SCHOOL_TEACHER, "user": user, "subject": subject},
        )
    retired = staff.save_staff(
        actor=principal,
        school=school,
        data={
            "kind": StaffKind.RETIRED_TEACHER,
            "full_name": "周德明",
            "mobile": "13700000101",
            "subject": "书法",
        },
    )
    _vet(principal, retired, vetted_on)
    art = staff.save_staff(
        actor=principal,
        school=school,
        data={
            "kind": StaffKind.INSTITUTION,
            "full_name": "林雪",
            "mobile": "13700000102",
            "institution": institutions["青山区少年宫艺术培训中心"],
            "instructor": demo_instructor(
                institutions["青山区少年宫艺术培训中心"], "林雪", today=demo.now.date()
            ),
            "subject": "美术、合唱",
        },
    )
    _vet(principal, art, vetted_on)
    coach = staff.save_staff(
        actor=principal,
        school=school,
        data={
            "kind": StaffKind.INSTITUTION,
            "full_name": "马俊杰",
            "mobile": "13700000103",
            "institution": institutions["青山区绿茵体育俱乐部"],
            "instructor": demo_instructor(
                institutions["青山区绿茵体育俱乐部"], "马俊杰", today=demo.now.date()
            ),
            "subject": "足球",
        },
    )
    _vet(principal, coach, vetted_on)
    volunteer = staff.save_staff(
        actor=principal,
        school=school,
        data={
            "kind": StaffKind.VOLUNTEER,
            "full_name": "韩冬梅",
            "mobile": "13700000104",
            "subject": "阅读",
            "note": "家长志愿者",
        },
    )
    _vet(principal, volunteer, vetted_on, steps=[VettingStep.BACKGROUND_CHECK])

    rooms = {
        name: staff.save_room(
            actor=principal, school=school, data={"name": name, "capacity": capacity}
        )
        for name, capacity in ROOMS
    }

    grouping.propose_groups(actor=principal, plan=plan)
    board = load_board(plan)
    classrooms = [r for name, r in rooms.items() if name.endswith("教室") and name[0].isdigit()]
    teachers = [members[k] for k in members if k.startswith("sy-t")]
    course_teachers = {
        "硬笔书法": retired,
        "创意美术": art,
        "合唱团": art,
        "校园足球": coach,
        "围棋": teachers[-1],
        "科技小制作": teachers[-2],
    }
    basic = [g for g in board.groups if g.kind == GroupKind.BASIC]
    for index, group in enumerate(basic):
        days = board.weekdays(group)
        teacher = members["sy-care"] if index == 0 else teachers[index - 1]
        assignments.assign_staff(
            actor=principal,
            plan=plan,
            staff=teacher,
            role=DutyRole.TEACHER,
            weekdays=days,
            group=group,
        )
        assignments.book_room(
            actor=principal, plan=plan, group=group, room=classrooms[index], weekdays=days
        )
    for group in (g for g in board.groups if g.kind == GroupKind.COURSE):
        course_name = group.course.name
        days = board.weekdays(group)
        if not days:
            continue
        assignments.assign_staff(
            actor=principal,
            plan=plan,
            staff=course_teachers.get(course_name, teachers[-3]),
            role=DutyRole.TEACHER,
            weekdays=days,
            group=group,
        )
        assignments.book_room(
            actor=principal,
            plan=plan,
            group=group,
            room=rooms[COURSE_ROOMS.get(course_name, "艺术活动室")],
            weekdays=days,
        )
    service_days = board.service_weekdays()
    for weekday in service_days:
        leader = members["sy-principal"] if weekday % 2 == 0 else members["sy-admin"]
        assignments.assign_staff(
            actor=principal,
            plan=plan,
            staff=leader,
            role=DutyRole.DUTY_LEADER,
            weekdays=[weekday],
        )
    grouping.confirm_grouping(actor=principal, plan=plan)
    result = sessions.generate_sessions(actor=principal, plan=plan)
    demo.summary.append(
        f"{len(board.groups)} groups and sections at {school.name}, {result.created} sessions"
    )
