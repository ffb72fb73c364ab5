"""REST API of the core under /api/v1/: auth token, me, districts, schools, classes,
semesters with their calendar, audit events, notifications."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare import rules, services
from aftercare.api_base import (
    ERROR_RESPONSES,
    ScopedReadOnlyViewSet,
    ScopedViewSetMixin,
)
from aftercare.api_tokens import IssuedTokenSerializer
from aftercare.calendar import school_days
from aftercare.errors import InvalidInput
from aftercare.filters import AuditEventFilter
from aftercare.models import (
    WEEKDAYS,
    AuditEvent,
    CalendarException,
    CalendarKind,
    District,
    Membership,
    Notification,
    School,
    SchoolClass,
    Semester,
)
from aftercare.services import tokens
from aftercare.tenancy import get_visible_or_404, scope_for
from aftercare.throttling import ScopedRateThrottle

# --------------------------------------------------------------------------- serializers


class DistrictSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = District
        fields = ["id", "code", "name"]


class SchoolSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    district = serializers.UUIDField(source="district.public_id", read_only=True)

    class Meta:
        model = School
        fields = ["id", "district", "code", "name", "address", "is_remote"]


class SchoolClassSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    name = serializers.CharField(read_only=True)
    homeroom_teacher = serializers.CharField(
        source="homeroom_teacher.full_name", read_only=True, default=None
    )

    class Meta:
        model = SchoolClass
        fields = ["id", "school", "grade", "number", "name", "homeroom_teacher"]


class MembershipSerializer(serializers.ModelSerializer):
    district = serializers.UUIDField(source="district.public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True, default=None)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["role", "role_label", "district", "school"]


class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    full_name = serializers.CharField()
    username = serializers.CharField(allow_null=True)
    mobile = serializers.CharField(allow_null=True)
    memberships = MembershipSerializer(many=True)


class CalendarExceptionSerializer(serializers.ModelSerializer):
    school = serializers.SlugRelatedField(
        slug_field="public_id", queryset=School.objects.none(), required=False, allow_null=True
    )
    kind = serializers.ChoiceField(choices=CalendarKind.choices)
    follows_weekday = serializers.ChoiceField(choices=WEEKDAYS, required=False, allow_null=True)

    class Meta:
        model = CalendarException
        fields = ["id", "date", "kind", "school", "note", "follows_weekday"]
        read_only_fields = ["id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        semester = self.context.get("semester")
        if semester is not None:
            self.fields["school"].queryset = School.objects.filter(district_id=semester.district_id)


class SemesterSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    district = serializers.SlugRelatedField(
        slug_field="public_id", queryset=District.objects.none()
    )
    exceptions = serializers.SerializerMethodField()

    class Meta:
        model = Semester
        fields = ["id", "district", "name", "start_date", "end_date", "exceptions"]
        validators: list = []  # uniqueness is the service's, reported on the name field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["district"].queryset = District.objects.visible_to(scope_for(request))

    def get_exceptions(self, semester) -> list[dict]:
        return CalendarExceptionSerializer(
            [e for e in semester.exceptions.all() if e.school_id is None], many=True
        ).data

    def validate(self, attrs):
        if attrs["end_date"] <= attrs["start_date"]:
            raise serializers.ValidationError(
                {"end_date": _("The last day must be after the first day.")}
            )
        return attrs


class AuditEventSerializer(serializers.ModelSerializer):
    school = serializers.UUIDField(source="school.public_id", read_only=True, default=None)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "school",
            "actor_repr",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "payload",
        ]


class NotificationSerializer(serializers.ModelSerializer):
    # In the reader's language (the request's), as the inbox page shows them.
    title = serializers.CharField(source="display_title", read_only=True)
    body = serializers.CharField(source="display_body", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at"]


# --------------------------------------------------------------------------- views


class TokenLoginView(APIView):
    """Exchange a mobile number or user name and a password for an API token.

    Throttled per client, and locked out (429, code ``locked_out``) after repeated failures.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=inline_serializer(
            "TokenLogin",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "device": serializers.CharField(required=False, max_length=64),
            },
        ),
        responses={200: IssuedTokenSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = inline_serializer(
            "TokenLoginInput",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "device": serializers.CharField(required=False, max_length=64, allow_blank=True),
            },
            data=request.data,
        )
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise InvalidInput(_("The login or the password is wrong."), code="invalid_credentials")
        issued = tokens.issue_token(user=user, name=data.validated_data.get("device", ""))
        return Response(IssuedTokenSerializer(issued).data)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        scope = scope_for(request)
        user = request.user
        return Response(
            MeSerializer(
                {
                    "public_id": user.public_id,
                    "full_name": user.full_name,
                    "username": user.username,
                    "mobile": user.mobile,
                    "memberships": scope.memberships,
                }
            ).data
        )


