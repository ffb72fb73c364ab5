"""View sets and views of the application API: list, create, change, review, sign, insure,
withdraw; bulk approval, publication and agreements per plan."""

from __future__ import annotations

from django.db.models import Max
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES, ScopedViewSetMixin
from aftercare.tenancy import get_visible_or_404, scope_for
from enrollment.api.applications.serializers import (
    WRITE_ERRORS,
    AgreementCreateSerializer,
    AgreementSerializer,
    ApplicationCreateSerializer,
    ApplicationSerializer,
    ApplicationUpdateSerializer,
    BulkApproveResultSerializer,
    BulkApproveSerializer,
    InsuranceSerializer,
    PublishResultSerializer,
    ReviewSerializer,
    SignSerializer,
    VerifyPrioritySerializer,
    WithdrawalApproveSerializer,
    WithdrawalDeclineSerializer,
    WithdrawalRequestSerializer,
    _client_ip,
)
from enrollment.models import (
    Application,
    ApplicationStatus,
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
