"""Serializers of the application API (requests and answers), and its error responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from aftercare import net
from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA
from enrollment.models import (
    Application,
    ApplicationTransition,
    PriorityGroup,
    ServiceAgreement,
    Student,
)
from enrollment.services import applications as services

CONFLICT = {409: OpenApiResponse(ERROR_SCHEMA, description="Wrong state for this step")}
WRITE_ERRORS = {**ERROR_RESPONSES, **CONFLICT}


def _client_ip(request) -> str | None:
    return net.client_ip(request)


# --------------------------------------------------------------------------- serializers


class ApplicationStudentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    class_name = serializers.CharField(source="school_class.name", read_only=True)
    grade = serializers.IntegerField(source="school_class.grade", read_only=True)

    class Meta:
        model = Student
        fields = ["id", "name", "student_number", "class_name", "grade"]


class HistorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationTransition
        fields = ["event", "from_status", "to_status", "at", "reason"]
        read_only_fields = fields


class VerifyPrioritySerializer(serializers.Serializer):
    groups = serializers.ListField(
        child=serializers.ChoiceField(choices=PriorityGroup.choices),
        allow_empty=True,
        help_text="the declared groups the school has verified (empty: none)",
    )


class ApplicationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    student = ApplicationStudentSerializer(read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)
    semester_name = serializers.CharField(source="semester.name", read_only=True)
    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    priority_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=PriorityGroup.choices), read_only=True
    )
    priority_verified = serializers.ListField(
        child=serializers.ChoiceField(choices=PriorityGroup.choices),
        read_only=True,
        help_text="the declared groups the school verified: only these give priority",
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    applied_by = serializers.CharField(source="applied_by.full_name", read_only=True)
    history = HistorySerializer(
        source="transitions", many=True, read_only=True, help_text="every step, oldest first"
    )
    agreement_version = serializers.IntegerField(
        source="agreement.version", read_only=True, allow_null=True, default=None
    )
    is_active = serializers.BooleanField(
        read_only=True, help_text="approved, agreement signed and insurance confirmed"
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "student",
            "school",
            "semester",
            "semester_name",
            "plan",
            "basic_care",
            "priority_groups",
            "priority_verified",
            "priority_verified_at",
            "parent_note",
            "status",
            "status_label",
            "is_active",
            "applied_by",
            "applied_at",
            "channel",
            "class_reviewed_at",
            "review_note",
            "needs_accompaniment",
            "rejection_reason",
            "approved_at",
            "approval_rank",
            "listed_at",
            "agreement_version",
            "signed_at",
            "insurance_confirmed_at",
            "insurance_note",
            "withdrawal_requested_at",
            "withdrawal_reason",
            "withdrawal_last_day_requested",
            "withdrawal_effective_date",
            "withdrawn_at",
            "withdrawal_decision_note",
            "updated_at",
            "history",
        ]
        read_only_fields = fields


class ApplicationCreateSerializer(serializers.Serializer):
    student = serializers.UUIDField(help_text="the child's id (one of GET /students/)")
    basic_care = serializers.BooleanField(help_text="apply for basic care (基础托管)")
    priority_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=PriorityGroup.choices), required=False, default=list
    )
    parent_note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class ApplicationUpdateSerializer(serializers.Serializer):
    basic_care = serializers.BooleanField(required=False)
    priority_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=PriorityGroup.choices), required=False
    )
    parent_note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=list(services.Decision.CHOICES))
    note = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="required to reject (the reason) and to flag (unless needs_accompaniment)",
    )
    needs_accompaniment = serializers.BooleanField(required=False, default=False)


class SignSerializer(serializers.Serializer):
    agreement_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="the version the guardian read; 409 agreement_changed if a newer one exists",
    )


class InsuranceSerializer(serializers.Serializer):
    policy_number = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )


class WithdrawalRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    last_day = serializers.DateField(help_text="intended last day of service")


class WithdrawalApproveSerializer(serializers.Serializer):
    effective_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="last day of service, for billing (default: the day the family asked for)",
    )


class WithdrawalDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class BulkApproveSerializer(serializers.Serializer):
    applications = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        allow_empty=False,
        help_text="approve exactly these (flagged and rejected ones included); "
        "default: every applied or class-approved application of the plan",
    )
    limit = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="approve only the first N in priority order; the rest keep waiting",
    )
    expected_last_rank = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="the highest approval_rank you saw: 409 stale if others were approved since",
    )


class ApprovedItemSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    student = serializers.CharField(source="student.name")
    approval_rank = serializers.IntegerField()


class BulkApproveResultSerializer(serializers.Serializer):
    approved = ApprovedItemSerializer(many=True)
    remaining = serializers.IntegerField(help_text="candidates still waiting (limit)")
    skipped = serializers.IntegerField(help_text="selected ones that could not be approved")
    last_rank = serializers.IntegerField()


class PublishResultSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="children added to the list now")
    listed = serializers.IntegerField(help_text="children on the list")
    url = serializers.CharField(help_text="the public page")


class AgreementSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)
    created_by = serializers.CharField(
        source="created_by.full_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ServiceAgreement
        fields = [
            "id",
            "school",
            "semester",
            "version",
            "title",
            "body",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class AgreementCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    body = serializers.CharField(max_length=services.AGREEMENT_MAX)


# --------------------------------------------------------------------------- filters
