"""Demo applications, reviews, agreements and course registrations for 实验小学 (the school
with a published plan), replayed through the real services at the moments of
``aftercare.demo.timeline`` (relative to the day of seeding), so every page has something
true to show: round one was a lottery, drawn for every course but 围棋 (closed, awaiting its
draw); 科技小制作 stays below its minimum size; after the amendment (plans' step 32) the
children of the dropped 创意美术 register in round two, open now. Idempotent: nothing is
done when the plan already has applications (round two: when it has round-two entries).
"""

from __future__ import annotations

import random
from datetime import timedelta

from aftercare.demo import PARENT_WITH_TWO_CHILDREN, timeline
from aftercare.models import SchoolClass, User
from enrollment.models import (
    Application,
    ApplicationStatus,
    CourseRegistration,
    Guardianship,
    SeatStatus,
    Student,
)
from enrollment.services import applications as services
from enrollment.services import registration
from plans.models import PlanStatus, SchoolPlan

AGREEMENT = (
    "第一条 学校在每个上课日放学后至方案规定的时间提供课后服务，内容为作业辅导、阅读、"
    "体育和兴趣活动，不讲授新课。\n"
    "第二条 家长自愿参加，按公示的收费标准缴费；未用完的费用学期末按实结算、多退少补。\n"
    "第三条 家长按时接孩子；不能按时接送时提前告知班主任。\n"
    "第四条 孩子因故请假须提前向班主任请假。\n"
    "第五条 参加课后服务的学生应购买学生意外伤害保险（学平险）。"
)


# How popular each course is in the replayed round one (its share of the picks).
POPULARITY = {
    "硬笔书法": 1.0,
    "围棋": 0.9,
    "校园足球": 0.8,
    "创意美术": 0.6,
    "合唱团": 0.5,
    "科技小制作": 0.05,  # stays below its minimum size
}
UNDRAWN = "围棋"  # its lottery window has closed; the school has not drawn it yet
DROPPED = "创意美术"  # dropped by the amendment: its children register again in round two


