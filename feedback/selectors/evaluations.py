"""Reads of evaluations: the family's to-do, response rates, and results nobody can trace.

Results are aggregates only. Every function here reads answers through
``EvaluationAnswer``/``EvaluationResponse`` filtered by evaluation, school, grade, group or
course section and grouped by question — never joined to receipts, children, guardians or
users (``tests/feedback/test_anonymity.py`` checks the SQL). A cell (a school, a grade, a
group, a course section) with fewer answer sheets than the evaluation's ``min_answers`` is
suppressed for everyone, officials included: a grade of three families would otherwise show
what each of them answered.

Response rates read receipts and applications (who was invited, who answered) — never
answers.

For other apps: ``evaluation_scores(district=…, semester=…)`` gives reporting's annual
assessment, per school, the response rate and the satisfaction of the semester's evaluations
(suppressed below the minimum like everything else).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from aftercare.models import GRADE_NAMES, School
from aftercare.tenancy import Scope
from enrollment.models import Application, Guardianship
from scheduling.models import Assignment, CareGroup, DutyRole

from ..models import (
    SCALE,
    Evaluation,
    EvaluationAnswer,
    EvaluationReceipt,
    EvaluationResponse,
    Question,
    QuestionAbout,
    QuestionKind,
)
from ..services.evaluations import child_context, invited_applications

SATISFIED = (4, 5)


def evaluations_for(*, scope: Scope) -> QuerySet[Evaluation]:
    return Evaluation.objects.visible_to(scope).select_related("school", "semester")


# --------------------------------------------------------------------------- the family


@dataclass
class ToAnswer:
    evaluation: Evaluation
    student: object
    answered_at: object = None


def family_evaluations(*, scope: Scope, user, now=None) -> list[ToAnswer]:
    """(evaluation, child) pairs of the user's children: open ones first, with whether the
    family has answered (any guardian of the child). Three queries."""
    now = now or timezone.now()
    children = {
        g.student_id: g.student
        for g in Guardianship.objects.filter(user=user).select_related("student__school_class")
    }
    if not children:
        return []
    evaluations = list(
        evaluations_for(scope=scope).filter(
            Q(school_id__in={c.school_id for c in children.values()})
            | Q(school__isnull=True, district_id__in={c.district_id for c in children.values()})
        )
    )
    if not evaluations:
        return []
    invited = defaultdict(set)
    for semester_id, school_id, student_id in (
        invited_applications_for(evaluations)
        .filter(student_id__in=list(children))
        .values_list("semester_id", "school_id", "student_id")
    ):
        invited[(semester_id, school_id)].add(student_id)
    receipts = {
        (r.evaluation_id, r.student_id): r.answered_at
        for r in EvaluationReceipt.objects.filter(
            evaluation__in=evaluations, student_id__in=list(children)
        )
    }
    out = []
    for evaluation in evaluations:
        for student_id, student in children.items():
            if student_id not in invited[(evaluation.semester_id, student.school_id)]:
                continue
            if evaluation.school_id not in (None, student.school_id):
                continue
            out.append(ToAnswer(evaluation, student, receipts.get((evaluation.pk, student_id))))
    out.sort(key=lambda t: (not t.evaluation.is_open(now), t.answered_at is not None))
    return out


def invited_applications_for(evaluations: list[Evaluation]) -> QuerySet[Application]:
    """The invited applications of several evaluations at once (one query)."""
    q = Q(pk__in=[])
    for e in evaluations:
        part = Q(semester_id=e.semester_id, district_id=e.district_id)
        if e.school_id is not None:
            part &= Q(school_id=e.school_id)
        q |= part
    return Application.objects.filter(q, approved_at__isnull=False, signed_at__isnull=False)


def answer_form_context(evaluation: Evaluation, student):
    """What the answer page asks: the questions and, for course questions, the child's
    sections. None when the child is not invited."""
    context = child_context(evaluation, student)
    if context is None:
        return None
    _app, _group, sections = context
    questions = list(evaluation.questions.order_by("position"))
    return questions, sections


# --------------------------------------------------------------------------- response rates


@dataclass
class Rate:
    key: object
    label: str
    invited: int = 0
    answered: int = 0

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.0f}%"


def response_rates(evaluation: Evaluation, *, school_ids=None) -> dict:
    """``{"schools": [Rate], "grades": {school_id: [Rate]}, "total": Rate}``: invited
    children (applications) and answered ones (receipts), by school and grade. Two grouped
    queries."""
    invited = (
        invited_applications(evaluation, school_ids=school_ids)
        .values("school_id", "student__school_class__grade")
        .annotate(n=Count("id"))
    )
    receipts = EvaluationReceipt.objects.filter(evaluation=evaluation)
    if school_ids is not None:
        receipts = receipts.filter(school_id__in=list(school_ids))
    answered = receipts.values("school_id", "student__school_class__grade").annotate(n=Count("id"))
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in invited:
        cells[(row["school_id"], row["student__school_class__grade"])][0] += row["n"]
    for row in answered:
        cells[(row["school_id"], row["student__school_class__grade"])][1] += row["n"]
    names = dict(School.objects.filter(pk__in={s for s, _g in cells}).values_list("pk", "name"))
    schools: dict[int, Rate] = {}
    grades: dict[int, list[Rate]] = defaultdict(list)
    total = Rate("total", "")
    for (school_id, grade), (n_invited, n_answered) in sorted(cells.items()):
        school = schools.setdefault(school_id, Rate(school_id, names.get(school_id, "")))
        school.invited += n_invited
        school.answered += n_answered
        total.invited += n_invited
        total.answered += n_answered
        grades[school_id].append(
            Rate(grade, str(GRADE_NAMES.get(grade, grade)), n_invited, n_answered)
        )
    return {
        "schools": sorted(schools.values(), key=lambda r: r.label),
        "grades": dict(grades),
        "total": total,
    }


# --------------------------------------------------------------------------- results


@dataclass
class QuestionResult:
    question: Question
    n: int = 0
    mean: float | None = None
    counts: dict = field(default_factory=lambda: dict.fromkeys(SCALE, 0))

    @property
    def satisfied(self) -> float | None:
        return sum(self.counts[s] for s in SATISFIED) / self.n if self.n else None


@dataclass
class Cell:
    """Results of one slice (a school, a grade, a group, a course section)."""

    label: str
    sheets: int
    shown: bool
    questions: list[QuestionResult] = field(default_factory=list)
    texts: list[tuple[Question, str]] = field(default_factory=list)
    key: object = None

    @property
    def mean(self) -> float | None:
        scored = [(q.mean, q.n) for q in self.questions if q.mean is not None]
        total = sum(n for _m, n in scored)
        return sum(m * n for m, n in scored) / total if total else None

    @property
    def satisfied(self) -> float | None:
        n = sum(q.n for q in self.questions)
        return sum(q.counts[s] for q in self.questions for s in SATISFIED) / n if n else None


def _aggregate(evaluation: Evaluation, answers: QuerySet, questions: list[Question]):
    rows = (
        answers.filter(score__isnull=False)
        .values("question_id")
        .annotate(
            n=Count("id"),
            mean=Avg("score"),
            **{f"s{s}": Count("id", filter=Q(score=s)) for s in SCALE},
        )
    )
    by_question = {r["question_id"]: r for r in rows}
    out = []
    for question in questions:
        if question.kind != QuestionKind.SCALE:
            continue
        row = by_question.get(question.pk)
        result = QuestionResult(question)
        if row:
            result.n = row["n"]
            result.mean = float(row["mean"]) if row["mean"] is not None else None
            result.counts = {s: row[f"s{s}"] for s in SCALE}
        out.append(result)
    return out


def _questions(evaluation: Evaluation, about: str) -> list[Question]:
    return [q for q in evaluation.questions.all() if q.about == about]


def results(
    evaluation: Evaluation,
    *,
    school_ids=None,
    grade: int | None = None,
    group: CareGroup | None = None,
    label: str = "",
    with_texts: bool = False,
) -> Cell:
    """The service questions' results of one slice: schools (None: all of the
    evaluation), a grade, a basic-care group. Suppressed below ``min_answers`` sheets."""
    sheets = EvaluationResponse.objects.filter(evaluation=evaluation)
    answers = EvaluationAnswer.objects.filter(evaluation=evaluation, section__isnull=True)
    if school_ids is not None:
        sheets = sheets.filter(school_id__in=list(school_ids))
        answers = answers.filter(response__school_id__in=list(school_ids))
    if grade is not None:
        sheets = sheets.filter(grade=grade)
        answers = answers.filter(response__grade=grade)
    if group is not None:
        sheets = sheets.filter(group=group)
        answers = answers.filter(response__group=group)
    n = sheets.count()
    cell = Cell(label=label, sheets=n, shown=n >= evaluation.min_answers)
    if not cell.shown:
        return cell
    questions = _questions(evaluation, QuestionAbout.SERVICE)
    cell.questions = _aggregate(evaluation, answers, questions)
    if with_texts:
        # Random order: the answers' keys are random UUIDs.
        cell.texts = [
            (a.question, a.text)
            for a in answers.filter(question__kind=QuestionKind.TEXT)
            .exclude(text="")
            .select_related("question")
            .order_by("question__position", "id")
        ]
    return cell


def school_cells(evaluation: Evaluation, *, school_ids=None) -> list[Cell]:
    """Per school: sheets, and results where shown."""
    counts = EvaluationResponse.objects.filter(evaluation=evaluation)
    if school_ids is not None:
        counts = counts.filter(school_id__in=list(school_ids))
    rows = counts.values("school_id").annotate(n=Count("id")).order_by("school_id")
    ids = [r["school_id"] for r in rows]
    names = dict(School.objects.filter(pk__in=ids).values_list("pk", "name"))
    cells = []
    for r in rows:
        cell = results(evaluation, school_ids=[r["school_id"]], label=names[r["school_id"]])
        cell.key = r["school_id"]
        cells.append(cell)
    return sorted(cells, key=lambda c: c.label)


def grade_cells(evaluation: Evaluation, *, school_ids=None) -> list[Cell]:
    counts = EvaluationResponse.objects.filter(evaluation=evaluation)
    if school_ids is not None:
        counts = counts.filter(school_id__in=list(school_ids))
    grades = sorted(counts.values_list("grade", flat=True).distinct())
    cells = []
    for grade in grades:
        cell = results(
            evaluation, school_ids=school_ids, grade=grade, label=str(GRADE_NAMES.get(grade))
        )
        cell.key = grade
        cells.append(cell)
    return cells


def section_cells(evaluation: Evaluation, *, school_ids=None, sections=None) -> list[Cell]:
    """Per course section: the course questions' results (suppressed below the minimum)."""
    answers = EvaluationAnswer.objects.filter(evaluation=evaluation, section__isnull=False)
    if school_ids is not None:
        answers = answers.filter(section__school_id__in=list(school_ids))
    if sections is not None:
        answers = answers.filter(section__in=list(sections))
    counts = (
        answers.values("section_id", "section__name", "section__school__name")
        .annotate(n=Count("response_id", distinct=True))
        .order_by("section__school__name", "section__name")
    )
    questions = _questions(evaluation, QuestionAbout.COURSE)
    cells = []
    for row in counts:
        shown = row["n"] >= evaluation.min_answers
        cell = Cell(
            label=f"{row['section__name']}",
            sheets=row["n"],
            shown=shown,
            key=row["section_id"],
        )
        cell.school_name = row["section__school__name"]
        if shown:
            cell.questions = _aggregate(
                evaluation, answers.filter(section_id=row["section_id"]), questions
            )
        cells.append(cell)
    return cells


