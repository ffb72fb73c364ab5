"""The school plan (一校一案): one ``SchoolPlan`` per school and semester, with versions.

A ``PlanVersion`` is edited while it is a draft (or returned), then submitted, approved or
returned by the district, and published. Approved and published versions are immutable (a
PostgreSQL trigger refuses changes to them and to their periods, courses and windows); an
amendment is a new version that needs approval again.
"""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aftercare.models.core import WEEKDAYS, District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from plans.models.policy import DistrictPolicy


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned with comments")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


EDITABLE_STATUSES = (PlanStatus.DRAFT, PlanStatus.RETURNED)
FROZEN_STATUSES = (PlanStatus.APPROVED, PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED)


class FeeUnit(models.TextChoices):
    FREE = "free", _("Free")
    PER_LESSON = "per_lesson", _("Per lesson (课时)")
    PER_HOUR = "per_hour", _("Per hour")
    PER_MONTH = "per_month", _("Per month")
    PER_SEMESTER = "per_semester", _("Per semester")


class ServiceClass(models.TextChoices):
    """The class of service a fee rule applies to: a plan's basic care declares one of the
    first two; extended courses are the third."""

    SUPERVISION = "supervision", _("Basic care: supervision (作业辅导、看护)")
    ACTIVITIES = "activities", _("Basic care with activities (基础托管+特色活动)")
    EXTENDED = "extended", _("Extended courses (拓展课程)")


BASIC_SERVICE_CLASSES = [
    (ServiceClass.SUPERVISION.value, ServiceClass.SUPERVISION.label),
    (ServiceClass.ACTIVITIES.value, ServiceClass.ACTIVITIES.label),
]


class SchoolPlan(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="plans")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="plans")
    created_at = models.DateTimeField(auto_now_add=True)

    # Parents read published plans on the public pages and through enrollment selectors.
    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        db_table = "aftercare_schoolplan"
        verbose_name = _("school plan")
        verbose_name_plural = _("school plans")
        ordering = ["school_id", "-semester__start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "semester"], name="plan_per_school_semester"
            ),
        ]

    def __str__(self):
        return f"{self.school} · {self.semester}"


class PlanVersion(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SchoolPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    policy = models.ForeignKey(
        DistrictPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The policy version the plan was submitted under."),
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    # Content (immutable once approved)
    basic_service_class = models.CharField(
        _("class of basic care"),
        max_length=16,
        choices=BASIC_SERVICE_CLASSES,
        default=ServiceClass.SUPERVISION,
        help_text=_(
            "Supervision only (homework, reading), or supervision with activities: the "
            "district may set different fee caps for each."
        ),
    )
    basic_fee_unit = models.CharField(
        _("basic care fee"), max_length=16, choices=FeeUnit.choices, default=FeeUnit.FREE
    )
    basic_fee_amount = models.DecimalField(
        _("basic care fee amount (yuan)"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    lunch_care_offered = models.BooleanField(_("lunch care offered"), default=False)
    lunch_start_time = models.TimeField(_("lunch care from"), null=True, blank=True)
    lunch_end_time = models.TimeField(_("lunch care until"), null=True, blank=True)
    fee_notice = models.TextField(_("fee standard notice"), blank=True)
    hotline = models.CharField(_("complaint hotline"), max_length=40, blank=True)
    safety_plan = models.TextField(_("safety rules and emergency plan"), blank=True)
    leadership_group = models.TextField(_("leadership group"), blank=True)
    prohibitions_confirmed = models.BooleanField(
        _("we confirm the district's prohibitions"), default=False
    )
    max_courses_per_student = models.PositiveSmallIntegerField(
        _("extended courses per student at most"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )

    # Parents read published plans on the public pages and through enrollment selectors.
    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    # Columns the immutability trigger (migration 0004) compares; adding a content field
    # needs a migration that recreates the trigger function with it.
    CONTENT_FIELDS = (
        "basic_service_class",
        "basic_fee_unit",
        "basic_fee_amount",
        "lunch_care_offered",
        "lunch_start_time",
        "lunch_end_time",
        "fee_notice",
        "hotline",
        "safety_plan",
        "leadership_group",
        "prohibitions_confirmed",
        "max_courses_per_student",
    )

    class Meta:
        db_table = "aftercare_planversion"
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "plan", "number"], name="plan_version_number_unique"
            ),
            # At most one version of a plan is being worked on or reviewed at a time.
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status__in=["draft", "submitted", "returned", "approved"]),
                name="plan_one_open_version",
            ),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status="published"), name="plan_one_published"
            ),
            models.CheckConstraint(
                condition=~Q(basic_fee_unit="free") | Q(basic_fee_amount=0),
                name="plan_free_means_zero",
            ),
            models.CheckConstraint(
                condition=Q(basic_service_class__in=["supervision", "activities"]),
                name="plan_basic_service_class_valid",
            ),
            models.CheckConstraint(
                condition=Q(lunch_care_offered=False) | Q(lunch_start_time__lt=F("lunch_end_time")),
                name="plan_lunch_times_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.plan} · v{self.number} ({self.get_status_display()})"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class _PlanPart(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")

    # Parents read published plans on the public pages and through enrollment selectors.
    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


def weekday_array(verbose_name):
    return ArrayField(
        models.PositiveSmallIntegerField(choices=WEEKDAYS),
        verbose_name=verbose_name,
        default=list,
    )


def grade_array(verbose_name):
    return ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(9)]),
        verbose_name=verbose_name,
        default=list,
    )


