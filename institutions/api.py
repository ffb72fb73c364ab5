"""REST API of the institutions lifecycle, under /api/v1/.

institution-policy/                          the caller's district policy (officials PUT)
institution-batches/ · {id}/ · {id}/close/    calls (officials open and close; the district's
                                              members and its institutions read)
institution-accounts/                         POST: an official opens an institution's account
institution-instructors/ · {id}/              the institution's staff list (its account writes)
institution-applications/ · {id}/ · {id}/review/
                                              an institution applies and reads its own; officials
                                              read all of the district and review
public/{district_code}/institutions/          the published list (no login)

Rows of another district or institution are 404; the wrong role 403; bad input 400 with the
reason per field; the wrong moment (a closed batch, a decided application) 409.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES
from aftercare.models import District
from aftercare.tenancy import scope_for
from institutions import rules, selectors, services
from institutions.models import (
    AdmissionBatch,
    Application,
    ApplicationCourse,
    Institution,
    InstitutionPolicy,
    Instructor,
    PaymentMode,
)

WRITE_ERRORS = {**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]}


# --------------------------------------------------------------------------- serializers


class InstitutionPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = InstitutionPolicy
        fields = [
            "price_ceiling_fen",
            "ceiling_basis",
            "families_may_pay",
            "satisfaction_threshold",
        ]


class InstitutionBatchSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = AdmissionBatch
        fields = ["id", "title", "requirements", "opens_on", "closes_on", "valid_until", "status"]
        read_only_fields = ["status"]


class InstitutionAccountSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    username = serializers.CharField(max_length=64)
    password = serializers.CharField(min_length=8, write_only=True)
    institution = serializers.UUIDField(read_only=True)


class InstitutionInstructorSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    institution = serializers.UUIDField(source="institution.public_id", read_only=True)
    id_card = serializers.CharField(write_only=True, required=False, max_length=18)
    check_problem = serializers.SerializerMethodField()

    class Meta:
        model = Instructor
        fields = [
            "id",
            "institution",
            "full_name",
            "id_card",
            "id_card_last4",
            "mobile",
            "qualification",
            "qualification_valid_until",
            "consent_given_on",
            "background_checked_on",
            "sexual_offence_checked",
            "background_check_valid_until",
            "health_certificate_valid_until",
            "is_active",
            "check_problem",
        ]
        read_only_fields = ["id_card_last4", "is_active"]

    def get_check_problem(self, obj) -> str | None:
        return services.check_problem(obj)


class InstitutionCourseSerializer(serializers.ModelSerializer):
    payment = serializers.ChoiceField(choices=PaymentMode.choices, default=PaymentMode.SERVICE_FUND)

    class Meta:
        model = ApplicationCourse
        fields = ["name", "content", "grades", "price_fen", "payment"]
        extra_kwargs = {"price_fen": {"min_value": 1}}


class InstitutionApplicationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    batch = serializers.UUIDField(source="batch.public_id")
    institution = serializers.UUIDField(source="institution.public_id", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    courses = InstitutionCourseSerializer(many=True)
    staff = serializers.ListField(child=serializers.UUIDField(), write_only=True)
    staff_list = InstitutionInstructorSerializer(source="staff", many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "batch",
            "institution",
            "institution_name",
            "status",
            "licence_number",
            "licence_valid_until",
            "supervision_platform_no",
            "note",
            "courses",
            "staff",
            "staff_list",
            "score",
            "decision_reason",
            "submitted_at",
            "reviewed_at",
        ]
        read_only_fields = ["status", "score", "decision_reason", "submitted_at", "reviewed_at"]


class InstitutionReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    score = serializers.IntegerField(min_value=0, max_value=100)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PublicInstitutionCourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationCourse
        fields = ["name", "content", "grades", "price_fen", "payment"]


class PublicInstitutionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    courses = serializers.SerializerMethodField()

    class Meta:
        model = Institution
        fields = ["id", "name", "licence_number", "supervision_platform_no", "courses"]

    def get_courses(self, obj) -> list[dict]:
        app = obj.approved_application
        if app is None:
            return []
        return PublicInstitutionCourseSerializer(app.courses.all(), many=True).data


# --------------------------------------------------------------------------- views


def _official_district(request) -> District:
    districts = scope_for(request).official_district_objects
    if not districts:
        raise PermissionDenied
    return districts[0]


def _account(request):
    account = selectors.account_of(scope_for(request))
    if account is None:
        raise PermissionDenied
    return account


class PolicyView(APIView):
    @extend_schema(responses={200: InstitutionPolicySerializer, **ERROR_RESPONSES})
    def get(self, request):
        scope = scope_for(request)
        district_ids = scope.member_districts or {
            a.district_id for a in [selectors.account_of(scope)] if a
        }
        policy = get_object_or_404(
            InstitutionPolicy.objects.filter(district_id__in=district_ids).order_by("district_id")
        )
        return Response(InstitutionPolicySerializer(policy).data)

    @extend_schema(
        request=InstitutionPolicySerializer,
        responses={200: InstitutionPolicySerializer, **WRITE_ERRORS},
    )
    def put(self, request):
        data = InstitutionPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.save_policy(
            actor=request.user, district=_official_district(request), **data.validated_data
        )
        return Response(InstitutionPolicySerializer(policy).data)


class BatchViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InstitutionBatchSerializer
    lookup_field = "public_id"
    queryset = AdmissionBatch.objects.none()

    def get_queryset(self):
        return selectors.batches_visible(scope_for(self.request))

    @extend_schema(
        request=InstitutionBatchSerializer,
        responses={201: InstitutionBatchSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = InstitutionBatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.open_batch(
            actor=request.user, district=_official_district(request), **data.validated_data
        )
        return Response(InstitutionBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: InstitutionBatchSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request, public_id=None):
        batch = services.close_batch(actor=request.user, batch=self.get_object())
        return Response(InstitutionBatchSerializer(batch).data)


class AccountView(APIView):
    @extend_schema(
        request=InstitutionAccountSerializer,
        responses={201: InstitutionAccountSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = InstitutionAccountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.open_account(
            actor=request.user, district=_official_district(request), **data.validated_data
        )
        return Response(
            {
                "name": account.institution.name,
                "username": account.user.username,
                "institution": str(account.institution.public_id),
            },
            status=status.HTTP_201_CREATED,
        )


class InstructorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InstitutionInstructorSerializer
    lookup_field = "public_id"
    queryset = Instructor.objects.none()
    http_method_names = ["get", "post", "patch"]

    def get_queryset(self):
        return selectors.instructors_visible(scope_for(self.request))

    @extend_schema(
        request=InstitutionInstructorSerializer,
        responses={201: InstitutionInstructorSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = InstitutionInstructorSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        instructor = services.save_instructor(
            actor=request.user, institution=_account(request).institution, data=data.validated_data
        )
        return Response(
            InstitutionInstructorSerializer(instructor).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=InstitutionInstructorSerializer,
        responses={200: InstitutionInstructorSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, public_id=None):
        instructor = self.get_object()
        data = InstitutionInstructorSerializer(instructor, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        instructor = services.save_instructor(
            actor=request.user,
            institution=instructor.institution,
            data=data.validated_data,
            instructor=instructor,
        )
        return Response(InstitutionInstructorSerializer(instructor).data)


class ApplicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = InstitutionApplicationSerializer
    lookup_field = "public_id"
    queryset = Application.objects.none()

    def get_queryset(self):
        return selectors.applications_visible(scope_for(self.request))

    @extend_schema(
        request=InstitutionApplicationSerializer,
        responses={201: InstitutionApplicationSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        account = _account(request)
        scope = scope_for(request)
        data = InstitutionApplicationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        batch = get_object_or_404(
            selectors.batches_visible(scope), public_id=v["batch"]["public_id"]
        )
        wanted = set(v["staff"])
        staff = list(
            selectors.instructors_visible(scope).filter(
                institution=account.institution, public_id__in=wanted
            )
        )
        if len(staff) != len(wanted):
            raise serializers.ValidationError({"staff": [_("Choose your own instructors.")]})
        application = services.submit_application(
            actor=request.user,
            institution=account.institution,
            batch=batch,
            licence_number=v["licence_number"],
            licence_valid_until=v["licence_valid_until"],
            supervision_platform_no=v["supervision_platform_no"],
            courses=[dict(c) for c in v["courses"]],
            staff=staff,
            note=v.get("note", ""),
        )
        application = self.get_queryset().get(pk=application.pk)
        return Response(
            InstitutionApplicationSerializer(application).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=InstitutionReviewSerializer,
        responses={200: InstitutionApplicationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, public_id=None):
        application = self.get_object()
        if not rules.can_manage_admission(scope_for(request), application.district_id):
            raise PermissionDenied
        data = InstitutionReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.review_application(
            actor=request.user, application=application, **data.validated_data
        )
        application = self.get_queryset().get(pk=application.pk)
        return Response(InstitutionApplicationSerializer(application).data)


class PublicListView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: PublicInstitutionSerializer(many=True)})
    def get(self, request, district_code):
        district = get_object_or_404(District, code=district_code)
        rows = selectors.approved_list(district)
        return Response(PublicInstitutionSerializer(rows, many=True).data)


router = SimpleRouter()
router.register("institution-batches", BatchViewSet, basename="institution-batch")
router.register("institution-instructors", InstructorViewSet, basename="institution-instructor")
router.register("institution-applications", ApplicationViewSet, basename="institution-application")

urlpatterns = [
    path("institution-policy/", PolicyView.as_view(), name="institution-policy"),
    path("institution-accounts/", AccountView.as_view(), name="institution-accounts"),
    path(
        "public/<slug:district_code>/institutions/",
        PublicListView.as_view(),
        name="institutions-public",
    ),
    *router.urls,
]