# --------------------------------------------------------------------------- teachers


def teacher_groups(user, evaluation: Evaluation) -> tuple[list[CareGroup], list[CareGroup]]:
    """The basic-care groups and course sections ``user`` teaches in the evaluation's
    semester (at its schools)."""
    assigned = Assignment.objects.filter(
        staff__user=user,
        role=DutyRole.TEACHER,
        plan__semester_id=evaluation.semester_id,
        group__isnull=False,
    )
    if evaluation.school_id is not None:
        assigned = assigned.filter(school_id=evaluation.school_id)
    groups = list(
        CareGroup.objects.filter(pk__in=assigned.values("group_id"))
        .select_related("school")
        .order_by("kind", "name")
    )
    return [g for g in groups if not g.is_section], [g for g in groups if g.is_section]


def teacher_results(user, evaluation: Evaluation) -> list[Cell]:
    """A teacher's own results: each basic-care group they care for (service questions) and
    each course section they teach (course questions); suppressed below the minimum."""
    basic, sections = teacher_groups(user, evaluation)
    cells = []
    for group in basic:
        cell = results(evaluation, group=group, label=group.name)
        cell.key = group.pk
        cell.school_name = group.school.name
        cells.append(cell)
    if sections:
        cells += section_cells(evaluation, sections=sections)
    return cells


