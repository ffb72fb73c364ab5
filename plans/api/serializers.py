"""Serializers of the policy and plan API.

They check the *shape* of input (times as ``HH:MM``, ISO dates and date-times, weekdays
0–6, grades 1–9, money with two decimal places) and report field messages; the services
decide the rules (``aftercare.services.policy`` / ``plans``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from aftercare.models import School, Semester
from aftercare.tenancy import scope_for
from plans.api.common import published_of, working_of
from plans.models import (
    RULE_KINDS,
    Course,
    DistrictPolicy,
    PlanVersion,
    PolicySeason,
    RegistrationWindow,
    SchoolPlan,
    ServicePeriod,
    ServiceScope,
    Stage,
)
from plans.presets import preset_choices
from plans.services.plans import GENERAL_FIELDS, PART_FIELDS
from plans.services.policy import SEASON_FIELDS, policy_fields

TIME_FORMAT = "%H:%M"


# --------------------------------------------------------------------------- fields


class HHMMTimeField(serializers.TimeField):
    """A time of day written ``HH:MM`` (read and written)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", TIME_FORMAT)
        kwargs.setdefault("input_formats", [TIME_FORMAT])
        super().__init__(**kwargs)


class WeekdayListField(serializers.ListField):
    """Weekdays as integers, 0 = Monday … 6 = Sunday; stored sorted and without repeats."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.IntegerField(min_value=0, max_value=6))
        kwargs.setdefault("help_text", _("0 = Monday … 6 = Sunday"))
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return sorted(set(super().to_internal_value(data)))


class GradeListField(serializers.ListField):
    """Grades as integers 1–9; stored sorted and without repeats."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.IntegerField(min_value=1, max_value=9))
        kwargs.setdefault("max_length", 9)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return sorted(set(super().to_internal_value(data)))


class ModelSerializer(serializers.ModelSerializer):
    """Model serializer whose times are ``HH:MM``."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.TimeField: HHMMTimeField,
    }


def _scoped(request, model):
    """The objects of ``model`` the request's user sees (choices of a related field)."""
    if request is None:
        return model.objects.none()
    return model.objects.visible_to(scope_for(request))


# --------------------------------------------------------------------------- policy


class SeasonSerializer(ModelSerializer):
    class Meta:
        model = PolicySeason
        fields = list(SEASON_FIELDS)


class ExemptionCategorySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=60)
    reduction_percent = serializers.IntegerField(min_value=0, max_value=100)


def tier_rows(policy) -> dict[str, list[dict]]:
    """A policy's categories, school assignments and overrides as API rows (codes, public
    ids); uses the prefetched relations, cached on the object."""
    if isinstance(policy, dict):  # a preset
        return {k: policy.get(k, []) for k in ("categories", "assignments", "overrides")}
    cached = getattr(policy, "_tier_rows", None)
    if cached is None:
        categories = list(policy.categories.all())
        codes = {c.pk: c.code for c in categories}
        cached = policy._tier_rows = {
            "categories": [
                {"code": c.code, "name": c.name, "description": c.description} for c in categories
            ],
            "assignments": sorted(
                (
                    {
                        "school": a.school.public_id,
                        "school_name": a.school.name,
                        "category": codes[a.category_id],
                    }
                    for a in policy.assignments.all()
                ),
                key=lambda row: row["school_name"],
            ),
            "overrides": [
                {
                    "category": codes.get(o.category_id),
                    "stage": o.stage,
                    "service_class": o.service_class,
                    "rule": o.rule,
                    "value": o.value,
                }
                for o in policy.overrides.all()
            ],
        }
    return cached


class TierListSerializer(serializers.ListSerializer):
    """Reads its rows from ``tier_rows`` (a policy or a preset dict)."""

    def get_attribute(self, instance):
        return tier_rows(instance)[self.field_name]


class SchoolCategorySerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Stable identifier; leave empty for a new category (one is generated)."),
    )
    name = serializers.CharField(max_length=40)
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )

    class Meta:
        list_serializer_class = TierListSerializer


class CategoryAssignmentSerializer(serializers.Serializer):
    school = serializers.UUIDField()
    school_name = serializers.CharField(read_only=True)
    category = serializers.CharField(
        max_length=40, allow_null=True, help_text=_("Category code; null: the district default.")
    )

    class Meta:
        list_serializer_class = TierListSerializer


class RuleOverrideSerializer(serializers.Serializer):
    category = serializers.CharField(
        max_length=40,
        allow_null=True,
        required=False,
        default=None,
        help_text=_("Category code; null: a district default for a stage or class of service."),
    )
    stage = serializers.ChoiceField(choices=Stage.choices, default=Stage.ALL)
    service_class = serializers.ChoiceField(choices=ServiceScope.choices, default="all")
    rule = serializers.ChoiceField(choices=[(r, r) for r in RULE_KINDS])
    value = serializers.CharField(
        max_length=16,
        allow_blank=True,
        help_text=_("3.50 (yuan), 2 (a number), 17:30 (a time), true/false; empty: no cap."),
    )

    class Meta:
        list_serializer_class = TierListSerializer


class PolicyRulesSerializer(ModelSerializer):
    """Every rule of a district policy (the fields a change may touch), its seasons, and its
    school categories, their schools and the rules they override."""

    service_weekdays = WeekdayListField()
    exemptions = ExemptionCategorySerializer(many=True)
    prohibitions = serializers.ListField(child=serializers.CharField(max_length=200))
    rule_ceilings = serializers.DictField(
        child=serializers.CharField(max_length=16, allow_blank=True),
        required=False,
        help_text=_("Rule -> the provincial ceiling, e.g. basic_cap_per_lesson: 3.50."),
    )
    seasons = SeasonSerializer(many=True)
    categories = SchoolCategorySerializer(many=True, required=False)
    assignments = CategoryAssignmentSerializer(many=True, required=False)
    overrides = RuleOverrideSerializer(many=True, required=False)

    class Meta:
        model = DistrictPolicy
        fields = [*policy_fields(), "seasons", "categories", "assignments", "overrides"]


