"""API of applications (家长申请), class review, school approval, the public list, the service
agreement, insurance and withdrawal — everything the application pages do.

applications/                          list (scoped) · create (parent)
applications/{id}/                     retrieve · PATCH (parent, while ``applied``)
applications/{id}/review/              class review: approve | flag | reject
applications/{id}/sign/                sign the latest agreement (parent)
applications/{id}/insurance/           confirm the accident insurance (parent)
applications/{id}/withdrawal/          request withdrawal (parent)
applications/{id}/withdrawal/approve/  · decline/   the school's answer
plans/{plan_id}/applications/approve/  bulk approval in priority order (school)
plans/{plan_id}/applications/publish/  publish the participant list (school)
plans/{plan_id}/agreements/            the agreement's versions · publish a new one (school)
agreements/ · {id}/                    agreements the caller may read

Objects are found through ``visible_to`` (another tenant's, school's or family's: 404); the
services then answer 403 for a wrong role and 409 for a wrong state.
"""

from __future__ import annotations

from django.db.models import Max
from django.http import Http404
from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from aftercare import net
from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA, ScopedViewSetMixin
from aftercare.tenancy import get_visible_or_404, scope_for
from enrollment.models import (
    Application,
    ApplicationStatus,
    ApplicationTransition,
    Channel,
    PriorityGroup,
    ServiceAgreement,
    Student,
)
from enrollment.selectors.applications import (
    PARTICIPATING,
    applications_for,
    with_details,
    with_history,
)
from enrollment.services import applications as services
from plans.models import SchoolPlan

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


class ApplicationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ApplicationStatus.choices)
    school = filters.UUIDFilter(field_name="school__public_id")
    semester = filters.UUIDFilter(field_name="semester__public_id")
    plan = filters.UUIDFilter(field_name="plan__public_id")
    school_class = filters.UUIDFilter(field_name="student__school_class__public_id")
    student = filters.UUIDFilter(field_name="student__public_id")
    priority_group = filters.ChoiceFilter(
        choices=PriorityGroup.choices, method="filter_priority_group"
    )

    class Meta:
        model = Application
        fields = ["status", "school", "semester", "plan", "school_class", "student", "basic_care"]

    def filter_priority_group(self, queryset, name, value):
        return queryset.filter(priority_groups__contains=[value])


# --------------------------------------------------------------------------- applications


