"""The service evaluation API, under /api/v1/evaluations/.

Answers are sent per child and keyed by the question's ``position`` (and, for course
questions, the course section's id); results are aggregates only (cells below the
evaluation's ``min_answers`` come back with ``shown: false`` and no figures).
"""

from __future__ import annotations

import uuid

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA
from aftercare.errors import InvalidInput
from aftercare.models import School, Semester
from aftercare.tenancy import get_visible_or_404, scope_for
from enrollment.models import Student
from scheduling.models import CareGroup

from .. import rules
from ..models import Evaluation, QuestionAbout, QuestionKind
from ..selectors import evaluations as selectors
from ..services import evaluations as services

ERRORS = {**ERROR_RESPONSES, 409: OpenApiResponse(ERROR_SCHEMA, description="Wrong state")}


def _data(request):
    return request.data if hasattr(request.data, "get") else {}


def _uuid(raw, name: str, *, required: bool = True) -> uuid.UUID | None:
    if raw in (None, ""):
        if required:
            raise InvalidInput(fields={name: [_("This field is required.")]})
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise InvalidInput(fields={name: [_("Must be a valid UUID.")]}) from exc


# --------------------------------------------------------------------------- serializers


class QuestionOut(serializers.Serializer):
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    about = serializers.ChoiceField(choices=QuestionAbout.choices)
    text = serializers.CharField()
    required = serializers.BooleanField()


class EvaluationOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    intro = serializers.CharField()
    semester = serializers.UUIDField(source="semester.public_id")
    semester_name = serializers.CharField(source="semester.name")
    school = serializers.UUIDField(source="school.public_id", allow_null=True, default=None)
    school_name = serializers.CharField(source="school.name", allow_null=True, default=None)
    closes_on = serializers.DateField()
    closed_at = serializers.DateTimeField(allow_null=True)
    is_open = serializers.SerializerMethodField()
    min_answers = serializers.IntegerField()
    questions = QuestionOut(many=True, source="questions.all")

    def get_is_open(self, obj) -> bool:
        return obj.is_open()


class QuestionIn(serializers.Serializer):
    text = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    about = serializers.ChoiceField(choices=QuestionAbout.choices, required=False)
    required = serializers.BooleanField(required=False)


class EvaluationIn(serializers.Serializer):
    semester = serializers.UUIDField()
    school = serializers.UUIDField(required=False, help_text="Empty: every school (officials).")
    title = serializers.CharField(max_length=100)
    closes_on = serializers.DateField()
    intro = serializers.CharField(required=False, max_length=500)
    min_answers = serializers.IntegerField(required=False, min_value=3, max_value=100)
    questions = QuestionIn(many=True, required=False, help_text="Empty: the default preset.")


class CourseAnswerIn(serializers.Serializer):
    question = serializers.IntegerField(help_text="The question's position.")
    section = serializers.UUIDField(help_text="The course section (a group's id).")
    score = serializers.IntegerField(min_value=1, max_value=5)


class AnswersIn(serializers.Serializer):
    student = serializers.UUIDField()
    answers = serializers.DictField(
        child=serializers.CharField(),
        help_text="Question position -> a score 1–5 or a text.",
    )
    course_answers = CourseAnswerIn(many=True, required=False)


class SectionOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()


class ToAnswerOut(serializers.Serializer):
    evaluation = EvaluationOut()
    student = serializers.UUIDField(source="student.public_id")
    student_name = serializers.CharField(source="student.name")
    answered_at = serializers.DateTimeField(allow_null=True)


class ReceiptOut(serializers.Serializer):
    evaluation = serializers.UUIDField(source="evaluation.public_id")
    student = serializers.UUIDField(source="student.public_id")
    answered_at = serializers.DateTimeField()


class QuestionResultOut(serializers.Serializer):
    position = serializers.IntegerField(source="question.position")
    text = serializers.CharField(source="question.text")
    n = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    satisfied = serializers.FloatField(allow_null=True, help_text="Share of 4 and 5.")
    counts = serializers.DictField(child=serializers.IntegerField())