class DistrictViewSet(ScopedReadOnlyViewSet):
    queryset = District.objects.all()
    serializer_class = DistrictSerializer


class SchoolViewSet(ScopedReadOnlyViewSet):
    queryset = School.objects.select_related("district")
    serializer_class = SchoolSerializer
    filterset_fields = ["code"]


class SchoolClassFilter(filters.FilterSet):
    school = filters.UUIDFilter(field_name="school__public_id")

    class Meta:
        model = SchoolClass
        fields = ["school", "grade"]


class SchoolClassViewSet(ScopedReadOnlyViewSet):
    queryset = SchoolClass.objects.select_related("school", "homeroom_teacher")
    serializer_class = SchoolClassSerializer
    filterset_class = SchoolClassFilter


class SemesterViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Semesters of the caller's districts. District officials create them and edit calendars."""

    queryset = Semester.objects.select_related("district").prefetch_related("exceptions")
    serializer_class = SemesterSerializer

    @extend_schema(responses={201: SemesterSerializer, **ERROR_RESPONSES})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        semester = services.create_semester(
            actor=request.user,
            district=data["district"],
            name=data["name"],
            start_date=data["start_date"],
            end_date=data["end_date"],
        )
        return Response(self.get_serializer(semester).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CalendarExceptionSerializer,
        responses={201: CalendarExceptionSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="exceptions")
    def add_exception(self, request, public_id=None):
        """Add a holiday, make-up day or school event to the semester's calendar."""
        semester = self.get_object()
        serializer = CalendarExceptionSerializer(
            data=request.data, context={"semester": semester, "request": request}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        exc = services.add_calendar_exception(
            actor=request.user,
            semester=semester,
            day=data["date"],
            kind=data["kind"],
            school=data.get("school"),
            note=data.get("note", ""),
            follows_weekday=data.get("follows_weekday"),
        )
        return Response(CalendarExceptionSerializer(exc).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **ERROR_RESPONSES})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"exceptions/(?P<exception_id>\d+)",
    )
    def remove_exception(self, request, public_id=None, exception_id=None):
        semester = self.get_object()
        exc = get_visible_or_404(
            CalendarException.objects.filter(semester=semester), self.scope, pk=exception_id
        )
        services.remove_calendar_exception(actor=request.user, exception=exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("school", str, description="school id (UUID)")],
        responses={
            200: inline_serializer(
                "SchoolDays",
                {
                    "count": serializers.IntegerField(),
                    "days": serializers.ListField(child=serializers.DateField()),
                },
            ),
            **ERROR_RESPONSES,
        },
    )
    @action(detail=True, methods=["get"], url_path="school-days")
    def school_days(self, request, public_id=None):
        """The service days of the semester, district-wide or for one school."""
        semester = self.get_object()
        school = None
        if request.query_params.get("school"):
            school = get_visible_or_404(
                School.objects.filter(district_id=semester.district_id),
                self.scope,
                public_id=request.query_params["school"],
            )
        days = school_days(semester, school)
        return Response({"count": len(days), "days": [d.date for d in days]})


class AuditEventViewSet(ScopedReadOnlyViewSet):
    """The district's audit trail (district officials only). Read-only by design."""

    queryset = AuditEvent.objects.select_related("school")
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    lookup_field = "pk"

    def get_queryset(self):
        rules.require(
            rules.can_read_audit(self.scope), _("Only district officials can read the audit log.")
        )
        return super().get_queryset()


class NotificationViewSet(ScopedReadOnlyViewSet):
    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    lookup_field = "pk"

    @extend_schema(
        request=None,
        responses={200: inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        return Response({"marked": services.mark_notifications_read(user=request.user)})