def seed_applications(*, school, now, seed: int = 907) -> None:
    plan = (
        SchoolPlan.objects.filter(school=school, versions__status=PlanStatus.PUBLISHED)
        .select_related("semester")
        .first()
    )
    if plan is None or Application.objects.filter(plan=plan).exists():
        return
    times = timeline(now)
    rng = random.Random(seed)
    principal = User.objects.get(username="sy-principal")
    services.publish_agreement(
        actor=principal, plan=plan, title="实验小学课后服务协议", body=AGREEMENT
    )
    students = list(
        Student.objects.filter(school=school).select_related("school_class").order_by("pk")
    )
    guardian = {
        g.student_id: g.user
        for g in Guardianship.objects.filter(school=school).select_related("user").order_by("pk")
    }
    showcase = set(
        Guardianship.objects.filter(user__mobile=PARENT_WITH_TWO_CHILDREN).values_list(
            "student_id", flat=True
        )
    )
    applied: list[Application] = []
    for index, student in enumerate(students):
        if student.pk not in showcase and rng.random() > 0.75:
            continue
        groups = ["hardship"] if rng.random() < 0.05 else []
        applied.append(
            services.apply_for_service(
                actor=guardian[student.pk],
                student=student,
                basic_care=rng.random() < 0.9,
                priority_groups=groups,
                now=times["applied"] + timedelta(minutes=index % 60, seconds=index % 59),
            )
        )
    # Class review by each homeroom teacher: most approved, a few flagged or rejected.
    teachers = {c.pk: c.homeroom_teacher for c in SchoolClass.objects.filter(school=school)}
    for app in applied:
        roll = rng.random()
        decision, note = "approve", ""
        if app.student_id not in showcase and roll < 0.03:
            decision, note = "reject", "家长已确认每天16:00接孩子，无需课后服务。"
        elif app.student_id not in showcase and roll < 0.07:
            decision, note = "flag", "孩子需家长陪同参加。"
        services.review_application(
            actor=teachers[app.student.school_class_id],
            application=app,
            decision=decision,
            note=note,
            needs_accompaniment=decision == "flag",
            now=times["reviewed"],
        )
    services.approve_applications(actor=principal, plan=plan, now=times["approved"])
    services.publish_participant_list(actor=principal, plan=plan, now=times["listed"])

    # Round one, a lottery: entries from the window's first minutes on.
    version = plan.versions.get(status=PlanStatus.PUBLISHED)
    courses = list(version.courses.order_by("name"))
    weights = [POPULARITY.get(c.name, 0.5) for c in courses]
    live = Application.objects.filter(plan=plan, status=ApplicationStatus.APPROVED)
    for index, app in enumerate(live.select_related("student__school_class").order_by("pk")):
        wanted = rng.choice((0, 1, 1, 2)) if app.student_id not in showcase else 2
        grade = app.student.school_class.grade
        eligible = [c for c in courses if grade in c.grades]
        # The younger showcase child is in 创意美术, so its parent can try round two.
        chosen = [c for c in eligible if c.name == DROPPED and app.student_id in showcase]
        while eligible and len(chosen) < min(wanted, len(eligible)):
            pick = rng.choices(eligible, weights=[weights[courses.index(c)] for c in eligible])[0]
            if pick not in chosen:
                chosen.append(pick)
        for course in chosen:
            moment = times["round1_opens"] + timedelta(seconds=index * 0.7 + rng.random())
            try:
                registration.register(
                    actor=guardian[app.student_id],
                    student=app.student,
                    info=registration.course_info(course.public_id, fresh=True),
                    now=moment,
                )
            except registration.RegistrationError:
                continue  # e.g. the per-student limit: the demo just moves on
    # The draws, the morning after the window closed: all but one course.
    for course in courses:
        if course.name != UNDRAWN:
            registration.draw_lottery(actor=principal, course=course, now=times["drawn"])
    # Most families sign and confirm the insurance in the first week.
    for app in Application.objects.filter(plan=plan, status=ApplicationStatus.APPROVED):
        if app.student_id in showcase or rng.random() < 0.85:
            services.sign_agreement(
                actor=guardian[app.student_id], application=app, now=times["signed"]
            )
            services.confirm_insurance(
                actor=guardian[app.student_id],
                application=app,
                now=times["signed"] + timedelta(minutes=5),
            )


def seed_round_two(*, school, now) -> None:
    """Round two, open now: most children whose course the amendment dropped have already
    chosen another one (first come, first served); the showcase family has not yet."""
    plan = (
        SchoolPlan.objects.filter(school=school, versions__status=PlanStatus.PUBLISHED)
        .distinct()
        .first()
    )
    if (
        plan is None
        or CourseRegistration.objects.filter(course__version__plan=plan, round=2).exists()
    ):
        return
    times = timeline(now)
    showcase = set(
        Guardianship.objects.filter(user__mobile=PARENT_WITH_TWO_CHILDREN).values_list(
            "student_id", flat=True
        )
    )
    version = plan.versions.get(status=PlanStatus.PUBLISHED)
    open_courses = [c for c in version.courses.order_by("name") if c.name != UNDRAWN]
    cancelled = (
        CourseRegistration.objects.filter(
            course__version__plan=plan, status=SeatStatus.COURSE_CANCELLED
        )
        .exclude(student_id__in=showcase)
        .select_related("student__school_class", "application")
        .order_by("pk")
    )
    guardian = {
        g.student_id: g.user
        for g in Guardianship.objects.filter(school=school).select_related("user").order_by("pk")
    }
    for index, reg in enumerate(cancelled):
        if index % 3 == 2:
            continue  # some families have not chosen yet
        grade = reg.student.school_class.grade
        for course in (c for c in open_courses if grade in c.grades):
            try:
                registration.register(
                    actor=guardian[reg.student_id],
                    student=reg.student,
                    info=registration.course_info(course.public_id, fresh=True),
                    now=times["round2_registered"] + timedelta(seconds=index * 7),
                )
                break
            except registration.RegistrationError:
                continue
