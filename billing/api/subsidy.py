"""API of the subsidy settings (the pages' twins, ``billing.views.subsidy``): the district's
rule-set versions (officials write; the district's people read), a school's own values
within them, labour agreements (劳务费) and the safety incidents that deduct from the
subsidy (school managers write; managers and officials read). List and create only: every
write is a service call, refused with the reason (400 per field, 403 wrong role, 404 another
tenant's school, semester or staff member) and nothing written."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftercare.api_base import ERROR_RESPONSES, ScopedViewSetMixin, created
from aftercare.errors import InvalidInput
from aftercare.models import School, Semester
from aftercare.tenancy import get_visible_or_404
from billing.models import (
    IncidentDecision,
    LabourAgreement,
    RateUnit,
    SafetyIncident,
    SafetyIncidentReview,
    SubsidyRules,
)
from billing.services import payouts, subsidies
from billing.services.payouts import offers
from safety.models import Incident
from scheduling.models import StaffMember

WRITE_ERRORS = {**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]}


class SubsidyRulesSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)

    class Meta:
        model = SubsidyRules
        fields = [
            "id",
            "semester",
            "version",
            "preset",
            "change_note",
            "created_at",
            *subsidies.RULE_FIELDS,
        ]


class SubsidyRulesWriteSerializer(serializers.Serializer):
    semester = serializers.UUIDField()
    preset = serializers.ChoiceField(choices=list(subsidies.PRESETS), required=False)
    values = serializers.DictField(required=False, help_text="Fields of the rule set (fen).")
    change_note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class SchoolValuesSerializer(serializers.Serializer):
    school = serializers.UUIDField()
    semester = serializers.UUIDField()
    rate_fen = serializers.IntegerField(required=False, allow_null=True)
    safety_duty_fen = serializers.IntegerField(required=False, allow_null=True)
    duty_leader_fen = serializers.IntegerField(required=False, allow_null=True)
    admin_share_percent = serializers.IntegerField(required=False, allow_null=True)
    monthly_cap_fen = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class LabourAgreementSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    staff = serializers.UUIDField(source="staff.public_id")
    staff_name = serializers.CharField(source="staff.full_name", read_only=True)

    class Meta:
        model = LabourAgreement
        fields = ["id", "staff", "staff_name", "rate_unit", "rate_fen", "note", "updated_at"]
        read_only_fields = ["updated_at"]


class IncidentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    staff = serializers.UUIDField(source="staff.public_id")
    staff_name = serializers.CharField(source="staff.full_name", read_only=True)

    class Meta:
        model = SafetyIncident
        fields = ["id", "staff", "staff_name", "date", "percent", "description", "evidence"]


def _managed_or_official(scope, qs):
    return qs.filter(
        Q(school_id__in=scope.manager_schools) | Q(district_id__in=scope.official_districts)
    )


def _staff(scope, public_id) -> StaffMember:
    return get_visible_or_404(
        StaffMember.objects.select_related("school"), scope, public_id=public_id
    )


@extend_schema_view(list=extend_schema(summary="The district's subsidy rule-set versions"))
class SubsidyRulesViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = SubsidyRules.objects.all()
    serializer_class = SubsidyRulesSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("semester").order_by("-created_at", "-pk")

    @extend_schema(
        summary="Write the next version of a semester's rules (district officials)",
        request=SubsidyRulesWriteSerializer,
        responses={201: SubsidyRulesSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = SubsidyRulesWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        semester = get_visible_or_404(Semester, self.scope, public_id=v["semester"])
        rules = subsidies.save_rules(
            actor=request.user,
            semester=semester,
            values=v.get("values") or None,
            preset=v.get("preset"),
            change_note=v.get("change_note") or "",
        )
        return created(SubsidyRulesSerializer(rules).data)


class SchoolValuesViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    queryset = School.objects.all()
    serializer_class = SchoolValuesSerializer

    @extend_schema(
        summary="A school's own subsidy values within the district's rules (school managers)",
        description="null: the district's value. 400 names the value and the district's bound.",
        request=SchoolValuesSerializer,
        responses={200: SchoolValuesSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = SchoolValuesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        school = get_visible_or_404(School, self.scope, public_id=v["school"])
        semester = get_visible_or_404(Semester, self.scope, public_id=v["semester"])
        if semester.district_id != school.district_id:
            raise Http404
        subsidies.save_school_rules(
            actor=request.user,
            school=school,
            semester=semester,
            values={k: v.get(k) for k in subsidies.SCHOOL_FIELDS},
            note=v.get("note") or "",
        )
        return Response(data.data)


@extend_schema_view(list=extend_schema(summary="Labour agreements (school managers, officials)"))
class AgreementViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = LabourAgreement.objects.all()
    serializer_class = LabourAgreementSerializer

    def get_queryset(self):
        return (
            _managed_or_official(self.scope, super().get_queryset())
            .select_related("staff")
            .order_by("staff__full_name", "pk")
        )

    @extend_schema(
        summary="Record or change an external staff member's agreement (school managers)",
        request=LabourAgreementSerializer,
        responses={201: LabourAgreementSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = LabourAgreementSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["rate_unit"] not in RateUnit.values:
            raise serializers.ValidationError({"rate_unit": "session or lesson"})
        agreement = payouts.save_agreement(
            actor=request.user,
            staff=_staff(self.scope, v["staff"]["public_id"]),
            rate_unit=v["rate_unit"],
            rate_fen=v["rate_fen"],
            note=v.get("note") or "",
        )
        return created(LabourAgreementSerializer(agreement).data)


@extend_schema_view(
    list=extend_schema(summary="Safety incidents deducted from the subsidy (managers, officials)")
)
class IncidentViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = SafetyIncident.objects.all()
    serializer_class = IncidentSerializer

    def get_queryset(self):
        return (
            _managed_or_official(self.scope, super().get_queryset())
            .select_related("staff")
            .order_by("-date", "-pk")
        )

    @extend_schema(
        summary="Record a major safety incident against a staff member's subsidy (managers)",
        description="400: percent outside the district's range, no description or evidence, a "
        "future date, no semester covering it.",
        request=IncidentSerializer,
        responses={201: IncidentSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = IncidentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        incident = payouts.record_incident(
            actor=request.user,
            staff=_staff(self.scope, v["staff"]["public_id"]),
            day=v["date"],
            percent=v["percent"],
            description=v["description"],
            evidence=v["evidence"],
        )
        return created(IncidentSerializer(incident).data)


# --------------------------------------------------------------------------- offered incidents


class IncidentOfferSerializer(serializers.ModelSerializer):
    """A serious safety record waiting for the principal's subsidy decision (the child is
    not named: the decision is about the staff member)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "school", "kind", "occurred_at", "place", "description", "action_taken"]
        read_only_fields = fields


class IncidentDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=IncidentDecision.choices)
    staff = serializers.UUIDField(required=False, allow_null=True)
    # Of the staff member's semester subsidy, within the district's range (checked there).
    percent = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class IncidentReviewSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    incident = serializers.UUIDField(source="incident.public_id", read_only=True)
    deduction = IncidentSerializer(source="safety_incident", read_only=True, allow_null=True)

    class Meta:
        model = SafetyIncidentReview
        fields = ["id", "incident", "decision", "reason", "decided_at", "deduction"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="Serious safety incidents waiting for a subsidy decision (school managers)"
    )
)
class IncidentOfferViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The page's offers (``billing.views.subsidy.school_incidents``): each serious incident
    of a school the caller manages, until it is confirmed into a deduction or declined."""

    queryset = Incident.objects.all()
    serializer_class = IncidentOfferSerializer

    def base_queryset(self):
        return offers.offered_incidents_in(self.scope.manager_schools).select_related("school")

    @extend_schema(
        summary="Confirm an offered incident into a subsidy deduction, or decline it (managers)",
        description="confirmed: `staff` (of the incident's school) and `percent` (within the "
        "district's range); declined: `reason`. 400 per field, 403 not the school's manager, "
        "404 not visible, 409 decided already.",
        request=IncidentDecisionSerializer,
        responses={201: IncidentReviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, public_id=None):
        incident = get_visible_or_404(
            Incident.objects.select_related("school"), self.scope, public_id=public_id
        )
        data = IncidentDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        staff = None
        if v.get("staff"):
            staff = StaffMember.objects.filter(school=incident.school, public_id=v["staff"]).first()
            if staff is None:
                raise InvalidInput(fields={"staff": [_("Choose the staff member responsible.")]})
        review = offers.decide_incident(
            actor=request.user,
            incident=incident,
            decision=v["decision"],
            staff=staff,
            percent=v.get("percent"),
            reason=v.get("reason") or "",
        )
        return created(IncidentReviewSerializer(review).data)
