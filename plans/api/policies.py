"""District policy endpoints: presets, versions (read), start from a preset, change, diff."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, Max, OuterRef, Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA, ScopedViewSetMixin, created
from aftercare.errors import InvalidInput
from aftercare.models import School
from aftercare.tenancy import get_visible_or_404, scope_for
from plans.api.common import UUID_RE, policy_districts, require_policy_reader
from plans.api.serializers import (
    EffectiveRulesSerializer,
    PolicyChangeSerializer,
    PolicyCreateSerializer,
    PolicyDiffSerializer,
    PolicySerializer,
    PresetSerializer,
)
from plans.effective import rules_for
from plans.models import (
    DistrictPolicy,
    PolicySeason,
    RuleOverride,
    SchoolCategory,
    SchoolCategoryAssignment,
    ServiceClass,
)
from plans.presets import PRESETS, preset_fields, preset_tiers
from plans.services import policy as policy_services

FROZEN_ERRORS = {
    **ERROR_RESPONSES,
    409: OpenApiResponse(
        ERROR_SCHEMA, description="``policy_frozen``: a plan of the semester is approved."
    ),
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


TIER_LABELS = {
    "categories": SchoolCategory._meta.verbose_name_plural,
    "assignments": SchoolCategoryAssignment._meta.verbose_name_plural,
    "overrides": RuleOverride._meta.verbose_name_plural,
}


def _label(name: str) -> str:
    if name == "seasons":
        return str(PolicySeason._meta.verbose_name_plural)
    if name in TIER_LABELS:
        return str(TIER_LABELS[name])
    return str(DistrictPolicy._meta.get_field(name).verbose_name)


def _school_pks(policy: DistrictPolicy, rows: list[dict]) -> dict[int, str | None]:
    """Assignments by school public id -> by school pk; schools of other districts are
    refused like unknown ones (the district's own schools only)."""
    ids = {row["school"] for row in rows}
    pks = dict(
        School.objects.filter(district_id=policy.district_id, public_id__in=ids).values_list(
            "public_id", "pk"
        )
    )
    unknown = sorted(str(i) for i in ids - set(pks))
    if unknown:
        raise InvalidInput(
            fields={
                "assignments": [
                    _("School %(school)s is not a school of the district.") % {"school": u}
                    for u in unknown
                ]
            }
        )
    return {pks[row["school"]]: row["category"] for row in rows}


class PolicyPresetViewSet(viewsets.ViewSet):
    """The named rule sets a district policy starts from (taken from real plans)."""

    @extend_schema(responses={200: PresetSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request):
        require_policy_reader(scope_for(request))
        rows = []
        for key, preset in PRESETS.items():
            values, seasons = preset_fields(key)
            categories, overrides = preset_tiers(key)
            rows.append(
                {
                    "key": key,
                    "label": preset["label"],
                    "source": preset["source"],
                    "values": {
                        **values,
                        "seasons": seasons,
                        "categories": categories,
                        "assignments": [],
                        "overrides": overrides,
                    },
                }
            )
        return Response(PresetSerializer(rows, many=True).data)


class PolicyFilter(filters.FilterSet):
    district = filters.UUIDFilter(field_name="district__public_id", label=_("district"))
    semester = filters.UUIDFilter(field_name="semester__public_id", label=_("semester"))
    current = filters.BooleanFilter(
        field_name="is_current", label=_("Only the newest version of each semester's policy")
    )

    class Meta:
        model = DistrictPolicy
        fields = ["district", "semester", "current", "version"]


class PolicyViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """District policies, every version, for officials and school leaders of the district.

    A policy is never edited in place: ``change`` writes version N+1 of the semester's
    policy. Once a plan of the semester is approved the policy is frozen (409,
    ``policy_frozen``).
    """

    queryset = DistrictPolicy.objects.select_related("district", "semester", "created_by")
    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    lookup_value_regex = UUID_RE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DistrictPolicy.objects.none()
        scope = self.scope
        qs = super().get_queryset()
        if self.action == "list":
            require_policy_reader(scope)
            qs = qs.filter(district_id__in=policy_districts(scope))
        newer = DistrictPolicy.objects.filter(
            district=OuterRef("district"),
            semester=OuterRef("semester"),
            version__gt=OuterRef("version"),
        )
        return (
            qs.annotate(
                is_current=~Exists(newer), frozen=policy_services.frozen(OuterRef("semester"))
            )
            .prefetch_related(
                Prefetch("seasons", queryset=PolicySeason.objects.visible_to(scope)),
                "categories",
                Prefetch(
                    "assignments",
                    queryset=SchoolCategoryAssignment.objects.select_related("school"),
                ),
                "overrides",
            )
            .order_by("-semester__start_date", "district_id", "-version")
        )

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        require_policy_reader(self.scope, obj.district_id)

    def _detail(self, policy: DistrictPolicy) -> dict:
        return PolicySerializer(self.get_queryset().get(pk=policy.pk)).data

    @extend_schema(
        request=PolicyCreateSerializer, responses={201: PolicySerializer, **FROZEN_ERRORS}
    )
    def create(self, request):
        """Start (or restart) a semester's policy from a preset, as a new version.

        District officials only; refused with 409 ``policy_frozen`` once a plan of the
        semester is approved.
        """
        serializer = PolicyCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        policy = policy_services.create_policy_from_preset(
            actor=request.user,
            semester=serializer.validated_data["semester"],
            preset=serializer.validated_data["preset"],
        )
        return created(self._detail(policy))

    @extend_schema(
        request=PolicyChangeSerializer,
        responses={
            201: OpenApiResponse(PolicySerializer, description="The new version"),
            200: OpenApiResponse(
                PolicySerializer, description="Nothing differed: the current version"
            ),
            **FROZEN_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def change(self, request, public_id=None):
        """Change some rules of the semester's policy: writes and returns version N+1.

        Send only the fields that change (``seasons``, when sent, replaces the whole list)
        and a ``note``. The change applies on top of the semester's current version, whichever
        version the URL names. District officials only; 409 ``policy_frozen`` once a plan
        of the semester is approved. An audit event lists every changed field.
        """
        policy = self.get_object()
        serializer = PolicyChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        note = changes.pop("note", "")
        seasons = changes.pop("seasons", None)
        if seasons is not None:
            seasons = [dict(s) for s in seasons]
        if "exemptions" in changes:
            changes["exemptions"] = [dict(e) for e in changes["exemptions"]]
        categories = changes.pop("categories", None)
        overrides = changes.pop("overrides", None)
        assignments = changes.pop("assignments", None)
        if assignments is not None:
            assignments = _school_pks(policy, assignments)
        before = DistrictPolicy.objects.filter(semester_id=policy.semester_id).aggregate(
            n=Max("version")
        )["n"]
        new = policy_services.update_policy(
            actor=request.user,
            semester=policy.semester,
            changes=changes,
            seasons=seasons,
            categories=[dict(c) for c in categories] if categories is not None else None,
            assignments=assignments,
            overrides=[dict(o) for o in overrides] if overrides is not None else None,
            note=note,
        )
        code = status.HTTP_201_CREATED if new.version > before else status.HTTP_200_OK
        return Response(self._detail(new), status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("school", OpenApiTypes.UUID, description=_("A school (optional)")),
            OpenApiParameter("grade", int, required=True, description=_("Grade 1–9")),
            OpenApiParameter(
                "service_class",
                str,
                enum=[c.value for c in ServiceClass],
                description=_("Default: supervision"),
            ),
        ],
        responses={200: EffectiveRulesSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def rules(self, request, public_id=None):
        """The rules of this version that apply to one school, grade and class of service:
        the school's category overrides, district defaults and provincial ceilings resolved
        (``plans.effective.rules_for``). Without ``school``: the district default."""
        policy = self.get_object()
        errors = {}
        school = None
        if request.query_params.get("school"):
            try:
                school = get_visible_or_404(
                    School.objects.filter(district_id=policy.district_id),
                    self.scope,
                    public_id=request.query_params["school"],
                )
            except ValidationError:
                errors["school"] = [_("Enter a valid school id.")]
        grade = request.query_params.get("grade", "")
        if not grade.isdigit() or not 1 <= int(grade) <= 9:
            errors["grade"] = [_("Enter a grade from 1 to 9.")]
        service_class = request.query_params.get("service_class", ServiceClass.SUPERVISION)
        if service_class not in ServiceClass.values:
            errors["service_class"] = [_("Choose a class of service from the list.")]
        if errors:
            raise InvalidInput(fields=errors)
        rules = rules_for(policy, school, int(grade), service_class)
        return Response(EffectiveRulesSerializer(rules.as_dict()).data)

    @extend_schema(responses={200: PolicyDiffSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["get"])
    def diff(self, request, public_id=None):
        """What this version changed against its predecessor (nothing for version 1)."""
        policy = self.get_object()
        previous = (
            self.get_queryset()
            .filter(
                district_id=policy.district_id,
                semester_id=policy.semester_id,
                version=policy.version - 1,
            )
            .first()
        )
        changes = policy_services.policy_diff(previous, policy) if previous else {}
        return Response(
            PolicyDiffSerializer(
                {
                    "version": policy.version,
                    "previous_version": previous.version if previous else None,
                    "change_note": policy.change_note,
                    "changes": [
                        {
                            "field": name,
                            "label": _label(name),
                            "old": _jsonable(old),
                            "new": _jsonable(new),
                        }
                        for name, (old, new) in changes.items()
                    ],
                }
            ).data
        )