class CellOut(serializers.Serializer):
    label = serializers.CharField()
    sheets = serializers.IntegerField()
    shown = serializers.BooleanField()
    mean = serializers.FloatField(allow_null=True)
    satisfied = serializers.FloatField(allow_null=True)
    questions = QuestionResultOut(many=True)


class RateOut(serializers.Serializer):
    label = serializers.CharField()
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class ResultsOut(serializers.Serializer):
    overall = CellOut()
    comments = serializers.ListField(child=serializers.DictField())
    response_rate = RateOut()
    schools = CellOut(many=True)
    school_rates = RateOut(many=True)
    grades = CellOut(many=True)
    sections = CellOut(many=True)


def _evaluation(request, evaluation_id) -> Evaluation:
    return get_visible_or_404(
        Evaluation.objects.select_related("school", "semester", "district").prefetch_related(
            "questions"
        ),
        scope_for(request),
        public_id=evaluation_id,
    )


# --------------------------------------------------------------------------- views


class EvaluationsView(APIView):
    """GET: the evaluations the caller sees. POST: open one (a school's managers for their
    school, officials for a school or every school of the district)."""

    @extend_schema(responses={200: EvaluationOut(many=True)})
    def get(self, request):
        qs = selectors.evaluations_for(scope=scope_for(request)).prefetch_related("questions")
        return Response(EvaluationOut(qs[:200], many=True).data)

    @extend_schema(request=EvaluationIn, responses={201: EvaluationOut, **ERRORS})
    def post(self, request):
        scope = scope_for(request)
        serializer = EvaluationIn(data=_data(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        semester = get_visible_or_404(Semester.objects.all(), scope, public_id=data["semester"])
        school = None
        if data.get("school"):
            school = get_visible_or_404(School.objects.all(), scope, public_id=data["school"])
        if not rules.can_open_evaluation(scope, semester.district_id, school):
            raise PermissionDenied
        questions = data.get("questions")
        evaluation = services.open_evaluation(
            actor=request.user,
            semester=semester,
            school=school,
            title=data["title"],
            closes_on=data["closes_on"],
            intro=data.get("intro", ""),
            questions=[dict(q) for q in questions] if questions else None,
            min_answers=data.get("min_answers", 5),
        )
        return Response(EvaluationOut(_evaluation(request, evaluation.public_id)).data, status=201)


class ToAnswerView(APIView):
    """A family's evaluations, per child, with whether the family has answered."""

    @extend_schema(responses={200: ToAnswerOut(many=True)})
    def get(self, request):
        items = selectors.family_evaluations(scope=scope_for(request), user=request.user)
        return Response(ToAnswerOut(items, many=True).data)


class EvaluationView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("student", OpenApiTypes.UUID, required=False)],
        responses={200: EvaluationOut, **ERRORS},
    )
    def get(self, request, evaluation_id):
        evaluation = _evaluation(request, evaluation_id)
        data = EvaluationOut(evaluation).data
        if sid := request.query_params.get("student"):
            student = get_visible_or_404(
                Student.objects.filter(guardianships__user=request.user),
                scope_for(request),
                public_id=_uuid(sid, "student"),
            )
            context = selectors.answer_form_context(evaluation, student)
            data["sections"] = SectionOut(context[1] if context else [], many=True).data
        return Response(data)


