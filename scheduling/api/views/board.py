"""The grouping board and its steps, and the groups."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES, ScopedViewSetMixin
from aftercare.errors import InvalidInput
from aftercare.models import User
from aftercare.tenancy import get_visible_or_404, scope_for
from enrollment.models import Student
from plans.models import SchoolPlan
from scheduling import checks, rules, selectors
from scheduling.api import serializers as s
from scheduling.models import (
    CareGroup,
    GroupKind,
)
from scheduling.services import grouping as grouping_services
from scheduling.services import sessions as session_services

from .common import WRITE_ERRORS, require_view

# --------------------------------------------------------------------------- the board


def _plan(request, plan_id) -> SchoolPlan:
    plan = get_visible_or_404(
        SchoolPlan.objects.select_related("school", "semester"),
        scope_for(request),
        public_id=plan_id,
    )
    require_view(scope_for(request), plan.school)
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
