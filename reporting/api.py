"""The annual assessment's API, under /api/v1/assessments/.

Officials and inspectors read every sheet of their district; a school's principal and
administrators read their own school's sheet once published (another school's: 404). Officials
create, compute and publish; inspectors (and officials) enter scores. Wrong role 403, wrong
state 409, bad input 400 (the single exception handler).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import District
from aftercare.tenancy import scope_for
from reporting import rules
from reporting.models import Criterion, CriterionScore, SchoolAssessment, ScoreSheet
from reporting.selectors import assessment as selectors
from reporting.services import assessment as services

ERRORS = {**ERROR_RESPONSES, 409: OpenApiResponse(ERROR_SCHEMA, description="Wrong state")}


class SheetOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    year = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    weights = serializers.DictField(child=serializers.IntegerField())
    computed_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)


class SheetIn(serializers.Serializer):
    year = serializers.IntegerField()
    title = serializers.CharField(required=False, allow_blank=True)
    weights = serializers.DictField(child=serializers.IntegerField(), required=False)


class SchoolRowOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    school_id = serializers.UUIDField(source="school.public_id")
    school_name = serializers.CharField(source="school.name")
    total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)


class SheetDetailOut(SheetOut):
    schools = SchoolRowOut(many=True)


class CriterionOut(serializers.Serializer):
    criterion = serializers.ChoiceField(choices=Criterion.choices)
    weight = serializers.IntegerField()
    computed = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    entered = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    score = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    points = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    value = serializers.CharField()
    note = serializers.CharField()
    evidence = serializers.DictField()


class AssessmentOut(SchoolRowOut):
    sheet = SheetOut()
    criteria = CriterionOut(many=True)


class ScoreIn(serializers.Serializer):
    criterion = serializers.ChoiceField(choices=Criterion.choices)
    score = serializers.DecimalField(max_digits=4, decimal_places=1)
    note = serializers.CharField()


def _sheet(request, sheet_id) -> ScoreSheet:
    scope = scope_for(request)
    sheet = rules.lookup_or_404(ScoreSheet.objects.all(), scope, public_id=sheet_id)
    if not rules.can_read(scope, sheet.district_id):
        raise NotAllowed()
    return sheet


def _assessment(request, assessment_id) -> SchoolAssessment:
    try:
        return (
            selectors.assessments_for(scope=scope_for(request))
            .select_related("school", "sheet")
            .get(public_id=assessment_id)
        )
    except (SchoolAssessment.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def _assessment_out(assessment: SchoolAssessment) -> dict:
    sheet = assessment.sheet
    criteria = []
    for row in CriterionScore.objects.filter(assessment=assessment).order_by("pk"):
        weight = sheet.weight(row.criterion)
        criteria.append(
            {
                "criterion": row.criterion,
                "weight": weight,
                "computed": row.computed,
                "entered": row.entered,
                "score": row.score,
                "points": selectors.points(weight, row.score),
                "value": row.value,
                "note": row.note,
                "evidence": row.evidence,
            }
        )
    assessment.criteria = criteria
    return AssessmentOut(assessment).data


def _sheet_out(sheet: ScoreSheet) -> dict:
    schools = sheet.schools.select_related("school").order_by("rank", "school__code")
    data = SheetOut(sheet).data
    data["schools"] = SchoolRowOut(schools, many=True).data
    return data


class SheetsView(APIView):
    """GET: the score sheets the caller may read. POST: an official drafts (and computes) the
    sheet of a school year."""

    @extend_schema(responses={200: SheetOut(many=True)})
    def get(self, request):
        sheets = selectors.sheets_for(scope=scope_for(request)).order_by("-year")
        return Response(SheetOut(sheets, many=True).data)

    @extend_schema(request=SheetIn, responses={201: SheetDetailOut, **ERRORS})
    def post(self, request):
        scope = scope_for(request)
        if not scope.official_districts:
            raise NotAllowed()
        data = request.data if hasattr(request.data, "get") else {}
        year = data.get("year")
        if not isinstance(year, int):
            raise InvalidInput(
                fields={"year": [_("Give the year the school year starts, e.g. 2026.")]}
            )
        district = District.objects.get(pk=min(scope.official_districts))
        sheet = services.create_score_sheet(
            actor=request.user,
            district=district,
            year=year,
            title=str(data.get("title") or ""),
            weights=data.get("weights"),
        )
        return Response(_sheet_out(sheet), status=201)


class SheetView(APIView):
    """One sheet with every school's total and rank (officials and inspectors)."""

    @extend_schema(responses={200: SheetDetailOut, **ERRORS})
    def get(self, request, sheet_id):
        return Response(_sheet_out(_sheet(request, sheet_id)))


class SheetActionView(APIView):
    """``compute`` (again, from the data) or ``publish`` (totals, ranks, frozen): officials."""

    action = "compute"

    @extend_schema(request=None, responses={200: SheetDetailOut, **ERRORS})
    def post(self, request, sheet_id):
        sheet = _sheet(request, sheet_id)
        if self.action == "publish":
            sheet = services.publish_score_sheet(actor=request.user, sheet=sheet)
        else:
            sheet = services.compute_score_sheet(actor=request.user, sheet=sheet)
        return Response(_sheet_out(sheet))


class AssessmentView(APIView):
    """One school's sheet with the evidence behind each computed score."""

    @extend_schema(responses={200: AssessmentOut, **ERRORS})
    def get(self, request, assessment_id):
        return Response(_assessment_out(_assessment(request, assessment_id)))


class ScoreView(APIView):
    """An inspector (or official) scores a criterion the data could not, with findings."""

    @extend_schema(request=ScoreIn, responses={200: AssessmentOut, **ERRORS})
    def post(self, request, assessment_id):
        assessment = _assessment(request, assessment_id)
        data = request.data if hasattr(request.data, "get") else {}
        services.enter_score(
            actor=request.user,
            assessment=assessment,
            criterion=str(data.get("criterion") or ""),
            score=data.get("score"),
            note=str(data.get("note") or ""),
        )
        return Response(_assessment_out(_assessment(request, assessment_id)))
