"""API of extended-course registration: the rush endpoint, registrations, offers, the
school's seat overview, round one and the lottery."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from aftercare import net
from aftercare.api_base import ERROR_RESPONSES, ScopedViewSetMixin
from aftercare.errors import NotAllowed
from aftercare.tenancy import get_visible_or_404, scope_for
from enrollment.models import Channel, CourseRegistration, LotteryDraw
from enrollment.selectors.courses import course_board, published_plan_for
from enrollment.selectors.families import children_of
from enrollment.services import registration
from plans.models import Course


class RegisterInput(serializers.Serializer):
    student = serializers.UUIDField(help_text=_("The child's id."))


class RegistrationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    course = serializers.UUIDField(source="course.public_id", read_only=True)
    course_name = serializers.CharField(source="course.name", read_only=True)
    student = serializers.UUIDField(source="student.public_id", read_only=True)
    student_name = serializers.CharField(source="student.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    position = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = CourseRegistration
        fields = [
            "id",
            "course",
            "course_name",
            "student",
            "student_name",
            "status",
            "status_label",
            "position",
            "round",
            "created_at",
            "offer_expires_at",
            "lottery_rank",
            "lottery_tier",
        ]


class RegisterResult(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["confirmed", "waitlisted", "entered"])
    message = serializers.CharField()


class RegisterView(APIView):
    """Register a child for an extended course (the rush endpoint).

    First come, first served inside the window: 201 with ``confirmed`` (a seat) or
    ``waitlisted`` (the course is full); in a lottery window ``entered``. Refusals are 409
    with codes ``window_closed`` (the message gives the window's times),
    ``already_registered``, ``limit_reached``, ``no_application``, ``not_eligible``,
    ``course_cancelled`` (the course was cancelled after round one or dropped by an
    amendment: nothing is written).
    """

    def claim(self, request, student, info) -> registration.Outcome:
        return registration.register(
            actor=request.user,
            student=student,
            info=info,
            channel=Channel.API,
            ip=net.client_ip(request),
        )

    @extend_schema(
        request=RegisterInput,
        responses={
            201: RegisterResult,
            409: OpenApiResponse(ERROR_RESPONSES[400].response, description="Refused"),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request, course_id):
        # The rush path: no scope objects, no ORM compilation, one lookup query; the course
        # of a school the user has no role in is 404 whatever the body (registration.py).
        info = registration.course_info(course_id)
        if info is None:
            raise Http404
        raw = request.data.get("student") if hasattr(request.data, "get") else None
        try:
            key = uuid.UUID(str(raw))
        except ValueError as err:
            if not registration.user_reaches_school(request.user, info):
                raise Http404 from err
            code, msg = (
                ("required", _("This field is required."))
                if not raw
                else ("invalid", _("Must be a valid UUID."))
            )
            raise serializers.ValidationError({"student": [ErrorDetail(msg, code=code)]}) from err
        reaches, student, info = registration.lookup_for_claim(request.user, info, key)
        if not reaches or student is None:
            raise Http404
        outcome = self.claim(request, student, info)
        message = str(registration.OUTCOME_MESSAGES[outcome.status]) % {
            "student": student.name,
            "course": info.name,
        }
        return Response(
            {"id": outcome.public_id, "status": outcome.status, "message": message},
            status=status.HTTP_201_CREATED,
        )


class RegistrationFilter(filters.FilterSet):
    course = filters.UUIDFilter(field_name="course__public_id")
    student = filters.UUIDFilter(field_name="student__public_id")

    class Meta:
        model = CourseRegistration
        fields = ["course", "student", "status"]


class RegistrationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Registrations the caller may see: parents their children's, homeroom teachers their
    class's, the school its own, officials their district's."""

    queryset = CourseRegistration.objects.select_related("course", "student")
    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter

    def base_queryset(self):
        return registration.with_positions(super().base_queryset())

    def _family_action(self, request, handler):
        reg = self.get_object()
        if not reg.student.guardianships.filter(user=request.user).exists():
            raise NotAllowed(_("Only the child's guardians can do this."))
        reg = handler(actor=request.user, registration=reg)
        return Response(self.get_serializer(self.get_queryset().get(pk=reg.pk)).data)

    @extend_schema(request=None, responses={200: RegistrationSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def accept(self, request, public_id=None):
        """Accept a seat offered from the waiting list (before its deadline)."""
        return self._family_action(request, registration.accept_offer)

    @extend_schema(request=None, responses={200: RegistrationSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def decline(self, request, public_id=None):
        """Decline an offered seat; it goes to the next in line."""
        return self._family_action(request, registration.decline_offer)

    @extend_schema(request=None, responses={200: RegistrationSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def cancel(self, request, public_id=None):
        """Give up a seat, a waiting-list place or a lottery entry."""
        return self._family_action(request, registration.cancel_registration)


class CourseRowSerializer(serializers.Serializer):
    course = serializers.UUIDField(source="course.public_id")
    name = serializers.CharField(source="course.name")
    capacity = serializers.IntegerField(source="course.capacity")
    free = serializers.IntegerField()
    status = serializers.CharField()
    can_register = serializers.BooleanField()
    registration = RegistrationSerializer(allow_null=True)
    position = serializers.IntegerField(allow_null=True)


class BoardSerializer(serializers.Serializer):
    student = serializers.UUIDField(source="student.public_id")
    student_name = serializers.CharField(source="student.name")
    plan = serializers.UUIDField(source="plan.public_id", allow_null=True)
    registration_open = serializers.SerializerMethodField()
    applied = serializers.SerializerMethodField()
    courses = CourseRowSerializer(source="rows", many=True)

    def get_registration_open(self, board) -> bool:
        return board.open_window is not None

    def get_applied(self, board) -> bool:
        return board.application is not None


class FamilyCoursesView(APIView):
    """For each of the caller's children: the courses of the current published plan, free
    seats, whether registration is open and the child's own entries."""

    @extend_schema(responses={200: BoardSerializer(many=True)})
    def get(self, request):
        scope = scope_for(request)
        now = timezone.now()
        boards = [
            course_board(student=c, now=now) for c in children_of(user=request.user, scope=scope)
        ]
        return Response(BoardSerializer(boards, many=True).data)


def _published(request, plan_id):
    plan, version = published_plan_for(scope_for(request), plan_id)
    if version is None:
        raise Http404
    return plan, version


class SeatRowSerializer(serializers.Serializer):
    course = serializers.UUIDField(source="course.public_id")
    name = serializers.CharField(source="course.name")
    capacity = serializers.IntegerField(source="capacity.capacity")
    taken = serializers.IntegerField(source="capacity.taken")
    status = serializers.CharField(source="capacity.status")
    min_size = serializers.IntegerField(source="course.min_size")
    confirmed = serializers.IntegerField()
    offered = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    entered = serializers.IntegerField()
    drawn = serializers.BooleanField()


class SeatsView(APIView):
    """Seats per course of a school's published plan (school managers, district officials)."""

    @extend_schema(responses={200: SeatRowSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request, plan_id):
        _plan, version = _published(request, plan_id)
        return Response(SeatRowSerializer(registration.seats_overview(version), many=True).data)


class CloseRoundOneView(APIView):
    """Cancel the courses below their minimum size; their students get round two."""

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "RoundOneClosed",
                {"cancelled": serializers.ListField(child=serializers.UUIDField())},
            ),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request, plan_id):
        _plan, version = _published(request, plan_id)
        cancelled = registration.close_round_one(actor=request.user, plan_version=version)
        return Response({"cancelled": [c.public_id for c in cancelled]})


class DrawSerializer(serializers.ModelSerializer):
    course = serializers.UUIDField(source="course.public_id", read_only=True)
    entries = serializers.ListField(
        child=serializers.DictField(),
        help_text=_("Tokens in draw order with rank, tier and result (no names)."),
    )
    results = serializers.ListField(
        child=serializers.DictField(),
        help_text=_("Masked names with their result, sorted by name (no token, tier or rank)."),
    )

    class Meta:
        model = LotteryDraw
        fields = ["course", "commitment", "committed_at", "seed", "entries", "results", "drawn_at"]


class DrawView(APIView):
    """Draw the lottery of a course after its window closed (school managers). The seed is
    the one the server committed to when the plan was published (its SHA-256 was public
    before any entry); it cannot be chosen. A ``seed`` in the body is ignored."""

    @extend_schema(request=None, responses={201: DrawSerializer, **ERROR_RESPONSES})
    def post(self, request, course_id):
        course = get_visible_or_404(
            Course.objects.select_related("school"), scope_for(request), public_id=course_id
        )
        draw = registration.draw_lottery(actor=request.user, course=course)
        return Response(DrawSerializer(draw).data, status=status.HTTP_201_CREATED)


class PublicDrawSerializer(serializers.Serializer):
    course = serializers.UUIDField(source="course.public_id")
    course_name = serializers.CharField(source="course.name")
    commitment = serializers.CharField()
    committed_at = serializers.DateTimeField(allow_null=True)
    drawn = serializers.BooleanField()
    seed = serializers.CharField(source="draw.seed", allow_null=True, default=None)
    drawn_at = serializers.DateTimeField(source="draw.drawn_at", allow_null=True, default=None)
    commitment_verified = serializers.BooleanField(
        allow_null=True, help_text=_("SHA-256 of the revealed seed equals the commitment.")
    )
    rerun_matches = serializers.BooleanField(
        help_text=_("Re-running the draw from the seed and tokens gives the published order.")
    )
    entries = serializers.ListField(
        source="draw.entries", child=serializers.DictField(), default=list
    )
    results = serializers.ListField(
        source="draw.results", child=serializers.DictField(), default=list
    )


class PublicDrawView(APIView):
    """A lottery in public (no login): the seed's commitment from publication on; after the
    draw the seed, whether it matches the commitment, the tokens in draw order with tier and
    result, and the masked names with their results — never a tier next to a name."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: PublicDrawSerializer, 404: ERROR_RESPONSES[404]})
    def get(self, request, course_id):
        course = Course.objects.filter(public_id=course_id).first()
        record = registration.public_draw(course) if course is not None else None
        if record is None:
            raise Http404
        return Response(PublicDrawSerializer(record).data)


router = SimpleRouter()
router.register("registrations", RegistrationViewSet, basename="registration")

urlpatterns = [
    path("courses/<uuid:course_id>/register/", RegisterView.as_view(), name="course-register"),
    path("courses/<uuid:course_id>/draw/", DrawView.as_view(), name="course-draw"),
    path("courses/<uuid:course_id>/lottery/", PublicDrawView.as_view(), name="course-lottery"),
    path("family/courses/", FamilyCoursesView.as_view(), name="family-courses"),
    path("plans/<uuid:plan_id>/seats/", SeatsView.as_view(), name="plan-seats"),
    path(
        "plans/<uuid:plan_id>/close-round-one/",
        CloseRoundOneView.as_view(),
        name="plan-close-round-one",
    ),
    *router.urls,
]
