"""School categories of a district policy and the rules they override (issue 16).

Counties rarely set one cap for every school: they set caps per category of school (城区 /
县城 / 乡镇 / 农村, 公办 / 民办 …), per stage (小学 / 初中) and per class of service (basic
supervision vs basic care with activities). A policy version therefore holds, beside its
district-wide defaults (the ``DistrictPolicy`` fields):

* ``SchoolCategory`` — the district's categories, named in Chinese, with a stable ``code``
  that survives every later version (like exemption codes);
* ``SchoolCategoryAssignment`` — which category each school is in (one at most; a school
  with none follows the district default);
* ``RuleOverride`` — a value of one rule for a category (or, with no category, for every
  school: a default per stage or class of service), optionally scoped to a stage and a class
  of service.

All three are rows of one policy version and are copied into every new version, exactly like
the seasons: a change of any of them is a new version with an audited diff. How a value is
chosen (most specific scope first) is ``plans.effective``.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models.core import District, School
from aftercare.tenancy import TenantQuerySet, TenantRule
from plans.models.plans import ServiceClass
from plans.models.policy import DistrictPolicy


class Stage(models.TextChoices):
    """The stage (学段) of a grade: 小学 grades 1–6, 初中 grades 7–9."""

    ALL = "all", _("All grades")
    PRIMARY = "primary", _("Primary school (小学, grades 1–6)")
    JUNIOR = "junior", _("Junior secondary (初中, grades 7–9)")


def stage_of(grade: int) -> str:
    """小学 for grades 1–6, 初中 for 7–9 (the six-three system of most provinces)."""
    return Stage.PRIMARY if grade <= 6 else Stage.JUNIOR


class ServiceScope(models.TextChoices):
    """The classes of service an override applies to."""

    ALL = "all", _("All classes of service")
    SUPERVISION = ServiceClass.SUPERVISION.value, ServiceClass.SUPERVISION.label
    ACTIVITIES = ServiceClass.ACTIVITIES.value, ServiceClass.ACTIVITIES.label
    EXTENDED = ServiceClass.EXTENDED.value, ServiceClass.EXTENDED.label


# Every rule a category (or a stage / class default) may override, by kind of value, in the
# order the editor shows them. Names are DistrictPolicy fields: the field is the default.
RULE_KINDS: dict[str, str] = {
    "basic_care_must_be_free": "bool",
    "basic_cap_per_lesson": "money",
    "basic_cap_per_hour": "money",
    "basic_cap_per_month": "money",
    "basic_cap_per_semester": "money",
    "extended_cap_per_lesson": "money",
    "extended_cap_per_hour": "money",
    "extended_cap_per_month": "money",
    "extended_cap_per_semester": "money",
    "max_lessons_per_day": "int",
    "min_minutes_per_day": "int",
    "latest_end_time": "time",
    "evening_latest_end_time": "time",
    "evening_max_minutes": "int",
    "subsidy_per_student_year": "money",
    "remote_uplift_percent": "int",
    "teacher_pay_cap_per_lesson": "money",
    "teacher_pay_cap_per_hour": "money",
    "teacher_paid_lessons_per_day": "int",
    "teacher_paid_lessons_per_week": "int",
    "students_per_teacher": "int",
    "teacher_remainder_threshold": "int",
    "groups_per_manager": "int",
    "manager_remainder_threshold": "int",
    "max_basic_group_size": "int",
    "group_merge_threshold": "int",
    "min_extended_course_size": "int",
}
RULE_GROUPS = [
    (
        _("Fees"),
        [
            "basic_care_must_be_free",
            "basic_cap_per_lesson",
            "basic_cap_per_hour",
            "basic_cap_per_month",
            "basic_cap_per_semester",
            "extended_cap_per_lesson",
            "extended_cap_per_hour",
            "extended_cap_per_month",
            "extended_cap_per_semester",
        ],
    ),
    (
        _("Times and daily limits"),
        [
            "max_lessons_per_day",
            "min_minutes_per_day",
            "latest_end_time",
            "evening_latest_end_time",
            "evening_max_minutes",
        ],
    ),
    (
        _("Subsidies and teacher pay"),
        [
            "subsidy_per_student_year",
            "remote_uplift_percent",
            "teacher_pay_cap_per_lesson",
            "teacher_pay_cap_per_hour",
            "teacher_paid_lessons_per_day",
            "teacher_paid_lessons_per_week",
        ],
    ),
    (
        _("Staffing and group sizes"),
        [
            "students_per_teacher",
            "teacher_remainder_threshold",
            "groups_per_manager",
            "manager_remainder_threshold",
            "max_basic_group_size",
            "group_merge_threshold",
            "min_extended_course_size",
        ],
    ),
]
# Rules a province may cap (a ceiling): more is more permissive for each of them.
CEILING_RULES = [
    name
    for name, kind in RULE_KINDS.items()
    if kind == "money" or name in ("max_lessons_per_day", "teacher_paid_lessons_per_day")
]


def rule_label(name: str) -> str:
    return str(DistrictPolicy._meta.get_field(name).verbose_name)


class SchoolCategory(models.Model):
    """A category of schools in one policy version (e.g. 乡镇, 农村, 民办)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(DistrictPolicy, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(
        _("code"),
        max_length=40,
        help_text=_("Stable identifier: kept by every later version, never derived from the name."),
    )
    name = models.CharField(pgettext_lazy("category", "name"), max_length=40)
    description = models.CharField(_("description"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("school category")
        verbose_name_plural = _("school categories")
        ordering = ["policy_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "code"], name="category_code_unique"),
            models.UniqueConstraint(fields=["policy", "name"], name="category_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="category_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class SchoolCategoryAssignment(models.Model):
    """The category of one school under one policy version."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(DistrictPolicy, on_delete=models.CASCADE, related_name="assignments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        SchoolCategory, on_delete=models.CASCADE, related_name="assignments"
    )

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("school category assignment")
        verbose_name_plural = _("school category assignments")
        constraints = [
            models.UniqueConstraint(fields=["policy", "school"], name="category_one_per_school"),
        ]
        # The category belongs to the same policy version: a composite foreign key
        # (policy_id, category_id) -> plans_schoolcategory (policy_id, id), migration 0005.

    def __str__(self):
        return f"{self.school_id} → {self.category_id}"


class RuleOverride(models.Model):
    """One rule's value for a category (or, with no category, a district default for a stage
    or class of service), optionally scoped to a stage and a class of service.

    ``value`` is the canonical text of the value (``3.50``, ``2``, ``17:30``, ``true``);
    empty means "no such cap" for a rule that may be empty.
    """

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(DistrictPolicy, on_delete=models.CASCADE, related_name="overrides")
    category = models.ForeignKey(
        SchoolCategory,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="overrides",
        help_text=_("Empty: every school (a district default for this stage or class)."),
    )
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices, default=Stage.ALL)
    service_class = models.CharField(
        _("class of service"), max_length=16, choices=ServiceScope.choices, default="all"
    )
    rule = models.CharField(_("rule"), max_length=40, choices=[(name, name) for name in RULE_KINDS])
    value = models.CharField(_("value"), max_length=16, blank=True)

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule override")
        verbose_name_plural = _("rule overrides")
        ordering = ["policy_id", "category_id", "rule", "stage", "service_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "category", "stage", "service_class", "rule"],
                name="override_unique_scope",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="override_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(service_class__in=ServiceScope.values),
                name="override_service_class_valid",
            ),
            models.CheckConstraint(
                condition=Q(rule__in=list(RULE_KINDS)), name="override_rule_valid"
            ),
            # A default override (no category) must be scoped: otherwise it is the field.
            models.CheckConstraint(
                condition=Q(category__isnull=False) | ~Q(stage="all") | ~Q(service_class="all"),
                name="override_default_is_scoped",
            ),
        ]

    def __str__(self):
        return f"{self.rule}={self.value}"
