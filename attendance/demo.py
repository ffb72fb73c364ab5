"""Demo step (order 45, after scheduling): a fortnight of daily operation at 实验小学, replayed
through the real services at the times it would have happened, so every attendance page has
something true to show on the day ``make run`` starts.

For the school days before today: each group's roll (most children present, a few late or
absent; one child absent three times, so flagged for follow-up, with one warning sent),
pickups (some by an authorized grandmother, a few late), teachers checking in and out (one
early leave, one missed session recorded by the duty leader and corrected), a handover
mismatch resolved by the duty leader, patrols and the clearing. Today: an approved leave
(shown on today's roll) and a pending one for tomorrow from the parent with two children,
whose authorized pickup person is listed. Weekly activity records of 一年级1班. Idempotent:
nothing is done once the school has a roll.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from django.utils import timezone

from aftercare.demo import PARENT_WITH_TWO_CHILDREN
from aftercare.models import SchoolClass, User
from enrollment.models import Guardianship
from plans.models import PlanStatus, SchoolPlan
from scheduling.models import Assignment, DutyRole, Session, SessionStatus, StaffMember

from .access import duty_leader_users
from .models import FollowUp, LeaveRequest, RollCall, StaffStatus
from .selectors.common import roster_students
from .services import duty, followup, handover, leave, pickup, records, roll, staff

DAYS_BACK = 10


def _at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _teacher(session: Session) -> User | None:
    a = (
        Assignment.objects.filter(
            group_id=session.group_id, weekday=session.weekday, role=DutyRole.TEACHER
        )
        .select_related("staff__user")
        .first()
    )
    return a.staff.user if a and a.staff.user_id else None


def _duty_leader(school, day) -> User:
    users = duty_leader_users(school, day)
    return User.objects.get(pk=users[0]) if users else User.objects.get(username="sy-principal")


def attendance_step(demo) -> None:
    school = demo.schools[0].school
    plan = SchoolPlan.objects.filter(
        school=school, semester=demo.semester, versions__status=PlanStatus.PUBLISHED
    ).first()
    if plan is None or RollCall.objects.filter(school=school).exists():
        return
    # The demo is one transaction: autovacuum has not seen a row of it yet, and with empty
    # statistics the roster queries below plan nested loops over every group member (a test
    # database once spent over an hour on them). seed_demo analyzes after every step, as the
    # tables' owner (aftercare.db_security.analyze: the app role's own ANALYZE skips them all).
    rng = demo.rng("attendance")
    today = timezone.localdate()
    days = sorted(
        set(
            Session.objects.filter(
                plan=plan,
                status=SessionStatus.SCHEDULED,
                date__lt=today,
                date__gte=today - timedelta(days=DAYS_BACK * 2),
            ).values_list("date", flat=True)
        )
    )[-DAYS_BACK:]
    if not days:
        demo.summary.append("attendance: no school day before today in the semester")
        return
    showcase = Guardianship.objects.filter(user__mobile=PARENT_WITH_TWO_CHILDREN).select_related(
        "student", "user"
    )
    family = list(showcase)
    grandma = None
    if family:
        grandma = pickup.add_pickup_person(
            actor=family[0].user,
            student=family[0].student,
            name="王秀英",
            relation="grandparent",
            phone="13700000201",
            now=_at(days[0] - timedelta(days=1), 20),
        )
    # The session whose teacher's attendance the duty leader records (and corrects) below:
    # nobody checks in there.
    recorded = (
        Session.objects.filter(plan=plan, date=days[-2], group__kind="basic")
        .select_related("group", "version__policy")
        .order_by("pk")
        .last()
    )
    truant = None
    rolls = 0
    for index, day in enumerate(days):
        sessions = list(
            Session.objects.filter(plan=plan, date=day, status=SessionStatus.SCHEDULED)
            .select_related("group", "version__policy")
            .order_by("start_time", "pk")
        )
        for s_index, session in enumerate(sessions):
            teacher = _teacher(session)
            if teacher is None:
                continue
            children = list(roster_students(session))
            if not children:
                continue
            if truant is None and session.group.kind == "basic":
                truant = children[-1]
            start = _at(day, session.start_time.hour, session.start_time.minute)
            arrived = start + timedelta(minutes=rng.choice([-5, -2, 0, 3]))
            if session != recorded:
                staff.check_in(actor=teacher, session=session, now=arrived)
            marks = []
            for child in children:
                r = rng.random()
                status = "absent" if r < 0.03 else "late" if r < 0.06 else "present"
                if child == truant and index in (len(days) - 3, len(days) - 2, len(days) - 1):
                    status = "absent"
                marks.append(roll.MarkInput(child.public_id, status))
            roll.submit_roll(
                actor=teacher,
                session=session,
                marks=marks,
                submission_id=uuid.uuid4(),
                now=start + timedelta(minutes=8),
            )
            rolls += 1
            end = _at(day, session.end_time.hour, session.end_time.minute)
            if session.group.kind == "basic":
                here = {m.student for m in marks if m.status != "absent"}
                for child in children[:6]:
                    guardian = (
                        Guardianship.objects.filter(student=child).select_related("user").first()
                    )
                    if guardian is None or child.public_id not in here:
                        continue
                    person = (
                        grandma.public_id
                        if grandma is not None and child == grandma.student
                        else guardian.user.public_id
                    )
                    late = rng.random() < 0.05
                    pickup.record_pickup(
                        actor=teacher,
                        session=session,
                        student=child.public_id,
                        person=person,
                        at=end + timedelta(minutes=25 if late else rng.choice([-10, 0, 5])),
                        now=end + timedelta(minutes=40),
                    )
            if session != recorded:
                staff.check_out(
                    actor=teacher,
                    session=session,
                    now=end - timedelta(minutes=20 if (index, s_index) == (2, 1) else 0),
                )
        leader = _duty_leader(school, day)
        duty.record_patrol(
            actor=leader,
            school=school,
            note=rng.choice(
                ["各班秩序良好，学生在完成作业", "二楼走廊有学生奔跑，已提醒", "操场足球训练正常"]
            ),
            session=sessions[0] if sessions else None,
            issue=False,
            now=_at(day, 16, 30),
        )
    # A missed session recorded, then corrected (a new record: the first one stays).
    session, day = recorded, days[-2]
    if session is not None:
        teacher_staff = StaffMember.objects.filter(user=_teacher(session), school=school).first()
        leader = _duty_leader(school, day)
        if teacher_staff is not None:
            staff.record_staff_attendance(
                actor=leader,
                session=session,
                staff=teacher_staff,
                status=StaffStatus.MISSED,
                now=_at(day, 17, 45),
            )
            staff.record_staff_attendance(
                actor=leader,
                session=session,
                staff=teacher_staff,
                status=StaffStatus.PRESENT,
                checked_in_at=_at(day, session.start_time.hour, session.start_time.minute),
                checked_out_at=_at(day, 17, 30),
                note="老师在操场带队，误记为空堂",
                now=_at(day, 18, 0),
            )
    # Last school day: a handover from 一年级1班 that did not match, resolved.
    last = days[-1]
    first_grade = SchoolClass.objects.filter(school=school, grade=1, number=1).first()
    g1 = (
        Session.objects.filter(
            plan=plan, date=last, group__kind="basic", group__grades__contains=[1]
        )
        .select_related("group", "version__policy")
        .first()
    )
    if first_grade is not None and g1 is not None:
        kids = [c for c in roster_students(g1) if c.school_class_id == first_grade.pk]
        if len(kids) > 2:
            h = handover.record_handover(
                actor=User.objects.get(username="sy-t11"),
                session=g1,
                students=[c.public_id for c in kids[:-1]],
                from_class=first_grade,
                now=_at(last, 15, 0),
            )
            h.refresh_from_db()
            if h.status == "mismatch":
                handover.resolve_handover(
                    actor=_duty_leader(school, last),
                    handover=h,
                    note="漏点一名学生，已在教室找到，交接单已更正",
                    fault="handing",
                    now=_at(last, 16, 10),
                )
    for day in days[:-1]:
        leader = _duty_leader(school, day)
        duty.confirm_clearing(
            actor=leader,
            school=school,
            day=day,
            notes={
                str(s.public_id): "已巡查，教室无学生"
                for s in Session.objects.filter(plan=plan, date=day)
            },
            note="全校清校完毕",
            now=_at(day, 18, 20),
        )
    # The flagged child gets a warning.

    flag = (
        FollowUp.objects.filter(school=school, status="open")
        .select_related("student__school_class")
        .first()
    )
    if flag is not None and flag.student.school_class.homeroom_teacher is not None:
        followup.issue_warning(
            actor=flag.student.school_class.homeroom_teacher,
            student=flag.student,
            text="孩子近期多次无故缺席课后服务，请家长配合按时参加或提前请假。",
            follow_up=flag,
            now=_at(last, 19, 0),
        )
    # Leave: approved for today, pending for tomorrow (the parent with two children).
    if family:
        first, *rest = family
        lv = leave.request_leave(
            actor=first.user,
            student=first.student,
            start_date=today,
            reason="sick",
            note="感冒发烧，在家休息",
            now=_at(last, 20, 0),
        )
        teacher = first.student.school_class.homeroom_teacher
        if teacher is not None:
            leave.decide_leave(actor=teacher, leave=lv, approve=True, now=_at(last, 20, 30))
        second = rest[0] if rest else first
        leave.request_leave(
            actor=second.user,
            student=second.student,
            start_date=today + timedelta(days=1),
            reason="personal",
            note="家中有事，提前接走",
            now=_at(last, 21, 0),
        )
    # Weekly records of 一年级1班.
    if first_grade is not None and first_grade.homeroom_teacher is not None:
        mondays = sorted({d - timedelta(days=d.weekday()) for d in days})
        for monday in mondays:
            records.save_weekly_record(
                actor=first_grade.homeroom_teacher,
                school_class=first_grade,
                week_start=monday,
                activities="作业辅导与阅读；周三硬笔书法练习；周五户外游戏",
                highlights="大部分同学能在托管时间内完成作业",
                safety="无安全事故",
                now=_at(monday + timedelta(days=4), 18, 0),
            )
    demo.summary.append(
        f"attendance: {rolls} rolls over {len(days)} school days at {school.name}, "
        f"{LeaveRequest.objects.filter(school=school).count()} leave requests"
    )
