"""School plan endpoints: plans, versions, the working draft and its parts, the check
against the district policy, and the workflow (submit, approve, return, publish, amend).

Readers are district officials (their district's plans) and principals / school
administrators (their schools' plans); teachers and parents get 403 (``plans.rules``). Every
write goes through one service of ``plans.services.plans``, which checks the role and the
version's state (409 ``version_locked`` once submitted or approved).
"""

from __future__ import annotations

from functools import cached_property

from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA, ScopedViewSetMixin, created
from plans.api.common import (
    PLAN_QS,
    UUID_RE,
    plan_for,
    version_with_content,
    versions_qs,
    working_version_for,
)
from plans.api.serializers import (
    PART_SERIALIZERS,
    ApproveSerializer,
    CheckSerializer,
    PlanCreateSerializer,
    PlanGeneralSerializer,
    PlanSerializer,
    ReturnSerializer,
    VersionDetailSerializer,
    ViolationSerializer,
)
from plans.checks import current_policy, evaluate
from plans.models import FROZEN_STATUSES, PlanStatus, PlanVersion, SchoolPlan
from plans.rules import plan_reader_q, require_plan_reader
from plans.services import plans as plan_services

PLAN_VIOLATIONS_ERROR = inline_serializer(
    "PlanViolationsError",
    {
        "error": inline_serializer(
            "PlanViolationsErrorBody",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": inline_serializer(
                    "PlanViolationsFields",
                    {"plan": ViolationSerializer(many=True, required=False)},
                    required=False,
                ),
            },
        )
    },
)
WORKFLOW_ERRORS = {
    **ERROR_RESPONSES,
    400: OpenApiResponse(
        PLAN_VIOLATIONS_ERROR,
        description="Invalid input; or, with code ``plan_violations``, the plan breaks the "
        "district policy or is incomplete: ``error.fields.plan`` lists every violation "
        "(code, section, kind, item_id, field, message, value, limit).",
    ),
    409: OpenApiResponse(
        ERROR_SCHEMA,
        description="The version is not in the state this step needs "
        "(``not_submitted``, ``not_approved``, ``version_locked``, ``open_version``, "
        "``nothing_to_amend``).",
    ),
}
EDIT_ERRORS = {
    **ERROR_RESPONSES,
    409: OpenApiResponse(
        ERROR_SCHEMA,
        description="``version_locked``: the working version is submitted, "
        "approved or published (start an amendment).",
    ),
}


class PlanFilter(filters.FilterSet):
    school = filters.UUIDFilter(field_name="school__public_id", label=_("school"))
    semester = filters.UUIDFilter(field_name="semester__public_id", label=_("semester"))
    status = filters.ChoiceFilter(
        choices=PlanStatus.choices,
        method="filter_status",
        label=_("Plans with a version in this status (e.g. submitted: waiting for review)"),
    )

    class Meta:
        model = SchoolPlan
        fields = ["school", "semester", "status"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(
            Exists(PlanVersion.objects.filter(plan=OuterRef("pk"), status=value))
        )


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False)


class PlanViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """One plan per school and semester (一校一案), with its versions."""

    queryset = PLAN_QS
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    lookup_value_regex = UUID_RE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SchoolPlan.objects.none()
        scope = self.scope
        qs = super().get_queryset()
        if self.action == "list":
            require_plan_reader(scope)
            qs = qs.filter(plan_reader_q(scope))
        return qs.prefetch_related(
            Prefetch(
                "versions",
                queryset=PlanVersion.objects.visible_to(scope),
                to_attr="plan_versions",
            )
        ).order_by("-semester__start_date", "school__code")

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        require_plan_reader(self.scope, obj)

    def _version_response(self, plan, number: int, code=status.HTTP_200_OK) -> Response:
        version = version_with_content(self.scope, plan, number)
        return Response(VersionDetailSerializer(version).data, status=code)

    @extend_schema(request=PlanCreateSerializer, responses={201: PlanSerializer, **ERROR_RESPONSES})
    def create(self, request):
        """Create the school's plan for a semester with an empty draft (version 1).

        Principals and school administrators of the school. ``copy_from_last`` starts the
        draft from the latest approved plan of an earlier semester.
        """
        serializer = PlanCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        plan = plan_services.create_plan(actor=request.user, **serializer.validated_data)
        return created(PlanSerializer(self.get_queryset().get(pk=plan.pk)).data)

    @extend_schema(methods=["GET"], responses={200: VersionDetailSerializer, **ERROR_RESPONSES})
    @extend_schema(
        methods=["PATCH"],
        request=PlanGeneralSerializer(partial=True),
        responses={200: VersionDetailSerializer, **EDIT_ERRORS},
    )
    @action(detail=True, methods=["get", "patch"])
    def draft(self, request, public_id=None):
        """The working version with its content; PATCH changes its general part
        (fees, lunch care, notices, hotline, safety plan, leadership, the confirmation)."""
        plan = self.get_object()
        version = working_version_for(self.scope, plan)
        if request.method == "PATCH":
            serializer = PlanGeneralSerializer(data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            plan_services.update_plan_general(
                actor=request.user, version=version, data=dict(serializer.validated_data)
            )
        return self._version_response(plan, version.number)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version", int, description="A version number (default: the working version)"
            )
        ],
        responses={200: CheckSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def check(self, request, public_id=None):
        """Violations of the district policy and the plan's figures (sessions and fee per
        grade and per course over the semester calendar, with the caps they are held to).

        Approved and published versions are checked against the policy they were approved
        under, the others against the semester's current policy.
        """
        plan = self.get_object()
        query = VersionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data.get("version")
        if number is None:
            version = working_version_for(self.scope, plan)
        else:
            version = version_with_content(self.scope, plan, number)
            version.plan = plan
        policy = version.policy if version.status in FROZEN_STATUSES else None
        if policy is None:
            policy = current_policy(plan.semester)
        evaluation = evaluate(version, policy)
        return Response(
            CheckSerializer(
                {
                    "version": version.number,
                    "status": version.status,
                    "policy": policy.public_id if policy else None,
                    "policy_version": policy.version if policy else None,
                    "ok": evaluation.ok,
                    "violations": [v.as_dict() for v in evaluation.violations],
                    "figures": evaluation.figures,
                }
            ).data
        )

    def _step(self, request, service, input_serializer=None) -> Response:
        plan = self.get_object()  # 404 / 403 before anything is read from the body
        kwargs = {}
        if input_serializer is not None:
            serializer = input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            kwargs = dict(serializer.validated_data)
        version = working_version_for(self.scope, plan)
        service(actor=request.user, version=version, **kwargs)
        return self._version_response(plan, version.number)

    @extend_schema(request=None, responses={200: VersionDetailSerializer, **WORKFLOW_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, public_id=None):
        """Submit the draft (or returned) version to the district for review.

        Refused with 400 ``plan_violations`` while the plan breaks the policy or is
        incomplete; ``error.fields.plan`` then lists every violation.
        """
        return self._step(request, plan_services.submit_plan)

    @extend_schema(
        request=ApproveSerializer, responses={200: VersionDetailSerializer, **WORKFLOW_ERRORS}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, public_id=None):
        """Approve the submitted version (district officials). It becomes immutable and
        freezes the semester's policy; re-checked first against the current policy."""
        return self._step(request, plan_services.approve_plan, ApproveSerializer)

    @extend_schema(
        request=ReturnSerializer, responses={200: VersionDetailSerializer, **WORKFLOW_ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_plan(self, request, public_id=None):
        """Send the submitted version back to the school with a comment (district
        officials); the school edits it and submits again."""
        return self._step(request, plan_services.return_plan, ReturnSerializer)

    @extend_schema(request=None, responses={200: VersionDetailSerializer, **WORKFLOW_ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, public_id=None):
        """Publish the approved version (公示); a previously published one is superseded."""
        return self._step(request, plan_services.publish_plan)

    @extend_schema(request=None, responses={201: VersionDetailSerializer, **WORKFLOW_ERRORS})
    @action(detail=True, methods=["post"])
    def amend(self, request, public_id=None):
        """Start a new draft version from the published one (it needs approval again)."""
        plan = self.get_object()
        draft = plan_services.amend_plan(actor=request.user, plan=plan)
        return self._version_response(plan, draft.number, status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- nested


PLAN_ID = OpenApiParameter(
    "plan_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The plan's id"
)


class PlanChildMixin(ScopedViewSetMixin):
    """Routes under /plans/{plan_id}/: the plan is found (404) and its reader checked (403)
    before anything else, whatever the method."""

    pagination_class = None
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.plan = plan_for(self.scope, self.kwargs["plan_id"])


@extend_schema(parameters=[PLAN_ID])
class PlanVersionViewSet(PlanChildMixin, viewsets.ReadOnlyModelViewSet):
    """Every version of a plan, newest first, with its full content."""

    serializer_class = VersionDetailSerializer
    lookup_field = "number"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PlanVersion.objects.none()
        return versions_qs(self.scope, content=True).filter(plan=self.plan).order_by("-number")


class PlanPartViewSet(
    PlanChildMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Periods, courses or registration windows of the plan's working version."""

    kind: str = ""
    lookup_field = "pk"

    def get_serializer_class(self):
        return PART_SERIALIZERS[self.kind]

    @cached_property
    def version(self) -> PlanVersion:
        return working_version_for(self.scope, self.plan)

    def get_queryset(self):
        model = plan_services.PART_MODELS[self.kind]
        if getattr(self, "swagger_fake_view", False):
            return model.objects.none()
        return model.objects.visible_to(self.scope).filter(version=self.version)

    def create(self, request, *args, **kwargs):
        version = self.version
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if self.kind == "course" and "min_size" not in data:
            policy = current_policy(self.plan.semester)
            if policy is not None:
                data["min_size"] = policy.min_extended_course_size
        part = plan_services.save_plan_part(
            actor=request.user, version=version, kind=self.kind, data=data
        )
        return created(self.get_serializer(part).data)

    def update(self, request, *args, **kwargs):
        part = self.get_object()
        serializer = self.get_serializer(
            part, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        part = plan_services.save_plan_part(
            actor=request.user,
            version=self.version,
            kind=self.kind,
            data=dict(serializer.validated_data),
            part=part,
        )
        return Response(self.get_serializer(part).data)

    def destroy(self, request, *args, **kwargs):
        part = self.get_object()
        plan_services.delete_plan_part(
            actor=request.user, version=self.version, kind=self.kind, part=part
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _part_schema(kind: str, what: str):
    serializer = PART_SERIALIZERS[kind]
    return extend_schema_view(
        list=extend_schema(
            summary=f"The {what} of the working version",
            responses={200: serializer(many=True), **ERROR_RESPONSES},
        ),
        retrieve=extend_schema(responses={200: serializer, **ERROR_RESPONSES}),
        create=extend_schema(
            summary=f"Add to the {what} of the working draft",
            responses={201: serializer, **EDIT_ERRORS},
        ),
        update=extend_schema(responses={200: serializer, **EDIT_ERRORS}),
        partial_update=extend_schema(responses={200: serializer, **EDIT_ERRORS}),
        destroy=extend_schema(responses={204: None, **EDIT_ERRORS}),
    )


@extend_schema(parameters=[PLAN_ID])
@_part_schema("period", "service periods")
class PeriodViewSet(PlanPartViewSet):
    kind = "period"


@extend_schema(parameters=[PLAN_ID])
@_part_schema("course", "extended courses")
class CourseViewSet(PlanPartViewSet):
    kind = "course"


@extend_schema(parameters=[PLAN_ID])
@_part_schema("window", "registration windows")
class WindowViewSet(PlanPartViewSet):
    kind = "window"
