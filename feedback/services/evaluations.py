"""Service evaluation services: open, answer (once per child, anonymously), remind, close.

Who is invited: every child with an approved application (and a signed agreement) for the
evaluation's semester at one of its schools — the families who used the service, including
those who left it during the semester (``invited_applications``).

Answering (``submit_answers``) is one transaction: INSERT the receipt (evaluation, child) —
the unique constraint ``evaluation_answered_once`` refuses a second answer for the same
child, whichever guardian sends it and however many times at once (409 ``already_answered``;
no check-then-insert) — then the answer sheet and its answers with random UUID keys and no
link to the receipt, the child or the guardian (``feedback.models.evaluations``). Either all
of it is written or none. It first reads the evaluation's row ``FOR SHARE`` (answers do not
wait for each other) while closing takes it ``FOR UPDATE``: no answer is written after a
close has committed. That row is the only lock; it has no place in the project's order
(semester -> plan -> …) and nothing else is locked after it. No audit event is written for
an answer: the receipt is the record, and an audit row naming the guardian next to a time
would be one more thing to pair with the sheets.

Side effects (invitations, reminders) are inbox messages recorded in the outbox and sent
after commit, one INSERT per thousand (``aftercare.notifications.notify_many``); a reminder's
key names the day, so a family gets at most one reminder a day per evaluation whether it
comes from the button, the API or the beat task (``feedback.tasks.remind_closing``).

Errors: ``NotAllowed`` (403), ``InvalidInput`` (400, naming the value and the limit),
``Conflict`` (409: closed, already answered).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import MANAGER_ROLES, District, Role, School, Semester, User
from aftercare.notifications import notify_many
from enrollment.models import Application, CourseRegistration, Guardianship, SeatStatus, Student
from scheduling.models import CareGroup, GroupKind, GroupMember

from ..models import (
    MIN_ANSWERS_FLOOR,
    QUESTION_MAX,
    SCALE,
    TEXT_ANSWER_MAX,
    TITLE_MAX,
    Evaluation,
    EvaluationAnswer,
    EvaluationReceipt,
    EvaluationResponse,
    Question,
    QuestionAbout,
    QuestionKind,
)
from ..questionnaire import default_questions

MAX_QUESTIONS = 30
CLOSES_AFTER_SEMESTER_DAYS = 60


# --------------------------------------------------------------------------- who is invited


def invited_applications(evaluation: Evaluation, *, school_ids=None) -> QuerySet[Application]:
    """The applications whose families the evaluation asks (one per child and semester)."""
    qs = Application.objects.filter(
        district_id=evaluation.district_id,
        semester_id=evaluation.semester_id,
        approved_at__isnull=False,
        signed_at__isnull=False,
    )
    if evaluation.school_id is not None:
        qs = qs.filter(school_id=evaluation.school_id)
    if school_ids is not None:
        qs = qs.filter(school_id__in=list(school_ids))
    return qs


def pending_guardians(
    evaluation: Evaluation, *, school_ids=None
) -> list[tuple[int, int, str, int]]:
    """(guardian user id, child id, child name, school id) of invited children whose family
    has not answered yet: one query."""
    apps = invited_applications(evaluation, school_ids=school_ids).annotate(
        answered=Exists(
            EvaluationReceipt.objects.filter(
                evaluation=evaluation, student_id=OuterRef("student_id")
            )
        )
    )
    return list(
        Guardianship.objects.filter(
            student_id__in=apps.filter(answered=False).values("student_id"),
        )
        .order_by("user_id", "student_id")
        .values_list("user_id", "student_id", "student__name", "student__school_id")
    )


def child_context(evaluation: Evaluation, student: Student):
    """(application, basic-care group, course sections) of an invited child, or None."""
    app = invited_applications(evaluation).filter(student=student).first()
    if app is None:
        return None
    member = (
        GroupMember.objects.filter(plan_id=app.plan_id, student=student)
        .select_related("group")
        .first()
    )
    lineages = CourseRegistration.objects.filter(
        application=app, status=SeatStatus.CONFIRMED
    ).values("course__lineage")
    sections = list(
        CareGroup.objects.filter(
            plan_id=app.plan_id, kind=GroupKind.COURSE, lineage__in=lineages
        ).order_by("name")
    )
    return app, (member.group if member else None), sections


# --------------------------------------------------------------------------- open, close


def _clean_questions(rows: list[dict]) -> tuple[list[dict], dict]:
    errors: dict[str, list[str]] = {}
    cleaned = []
    if not rows:
        errors["questions"] = [_("Ask at least one question.")]
    elif len(rows) > MAX_QUESTIONS:
        errors["questions"] = [
            _("At most %(max)d questions (this has %(n)d).")
            % {"max": MAX_QUESTIONS, "n": len(rows)}
        ]
    for index, row in enumerate(rows or [], start=1):
        text = str(row.get("text") or "").strip()
        kind = row.get("kind")
        about = row.get("about") or QuestionAbout.SERVICE
        problem = None
        if not text:
            problem = _("Question %(n)d has no text.") % {"n": index}
        elif len(text) > QUESTION_MAX:
            problem = _("Question %(n)d is %(len)d characters long; at most %(max)d.") % {
                "n": index,
                "len": len(text),
                "max": QUESTION_MAX,
            }
        elif kind not in QuestionKind.values or about not in QuestionAbout.values:
            problem = _("Question %(n)d: choose its kind and what it asks about.") % {"n": index}
        elif kind == QuestionKind.TEXT and about == QuestionAbout.COURSE:
            problem = _("Question %(n)d: questions about each course are scales.") % {"n": index}
        if problem:
            errors.setdefault("questions", []).append(problem)
            continue
        cleaned.append(
            {"text": text, "kind": kind, "about": about, "required": bool(row.get("required"))}
        )
    if cleaned and not any(q["kind"] == QuestionKind.SCALE for q in cleaned):
        errors.setdefault("questions", []).append(
            _("Ask at least one satisfaction question (1 to 5).")
        )
    return cleaned, errors


def open_evaluation(
    *,
    actor: User,
    semester: Semester,
    school: School | None = None,
    title: str,
    closes_on: date,
    intro: str = "",
    questions: list[dict] | None = None,
    min_answers: int = 5,
    now: datetime | None = None,
) -> Evaluation:
    """Open an evaluation for ``semester`` at ``school`` (its principal or administrators, or
    the district) or at every school of the district (``school`` None: the district's
    officials), with ``questions`` (default: ``feedback.questionnaire``). The invited
    families get an inbox message after commit. Errors: NotAllowed, InvalidInput (title,
    closing day, questions, minimum answers)."""
    now = now or timezone.now()
    district_id = semester.district_id
    official = actor.memberships.filter(
        district_id=district_id, role=Role.DISTRICT_OFFICIAL
    ).exists()
    if school is None and not official:
        raise NotAllowed(_("Only the district's officials open an evaluation for every school."))
    if school is not None and not (
        official or actor.memberships.filter(school=school, role__in=sorted(MANAGER_ROLES)).exists()
    ):
        raise NotAllowed(_("Only the school's principal or administrators open its evaluation."))
    if school is not None and school.district_id != district_id:
        raise InvalidInput(fields={"semester": [_("Choose a semester of the school's district.")]})
    errors: dict[str, list[str]] = {}
    title = str(title or "").strip()
    if not title:
        errors["title"] = [_("Give the evaluation a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("At most %(max)d characters.") % {"max": TITLE_MAX}]
    intro = str(intro or "").strip()
    if len(intro) > 500:
        errors["intro"] = [_("At most %(max)d characters.") % {"max": 500}]
    today = timezone.localdate(now)
    latest = semester.end_date + timedelta(days=CLOSES_AFTER_SEMESTER_DAYS)
    if closes_on is None:
        errors["closes_on"] = [_("Choose the last day to answer.")]
    elif closes_on < today:
        errors["closes_on"] = [
            _("%(date)s has passed (today is %(today)s).")
            % {"date": closes_on.isoformat(), "today": today.isoformat()}
        ]
    elif closes_on > latest:
        errors["closes_on"] = [
            _("The last day may be at most %(days)d days after the semester (%(latest)s).")
            % {"days": CLOSES_AFTER_SEMESTER_DAYS, "latest": latest.isoformat()}
        ]
    if not isinstance(min_answers, int) or not MIN_ANSWERS_FLOOR <= min_answers <= 100:
        errors["min_answers"] = [
            _("Results are shown from %(min)d answers on; choose %(min)d to 100, not %(value)s.")
            % {"min": MIN_ANSWERS_FLOOR, "value": min_answers}
        ]
    cleaned, question_errors = _clean_questions(
        default_questions() if questions is None else questions
    )
    errors.update(question_errors)
    if errors:
        raise InvalidInput(fields=errors)
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                district_id=district_id,
                semester=semester,
                school=school,
                title=title,
                intro=intro,
                closes_on=closes_on,
                min_answers=min_answers,
                opened_at=now,
                opened_by=actor,
            )
            Question.objects.bulk_create(
                Question(district_id=district_id, evaluation=evaluation, position=i, **q)
                for i, q in enumerate(cleaned, start=1)
            )
            record_event(
                actor=actor,
                action="evaluation.opened",
                obj=evaluation,
                district=District(pk=district_id),
                school=school,
                payload={"questions": len(cleaned), "closes_on": closes_on.isoformat()},
            )
            invited = _message_families(evaluation, kind="invite", now=now)
    except IntegrityError as exc:
        raise InvalidInput(
            fields={
                "title": [
                    _("“%(title)s” is already an evaluation of this semester.") % {"title": title}
                ]
            }
        ) from exc
    evaluation.invited_families = invited
    return evaluation


def _message_families(evaluation: Evaluation, *, kind: str, now: datetime, school_ids=None):
    pending = pending_guardians(evaluation, school_ids=school_ids)
    day = timezone.localdate(now).isoformat()
    if kind == "invite":
        title = _("Please evaluate the after-school service: %(title)s (until %(date)s)")
    else:
        title = _("Reminder: %(title)s is open until %(date)s")
    title = title % {"title": evaluation.title, "date": evaluation.closes_on.isoformat()}
    url = reverse("feedback_family")
    district = District(pk=evaluation.district_id)
    messages = []
    for user_id, student_id, name, _school in pending:
        messages.append(
            {
                "district": district,
                "recipient": User(pk=user_id),
                # A reminder a day at most, per child and guardian.
                "key": f"evaluation:{evaluation.pk}:{kind}:{student_id}:{user_id}:{day}",
                "title": title,
                "body": _("About %(name)s. It takes two minutes; your answers are anonymous.")
                % {"name": name},
                "url": url,
            }
        )
    notify_many(messages)
    return len({m["recipient"].pk for m in messages})


def close_evaluation(*, actor: User, evaluation: Evaluation, now: datetime | None = None):
    """Stop answers before the closing day. Errors: NotAllowed, Conflict ``closed``."""
    now = now or timezone.now()
    _require_opener(actor, evaluation)
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not evaluation.is_open(now):
            raise Conflict(_("The evaluation is already closed."), code="closed")
        evaluation.closed_at = now
        evaluation.save(update_fields=["closed_at"])
        record_event(
            actor=actor,
            action="evaluation.closed",
            obj=evaluation,
            district=District(pk=evaluation.district_id),
            school=evaluation.school,
        )
    return evaluation


def _require_opener(actor: User, evaluation: Evaluation) -> None:
    official = actor.memberships.filter(
        district_id=evaluation.district_id, role=Role.DISTRICT_OFFICIAL
    ).exists()
    manager = (
        evaluation.school_id is not None
        and actor.memberships.filter(
            school_id=evaluation.school_id, role__in=sorted(MANAGER_ROLES)
        ).exists()
    )
    if not (official or manager):
        raise NotAllowed(_("Only who opened the evaluation (or the district) closes it."))


def remind_families(
    *, actor: User | None, evaluation: Evaluation, now: datetime | None = None
) -> int:
    """An inbox reminder to the guardians of invited children without an answer (at most one
    a day each). A school's managers remind their school's families, officials everyone's;
    ``actor`` None is the beat task. Returns the number of families reminded. Errors:
    NotAllowed, Conflict ``closed``."""
    now = now or timezone.now()
    evaluation = Evaluation.objects.get(pk=evaluation.pk)  # its current state, not the caller's
    school_ids = None
    if actor is not None:
        official = actor.memberships.filter(
            district_id=evaluation.district_id, role=Role.DISTRICT_OFFICIAL
        ).exists()
        if not official:
            managed = set(
                actor.memberships.filter(
                    district_id=evaluation.district_id, role__in=sorted(MANAGER_ROLES)
                ).values_list("school_id", flat=True)
            )
            if evaluation.school_id is not None:
                managed &= {evaluation.school_id}
            if not managed:
                raise NotAllowed(_("Only the school's managers or the district send reminders."))
            school_ids = sorted(managed)
    if not evaluation.is_open(now):
        raise Conflict(_("The evaluation is closed."), code="closed")
    with transaction.atomic():
        reminded = _message_families(evaluation, kind="remind", now=now, school_ids=school_ids)
        Evaluation.objects.filter(pk=evaluation.pk).update(reminded_at=now)
        record_event(
            actor=actor,
            action="evaluation.reminded",
            obj=evaluation,
            district=District(pk=evaluation.district_id),
            school=evaluation.school,
            payload={"families": reminded},
        )
    return reminded


# --------------------------------------------------------------------------- answering


def _score(value, *, name: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score not in SCALE:
        errors[name] = [_("Choose 1 to 5, not “%(value)s”.") % {"value": str(value)[:20]}]
        return None
    return score


def submit_answers(
    *,
    actor: User,
    evaluation: Evaluation,
    student: Student,
    answers: dict,
    course_answers: dict | None = None,
    now: datetime | None = None,
) -> EvaluationReceipt:
    """A guardian answers for one child: ``answers`` maps a service question's id to a score
    (1–5) or a text, ``course_answers`` maps (question id, section id) to a score for each
    course section the child attends. Field names in errors: ``q<id>`` and
    ``q<id>-<section id>``. Errors: NotAllowed ``not_guardian`` / ``not_invited``, Conflict
    ``closed`` / ``already_answered``, InvalidInput (missing required answers, a score
    outside 1–5, a text over the limit)."""
    now = now or timezone.now()
    if not Guardianship.objects.filter(student=student, user=actor).exists():
        raise NotAllowed(
            _("Only a guardian of %(name)s answers for them.") % {"name": student.name},
            code="not_guardian",
        )
    if not evaluation.is_open(now):
        raise Conflict(
            _("The evaluation closed on %(date)s.") % {"date": (evaluation.closes_on).isoformat()},
            code="closed",
        )
    context = child_context(evaluation, student)
    if context is None:
        raise NotAllowed(
            _("%(name)s did not take part in this semester's after-school service here.")
            % {"name": student.name},
            code="not_invited",
        )
    app, group, sections = context
    questions = list(evaluation.questions.order_by("position"))
    answers = {str(k): v for k, v in (answers or {}).items()}
    course_answers = {(str(q), str(s)): v for (q, s), v in (course_answers or {}).items()}
    errors: dict[str, list[str]] = {}
    rows: list[tuple[Question, CareGroup | None, int | None, str]] = []
    for question in questions:
        targets = sections if question.about == QuestionAbout.COURSE else [None]
        for section in targets:
            if section is None:
                name, raw = f"q{question.pk}", answers.get(str(question.pk))
            else:
                name = f"q{question.pk}-{section.pk}"
                raw = course_answers.get((str(question.pk), str(section.pk)))
            if question.kind == QuestionKind.SCALE:
                score = _score(raw, name=name, errors=errors)
                if score is None and name not in errors and question.required:
                    errors[name] = [_("Choose 1 to 5.")]
                if score is not None:
                    rows.append((question, section, score, ""))
            else:
                text = str(raw or "").strip()
                if len(text) > TEXT_ANSWER_MAX:
                    errors[name] = [
                        _("At most %(max)d characters (this is %(n)d).")
                        % {"max": TEXT_ANSWER_MAX, "n": len(text)}
                    ]
                elif not text and question.required:
                    errors[name] = [_("This field is required.")]
                elif text:
                    rows.append((question, None, None, text))
    if errors:
        raise InvalidInput(fields=errors)
    if not rows:
        raise InvalidInput(_("Answer at least one question."), code="empty")
    try:
        with transaction.atomic():
            # The evaluation's row FOR SHARE: closing takes it FOR UPDATE, so no answer is
            # written after a close has committed (answers do not block each other).
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT closed_at FROM feedback_evaluation WHERE id = %s FOR SHARE",
                    [evaluation.pk],
                )
                (closed_at,) = cursor.fetchone()
            if closed_at is not None:
                raise Conflict(_("The evaluation is closed."), code="closed")
            receipt = EvaluationReceipt.objects.create(
                district_id=evaluation.district_id,
                school_id=app.school_id,
                evaluation=evaluation,
                student=student,
                answered_by=actor,
                answered_at=now,
            )
            grade = student.school_class.grade
            response = EvaluationResponse.objects.create(
                district_id=evaluation.district_id,
                school_id=app.school_id,
                evaluation=evaluation,
                grade=grade,
                group=group,
            )
            EvaluationAnswer.objects.bulk_create(
                EvaluationAnswer(
                    district_id=evaluation.district_id,
                    evaluation=evaluation,
                    response=response,
                    question=question,
                    section=section,
                    score=score,
                    text=text,
                )
                for question, section, score, text in rows
            )
    except IntegrityError as exc:
        if "evaluation_answered_once" not in str(exc):
            raise
        raise Conflict(
            _("%(name)s's family has already answered this evaluation.") % {"name": student.name},
            code="already_answered",
        ) from exc
    return receipt


def evaluations_closing(now: datetime, *, within_days: int = 3) -> QuerySet[Evaluation]:
    """Open evaluations whose last day is within ``within_days`` (the beat task's list)."""
    today = timezone.localdate(now)
    return Evaluation.objects.filter(
        closed_at__isnull=True,
        closes_on__gte=today,
        closes_on__lte=today + timedelta(days=within_days),
    )