class AnswersView(APIView):
    """A guardian answers for one child (once: a second answer is 409)."""

    @extend_schema(request=AnswersIn, responses={201: ReceiptOut, **ERRORS})
    def post(self, request, evaluation_id):
        evaluation = _evaluation(request, evaluation_id)
        data = _data(request)
        student = get_visible_or_404(
            Student.objects.select_related("school_class").filter(guardianships__user=request.user),
            scope_for(request),
            public_id=_uuid(data.get("student"), "student"),
        )
        by_position = {q.position: q for q in evaluation.questions.all()}
        answers, course = {}, {}
        raw = data.get("answers") or {}
        if not isinstance(raw, dict):
            raise InvalidInput(fields={"answers": [_("Give an object of position -> answer.")]})
        for key, value in raw.items():
            question = by_position.get(int(key)) if str(key).isdigit() else None
            if question is None:
                raise InvalidInput(fields={"answers": [_("No question %(n)s.") % {"n": key}]})
            answers[question.pk] = value
        items = data.get("course_answers") or []
        if not isinstance(items, list):
            raise InvalidInput(fields={"course_answers": [_("Give a list.")]})
        sections = {}
        for item in items:
            if not isinstance(item, dict):
                raise InvalidInput(fields={"course_answers": [_("Give a list of objects.")]})
            question = by_position.get(item.get("question"))
            sid = _uuid(item.get("section"), "course_answers")
            if sid not in sections:
                sections[sid] = CareGroup.objects.filter(public_id=sid).first()
            if question is None or sections[sid] is None:
                raise InvalidInput(fields={"course_answers": [_("No such question or course.")]})
            course[(question.pk, sections[sid].pk)] = item.get("score")
        receipt = services.submit_answers(
            actor=request.user,
            evaluation=evaluation,
            student=student,
            answers=answers,
            course_answers=course,
        )
        return Response(ReceiptOut(receipt).data, status=201)


def _cell(cell) -> dict:
    return CellOut(cell).data


class ResultsView(APIView):
    """Aggregated results: overall, per school, grade and course section, with response
    rates; ``school`` narrows a district-wide evaluation to one school."""

    @extend_schema(
        parameters=[OpenApiParameter("school", OpenApiTypes.UUID, required=False)],
        responses={200: ResultsOut, **ERRORS},
    )
    def get(self, request, evaluation_id):
        scope = scope_for(request)
        evaluation = _evaluation(request, evaluation_id)
        if not rules.can_read_results(scope, evaluation):
            raise PermissionDenied
        school_ids = rules.result_schools(scope, evaluation)
        if sid := request.query_params.get("school"):
            school = School.objects.filter(
                public_id=_uuid(sid, "school"), district_id=evaluation.district_id
            ).first()
            if school is None or (school_ids is not None and school.pk not in school_ids):
                raise Http404
            school_ids = [school.pk]
        overall = selectors.results(evaluation, school_ids=school_ids, with_texts=True)
        rates = selectors.response_rates(evaluation, school_ids=school_ids)
        return Response(
            {
                "overall": _cell(overall),
                "comments": [{"question": q.position, "text": text} for q, text in overall.texts],
                "response_rate": RateOut(rates["total"]).data,
                "schools": [
                    _cell(c) for c in selectors.school_cells(evaluation, school_ids=school_ids)
                ],
                "school_rates": RateOut(rates["schools"], many=True).data,
                "grades": [
                    _cell(c) for c in selectors.grade_cells(evaluation, school_ids=school_ids)
                ],
                "sections": [
                    _cell(c) for c in selectors.section_cells(evaluation, school_ids=school_ids)
                ],
            }
        )


class EvaluationActionView(APIView):
    """``remind`` (a school's managers their families, officials everyone's) or ``close``."""

    action = "remind"

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT, **ERRORS})
    def post(self, request, evaluation_id):
        scope = scope_for(request)
        evaluation = _evaluation(request, evaluation_id)
        if self.action == "remind":
            if not rules.can_remind(scope, evaluation):
                raise PermissionDenied
            n = services.remind_families(actor=request.user, evaluation=evaluation)
            return Response({"reminded": n})
        if not rules.can_manage_evaluation(scope, evaluation):
            raise PermissionDenied
        services.close_evaluation(actor=request.user, evaluation=evaluation)
        return Response({"closed": True})
