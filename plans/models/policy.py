"""District policy (区级政策): one per district and semester, versioned, frozen on approval.

Every rule is a parameter; ``plans.presets`` holds the seeds' rule sets. A change
never edits a version in place: it writes version N+1 (``services.policy.update_policy``).
Empty caps mean "no such cap in this district".
"""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.models.core import WEEKDAYS, District, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule


class RefundBasis(models.TextChoices):
    SESSIONS = "sessions", _("Pro rata by sessions not attended")
    MONTHS = "months", _("Pro rata by whole months not attended")


class ExtendedRefund(models.TextChoices):
    PRO_RATA = "pro_rata", _("Refunded pro rata like basic care")
    FORCE_MAJEURE = "force_majeure", _("Refunded only for force majeure")
    NONE = "none", _("Not refunded")


def money(verbose_name, **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **kwargs,
    )


class DistrictPolicy(models.Model):
    """Version ``version`` of a district's rules for one semester."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="policies")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="policies")
    version = models.PositiveIntegerField(default=1)
    preset = models.CharField(_("started from preset"), max_length=32, blank=True)
    change_note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Service days and hours
    service_weekdays = ArrayField(
        models.PositiveSmallIntegerField(choices=WEEKDAYS),
        verbose_name=_("service days"),
        default=list,
    )
    require_every_service_day = models.BooleanField(
        _("every grade is served on every service day (5+2)"), default=True
    )
    min_minutes_per_day = models.PositiveSmallIntegerField(
        _("minimum minutes of service per day"), null=True, blank=True
    )
    latest_end_time = models.TimeField(_("latest end time"))
    lunch_care_allowed = models.BooleanField(_("lunch care allowed"), default=True)
    evening_study_allowed = models.BooleanField(_("evening self-study allowed"), default=False)
    evening_latest_end_time = models.TimeField(_("evening study latest end"), null=True, blank=True)
    evening_max_minutes = models.PositiveSmallIntegerField(
        _("evening study maximum minutes"), null=True, blank=True
    )
    max_lessons_per_day = models.PositiveSmallIntegerField(
        _("lessons (课时) per student per day at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no daily limit."),
    )

    # Fees
    lesson_minutes = models.PositiveSmallIntegerField(
        _("minutes per lesson (课时)"),
        default=40,
        validators=[MinValueValidator(20), MaxValueValidator(90)],
    )
    basic_care_must_be_free = models.BooleanField(_("basic care must be free"), default=False)
    basic_cap_per_lesson = money(_("basic care cap per lesson"))
    basic_cap_per_hour = money(_("basic care cap per hour"))
    basic_cap_per_month = money(_("basic care cap per month"))
    basic_cap_per_semester = money(_("basic care cap per semester"))
    extended_cap_per_lesson = money(_("extended course cap per lesson"))
    extended_cap_per_hour = money(_("extended course cap per hour"))
    extended_cap_per_month = money(_("extended course cap per month"))
    extended_cap_per_semester = money(_("extended course cap per semester"))

    # Subsidies and teacher pay
    subsidy_per_student_year = money(_("subsidy per student per year"))
    remote_uplift_percent = models.PositiveSmallIntegerField(
        _("remote-area uplift (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    teacher_pay_cap_per_lesson = money(_("teacher pay cap per lesson"))
    teacher_pay_cap_per_hour = money(_("teacher pay cap per hour"))
    teacher_paid_lessons_per_day = models.PositiveSmallIntegerField(
        _("paid lessons per teacher per day"), null=True, blank=True
    )
    teacher_paid_lessons_per_week = models.PositiveSmallIntegerField(
        _("paid lessons per teacher per week"), null=True, blank=True
    )

    # Staffing and group sizes
    students_per_teacher = models.PositiveSmallIntegerField(
        _("students per teacher"), default=45, validators=[MinValueValidator(1)]
    )
    teacher_remainder_threshold = models.PositiveSmallIntegerField(
        _("another teacher when the remainder exceeds"),
        default=0,
        help_text=_("0: any remainder needs another teacher."),
    )
    groups_per_manager = models.PositiveSmallIntegerField(
        _("groups per manager"),
        null=True,
        blank=True,
        help_text=_("Empty: no managers required."),
    )
    manager_remainder_threshold = models.PositiveSmallIntegerField(
        _("another manager when the remaining groups exceed"), default=0
    )
    max_basic_group_size = models.PositiveSmallIntegerField(
        _("maximum basic care group size"), default=40, validators=[MinValueValidator(1)]
    )
    group_merge_threshold = models.PositiveSmallIntegerField(
        _("a class with fewer participants merges into another group"),
        default=30,
        help_text=_("A class at or above this size forms its own basic-care group."),
    )
    merge_within_stage_only = models.BooleanField(
        _("small classes merge only within their stage (1–2, 3–4, 5–6)"), default=False
    )
    min_extended_course_size = models.PositiveSmallIntegerField(
        _("minimum size to open an extended course"), default=15
    )

    # Attendance and pickup
    late_pickup_grace_minutes = models.PositiveSmallIntegerField(
        _("pickup grace after the end of service (minutes)"),
        default=10,
        help_text=_("A child picked up later than this counts as a late pickup."),
    )
    unexcused_absence_flag_count = models.PositiveSmallIntegerField(
        _("unexcused absences that flag a child"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    unexcused_absence_window_days = models.PositiveSmallIntegerField(
        _("counted over this many days"), default=30, validators=[MinValueValidator(1)]
    )
    late_pickup_flag_count = models.PositiveSmallIntegerField(
        _("late pickups that flag a child"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    late_pickup_window_days = models.PositiveSmallIntegerField(
        _("late pickups counted over this many days"),
        default=30,
        validators=[MinValueValidator(1)],
    )
    warnings_before_dismissal = models.PositiveSmallIntegerField(
        _("recorded warnings before a child may be dismissed (劝退)"), default=2
    )

    # Exemptions, refunds, oversight
    exemptions = models.JSONField(
        _("exemption categories"),
        default=list,
        blank=True,
        help_text=_('List of {"code", "name", "reduction_percent"}.'),
    )
    refund_basis = models.CharField(
        _("refund basis"), max_length=16, choices=RefundBasis.choices, default=RefundBasis.SESSIONS
    )
    extended_refund = models.CharField(
        _("extended course refunds"),
        max_length=16,
        choices=ExtendedRefund.choices,
        default=ExtendedRefund.FORCE_MAJEURE,
    )
    basic_join_mid_semester = models.BooleanField(
        _("basic care may be joined mid-semester"), default=True
    )
    extended_withdraw_mid_semester = models.BooleanField(
        _("extended courses may be left mid-semester"), default=False
    )
    complaint_hotline = models.CharField(_("complaint hotline"), max_length=40, blank=True)
    # Complaint deadlines (feedback): calendar days from the day a complaint is filed (or
    # reopened by the district), due at the end of the last day, Asia/Shanghai.
    complaint_ack_days = models.PositiveSmallIntegerField(
        _("days a school has to acknowledge a complaint"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("Calendar days from the day it is filed, until the end of the last day."),
    )
    complaint_resolve_days = models.PositiveSmallIntegerField(
        _("days a school has to close a complaint with its findings"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Calendar days from the day it is filed, or reopened by the district."),
    )
    rule_ceilings = models.JSONField(
        _("provincial ceilings"),
        default=dict,
        blank=True,
        help_text=_(
            "Rule -> highest value the province allows (e.g. basic care per lesson 3.50): no "
            "district default or category may exceed it."
        ),
    )
    prohibitions = models.JSONField(
        _("prohibitions (十严禁)"),
        default=list,
        blank=True,
        help_text=_("Schools confirm each of these before submitting a plan."),
    )

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        db_table = "aftercare_districtpolicy"
        verbose_name = _("district policy")
        verbose_name_plural = _("district policies")
        ordering = ["district_id", "semester_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "semester", "version"], name="policy_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(evening_study_allowed=False) | Q(evening_latest_end_time__isnull=False),
                name="policy_evening_end_when_allowed",
            ),
        ]

    def __str__(self):
        return f"{self.semester} · v{self.version}"


class PolicySeason(models.Model):
    """A recurring date range (e.g. 五一 to 十一) with its own latest end time."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(DistrictPolicy, on_delete=models.CASCADE, related_name="seasons")
    name = models.CharField(_("name"), max_length=40)
    start_month = models.PositiveSmallIntegerField(
        _("from month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    start_day = models.PositiveSmallIntegerField(
        _("from day"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    end_month = models.PositiveSmallIntegerField(
        _("to month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    end_day = models.PositiveSmallIntegerField(
        _("to day"), validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    latest_end_time = models.TimeField(_("latest end time"))

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        db_table = "aftercare_policyseason"
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        ordering = ["start_month", "start_day"]

    def __str__(self):
        return f"{self.name} {self.start_month}.{self.start_day}–{self.end_month}.{self.end_day}"

    def contains(self, day) -> bool:
        """Whether ``day`` (a date) lies in the range; ranges may wrap the new year."""
        key = (day.month, day.day)
        start, end = (self.start_month, self.start_day), (self.end_month, self.end_day)
        if start <= end:
            return start <= key <= end
        return key >= start or key <= end
