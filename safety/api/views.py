"""The safety API, under /api/v1/safety/ (the same services and rules as the pages).

A child another family's, school's or district's is 404; a wrong role on one's own tenant
403 (an official reading medical notes, a parent recording an incident); a wrong state 409
(acknowledging twice, editing after acknowledgement); bad input 400 with the field errors.
Every staff read of medical notes through ``profile`` is audited like the page's."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.http import content_disposition_header
from django.utils.timezone import is_naive, make_aware
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA, created
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.parsers import JSONParser
from aftercare.tenancy import get_visible_or_404, scope_for

from .. import rules, selectors
from ..models import ConsentPurpose, DeletionRequest, IncidentKind, IncidentSeverity
from ..services import consent as consent_services
from ..services import incidents as incident_services
from ..services import profiles as profile_services
from ..services import rights

ERRORS = {**ERROR_RESPONSES, 409: OpenApiResponse(ERROR_SCHEMA, description="Wrong state")}
PARSERS = [JSONParser, MultiPartParser, FormParser]


def _data(request):
    return request.data if hasattr(request.data, "get") else {}


# --------------------------------------------------------------------------- serializers


class SafetyContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    relation = serializers.CharField(allow_blank=True)
    mobile = serializers.CharField()


class SafetyProfileSerializer(serializers.Serializer):
    student = serializers.UUIDField(source="student.public_id")
    contacts = SafetyContactSerializer(many=True)
    allergies = serializers.CharField(allow_blank=True)
    conditions = serializers.CharField(allow_blank=True)
    what_to_do = serializers.CharField(allow_blank=True)
    medication = serializers.CharField(allow_blank=True)
    has_alert = serializers.BooleanField()
    medical_shown = serializers.BooleanField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class SafetyProfileInSerializer(serializers.Serializer):
    contacts = SafetyContactSerializer(many=True)
    allergies = serializers.CharField(allow_blank=True, required=False)
    conditions = serializers.CharField(allow_blank=True, required=False)
    what_to_do = serializers.CharField(allow_blank=True, required=False)
    medication = serializers.CharField(allow_blank=True, required=False)
    confirm = serializers.BooleanField(required=False)


class SafetyAmendmentSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    text = serializers.CharField()
    written_at = serializers.DateTimeField()


class SafetyIncidentSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    student = serializers.UUIDField(source="student.public_id")
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    severity = serializers.ChoiceField(choices=IncidentSeverity.choices)
    occurred_at = serializers.DateTimeField()
    place = serializers.CharField()
    description = serializers.CharField()
    action_taken = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    amendments = SafetyAmendmentSerializer(many=True, source="amendments.all")
    photos = serializers.IntegerField(source="photos.count")


class SafetyIncidentInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    severity = serializers.ChoiceField(choices=IncidentSeverity.choices, required=False)
    occurred_at = serializers.DateTimeField()
    place = serializers.CharField()
    description = serializers.CharField()
    action_taken = serializers.CharField()
    photos = serializers.ListField(child=serializers.FileField(), required=False)


class SafetyConsentSerializer(serializers.Serializer):
    notice_version = serializers.IntegerField(allow_null=True)
    purposes = serializers.DictField(child=serializers.BooleanField())


class SafetyConsentInSerializer(serializers.Serializer):
    notice_version = serializers.IntegerField()
    purposes = serializers.DictField(child=serializers.BooleanField())


class SafetyDeletionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    student = serializers.UUIDField(source="student.public_id")
    status = serializers.CharField()
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class SafetyNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class SafetyTextSerializer(serializers.Serializer):
    text = serializers.CharField()


def _profile_out(student, profile, *, medical_shown: bool) -> dict:
    empty = dict.fromkeys(profile_services.MEDICAL_FIELDS, "")
    return {
        "student": str(student.public_id),
        "contacts": profile.contacts if profile else [],
        **(
            {n: getattr(profile, n) for n in profile_services.MEDICAL_FIELDS}
            if profile and medical_shown
            else empty
        ),
        "has_alert": bool(profile and profile.has_alert and medical_shown),
        "medical_shown": medical_shown,
        "confirmed_at": profile.confirmed_at if profile else None,
    }


# --------------------------------------------------------------------------- views


class ProfileView(APIView):
    parser_classes = PARSERS

    @extend_schema(
        responses={200: SafetyProfileSerializer, **ERRORS}, operation_id="safety_profile_get"
    )
    def get(self, request, student_id):
        scope = scope_for(request)
        student = selectors.lookup_child(scope, student_id)
        if not rules.can_read_medical(scope, student):
            raise NotAllowed(_("Only those who care for the child see this."))
        profile = selectors.profile_of(student)
        shown = profile is not None and selectors.has_consent(student, ConsentPurpose.MEDICAL)
        if shown:
            profile_services.read_medical(
                actor=request.user, student=student, profile=profile, via="api"
            )
        return Response(_profile_out(student, profile, medical_shown=shown))

    @extend_schema(
        request=SafetyProfileInSerializer,
        responses={200: SafetyProfileSerializer, **ERRORS},
        operation_id="safety_profile_put",
    )
    def put(self, request, student_id):
        scope = scope_for(request)
        student = selectors.lookup_child(scope, student_id)
        data = _data(request)
        profile = profile_services.save_profile(
            actor=request.user,
            student=student,
            contacts=data.get("contacts") if isinstance(data.get("contacts"), list) else None,
            allergies=str(data.get("allergies") or ""),
            conditions=str(data.get("conditions") or ""),
            what_to_do=str(data.get("what_to_do") or ""),
            medication=str(data.get("medication") or ""),
            confirm=bool(data.get("confirm")),
        )
        return Response(_profile_out(student, profile, medical_shown=True))


def _when(raw):
    value = parse_datetime(str(raw)) if raw else None
    if value is None:
        raise InvalidInput(fields={"occurred_at": [_("Give the date and time it happened.")]})
    return make_aware(value) if is_naive(value) else value


class IncidentsView(APIView):
    parser_classes = PARSERS

    @extend_schema(responses={200: SafetyIncidentSerializer(many=True), **ERRORS})
    def get(self, request, student_id):
        scope = scope_for(request)
        student = selectors.lookup_child(scope, student_id)
        items = (
            selectors.incidents_for(scope)
            .filter(student=student)
            .prefetch_related("amendments", "photos")
        )
        return Response(SafetyIncidentSerializer(items, many=True).data)

    @extend_schema(
        request=SafetyIncidentInSerializer, responses={201: SafetyIncidentSerializer, **ERRORS}
    )
    def post(self, request, student_id):
        scope = scope_for(request)
        student = selectors.lookup_child(scope, student_id)
        data = _data(request)
        if not rules.can_record_incident(scope, student):
            raise NotAllowed(_("Only the teachers of the child's group record incidents."))
        incident = incident_services.record_incident(
            actor=request.user,
            student=student,
            kind=str(data.get("kind") or ""),
            severity=str(data.get("severity") or IncidentSeverity.MINOR),
            occurred_at=_when(data.get("occurred_at")),
            place=str(data.get("place") or ""),
            description=str(data.get("description") or ""),
            action_taken=str(data.get("action_taken") or ""),
            photos=list(request.FILES.getlist("photos")) if request.FILES else [],
        )
        return created(SafetyIncidentSerializer(incident).data)


class SafetyIncidentCorrectionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices, required=False)
    severity = serializers.ChoiceField(choices=IncidentSeverity.choices, required=False)
    occurred_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    action_taken = serializers.CharField(required=False)
    photos = serializers.ListField(child=serializers.FileField(), required=False)


CORRECTABLE = ("kind", "severity", "place", "description", "action_taken")


class IncidentView(APIView):
    parser_classes = PARSERS

    @extend_schema(responses={200: SafetyIncidentSerializer, **ERRORS})
    def get(self, request, incident_id):
        incident = selectors.lookup_incident(scope_for(request), incident_id)
        return Response(SafetyIncidentSerializer(incident).data)

    @extend_schema(
        request=SafetyIncidentCorrectionSerializer,
        responses={200: SafetyIncidentSerializer, **ERRORS},
    )
    def patch(self, request, incident_id):
        """The teacher who recorded it corrects it before a guardian acknowledged it (403 for
        anyone else, 409 once acknowledged: amend it instead). Audited; the guardians are
        told what changed."""
        incident = selectors.lookup_incident(scope_for(request), incident_id)
        data = _data(request)
        values = {k: str(data.get(k) or "") for k in CORRECTABLE if k in data}
        if "occurred_at" in data:
            values["occurred_at"] = _when(data.get("occurred_at"))
        incident = incident_services.edit_incident(
            actor=request.user,
            incident=incident,
            photos=list(request.FILES.getlist("photos")) if request.FILES else [],
            **values,
        )
        incident.refresh_from_db()
        return Response(SafetyIncidentSerializer(incident).data)


class IncidentActionView(APIView):
    action = ""
    parser_classes = PARSERS

    @extend_schema(
        request=SafetyTextSerializer, responses={200: SafetyIncidentSerializer, **ERRORS}
    )
    def post(self, request, incident_id):
        incident = selectors.lookup_incident(scope_for(request), incident_id)
        if self.action == "acknowledge":
            incident = incident_services.acknowledge_incident(actor=request.user, incident=incident)
        else:
            incident_services.amend_incident(
                actor=request.user, incident=incident, text=str(_data(request).get("text") or "")
            )
        incident.refresh_from_db()
        return Response(SafetyIncidentSerializer(incident).data)


def _consent_out(student) -> dict:
    notice = selectors.current_notice(student.district_id)
    state = selectors.consent_state(student)
    return {
        "notice_version": notice.version if notice else None,
        "purposes": {p: d is not None for p, d in state.items()},
    }


class ConsentView(APIView):
    parser_classes = PARSERS

    @extend_schema(
        responses={200: SafetyConsentSerializer, **ERRORS}, operation_id="safety_consent_get"
    )
    def get(self, request, student_id):
        scope = scope_for(request)
        student = selectors.lookup_child(scope, student_id)
        if not rules.is_guardian(scope, student) and not rules.manages(scope, student.school_id):
            raise NotAllowed()
        return Response(_consent_out(student))

    @extend_schema(
        request=SafetyConsentInSerializer,
        responses={200: SafetyConsentSerializer, **ERRORS},
        operation_id="safety_consent_post",
    )
    def post(self, request, student_id):
        student = selectors.lookup_child(scope_for(request), student_id)
        data = _data(request)
        purposes = data.get("purposes")
        if not isinstance(purposes, dict):
            raise InvalidInput(fields={"purposes": [_("Give each purpose with true or false.")]})
        try:
            version = int(data.get("notice_version"))
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                fields={"notice_version": [_("Give the version of the notice you read.")]}
            ) from exc
        consent_services.decide_consent(
            actor=request.user,
            student=student,
            decisions={str(k): bool(v) for k, v in purposes.items()},
            notice_version=version,
        )
        return Response(_consent_out(student))


class ExportView(APIView):
    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request, student_id):
        student = selectors.lookup_child(scope_for(request), student_id)
        name, data = rights.export_child(actor=request.user, student=student)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response


class DeletionRequestView(APIView):
    parser_classes = PARSERS

    @extend_schema(
        request=SafetyNoteSerializer, responses={201: SafetyDeletionSerializer, **ERRORS}
    )
    def post(self, request, student_id):
        student = selectors.lookup_child(scope_for(request), student_id)
        item = rights.request_deletion(
            actor=request.user, student=student, reason=str(_data(request).get("note") or "")
        )
        return created(SafetyDeletionSerializer(item).data)


class DeletionDecisionView(APIView):
    action = ""
    parser_classes = PARSERS

    @extend_schema(
        request=SafetyNoteSerializer, responses={200: SafetyDeletionSerializer, **ERRORS}
    )
    def post(self, request, request_id):
        item = get_visible_or_404(
            DeletionRequest.objects.select_related("student"),
            scope_for(request),
            public_id=request_id,
        )
        item = rights.decide_deletion(
            actor=request.user,
            request=item,
            approve=self.action == "approve",
            note=str(_data(request).get("note") or ""),
        )
        return Response(SafetyDeletionSerializer(item).data)
