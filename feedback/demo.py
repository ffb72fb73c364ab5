"""Demo step (order 47, after attendance): the families' voice at the first demo school.

* three complaints, through the services: one about a teacher, acknowledged and closed as
  verified with a 20 % deduction for the month (the payouts read it); one about a fee from the
  family with two children (flagged to the district at once), waiting for the school; one
  recorded by the district from a hotline call, being investigated;
* the school's service evaluation for the semester, open for a fortnight, answered by a few
  families (enough for the results to show), the family with two children still to answer.

Idempotent: nothing is added once the school has a complaint.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from aftercare.demo import PARENT_WITH_TWO_CHILDREN
from aftercare.models import User
from enrollment.models import Guardianship
from feedback.models import Complaint, QuestionAbout, QuestionKind
from feedback.services import complaints, evaluations
from scheduling.models import Assignment, DutyRole

ANSWERS = 6
COMMENTS = ["老师很耐心，孩子作业基本在校完成。", "希望增加体育类课程。"]


def feedback_step(demo) -> None:
    school = demo.schools[0].school
    if Complaint.objects.filter(school=school).exists():
        return
    principal = User.objects.filter(username=f"{demo.schools[0].spec.short}-principal").first()
    guardianships = list(
        Guardianship.objects.filter(
            student__school=school,
            student__applications__semester=demo.semester,
            student__applications__approved_at__isnull=False,
            student__applications__signed_at__isnull=False,
        )
        .select_related("student", "user")
        .order_by("student__pk", "pk")
        .distinct()
    )
    invited, seen = [], set()
    for g in guardianships:  # one guardian per child
        if g.student_id not in seen:
            seen.add(g.student_id)
            invited.append(g)
    if principal is None or not invited:
        demo.summary.append("feedback: no family took part at the first school")
        return
    today = timezone.localdate()
    showcase = [g for g in invited if g.user.mobile == PARENT_WITH_TWO_CHILDREN]
    others = [g for g in invited if g.user.mobile != PARENT_WITH_TWO_CHILDREN]
    rng = demo.rng("feedback")

    # 1. about a teacher: verified, with a deduction
    teacher = (
        Assignment.objects.filter(school=school, role=DutyRole.TEACHER)
        .select_related("staff")
        .order_by("pk")
        .first()
    )
    made = 0
    if others:
        g = others[0]
        first = complaints.file_complaint(
            actor=g.user,
            student=g.student,
            category="teacher",
            description="周二托管时看护老师提前离开教室约20分钟，孩子们无人看管。",
            incident_date=today - timedelta(days=6),
            staff=teacher.staff if teacher else None,
            now=timezone.now() - timedelta(days=5),
        )
        complaints.acknowledge_complaint(
            actor=principal,
            complaint=first,
            note="已收到，正在调取值班记录核实。",
            now=timezone.now() - timedelta(days=4),
        )
        complaints.close_complaint(
            actor=principal,
            complaint=first,
            outcome="verified",
            findings="经查值班记录与监控属实，已对该教师进行批评教育并调整排班。",
            staff=teacher.staff if teacher else None,
            deduction_percent=20 if teacher else None,
            now=timezone.now() - timedelta(days=2),
        )
        made += 1
    # 2. about a fee, from the showcase family: flagged to the district, waiting
    family = showcase[0] if showcase else (others[1] if len(others) > 1 else None)
    if family is not None:
        complaints.file_complaint(
            actor=family.user,
            student=family.student,
            category="fee",
            description="班主任要求另交100元资料费，没有公示，也没有收据。",
            incident_date=today - timedelta(days=1),
        )
        made += 1
    # 3. a hotline call recorded by the district, being investigated
    if len(others) > 2:
        g = others[2]
        call = complaints.record_hotline_complaint(
            actor=demo.official,
            school=school,
            caller_name="李女士",
            caller_mobile=g.user.mobile or "",
            student=g.student,
            category="safety",
            description="放学接孩子时校门口秩序混乱，孩子被交给了不认识的人（后被追回）。",
            incident_date=today - timedelta(days=2),
        )
        complaints.acknowledge_complaint(
            actor=principal, complaint=call, note="已与家长电话联系，正在核查交接记录。"
        )
        made += 1

    # The school's evaluation, answered by a few families.
    evaluation = evaluations.open_evaluation(
        actor=principal,
        semester=demo.semester,
        school=school,
        title="2026年秋季课后服务家长满意度评价",
        closes_on=min(today + timedelta(days=14), demo.semester.end_date + timedelta(days=30)),
    )
    answered = 0
    service_questions = list(evaluation.questions.filter(about=QuestionAbout.SERVICE))
    course_questions = list(evaluation.questions.filter(about=QuestionAbout.COURSE))
    for g in others[3 : 3 + ANSWERS]:
        answers = {}
        for q in service_questions:
            if q.kind == QuestionKind.SCALE:
                answers[q.pk] = rng.choice([3, 4, 4, 5, 5])
            elif rng.random() < 0.5:
                answers[q.pk] = rng.choice(COMMENTS)
        context = evaluations.child_context(evaluation, g.student)
        sections = context[2] if context else []
        evaluations.submit_answers(
            actor=g.user,
            evaluation=evaluation,
            student=g.student,
            answers=answers,
            course_answers={
                (q.pk, section.pk): rng.choice([4, 5])
                for q in course_questions
                for section in sections
            },
        )
        answered += 1
    demo.summary.append(
        f"feedback: {made} complaints at {school.name}, an evaluation open until "
        f"{evaluation.closes_on} ({answered} families answered)"
    )
