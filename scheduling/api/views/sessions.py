"""Assignments, room bookings and the dated sessions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES, ScopedViewSetMixin
from aftercare.models import Semester
from aftercare.tenancy import get_visible_or_404, scope_for
from plans.models import SchoolPlan
from scheduling import selectors
from scheduling.api import serializers as s
from scheduling.models import (
    Assignment,
    CareGroup,
    Room,
    RoomBooking,
    Session,
    StaffMember,
)
from scheduling.services import assignments as staffing_services
from scheduling.tasks import QUEUE, generate_district_sessions

from .common import WRITE_ERRORS

# --------------------------------------------------------------------------- assignments


class AssignmentFilter(filters.FilterSet):
    plan = filters.UUIDFilter(field_name="plan__public_id")
    group = filters.UUIDFilter(field_name="group__public_id")

    class Meta:
        model = Assignment
        fields = ["plan", "group", "role", "weekday"]


class AssignmentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Assignment.objects.all()
    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilter

    def base_queryset(self):
        return Assignment.objects.select_related("plan", "staff", "group").order_by(
            "plan_id", "weekday", "role", "id"
        )

    @extend_schema(
        summary="Assign a teacher to a group, or a manager / duty leader to the day",
        description="All weekdays or none: 400 ``impossible_assignment`` lists every reason "
        "(two places at once, unvetted, institution not approved, paid-lesson caps).",
        request=s.AssignSerializer,
        responses={201: s.AssignmentSerializer(many=True), **WRITE_ERRORS},
    )
    def create(self, request):
        data = s.AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        plan = get_visible_or_404(
            SchoolPlan.objects.select_related("school"), self.scope, public_id=v["plan"]
        )
        staff = get_visible_or_404(
            StaffMember.objects.filter(school_id=plan.school_id), self.scope, public_id=v["staff"]
        )
        group = (
            get_visible_or_404(
                CareGroup.objects.filter(plan=plan), self.scope, public_id=v["group"]
            )
            if v.get("group")
            else None
        )
        made = staffing_services.assign_staff(
            actor=request.user,
            plan=plan,
            staff=staff,
            role=v["role"],
            weekdays=v["weekdays"],
            group=group,
        )
        return Response(
            s.AssignmentSerializer(made, many=True).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def destroy(self, request, public_id=None):
        staffing_services.unassign(actor=request.user, assignment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomBookingViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = RoomBooking.objects.all()
    serializer_class = s.RoomBookingSerializer

    def base_queryset(self):
        return RoomBooking.objects.select_related("group", "room", "plan").order_by(
            "group_id", "weekday"
        )

    @extend_schema(
        summary="Put a group in a room on weekdays (400 impossible_booking with the reasons)",
        request=s.BookSerializer,
        responses={201: s.RoomBookingSerializer(many=True), **WRITE_ERRORS},
    )
    def create(self, request):
        data = s.BookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        group = get_visible_or_404(
            CareGroup.objects.select_related("plan__school"), self.scope, public_id=v["group"]
        )
        room = get_visible_or_404(
            Room.objects.filter(school_id=group.school_id), self.scope, public_id=v["room"]
        )
        made = staffing_services.book_room(
            actor=request.user, plan=group.plan, group=group, room=room, weekdays=v["weekdays"]
        )
        return Response(
            s.RoomBookingSerializer(made, many=True).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def destroy(self, request, public_id=None):
        staffing_services.unbook_room(actor=request.user, booking=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------- sessions


class SessionFilter(filters.FilterSet):
    plan = filters.UUIDFilter(field_name="plan__public_id")
    group = filters.UUIDFilter(field_name="group__public_id")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Session
        fields = ["plan", "group", "date_from", "date_to", "status"]


class SessionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Sessions: officials and school managers see the school's; teachers those of the groups
    they are assigned to (``?mine=1`` narrows to their weekday assignments)."""

    queryset = Session.objects.all()
    serializer_class = s.SessionSerializer
    filterset_class = SessionFilter

    def base_queryset(self):
        return Session.objects.select_related("group", "plan").order_by(
            "date", "start_time", "group_id", "id"
        )

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("mine"):
            qs = qs.filter(
                group__assignments__staff__user=self.request.user,
                group__assignments__weekday=F("weekday"),
            ).distinct()
        return qs

    def _decorate(self, sessions):
        sessions = list(sessions)
        selectors.sessions_with_staff(sessions, {x.plan_id for x in sessions})
        return sessions

    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(
            s.SessionSerializer(self._decorate(page), many=True).data
        )

    def retrieve(self, request, public_id=None):
        return Response(s.SessionSerializer(self._decorate([self.get_object()])[0]).data)


class FamilySessionsView(APIView):
    @extend_schema(
        summary="The caller's children's sessions for the next two weeks",
        responses={200: s.ChildSessionsSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request):
        today = timezone.localdate()
        children = selectors.children_sessions(
            scope=scope_for(request), user=request.user, start=today, days=14
        )
        return Response(
            s.ChildSessionsSerializer(
                [{"child": c, "sessions": sessions} for c, sessions in children], many=True
            ).data
        )


class DistrictSessionsView(APIView):
    @extend_schema(
        summary="Generate the sessions of every school of the district (a Celery job)",
        description="Officials only. Runs on the ``scheduling`` queue; the answer is the "
        "task id. Schools without a published plan or confirmed groups are skipped.",
        request=s.DistrictGenerateSerializer,
        responses={202: s.TaskSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = s.DistrictGenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scope = scope_for(request)
        semester = get_visible_or_404(Semester, scope, public_id=data.validated_data["semester"])
        if not scope.is_official(semester.district_id):
            raise PermissionDenied
        task = generate_district_sessions.apply_async(
            (semester.district_id, semester.pk, request.user.pk), queue=QUEUE
        )
        return Response({"task_id": task.id}, status=status.HTTP_202_ACCEPTED)
