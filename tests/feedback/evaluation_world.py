"""An evaluation over the school day of ``tests.attendance.world``: school a1's basic-care
group (the world's pupil and ``daily.children`` more, each with a guardian) and a 书法 course
section, the default questionnaire, open until a week after ``DAY``."""

from __future__ import annotations

from datetime import timedelta

from feedback.models import QuestionAbout, QuestionKind
from feedback.services import evaluations as services
from tests.attendance.world import DAY


def open_default(daily, *, actor=None, school="own", **kwargs):
    actor = actor or daily.world.users[f"principal_{daily.key}"]
    return services.open_evaluation(
        actor=actor,
        semester=daily.semester,
        school=daily.school if school == "own" else school,
        title=kwargs.pop("title", "2026年秋季课后服务满意度评价"),
        closes_on=kwargs.pop("closes_on", DAY + timedelta(days=7)),
        **kwargs,
    )


def answers_for(evaluation, score: int, *, text: str = "") -> dict:
    """Every service question answered: ``score`` on scales, ``text`` on text questions."""
    out = {}
    for q in evaluation.questions.all():
        if q.about != QuestionAbout.SERVICE:
            continue
        if q.kind == QuestionKind.SCALE:
            out[q.pk] = score
        elif text:
            out[q.pk] = text
    return out


def course_answers_for(evaluation, sections, score: int) -> dict:
    return {
        (q.pk, s.pk): score
        for q in evaluation.questions.filter(about=QuestionAbout.COURSE)
        for s in sections
    }


def answer(daily, evaluation, child, score: int, *, text: str = "", sections=(), **kwargs):
    return services.submit_answers(
        actor=daily.parents[child.pk],
        evaluation=evaluation,
        student=child,
        answers=answers_for(evaluation, score, text=text),
        course_answers=course_answers_for(evaluation, sections, score),
        **kwargs,
    )
