"""REST API of scheduling, under /api/v1/ — everything the pages do.

institutions/ · {id}/ · {id}/status/          the district's whitelist (officials write)
staff/ · {id}/ · {id}/vetting/                 school staff; a vetting step with its document
vetting-records/{id}/document/                 the document (managers, officials, the person)
schools/{school_id}/staff/import/ · export/    the staff list as .xlsx (all or nothing)
rooms/ · {id}/
plans/{plan_id}/scheduling/                    the board: status, violations, staffing, groups
plans/{plan_id}/scheduling/propose/ · confirm/ · place/ · generate-sessions/ · cancel-day/
groups/ · {id}/ · {id}/move/ · merge/ · split/
assignments/ · {id}/                           teachers, managers, duty leaders per weekday
room-bookings/ · {id}/
sessions/ · {id}/                              scoped: teachers see the groups they teach
family/sessions/                               a parent's children's sessions
district-sessions/                             generate every school's sessions (Celery)

Objects are found through ``visible_to`` (another tenant's or school's: 404); services answer
403 for a wrong role, 409 for a wrong state and 400 (with the reasons) for the impossible.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA, ScopedViewSetMixin
from aftercare.errors import InvalidInput
from aftercare.models import School, Semester, User
from aftercare.tenancy import get_visible_or_404, scope_for
from enrollment.models import Student
from plans.models import SchoolPlan
from scheduling import checks, rules, selectors
from scheduling.api import serializers as s
from scheduling.models import (
    Assignment,
    CareGroup,
    GroupKind,
    Institution,
    Room,
    RoomBooking,
    Session,
    StaffMember,
    VettingRecord,
)
from scheduling.services import assignments as staffing_services
from scheduling.services import grouping as grouping_services
from scheduling.services import sessions as session_services
from scheduling.services import staff as staff_services
from scheduling.services.staff_import import export_staff, import_staff
from scheduling.tasks import QUEUE, generate_district_sessions
from scheduling.views.staff import document_response

CONFLICT = {409: OpenApiResponse(ERROR_SCHEMA, description="Wrong state for this step")}
WRITE_ERRORS = {**ERROR_RESPONSES, **CONFLICT}


def _school(scope, public_id) -> School:
    return get_visible_or_404(School, scope, public_id=public_id)


def _require_view(scope, school) -> None:
    if not rules.can_view_school(scope, school):
        raise PermissionDenied


# --------------------------------------------------------------------------- institutions


class InstitutionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The district's approved third-party institutions (members of the district read it;
    officials add, change, suspend or remove)."""

    queryset = Institution.objects.all()
    serializer_class = s.InstitutionSerializer
    http_method_names = ["get", "post", "patch"]

    def base_queryset(self):
        return Institution.objects.order_by("district_id", "name")

    @extend_schema(
        request=s.InstitutionSerializer, responses={201: s.InstitutionSerializer, **WRITE_ERRORS}
    )
    def create(self, request):
        data = s.InstitutionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        districts = self.scope.official_district_objects
        if not districts:
            raise PermissionDenied
        inst = staff_services.save_institution(
            actor=request.user, district=districts[0], data=data.validated_data
        )
        return Response(s.InstitutionSerializer(inst).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.InstitutionSerializer, responses={200: s.InstitutionSerializer, **WRITE_ERRORS}
    )
    def partial_update(self, request, public_id=None):
        inst = self.get_object()
        data = s.InstitutionSerializer(inst, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        inst = staff_services.save_institution(
            actor=request.user, district=inst.district, data=data.validated_data, institution=inst
        )
        return Response(s.InstitutionSerializer(inst).data)

    @extend_schema(
        request=s.InstitutionStatusSerializer,
        responses={200: s.InstitutionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def status(self, request, public_id=None):
        inst = self.get_object()
        data = s.InstitutionStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inst = staff_services.set_institution_status(
            actor=request.user, institution=inst, **data.validated_data
        )
        return Response(s.InstitutionSerializer(inst).data)


# --------------------------------------------------------------------------- staff


class StaffFilter(filters.FilterSet):
    school = filters.UUIDFilter(field_name="school__public_id")

    class Meta:
        model = StaffMember
        fields = ["school", "kind", "is_active"]


class StaffViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """School staff for after-school service: managers and officials see a school's list,
    a teacher their own record."""

    queryset = StaffMember.objects.all()
    serializer_class = s.StaffSerializer
    filterset_class = StaffFilter

    def base_queryset(self):
        return (
            StaffMember.objects.select_related("school", "user", "institution")
            .prefetch_related("vetting")
            .order_by("school_id", "kind", "full_name", "id")
        )

    def _values(self, data: dict, school) -> dict:
        values = dict(data)
        values.pop("school", None)
        if values.get("user"):
            user = selectors.staff_users(school).filter(public_id=values["user"]).first()
            if user is None:
                raise InvalidInput(
                    fields={"user": [_("Choose a user with a staff role at the school.")]}
                )
            values["user"] = user
        elif "user" in values:
            values["user"] = None
        if values.get("institution"):
            values["institution"] = get_visible_or_404(
                Institution.objects.filter(district_id=school.district_id),
                self.scope,
                public_id=values["institution"],
            )
        elif "institution" in values:
            values["institution"] = None
        return values

    @extend_schema(
        request=s.StaffWriteSerializer, responses={201: s.StaffSerializer, **WRITE_ERRORS}
    )
    def create(self, request):
        data = s.StaffWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data.get("school"):
            raise InvalidInput(fields={"school": [_("This field is required.")]})
        school = _school(self.scope, data.validated_data["school"])
        staff = staff_services.save_staff(
            actor=request.user, school=school, data=self._values(data.validated_data, school)
        )
        return Response(
            s.StaffSerializer(self.base_queryset().get(pk=staff.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=s.StaffWriteSerializer, responses={200: s.StaffSerializer, **WRITE_ERRORS}
    )
    def partial_update(self, request, public_id=None):
        staff = self.get_object()
        data = s.StaffWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        staff_services.save_staff(
            actor=request.user,
            school=staff.school,
            data=self._values(data.validated_data, staff.school),
            staff=staff,
        )
        return Response(s.StaffSerializer(self.base_queryset().get(pk=staff.pk)).data)

    @extend_schema(
        request={"multipart/form-data": s.VettingUploadSerializer},
        responses={201: s.VettingRecordSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def vetting(self, request, public_id=None):
        staff = self.get_object()
        data = s.VettingUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = staff_services.record_vetting(
            actor=request.user,
            staff=staff,
            step=data.validated_data["step"],
            done_on=data.validated_data["done_on"],
            upload=data.validated_data["document"],
        )
        return Response(s.VettingRecordSerializer(record).data, status=status.HTTP_201_CREATED)


StaffViewSet.http_method_names = ["get", "post", "patch"]


class VettingRecordViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    queryset = VettingRecord.objects.all()
    serializer_class = s.VettingRecordSerializer

    def base_queryset(self):
        return VettingRecord.objects.select_related("staff")

    @extend_schema(
        summary="A vetting document (the school's managers, district officials, the person)",
        responses={(200, "application/octet-stream"): bytes, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def document(self, request, public_id=None):
        record = self.get_object()
        if not rules.can_read_vetting(self.scope, record):
            raise Http404
        return document_response(record)


class StaffImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import the school's staff list (.xlsx/.csv): all rows or none",
        description="400 ``staff_file_invalid_rows`` lists every bad cell as "
        "``fields['row.<n>.<column>']``; nothing is written then.",
        request={"multipart/form-data": s.UploadSerializer},
        responses={200: s.ImportResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request, school_id):
        school = _school(scope_for(request), school_id)
        data = s.UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        result = import_staff(
            actor=request.user,
            school=school,
            content=upload.read(),
            filename=upload.name,
            dry_run=data.validated_data["dry_run"],
        )
        return Response(result.as_dict())


class StaffExportView(APIView):
    @extend_schema(
        summary="The school's staff list as .xlsx",
        responses={(200, "application/octet-stream"): bytes, **ERROR_RESPONSES},
    )
    def get(self, request, school_id):
        school = _school(scope_for(request), school_id)
        content, filename = export_staff(actor=request.user, school=school)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


# --------------------------------------------------------------------------- rooms


class RoomViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Room.objects.all()
    serializer_class = s.RoomSerializer
    http_method_names = ["get", "post", "patch"]

    def base_queryset(self):
        return Room.objects.select_related("school").order_by("school_id", "name")

    @extend_schema(request=s.RoomSerializer, responses={201: s.RoomSerializer, **WRITE_ERRORS})
    def create(self, request):
        data = s.RoomSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        school = _school(self.scope, values.pop("school")["public_id"])
        room = staff_services.save_room(actor=request.user, school=school, data=values)
        return Response(s.RoomSerializer(room).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.RoomUpdateSerializer, responses={200: s.RoomSerializer, **WRITE_ERRORS}
    )
    def partial_update(self, request, public_id=None):
        room = self.get_object()
        data = s.RoomUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room = staff_services.save_room(
            actor=request.user, school=room.school, data=data.validated_data, room=room
        )
        return Response(s.RoomSerializer(room).data)


# --------------------------------------------------------------------------- the board


def _plan(request, plan_id) -> SchoolPlan:
    plan = get_visible_or_404(
        SchoolPlan.objects.select_related("school", "semester"),
        scope_for(request),
        public_id=plan_id,
    )
    _require_view(scope_for(request), plan.school)
    return plan


def board_data(plan: SchoolPlan) -> dict:
    board = selectors.load_board(plan, with_calendar=True)
    ids = {g.pk: g.public_id for g in board.groups}
    for g in board.groups:
        g.size = board.sizes.get(g.pk, 0)
    counts = selectors.session_counts([plan.pk]).get(plan.pk, {"scheduled": 0, "cancelled": 0})
    return {
        "plan": plan.public_id,
        "published_version": board.version.number if board.version else None,
        "status": board.grouping.status if board.grouping else None,
        "participants": len(board.participants),
        "unplaced": len(board.unplaced()),
        "rules": {**board.rules.grouping.as_dict(), **vars(board.rules.staffing)},
        "rules_by_group": {
            str(g.public_id): {
                **board.rules_for(g).grouping.as_dict(),
                **vars(board.rules_for(g).staffing),
            }
            for g in board.groups
        },
        "violations": [
            {"code": i.code, "message": i.message, "group": ids.get(i.group_id)}
            for i in checks.check(board)
        ],
        "staffing": [vars(d) for d in checks.staffing(board)],
        "groups": board.groups,
        "sessions": dict(counts),
    }


class BoardView(APIView):
    @extend_schema(
        summary="A plan's groups, violations and staffing (required vs assigned)",
        responses={200: s.SchedulingBoardSerializer, **ERROR_RESPONSES},
    )
    def get(self, request, plan_id):
        return Response(s.SchedulingBoardSerializer(board_data(_plan(request, plan_id))).data)


class BoardActionView(APIView):
    """POST plans/{plan_id}/scheduling/<step>/ — one grouping or session step."""

    step = ""

    def post(self, request, plan_id):
        plan = _plan(request, plan_id)
        user: User = request.user
        if self.step == "propose":
            grouping_services.propose_groups(actor=user, plan=plan)
        elif self.step == "confirm":
            grouping_services.confirm_grouping(actor=user, plan=plan)
        elif self.step == "place":
            grouping_services.place_new_participants(actor=user, plan=plan)
        elif self.step == "generate-sessions":
            result = session_services.generate_sessions(actor=user, plan=plan)
            return Response(s.GenerationSerializer(result.as_dict()).data)
        elif self.step == "cancel-day":
            data = s.CancelDaySerializer(data=request.data)
            data.is_valid(raise_exception=True)
            session_services.cancel_day(
                actor=user,
                plan=plan,
                day=data.validated_data["date"],
                reason=data.validated_data["reason"],
            )
        return Response(s.SchedulingBoardSerializer(board_data(plan)).data)


def _board_step(step: str, summary: str, request_serializer=None, response=None):
    view = type(
        f"Board{step.title().replace('-', '')}View",
        (BoardActionView,),
        {"step": step},
    )
    view.post = extend_schema(
        summary=summary,
        request=request_serializer,
        responses={200: response or s.SchedulingBoardSerializer, **WRITE_ERRORS},
    )(view.post)
    return view


ProposeView = _board_step(
    "propose",
    "Propose basic-care groups by the district's rules (409 plan_not_published, "
    "grouping_confirmed; 400 no_participants)",
)
ConfirmView = _board_step(
    "confirm", "Confirm groups and staffing (409 violations lists every broken rule)"
)
PlaceView = _board_step("place", "Place participants approved after confirmation")
GenerateView = _board_step(
    "generate-sessions",
    "Generate the semester's sessions (idempotent; later runs rewrite dates after today)",
    response=s.GenerationSerializer,
)
CancelDayView = _board_step(
    "cancel-day",
    "Cancel every session of a day with the reason; families are told",
    request_serializer=s.CancelDaySerializer,
)


# --------------------------------------------------------------------------- groups


class GroupFilter(filters.FilterSet):
    plan = filters.UUIDFilter(field_name="plan__public_id")

    class Meta:
        model = CareGroup
        fields = ["plan", "kind"]


class GroupViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Groups and course sections: school managers and officials see the school's, teachers
    the groups they are assigned to."""

    queryset = CareGroup.objects.all()
    serializer_class = s.GroupSerializer
    filterset_class = GroupFilter

    def base_queryset(self):
        return CareGroup.objects.select_related("plan", "course").order_by(
            "plan_id", "kind", "position", "id"
        )

    def retrieve(self, request, public_id=None):
        group = self.get_object()
        board = selectors.load_board(group.plan, with_calendar=False)
        group.size = board.sizes.get(group.pk, 0)
        members = board.members.get(group.pk, []) if group.kind == GroupKind.BASIC else []
        for m in members:
            m.participating = m.student_id in board.participants
        group.members_list = members
        data = s.GroupSerializer(group).data
        data["members"] = s.MemberSerializer(members, many=True).data
        return Response(data)

    def _manage(self, group):
        if not rules.can_manage_school(self.scope, group.plan.school):
            raise PermissionDenied
        return group.plan

    def _students(self, plan, ids) -> list[int]:
        found = dict(
            Student.objects.filter(school_id=plan.school_id, public_id__in=ids).values_list(
                "public_id", "pk"
            )
        )
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise InvalidInput(fields={"students": [", ".join(missing)]})
        return [found[i] for i in ids]

    @extend_schema(request=s.MoveSerializer, responses={200: s.GroupSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def move(self, request, public_id=None):
        """Move participants into this group (allowed after confirmation too)."""
        group = self.get_object()
        plan = self._manage(group)
        data = s.MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grouping_services.move_students(
            actor=request.user,
            plan=plan,
            students=self._students(plan, data.validated_data["students"]),
            to_group=group,
            note=data.validated_data["note"],
        )
        return self.retrieve(request, public_id)

    @extend_schema(request=s.MergeSerializer, responses={200: s.GroupSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def merge(self, request, public_id=None):
        group = self.get_object()
        plan = self._manage(group)
        data = s.MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        other = get_visible_or_404(
            CareGroup.objects.filter(plan=plan), self.scope, public_id=data.validated_data["other"]
        )
        grouping_services.merge_groups(actor=request.user, plan=plan, group=group, other=other)
        return self.retrieve(request, public_id)

    @extend_schema(request=s.SplitSerializer, responses={201: s.GroupSerializer, **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def split(self, request, public_id=None):
        group = self.get_object()
        plan = self._manage(group)
        data = s.SplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data.get("students")
        new = grouping_services.split_group(
            actor=request.user,
            plan=plan,
            group=group,
            students=self._students(plan, ids) if ids else None,
        )
        return Response(s.GroupSerializer(new).data, status=status.HTTP_201_CREATED)


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
