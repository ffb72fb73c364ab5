"""Service evaluations: opening, answering once per child, results with their minimum,
response rates, teachers' own results, reminders."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent, Notification
from feedback.models import (
    EvaluationAnswer,
    EvaluationReceipt,
    EvaluationResponse,
    QuestionAbout,
    QuestionKind,
)
from feedback.questionnaire import DEFAULT_QUESTIONS
from feedback.selectors import evaluations as selectors
from feedback.services import evaluations as services
from feedback.tasks import remind_closing
from tests.attendance.world import DAY, at
from tests.factories import GuardianshipFactory, ParentUserFactory, StudentFactory
from tests.feedback.evaluation_world import answer, answers_for, open_default

pytestmark = pytest.mark.django_db


def test_opening_invites_every_family_of_the_semester(daily, world):
    evaluation = open_default(daily)
    assert evaluation.invited_families == len(daily.children) == 6
    questions = list(evaluation.questions.order_by("position"))
    assert [q.text for q in questions] == [q["text"] for q in DEFAULT_QUESTIONS]
    assert questions[-1].kind == QuestionKind.TEXT and not questions[-1].required
    for child in daily.children:
        note = Notification.objects.get(recipient=daily.parents[child.pk])
        assert evaluation.title in note.title and child.name in note.body
    assert AuditEvent.objects.filter(action="evaluation.opened").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": ""}, "title"),
        ({"closes_on": DAY - timedelta(days=1)}, "closes_on"),
        ({"closes_on": DAY + timedelta(days=200)}, "closes_on"),
        ({"min_answers": 2}, "min_answers"),
        ({"questions": []}, "questions"),
        ({"questions": [{"kind": "text", "text": "建议"}]}, "questions"),
        ({"questions": [{"kind": "text", "about": "course", "text": "x"}]}, "questions"),
        ({"questions": [{"kind": "scale", "text": "长" * 201}]}, "questions"),
    ],
)
def test_opening_refuses_bad_input(daily, kwargs, field):
    with pytest.raises(InvalidInput) as err:
        open_default(daily, **kwargs)
    assert field in err.value.fields
    assert not Notification.objects.exists()


def test_who_may_open(daily, world):
    with pytest.raises(NotAllowed):
        open_default(daily, actor=world.users["care_a1"])
    with pytest.raises(NotAllowed):
        open_default(daily, actor=world.users["principal_a2"])
    with pytest.raises(NotAllowed):  # every school: officials only
        open_default(daily, school=None)
    assert open_default(daily, actor=world.users["official_a"], school=None).school is None
    with pytest.raises(InvalidInput) as err:  # same title twice
        open_default(daily, actor=world.users["official_a"], school=None)
    assert "title" in err.value.fields


def test_a_family_answers_once_per_child(daily, world):
    evaluation = open_default(daily)
    child = daily.children[0]
    receipt = answer(daily, evaluation, child, 4, text="希望增加体育活动")
    assert (receipt.student, receipt.answered_by) == (child, daily.parents[child.pk])
    response = EvaluationResponse.objects.get()
    assert (response.grade, response.group, response.school) == (3, daily.group, daily.school)
    assert EvaluationAnswer.objects.count() == 9  # 8 scales + the comment (no course)
    # the second guardian, or a second click, is refused and changes nothing
    second = GuardianshipFactory(student=child, user=ParentUserFactory()).user
    daily.parents[child.pk] = second
    with pytest.raises(Conflict) as err:
        answer(daily, evaluation, child, 1)
    assert err.value.code == "already_answered"
    assert EvaluationReceipt.objects.count() == 1
    assert EvaluationResponse.objects.count() == 1 and EvaluationAnswer.objects.count() == 9


def test_the_unique_constraint_refuses_a_second_receipt(daily):
    evaluation = open_default(daily)
    child = daily.children[0]
    answer(daily, evaluation, child, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationReceipt.objects.create(
            district=daily.school.district,
            school=daily.school,
            evaluation=evaluation,
            student=child,
            answered_by=daily.parents[child.pk],
            answered_at=at(17),
        )


@pytest.mark.django_db(transaction=True)
def test_two_guardians_answering_at_once_leave_one_answer(clock):
    from tests.attendance.world import build_daily
    from tests.conftest import build_world

    world = build_world()
    daily = build_daily(world, "a1", children=1)
    evaluation = open_default(daily)
    child = daily.children[0]
    guardians = [daily.parents[child.pk], GuardianshipFactory(student=child).user]
    barrier = threading.Barrier(2)
    outcomes = []

    def run(user):
        try:
            barrier.wait()
            services.submit_answers(
                actor=user,
                evaluation=evaluation,
                student=child,
                answers=answers_for(evaluation, 3),
            )
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in guardians]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert EvaluationReceipt.objects.count() == EvaluationResponse.objects.count() == 1


def test_who_may_answer(daily, world, clock):
    evaluation = open_default(daily)
    child = daily.children[0]
    with pytest.raises(NotAllowed) as err:  # another family's child
        services.submit_answers(
            actor=daily.parents[daily.children[1].pk],
            evaluation=evaluation,
            student=child,
            answers=answers_for(evaluation, 5),
        )
    assert err.value.code == "not_guardian"
    outsider = StudentFactory(school_class=world.classes["a1"])  # no application
    parent = GuardianshipFactory(student=outsider).user
    with pytest.raises(NotAllowed) as err:
        services.submit_answers(
            actor=parent,
            evaluation=evaluation,
            student=outsider,
            answers=answers_for(evaluation, 5),
        )
    assert err.value.code == "not_invited"
    clock.set(0, 0, evaluation.closes_on + timedelta(days=1))
    with pytest.raises(Conflict) as err:
        answer(daily, evaluation, child, 5)
    assert err.value.code == "closed"
    assert not EvaluationReceipt.objects.exists()


def test_answers_are_checked(daily):
    evaluation = open_default(daily)
    child = daily.children[0]
    scales = [q for q in evaluation.questions.all() if q.kind == QuestionKind.SCALE]
    answers = answers_for(evaluation, 4)
    answers[scales[0].pk] = 6
    del answers[scales[1].pk]
    answers[next(q for q in evaluation.questions.all() if q.kind == QuestionKind.TEXT).pk] = (
        "长" * 501
    )
    with pytest.raises(InvalidInput) as err:
        services.submit_answers(
            actor=daily.parents[child.pk], evaluation=evaluation, student=child, answers=answers
        )
    assert set(err.value.fields) == {
        f"q{scales[0].pk}",
        f"q{scales[1].pk}",
        f"q{evaluation.questions.get(kind='text').pk}",
    }
    assert "6" in str(err.value.fields[f"q{scales[0].pk}"][0])
    assert not EvaluationReceipt.objects.exists() and not EvaluationAnswer.objects.exists()


def test_results_are_hidden_below_the_minimum_and_exact_above(daily, world):
    evaluation = open_default(daily)
    scores = [5, 4, 4, 3, 2, 5]
    for child, score in zip(daily.children[:4], scores, strict=False):
        answer(daily, evaluation, child, score)
    cell = selectors.results(evaluation)
    assert (cell.sheets, cell.shown, cell.questions) == (4, False, [])
    assert selectors.school_cells(evaluation)[0].shown is False
    answer(daily, evaluation, daily.children[4], scores[4], text="多些户外活动")
    cell = selectors.results(evaluation, with_texts=True)
    assert (cell.sheets, cell.shown) == (5, True)
    first = cell.questions[0]
    assert first.n == 5 and first.mean == pytest.approx(18 / 5)
    assert first.counts == {1: 0, 2: 1, 3: 1, 4: 2, 5: 1}
    assert first.satisfied == pytest.approx(3 / 5)
    assert [text for _q, text in cell.texts] == ["多些户外活动"]
    grades = selectors.grade_cells(evaluation)
    assert [(g.label, g.sheets, g.shown) for g in grades] == [("三年级", 5, True)]
    rates = selectors.response_rates(evaluation)
    assert (rates["total"].invited, rates["total"].answered) == (6, 5)
    assert rates["schools"][0].percent == "83%"


def test_course_questions_per_section(daily, world):
    students = daily.children[:5]
    section = daily.add_section("书法1班", students=students)
    evaluation = open_default(daily)
    for i, child in enumerate(students):
        answer(daily, evaluation, child, 3 + (i % 2), sections=[section])
    answer(daily, evaluation, daily.children[5], 5)  # no course
    cells = selectors.section_cells(evaluation)
    assert [(c.label, c.sheets, c.shown) for c in cells] == [("书法1班", 5, True)]
    course_q = cells[0].questions
    assert len(course_q) == 1 and course_q[0].question.about == QuestionAbout.COURSE
    assert course_q[0].mean == pytest.approx((3 + 4 + 3 + 4 + 3) / 5)
    with pytest.raises(InvalidInput):  # a course question is required for each section
        services.submit_answers(
            actor=daily.parents[daily.children[0].pk],
            evaluation=open_default(daily, title="期末评价"),
            student=daily.children[0],
            answers=answers_for(evaluation, 4),
        )


def test_teachers_see_their_own_groups_only(daily, world):
    evaluation = open_default(daily)
    for child in daily.children[:5]:
        answer(daily, evaluation, child, 4)
    care = selectors.teacher_results(world.users["care_a1"], evaluation)
    assert [(c.label, c.sheets, c.shown) for c in care] == [(daily.group.name, 5, True)]
    assert care[0].mean == pytest.approx(4.0)
    # the duty leader teaches no group; another school's teacher has none either
    assert selectors.teacher_results(world.users["teacher_a1"], evaluation) == []
    assert selectors.teacher_results(world.users["care_a2"], evaluation) == []


def test_reminders_once_a_day(daily, world, clock):
    evaluation = open_default(daily)
    answer(daily, evaluation, daily.children[0], 4)
    before = Notification.objects.count()
    principal = world.users["principal_a1"]
    assert services.remind_families(actor=principal, evaluation=evaluation) == 5
    assert Notification.objects.count() == before + 5
    assert services.remind_families(actor=principal, evaluation=evaluation) == 5
    assert Notification.objects.count() == before + 5  # same day: nothing new
    clock.set(19, 0, DAY + timedelta(days=5))  # closing in two days: the beat task reminds
    assert remind_closing() == 5
    assert Notification.objects.count() == before + 10
    with pytest.raises(NotAllowed):
        services.remind_families(actor=world.users["principal_a2"], evaluation=evaluation)
    with pytest.raises(NotAllowed):
        services.remind_families(actor=world.users["care_a1"], evaluation=evaluation)


def test_closing(daily, world):
    evaluation = open_default(daily)
    with pytest.raises(NotAllowed):
        services.close_evaluation(actor=world.users["care_a1"], evaluation=evaluation)
    services.close_evaluation(actor=world.users["principal_a1"], evaluation=evaluation)
    with pytest.raises(Conflict):
        services.close_evaluation(actor=world.users["principal_a1"], evaluation=evaluation)
    with pytest.raises(Conflict):
        answer(daily, evaluation, daily.children[0], 4)
    with pytest.raises(Conflict):
        services.remind_families(actor=world.users["principal_a1"], evaluation=evaluation)


def test_evaluation_scores_for_the_assessment(daily, world):
    evaluation = open_default(daily)
    district_wide = open_default(daily, actor=world.users["official_a"], school=None, title="区级")
    for child in daily.children[:5]:
        answer(daily, evaluation, child, 4)
    answer(daily, district_wide, daily.children[0], 2)
    scores = selectors.evaluation_scores(district=world.a, semester=daily.semester)
    s = scores[daily.school.pk]
    assert (s.invited, s.answered, s.sheets) == (12, 6, 6)
    assert s.response_rate == pytest.approx(0.5)
    assert s.mean == pytest.approx((5 * 8 * 4 + 8 * 2) / 48)
    assert s.satisfied == pytest.approx(40 / 48)
    assert selectors.evaluation_scores(district=world.b, semester=daily.semester) == {}


def test_answers_cannot_be_changed_in_the_database(daily):
    evaluation = open_default(daily)
    answer(daily, evaluation, daily.children[0], 4)
    row = EvaluationAnswer.objects.first()
    with pytest.raises(Exception) as err, transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE feedback_evaluationanswer SET score = 1 WHERE id = %s", [row.pk])
    assert "append-only" in str(err.value)
