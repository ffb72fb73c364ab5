"""Demo applications, reviews, agreements and course registrations for 实验小学 (the school
with a published plan), replayed through the real services at the dates they would have
happened in September, so every page has something true to show. Idempotent: nothing is
done when the plan already has applications.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from aftercare.demo import PARENT_WITH_TWO_CHILDREN
from aftercare.models import SchoolClass, User
from enrollment.models import Application, ApplicationStatus, Guardianship, Student
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


def _at(day: int, hour: int, minute: int = 0, second: int = 0, year: int = 2026) -> datetime:
    return timezone.make_aware(datetime(year, 9, day, hour, minute, second))


def seed_applications(*, school, seed: int = 907) -> None:
    plan = (
        SchoolPlan.objects.filter(school=school, versions__status=PlanStatus.PUBLISHED)
        .select_related("semester")
        .first()
    )
    if plan is None or Application.objects.filter(plan=plan).exists():
        return
    year = plan.semester.start_date.year
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
                now=_at(2, 8, index % 60, index % 59, year),
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
            now=_at(3, 16, year=year),
        )
    services.approve_applications(actor=principal, plan=plan, now=_at(4, 9, year=year))
    services.publish_participant_list(actor=principal, plan=plan, now=_at(4, 17, year=year))

    # The rush: the extended-course window opened at 10:40 on 7 September.
    version = plan.versions.get(status=PlanStatus.PUBLISHED)
    courses = list(version.courses.order_by("name"))
    weights = [1 / (rank**1.2) for rank in range(1, len(courses) + 1)]
    live = Application.objects.filter(plan=plan, status=ApplicationStatus.APPROVED)
    for index, app in enumerate(live.select_related("student__school_class")):
        wanted = rng.choice((0, 1, 1, 2)) if app.student_id not in showcase else 2
        grade = app.student.school_class.grade
        eligible = [c for c in courses if grade in c.grades]
        chosen = []
        while eligible and len(chosen) < min(wanted, len(eligible)):
            pick = rng.choices(eligible, weights=weights[: len(eligible)])[0]
            if pick not in chosen:
                chosen.append(pick)
        for course in chosen:
            moment = _at(7, 10, 40, year=year) + timedelta(seconds=index * 0.7 + rng.random())
            try:
                registration.register(
                    actor=guardian[app.student_id],
                    student=app.student,
                    info=registration.course_info(course.public_id, fresh=True),
                    now=moment,
                )
            except registration.RegistrationError:
                continue  # e.g. the per-student limit: the demo just moves on
    # Most families sign and confirm the insurance in the first week.
    for app in Application.objects.filter(plan=plan, status=ApplicationStatus.APPROVED):
        if app.student_id in showcase or rng.random() < 0.85:
            services.sign_agreement(
                actor=guardian[app.student_id], application=app, now=_at(5, 20, year=year)
            )
            services.confirm_insurance(
                actor=guardian[app.student_id], application=app, now=_at(5, 20, 5, year=year)
            )