def teacher_evaluations(*, scope: Scope, user) -> list[Evaluation]:
    """Evaluations of semesters in which the teacher has groups."""
    semesters = Assignment.objects.filter(
        staff__user=user, role=DutyRole.TEACHER, group__isnull=False
    ).values("plan__semester_id")
    return list(evaluations_for(scope=scope).filter(semester_id__in=semesters))


# --------------------------------------------------------------------------- for reporting


@dataclass
class EvaluationScore:
    school_id: int
    invited: int = 0
    answered: int = 0
    sheets: int = 0
    scored: int = 0
    score_sum: int = 0
    satisfied_answers: int = 0
    min_answers: int = 5

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None

    @property
    def shown(self) -> bool:
        return self.sheets >= self.min_answers

    @property
    def mean(self) -> float | None:
        return self.score_sum / self.scored if self.shown and self.scored else None

    @property
    def satisfied(self) -> float | None:
        """The share of answers 满意 or 很满意 (4–5) to the service questions."""
        return self.satisfied_answers / self.scored if self.shown and self.scored else None


def evaluation_scores(*, district, semester) -> dict[int, EvaluationScore]:
    """Per school id, all evaluations of ``semester`` covering it (the school's own and the
    district's): invited and answered children, answer sheets, and the service questions'
    mean score and satisfied share — None below the strictest ``min_answers`` of those
    evaluations. Four grouped queries."""
    evaluations = list(Evaluation.objects.filter(district=district, semester=semester))
    if not evaluations:
        return {}
    scores: dict[int, EvaluationScore] = {}

    def score(school_id) -> EvaluationScore:
        return scores.setdefault(school_id, EvaluationScore(school_id))

    strictest = max(e.min_answers for e in evaluations)
    for row in invited_applications_for(evaluations).values("school_id").annotate(n=Count("id")):
        # A child invited to two evaluations counts once per evaluation.
        score(row["school_id"]).invited += row["n"] * sum(
            1 for e in evaluations if e.school_id in (None, row["school_id"])
        )
    for row in (
        EvaluationReceipt.objects.filter(evaluation__in=evaluations)
        .values("school_id")
        .annotate(n=Count("id"))
    ):
        score(row["school_id"]).answered += row["n"]
    for row in (
        EvaluationResponse.objects.filter(evaluation__in=evaluations)
        .values("school_id")
        .annotate(n=Count("id"))
    ):
        score(row["school_id"]).sheets += row["n"]
    for row in (
        EvaluationAnswer.objects.filter(
            evaluation__in=evaluations,
            score__isnull=False,
            section__isnull=True,
        )
        .values("response__school_id")
        .annotate(
            n=Count("id"),
            total=Count("id", filter=Q(score=1))
            + 2 * Count("id", filter=Q(score=2))
            + 3 * Count("id", filter=Q(score=3))
            + 4 * Count("id", filter=Q(score=4))
            + 5 * Count("id", filter=Q(score=5)),
            happy=Count("id", filter=Q(score__in=SATISFIED)),
        )
    ):
        s = score(row["response__school_id"])
        s.scored += row["n"]
        s.score_sum += row["total"]
        s.satisfied_answers += row["happy"]
    for s in scores.values():
        s.min_answers = strictest
    return scores