class PolicySerializer(PolicyRulesSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    district = serializers.UUIDField(source="district.public_id", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)
    semester_name = serializers.CharField(source="semester.name", read_only=True)
    is_current = serializers.BooleanField(
        read_only=True, help_text=_("The newest version of this semester's policy.")
    )
    frozen = serializers.BooleanField(
        read_only=True,
        help_text=_("A plan of the semester was approved: the policy can no longer change."),
    )
    created_by = serializers.CharField(source="created_by.full_name", read_only=True, default=None)

    class Meta(PolicyRulesSerializer.Meta):
        fields = [
            "id",
            "district",
            "semester",
            "semester_name",
            "version",
            "is_current",
            "frozen",
            "preset",
            "change_note",
            "created_by",
            "created_at",
            *PolicyRulesSerializer.Meta.fields,
        ]
        read_only_fields = fields


class PolicyCreateSerializer(serializers.Serializer):
    semester = serializers.SlugRelatedField(
        slug_field="public_id", queryset=Semester.objects.none()
    )
    preset = serializers.ChoiceField(choices=preset_choices())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["semester"].queryset = _scoped(self.context.get("request"), Semester)


class PolicyChangeSerializer(PolicyRulesSerializer):
    """Any subset of the rules; ``seasons`` replaces the whole list when given."""

    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    class Meta(PolicyRulesSerializer.Meta):
        fields = [*PolicyRulesSerializer.Meta.fields, "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class EffectiveRulesSerializer(serializers.Serializer):
    category = serializers.CharField(allow_null=True, help_text=_("Category code, or null."))
    category_name = serializers.CharField(allow_null=True)
    label = serializers.CharField(help_text=_("How messages name it, e.g. 乡镇小学."))
    stage = serializers.CharField()
    service_class = serializers.CharField()
    rules = serializers.DictField(
        child=serializers.CharField(allow_null=True), help_text=_("Rule -> value (text).")
    )
    sources = serializers.DictField(
        child=serializers.CharField(),
        help_text=_(
            "Rule -> where the value comes from: default, scoped default, category, ceiling."
        ),
    )


class PresetSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()
    values = PolicyRulesSerializer()


class PolicyDiffSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    previous_version = serializers.IntegerField(allow_null=True)
    change_note = serializers.CharField()
    changes = inline_serializer(
        "PolicyFieldChange",
        {
            "field": serializers.CharField(),
            "label": serializers.CharField(),
            "old": serializers.JSONField(allow_null=True),
            "new": serializers.JSONField(allow_null=True),
        },
        many=True,
    )


# --------------------------------------------------------------------------- plan parts


class PeriodSerializer(ModelSerializer):
    grades = GradeListField()
    weekdays = WeekdayListField()

    class Meta:
        model = ServicePeriod
        fields = ["id", *PART_FIELDS["period"]]


class CourseSerializer(ModelSerializer):
    grades = GradeListField()
    weekdays = WeekdayListField()

    class Meta:
        model = Course
        fields = ["id", "public_id", *PART_FIELDS["course"]]
        read_only_fields = ["public_id"]


class WindowSerializer(ModelSerializer):
    class Meta:
        model = RegistrationWindow
        fields = ["id", *PART_FIELDS["window"]]


PART_SERIALIZERS = {
    "period": PeriodSerializer,
    "course": CourseSerializer,
    "window": WindowSerializer,
}


# --------------------------------------------------------------------------- versions


class PlanGeneralSerializer(ModelSerializer):
    """The general part of a version: fees, lunch care, notices, the confirmation."""

    class Meta:
        model = PlanVersion
        fields = list(GENERAL_FIELDS)


class VersionSummarySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "is_editable",
            "created_at",
            "submitted_at",
            "decided_at",
            "review_comment",
            "published_at",
        ]
        read_only_fields = fields


class VersionDetailSerializer(VersionSummarySerializer):
    """A version with its whole content."""

    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    policy = serializers.UUIDField(
        source="policy.public_id",
        read_only=True,
        default=None,
        help_text=_("The policy version it was submitted (approved) under."),
    )
    policy_version = serializers.IntegerField(source="policy.version", read_only=True, default=None)
    created_by = serializers.CharField(source="created_by.full_name", read_only=True, default=None)
    decided_by = serializers.CharField(source="decided_by.full_name", read_only=True, default=None)
    periods = PeriodSerializer(many=True, read_only=True)
    courses = CourseSerializer(many=True, read_only=True)
    windows = WindowSerializer(many=True, read_only=True)

    class Meta(VersionSummarySerializer.Meta):
        fields = [
            *VersionSummarySerializer.Meta.fields,
            "plan",
            "policy",
            "policy_version",
            "created_by",
            "decided_by",
            *GENERAL_FIELDS,
            "periods",
            "courses",
            "windows",
        ]
        read_only_fields = fields


# --------------------------------------------------------------------------- plans


class PlanSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    district = serializers.UUIDField(source="district.public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)
    semester_name = serializers.CharField(source="semester.name", read_only=True)
    versions = serializers.SerializerMethodField()
    working_version = serializers.SerializerMethodField(
        help_text=_(
            "The version being edited or reviewed, else the published one "
            "(what /draft/, the parts and the workflow actions work on)."
        )
    )
    published_version = serializers.SerializerMethodField()

    class Meta:
        model = SchoolPlan
        fields = [
            "id",
            "district",
            "school",
            "school_name",
            "semester",
            "semester_name",
            "created_at",
            "working_version",
            "published_version",
            "versions",
        ]

    # ``plan_versions`` is set by the view from the prefetched, scoped versions.
    @extend_schema_field(VersionSummarySerializer(many=True))
    def get_versions(self, plan) -> list:
        return VersionSummarySerializer(plan.plan_versions, many=True).data

    @extend_schema_field(VersionSummarySerializer(allow_null=True))
    def get_working_version(self, plan):
        version = working_of(plan.plan_versions)
        return VersionSummarySerializer(version).data if version else None

    @extend_schema_field(VersionSummarySerializer(allow_null=True))
    def get_published_version(self, plan):
        version = published_of(plan.plan_versions)
        return VersionSummarySerializer(version).data if version else None


class PlanCreateSerializer(serializers.Serializer):
    school = serializers.SlugRelatedField(slug_field="public_id", queryset=School.objects.none())
    semester = serializers.SlugRelatedField(
        slug_field="public_id", queryset=Semester.objects.none()
    )
    copy_from_last = serializers.BooleanField(
        default=False,
        help_text=_(
            "Start from the school's latest approved plan of an earlier semester, "
            "its dates moved into this semester."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["school"].queryset = _scoped(request, School)
        self.fields["semester"].queryset = _scoped(request, Semester)


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(
        allow_blank=True, max_length=2000, help_text=_("What the school must change (required).")
    )


# --------------------------------------------------------------------------- check


class ViolationSerializer(serializers.Serializer):
    code = serializers.CharField()
    section = serializers.ChoiceField(choices=["general", "periods", "courses", "windows"])
    kind = serializers.ChoiceField(
        choices=["policy", "incomplete"],
        help_text=_("policy: breaks a district rule; incomplete: something is missing."),
    )
    item_id = serializers.IntegerField(
        allow_null=True, help_text=_("The id of the period, course or window concerned.")
    )
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    value = serializers.CharField(allow_blank=True)
    limit = serializers.CharField(allow_blank=True)
    scope = serializers.CharField(
        allow_blank=True,
        help_text=_("The school category and stage whose rule this is (乡镇小学); empty: default."),
    )


class CapSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    limit = serializers.DecimalField(max_digits=12, decimal_places=2)
    exceeded = serializers.BooleanField()
    scope = serializers.CharField(
        allow_blank=True, help_text=_("The school category and stage of the cap; empty: default.")
    )


class GradeFiguresSerializer(serializers.Serializer):
    grade = serializers.IntegerField()
    label = serializers.CharField()
    sessions = serializers.IntegerField()
    minutes = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)
    lessons = serializers.IntegerField()
    fee = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Basic care fee per student per semester.")
    )
    caps = CapSerializer(many=True)
    exceeds_cap = serializers.BooleanField()
    max_lessons_a_day = serializers.IntegerField(help_text=_("Most 课时 of basic care in a day."))
    rules_label = serializers.CharField(help_text=_("Whose rules apply (category and stage)."))


class CourseFiguresSerializer(serializers.Serializer):
    course = serializers.IntegerField(source="course.pk")
    course_public_id = serializers.UUIDField(source="course.public_id")
    name = serializers.CharField(source="course.name")
    sessions = serializers.IntegerField()
    lessons_per_session = serializers.IntegerField()
    fee = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Course fee per student per semester.")
    )
    caps = CapSerializer(many=True)
    exceeds_cap = serializers.BooleanField()


class FiguresSerializer(serializers.Serializer):
    school_days = serializers.IntegerField()
    months = serializers.IntegerField()
    category = serializers.CharField(
        allow_null=True, help_text=_("The school's category; null: the district default.")
    )
    grades = GradeFiguresSerializer(many=True)
    courses = CourseFiguresSerializer(many=True)


class CheckSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.CharField()
    policy = serializers.UUIDField(allow_null=True)
    policy_version = serializers.IntegerField(allow_null=True)
    ok = serializers.BooleanField()
    violations = ViolationSerializer(many=True)
    figures = FiguresSerializer()
