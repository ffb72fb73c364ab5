"""Enrollment API: students as the caller may see them; a school's roster import/export;
parent sign-up with an SMS code; binding a child."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare import net, rules, uploads
from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA, ScopedReadOnlyViewSet
from aftercare.audit import record_event
from aftercare.errors import NotAllowed
from aftercare.models import School
from aftercare.services import tokens
from aftercare.tenancy import get_visible_or_404, scope_for
from enrollment import rules as enrollment_rules
from enrollment.models import (
    SMS_CODE_TTL,
    SMS_RESEND_COOLDOWN,
    BindingRequest,
    Guardianship,
    Relation,
    Student,
)
from enrollment.resources import MAX_FILE_MB, too_large
from enrollment.selectors import families as selectors
from enrollment.services import families as services


class GuardianSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.full_name")
    mobile = serializers.CharField(
        source="shown_mobile",
        help_text="in full for the school's staff and for the guardian's own row; "
        "masked (138****0002) for anyone else",
    )

    class Meta:
        model = Guardianship
        fields = ["name", "mobile", "relation"]


class StudentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    school_class = serializers.UUIDField(source="school_class.public_id", read_only=True)
    class_name = serializers.CharField(source="school_class.name", read_only=True)
    grade = serializers.IntegerField(source="school_class.grade", read_only=True)

    class Meta:
        model = Student
        fields = [
            "id",
            "school",
            "school_class",
            "class_name",
            "grade",
            "student_number",
            "name",
            "gender",
            "is_active",
        ]


class StudentDetailSerializer(StudentSerializer):
    guardians = GuardianSerializer(source="guardianships", many=True, read_only=True)

    class Meta(StudentSerializer.Meta):
        fields = [*StudentSerializer.Meta.fields, "guardians"]


class StudentFilter(filters.FilterSet):
    school = filters.UUIDFilter(field_name="school__public_id")
    school_class = filters.UUIDFilter(field_name="school_class__public_id")
    grade = filters.NumberFilter(field_name="school_class__grade")

    class Meta:
        model = Student
        fields = ["school", "school_class", "grade", "is_active"]


class StudentViewSet(ScopedReadOnlyViewSet):
    """Students the caller may see: officials their district, schools their own,
    homeroom teachers their classes, parents their children. Staff reads of one record
    are written to the audit log."""

    queryset = Student.objects.select_related("school", "school_class")
    filterset_class = StudentFilter

    def get_serializer_class(self):
        return StudentDetailSerializer if self.action == "retrieve" else StudentSerializer

    def base_queryset(self):
        qs = super().base_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("guardianships__user")
        return qs

    def retrieve(self, request, *args, **kwargs):
        student = self.get_object()
        guardians, revealed = selectors.guardians_shown(scope=self.scope, student=student)
        if rules.is_staff_reader(self.scope, student.school_id, student.district_id):
            payload = {"guardian_mobiles": True} if revealed else None
            record_event(actor=request.user, action="student.viewed", obj=student, payload=payload)
        data = self.get_serializer(student).data
        data["guardians"] = GuardianSerializer(guardians, many=True).data
        return Response(data)


# --------------------------------------------------------------------------- sign-up


def _client_ip(request) -> str | None:
    return net.client_ip(request)


RATE_LIMITED = {429: OpenApiResponse(ERROR_SCHEMA, description="Rate limit reached")}


class SmsCodeRequestSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=20, help_text="11-digit mainland mobile number")


class SmsCodeSentSerializer(serializers.Serializer):
    expires_in = serializers.IntegerField(help_text="seconds the code stays valid")
    resend_in = serializers.IntegerField(help_text="seconds until a new code may be asked for")


class SmsCodeView(APIView):
    """Send a 6-digit sign-up code by SMS to a mobile number without an account.

    One code per number per 60 s and 10 per day (429 ``sms_cooldown`` / ``sms_daily_limit``);
    a registered number gets 409 ``already_registered``.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=SmsCodeRequestSerializer,
        responses={
            200: SmsCodeSentSerializer,
            **ERROR_RESPONSES,
            409: OpenApiResponse(ERROR_SCHEMA, description="Already registered"),
            **RATE_LIMITED,
        },
    )
    def post(self, request):
        data = SmsCodeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.request_signup_code(
            mobile=data.validated_data["mobile"], ip_address=_client_ip(request)
        )
        return Response(
            {
                "expires_in": int(SMS_CODE_TTL.total_seconds()),
                "resend_in": int(SMS_RESEND_COOLDOWN.total_seconds()),
            }
        )


class SignupSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=20)
    code = serializers.CharField(max_length=6, help_text="the code from the text message")
    full_name = serializers.CharField(max_length=64)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class SignedUpSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="send as `Authorization: Token <key>`")
    id = serializers.UUIDField()
    full_name = serializers.CharField()
    mobile = serializers.CharField()


class SignupView(APIView):
    """Create a parent account with the SMS code; returns an API token (logged in).

    A wrong code answers 400 with the attempts left; after 5 wrong codes a new code is needed.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=SignupSerializer,
        responses={
            201: SignedUpSerializer,
            **ERROR_RESPONSES,
            409: OpenApiResponse(ERROR_SCHEMA, description="Already registered"),
        },
    )
    def post(self, request):
        data = SignupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.sign_up_parent(**data.validated_data, ip_address=_client_ip(request))
        issued = tokens.issue_token(user=user)
        return Response(
            {
                "token": issued.key,
                "id": user.public_id,
                "full_name": user.full_name,
                "mobile": user.mobile,
            },
            status=status.HTTP_201_CREATED,
        )


# --------------------------------------------------------------------------- binding


class BindChildSerializer(serializers.Serializer):
    student_number = serializers.CharField(max_length=32)
    student_name = serializers.CharField(max_length=64)
    relation = serializers.ChoiceField(choices=Relation.choices)


class BoundChildSerializer(StudentSerializer):
    relation = serializers.CharField(read_only=True)

    class Meta(StudentSerializer.Meta):
        fields = [*StudentSerializer.Meta.fields, "relation"]


class PendingBindingSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="request.public_id")
    status = serializers.CharField()
    student_name = serializers.CharField(source="student.name")
    message = serializers.CharField()


class FamilyChildrenView(APIView):
    """Bind a child to the caller's account by student number (学籍号) and exact name.

    201 when linked now (the caller's mobile is the guardian's mobile on the school's
    roster), 200 when it already was; 202 ``pending`` when the roster does not know the
    caller's mobile: the school confirms or refuses the binding first (see
    ``/api/v1/binding-requests/``) and the child stays invisible meanwhile. A mismatch is 400
    ``no_match`` (it never tells whether the number exists); 5 failures within an hour give
    429 ``bind_throttled``. List the caller's children with ``GET /api/v1/students/``.
    """

    @extend_schema(
        request=BindChildSerializer,
        responses={
            201: BoundChildSerializer,
            200: BoundChildSerializer,
            202: PendingBindingSerializer,
            **ERROR_RESPONSES,
            **RATE_LIMITED,
        },
    )
    def post(self, request):
        data = BindChildSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.bind_child(user=request.user, **data.validated_data)
        if outcome.status == "pending":
            outcome.message = _("The school confirms this binding first.")
            return Response(PendingBindingSerializer(outcome).data, status=status.HTTP_202_ACCEPTED)
        student = outcome.student
        student.relation = outcome.guardianship.relation
        return Response(
            BoundChildSerializer(student).data,
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


class BindingRequestSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    student = serializers.UUIDField(source="student.public_id", read_only=True)
    student_name = serializers.CharField(source="student.name", read_only=True)
    class_name = serializers.CharField(source="student.school_class.name", read_only=True)
    requester = serializers.CharField(source="user.full_name", read_only=True)
    mobile_tail = serializers.SerializerMethodField()

    class Meta:
        model = BindingRequest
        fields = [
            "id",
            "student",
            "student_name",
            "class_name",
            "requester",
            "mobile_tail",
            "relation",
            "status",
            "created_at",
            "decided_at",
            "reason",
        ]
        read_only_fields = fields

    def get_mobile_tail(self, obj) -> str:
        return (obj.user.mobile or "")[-4:]


class BindingDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BindingRequestViewSet(ScopedReadOnlyViewSet):
    """Bindings the roster could not confirm: the school's queue (principal, school
    administrators; officials read their district's), and a parent's own requests. ``approve``
    makes the requester a guardian; ``refuse`` needs a reason. Both tell the requester."""

    queryset = BindingRequest.objects.select_related("student__school_class", "user").order_by(
        "created_at", "pk"
    )
    serializer_class = BindingRequestSerializer
    filterset_fields = ["status"]

    def _decide(self, request, approve: bool):
        binding = self.get_object()
        data = BindingDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.decide_binding(
            actor=request.user,
            request=binding,
            approve=approve,
            reason=data.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=done.pk)).data)

    @extend_schema(request=None, responses={200: BindingRequestSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def approve(self, request, public_id=None):
        """Confirm the requester as the child's guardian."""
        return self._decide(request, True)

    @extend_schema(
        request=BindingDecisionSerializer,
        responses={200: BindingRequestSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, public_id=None):
        """Refuse the binding, with the reason the requester is told."""
        return self._decide(request, False)


# --------------------------------------------------------------------------- roster


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=f".xlsx or .csv, at most {MAX_FILE_MB} MB")
    dry_run = serializers.BooleanField(
        default=False, help_text="only check the file and report what an import would do"
    )


class RosterReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField(help_text="student rows in the file")
    new = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    classes_created = serializers.IntegerField()
    homeroom_changes = serializers.IntegerField()
    not_in_file = serializers.IntegerField(
        help_text="students on the roll missing from the file (kept, never deleted)"
    )
    ignored_columns = serializers.ListField(child=serializers.CharField())


class RosterView(APIView):
    """A school's roster (学籍): export it, or import a file with the same columns.

    Columns: 学籍号, 姓名, 性别 (男/女), 年级 (1–9 or 一年级…), 班级 (2 or 2班), 班主任
    (optional: a staff member's user name or mobile), 监护人手机 (optional). Import matches
    students by 学籍号; a file with any bad row is refused whole with 400 ``roster_invalid``,
    whose ``fields`` hold one entry per bad cell, keyed ``row.<spreadsheet row>.<column>``
    (``row.<n>`` for the whole row). File-level problems are 400 ``roster_file_invalid`` on
    the ``file`` field. Import: the school's principal or administrators; export also the
    district's officials.
    """

    max_upload_bytes = MAX_FILE_MB * 1024 * 1024  # refused while streaming: aftercare.uploads

    parser_classes = [MultiPartParser, FormParser]

    def _school(self, request, school_id) -> School:
        return get_visible_or_404(
            School.objects.select_related("district"), scope_for(request), public_id=school_id
        )

    @extend_schema(
        summary="Export the roster (students on the roll) as .xlsx or .csv",
        parameters=[
            OpenApiParameter("file_format", str, enum=["xlsx", "csv"], description="default xlsx")
        ],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiTypes.BINARY
            ),
            (200, "text/csv"): OpenApiTypes.BINARY,
            **ERROR_RESPONSES,
        },
    )
    def get(self, request, school_id):
        school = self._school(request, school_id)
        content, content_type, filename = services.export_roster(
            actor=request.user,
            school=school,
            file_format=request.query_params.get("file_format", "xlsx"),
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    @extend_schema(
        summary="Import (or with dry_run only check) a roster file",
        request={"multipart/form-data": RosterUploadSerializer},
        responses={
            200: RosterReportSerializer,
            **ERROR_RESPONSES,
            409: OpenApiResponse(ERROR_SCHEMA, description="Changed concurrently; try again"),
        },
    )
    def post(self, request, school_id):
        school = self._school(request, school_id)
        if not enrollment_rules.can_import_roster(scope_for(request), school):
            raise NotAllowed(
                _("Only the school's principal or administrators can import its roster.")
            )
        if uploads.refused(request):  # refused while it streamed in (aftercare.uploads)
            raise too_large(self.max_upload_bytes + 1)
        data = RosterUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        error = too_large(upload.size)
        if error is not None:
            raise error
        result = services.import_roster(
            actor=request.user,
            school=school,
            content=upload.read(),
            filename=upload.name,
            dry_run=data.validated_data["dry_run"],
        )
        return Response(RosterReportSerializer(result.as_dict()).data)