@extend_schema_view(
    list=extend_schema(
        summary="Applications the caller may see",
        description="Parents: their children's; homeroom teachers: their classes'; principals "
        "and school administrators: their school's; district officials: their district's.",
    ),
    retrieve=extend_schema(
        summary="One application", responses={200: ApplicationSerializer, **ERROR_RESPONSES}
    ),
)
class ApplicationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Application.objects.all()
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter

    def get_queryset(self):
        return with_history(applications_for(scope=self.scope)).order_by(
            "school_id", "-applied_at", "id"
        )

    def _done(self, app: Application, code: int = status.HTTP_200_OK) -> Response:
        fresh = with_history(with_details(Application.objects.filter(pk=app.pk))).get()
        return Response(ApplicationSerializer(fresh).data, status=code)

    @extend_schema(
        summary="Apply for after-school service for a child (parent)",
        description="Inside the plan's basic-care registration window, or any time until the "
        "semester ends when the district lets families join mid-semester. 409 "
        "``window_closed`` (the message lists the registration times), ``already_applied``, "
        "``no_plan``; 403 when the caller is not the child's guardian.",
        request=ApplicationCreateSerializer,
        responses={201: ApplicationSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = ApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        student = get_visible_or_404(
            Student.objects.select_related("school", "school_class__homeroom_teacher"),
            self.scope,
            public_id=values["student"],
        )
        app = services.apply_for_service(
            actor=request.user,
            student=student,
            basic_care=values["basic_care"],
            priority_groups=values["priority_groups"],
            note=values["parent_note"],
            channel=Channel.API,
            client_ip=_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return self._done(app, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change basic care, priority groups or the note (parent, while applied)",
        request=ApplicationUpdateSerializer,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, public_id=None):
        app = self.get_object()
        data = ApplicationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        app = services.change_application(
            actor=request.user,
            application=app,
            basic_care=values.get("basic_care"),
            priority_groups=values.get("priority_groups"),
            note=values.get("parent_note"),
        )
        return self._done(app)

    @extend_schema(
        summary="Class review: approve, flag or reject (homeroom teacher or school manager)",
        request=ReviewSerializer,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, public_id=None):
        app = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        app = services.review_application(
            actor=request.user, application=app, **data.validated_data
        )
        return self._done(app)

    @extend_schema(
        summary="Verify the priority groups a family declared (school manager)",
        description="Only verified groups count for the approval order and lottery tiers. "
        "400 when a group was not declared; 403 for other roles.",
        request=VerifyPrioritySerializer,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="verify-priority")
    def verify_priority(self, request, public_id=None):
        app = self.get_object()
        data = VerifyPrioritySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        app = services.verify_priority_groups(
            actor=request.user, application=app, groups=data.validated_data["groups"]
        )
        return self._done(app)

    @extend_schema(
        summary="Sign the service agreement (parent of an approved child)",
        request=SignSerializer,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, public_id=None):
        app = self.get_object()
        data = SignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        app = services.sign_agreement(
            actor=request.user,
            application=app,
            version=data.validated_data["agreement_version"],
            client_ip=_client_ip(request),
        )
        return self._done(app)

    @extend_schema(
        summary="Confirm the student accident insurance (学平险) (parent of an approved child)",
        request=InsuranceSerializer,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def insurance(self, request, public_id=None):
        app = self.get_object()
        data = InsuranceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        app = services.confirm_insurance(
            actor=request.user,
            application=app,
            policy_number=data.validated_data["policy_number"],
            client_ip=_client_ip(request),
        )
        return self._done(app)

    @extend_schema(
        summary="Ask to leave after-school service (parent)",
        request=WithdrawalRequestSerializer,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdrawal(self, request, public_id=None):
        app = self.get_object()
        data = WithdrawalRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        app = services.request_withdrawal(
            actor=request.user,
            application=app,
            reason=data.validated_data["reason"],
            last_day=data.validated_data["last_day"],
        )
        return self._done(app)

    @extend_schema(
        summary="Approve a withdrawal (school); extended-course seats pass on",
        request=WithdrawalApproveSerializer,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="withdrawal/approve")
    def withdrawal_approve(self, request, public_id=None):
        app = self.get_object()
        data = WithdrawalApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        app = services.approve_withdrawal(
            actor=request.user,
            application=app,
            effective_date=data.validated_data["effective_date"],
        )
        return self._done(app)

    @extend_schema(
        summary="Decline a withdrawal with a reason (school)",
        request=WithdrawalDeclineSerializer,
        responses={200: ApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="withdrawal/decline")
    def withdrawal_decline(self, request, public_id=None):
        app = self.get_object()
        data = WithdrawalDeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        app = services.decline_withdrawal(
            actor=request.user, application=app, reason=data.validated_data["reason"]
        )
        return self._done(app)


class AgreementFilter(filters.FilterSet):
    school = filters.UUIDFilter(field_name="school__public_id")
    semester = filters.UUIDFilter(field_name="semester__public_id")

    class Meta:
        model = ServiceAgreement
        fields = ["school", "semester"]


@extend_schema_view(
    list=extend_schema(summary="Service agreements the caller may read (newest version first)"),
    retrieve=extend_schema(summary="One version of a service agreement"),
)
class AgreementViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Parents read their children's schools' agreements; staff their schools'."""

    queryset = ServiceAgreement.objects.select_related("school", "semester", "created_by")
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilter

    def get_queryset(self):
        return super().get_queryset().order_by("school_id", "semester_id", "-version")


# --------------------------------------------------------------------------- per plan


def _plan(request, plan_id) -> SchoolPlan:
    return get_visible_or_404(
        SchoolPlan.objects.select_related("school", "school__district", "semester"),
        scope_for(request),
        public_id=plan_id,
    )


class PlanApproveView(APIView):
    """Approve a plan's applications in priority order (学校核准): priority groups first (by
    ``PRIORITY_ORDER``), then lower grades, then the earlier application. Without
    ``applications``, every applied or class-approved one (flagged and rejected only when
    listed explicitly). Principal or school administrator."""

    @extend_schema(
        summary="Approve applications in priority order (school)",
        request=BulkApproveSerializer,
        responses={200: BulkApproveResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request, plan_id):
        plan = _plan(request, plan_id)
        data = BulkApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        selected = None
        if "applications" in values:
            wanted = set(values["applications"])
            selected = list(
                Application.objects.visible_to(scope_for(request)).filter(
                    plan=plan, public_id__in=wanted
                )
            )
            if len(selected) != len(wanted):
                raise Http404  # another plan's, school's or tenant's application
        result = services.approve_applications(
            actor=request.user,
            plan=plan,
            selected=selected,
            limit=values["limit"],
            expected_last_rank=values["expected_last_rank"],
        )
        last = Application.objects.filter(plan=plan).aggregate(m=Max("approval_rank"))["m"] or 0
        return Response(
            BulkApproveResultSerializer(
                {
                    "approved": result.approved,
                    "remaining": result.remaining,
                    "skipped": result.skipped,
                    "last_rank": last,
                }
            ).data
        )


class PlanPublishView(APIView):
    """Publish the participant list (公示) of a plan: approved children are listed on the
    public page by class with masked names. Principal or school administrator."""

    @extend_schema(
        summary="Publish the participant list (school)",
        request=None,
        responses={200: PublishResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request, plan_id):
        from django.urls import reverse

        plan = _plan(request, plan_id)
        added = services.publish_participant_list(actor=request.user, plan=plan)
        listed = Application.objects.filter(
            plan=plan, listed_at__isnull=False, status__in=PARTICIPATING
        ).count()
        url = request.build_absolute_uri(reverse("public_participants", args=[plan.public_id]))
        return Response(
            PublishResultSerializer({"added": added, "listed": listed, "url": url}).data
        )


class PlanAgreementsView(APIView):
    """The service agreement of the plan's school and semester: every version, newest first;
    POST publishes a new version (principal or school administrator)."""

    @extend_schema(
        summary="Versions of the plan's service agreement",
        responses={200: AgreementSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request, plan_id):
        plan = _plan(request, plan_id)
        versions = (
            ServiceAgreement.objects.visible_to(scope_for(request))
            .filter(school_id=plan.school_id, semester_id=plan.semester_id)
            .select_related("school", "semester", "created_by")
            .order_by("-version")
        )
        return Response(AgreementSerializer(versions, many=True).data)

    @extend_schema(
        summary="Publish a new version of the service agreement (school)",
        request=AgreementCreateSerializer,
        responses={201: AgreementSerializer, **WRITE_ERRORS},
    )
    def post(self, request, plan_id):
        plan = _plan(request, plan_id)
        data = AgreementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.publish_agreement(actor=request.user, plan=plan, **data.validated_data)
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("applications", ApplicationViewSet, basename="application")
router.register("agreements", AgreementViewSet, basename="agreement")

urlpatterns = [
    *router.urls,
    path(
        "plans/<uuid:plan_id>/applications/approve/",
        PlanApproveView.as_view(),
        name="plan-applications-approve",
    ),
    path(
        "plans/<uuid:plan_id>/applications/publish/",
        PlanPublishView.as_view(),
        name="plan-applications-publish",
    ),
    path(
        "plans/<uuid:plan_id>/agreements/",
        PlanAgreementsView.as_view(),
        name="plan-agreements",
    ),
]