class ServicePeriod(_PlanPart):
    """When basic care runs for some grades; dated rows are seasonal variants (夏令时)."""

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="periods")
    grades = grade_array(_("grades"))
    weekdays = weekday_array(_("weekdays"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    valid_from = models.DateField(_("seasonal variant from"), null=True, blank=True)
    valid_until = models.DateField(_("seasonal variant until"), null=True, blank=True)

    class Meta:
        db_table = "aftercare_serviceperiod"
        verbose_name = _("service period")
        verbose_name_plural = _("service periods")
        ordering = ["version_id", "valid_from", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="period_times_ordered"
            ),
            models.CheckConstraint(
                condition=(Q(valid_from__isnull=True) & Q(valid_until__isnull=True))
                | Q(valid_from__lte=F("valid_until")),
                name="period_dates_both_or_none",
            ),
        ]

    def __str__(self):
        return f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def is_seasonal(self) -> bool:
        return self.valid_from is not None


class Course(_PlanPart):
    """An extended ("X") course: paid, capacity-limited, opens at its minimum size.

    ``lineage`` is shared by a course and its copies in later versions of the same plan, so
    seats and registrations follow the course when an amendment is published.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="courses")
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=30, blank=True)
    description = models.TextField(_("description"), blank=True)
    teacher_name = models.CharField(_("teacher"), max_length=60, blank=True)
    room = models.CharField(_("room"), max_length=40, blank=True)
    grades = grade_array(_("allowed grades"))
    weekdays = weekday_array(_("weekdays"))
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    min_size = models.PositiveSmallIntegerField(_("minimum size to open"), default=15)
    fee_per_lesson = models.DecimalField(
        _("fee per lesson (yuan)"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    materials = models.CharField(_("materials to bring"), max_length=200, blank=True)

    class Meta:
        db_table = "aftercare_course"
        verbose_name = _("extended course")
        verbose_name_plural = _("extended courses")
        ordering = ["version_id", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="course_times_ordered"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="course_capacity_positive"),
            models.CheckConstraint(
                condition=Q(fee_per_lesson__gte=0), name="course_fee_not_negative"
            ),
        ]

    def __str__(self):
        return self.name


class WindowKind(models.TextChoices):
    BASIC = "basic", _("Basic care")
    EXTENDED = "extended", _("Extended courses")


class RegistrationMode(models.TextChoices):
    FCFS = "fcfs", _("First come, first served (先报先得)")
    LOTTERY = "lottery", _("Lottery after the window closes (摇号)")


class RegistrationWindow(_PlanPart):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="windows")
    kind = models.CharField(_("for"), max_length=16, choices=WindowKind.choices)
    round = models.PositiveSmallIntegerField(
        _("round"), default=1, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    mode = models.CharField(
        _("allocation"),
        max_length=8,
        choices=RegistrationMode.choices,
        default=RegistrationMode.FCFS,
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))

    class Meta:
        db_table = "aftercare_registrationwindow"
        verbose_name = _("registration window")
        verbose_name_plural = _("registration windows")
        ordering = ["version_id", "kind", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "kind", "round"], name="window_unique_per_round"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("closes_at")), name="window_times_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.round}"
