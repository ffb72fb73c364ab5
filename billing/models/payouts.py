"""Teacher subsidy payouts (课后服务补助): the district's rule set, the school's adjustments
within it, labour agreements of external staff, and the monthly payout runs with their lines,
deductions (each with its reason and evidence) and the principal's adjustments.

* ``SubsidyRules`` — version ``version`` of a district's rule set for one semester: the
  scheme (per session with deductions, seed 004; or fee income allocated by workload points,
  seed 001), rates, duty allowances, the admin duty share, caps and the deduction scheme.
  Versions are append-only (a trigger refuses UPDATE and DELETE, migration 0005): a change is
  version N+1, so a payout run that names its version can always be recomputed and the rules
  of an approved month never move.
* ``SchoolSubsidyRules`` — a school's own values within the district's bounds (a lower rate,
  smaller allowances); checked again when a run starts.
* ``LabourAgreement`` — what an external hire, retired teacher or institution instructor is
  paid under their signed agreement (劳务费), per session or per 课时.
* ``PayoutRun`` — one school's month: computed by a Celery job from staff attendance (the
  only source of sessions served), reviewed and adjusted by the principal, approved once;
  approval posts the expense journals. ``PayoutLine`` per staff member; ``PayoutDeduction``
  per deduction (kind, count, percent, amount, evidence ids — worded when shown);
  ``PayoutAdjustment`` append-only, each with its reason.
* ``SafetyIncident`` — a major safety incident (重大安全事故) the principal records with
  evidence: 50–100 % of the staff member's subsidy of the semester.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from scheduling.models import StaffMember


def percent(verbose_name, default):
    return models.PositiveSmallIntegerField(
        verbose_name, default=default, validators=[MaxValueValidator(100)]
    )


def fen(verbose_name, default=0, **kwargs):
    return models.BigIntegerField(
        verbose_name, default=default, validators=[MinValueValidator(0)], **kwargs
    )


class SchemeKind(models.TextChoices):
    PER_SESSION = "per_session", _("Per session served, with performance deductions")
    POINTS = "points", _("Fee income allocated by workload points")


class RateUnit(models.TextChoices):
    SESSION = "session", pgettext_lazy("rate unit", "per session")
    LESSON = "lesson", pgettext_lazy("rate unit", "per lesson (课时)")


class SubsidyRules(models.Model):
    """One version of a district's subsidy rule set for one semester (amounts in fen)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    scheme = models.CharField(
        _("scheme"), max_length=12, choices=SchemeKind.choices, default=SchemeKind.PER_SESSION
    )
    rate_unit = models.CharField(
        _("paid"), max_length=8, choices=RateUnit.choices, default=RateUnit.SESSION
    )
    rate_fen = fen(_("rate"), 2000)
    rate_min_fen = fen(_("lowest rate a school may set"), 0)
    safety_duty_fen = fen(_("break-time safety duty (per day on duty)"), 1000)
    duty_leader_fen = fen(_("duty leader (per day led)"), 0)
    # xgettext:no-python-format
    admin_share_percent = percent(_("admin duty share (% of general spending)"), 8)
    admin_unit_fen = fen(_("admin duty converted at (per 节)"), 700)
    monthly_cap_fen = models.BigIntegerField(
        _("cap per person per month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty: no monthly cap."),
    )
    # Deductions (seed 004, 篇三): percent of the month's subsidy, or of the semester's.
    early_leave_percent = percent(_("early leave (早退): each time"), 10)
    early_leave_full_at = models.PositiveSmallIntegerField(
        _("early leaves in a month that forfeit it all"), default=3
    )
    missed_session_percent = percent(_("missed session (无故空堂)"), 100)
    handover_percent = percent(_("handover violation: each time"), 10)
    handover_full_at = models.PositiveSmallIntegerField(
        _("handover violations in a month that forfeit it all"), default=3
    )
    complaint_min_percent = percent(_("verified complaint: at least"), 10)
    complaint_max_percent = percent(_("verified complaint: at most"), 100)
    incident_min_percent = percent(_("major safety incident (of the semester): at least"), 50)
    incident_max_percent = percent(_("major safety incident (of the semester): at most"), 100)
    # The workload-points scheme (seed 001): shares of the semester's net fee income.
    points_basic = models.PositiveSmallIntegerField(_("points: homework supervision"), default=50)
    points_course = models.PositiveSmallIntegerField(_("points: interest course"), default=50)
    points_patrol = models.PositiveSmallIntegerField(_("points: safety patrol"), default=40)
    teacher_pool_percent = percent(_("teachers' workload points"), 60)
    quality_pool_percent = percent(_("quality awards"), 20)
    costs_percent = percent(_("running costs"), 5)
    equipment_percent = percent(_("equipment"), 5)
    district_pool_percent = percent(_("district pool"), 10)

    preset = models.CharField(_("started from preset"), max_length=32, blank=True)
    change_note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("subsidy rules")
        verbose_name_plural = _("subsidy rules")
        ordering = ["district_id", "semester_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "semester", "version"], name="billing_subsidy_rules_version"
            ),
            models.CheckConstraint(
                condition=Q(rate_min_fen__lte=F("rate_fen")), name="billing_subsidy_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(complaint_min_percent__lte=F("complaint_max_percent"))
                & Q(incident_min_percent__lte=F("incident_max_percent")),
                name="billing_subsidy_deduction_ranges",
            ),
            models.CheckConstraint(
                condition=Q(early_leave_full_at__gte=1, handover_full_at__gte=1),
                name="billing_subsidy_full_at_positive",
            ),
            models.CheckConstraint(
                condition=Q(
                    teacher_pool_percent=100
                    - F("quality_pool_percent")
                    - F("costs_percent")
                    - F("equipment_percent")
                    - F("district_pool_percent")
                ),
                name="billing_subsidy_pools_sum_100",
            ),
        ]

    def __str__(self):
        return f"{self.semester} · v{self.version}"


class SchoolSubsidyRules(models.Model):
    """A school's values within its district's rule set (empty: the district's value)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    rate_fen = models.BigIntegerField(_("rate"), null=True, blank=True)
    safety_duty_fen = models.BigIntegerField(_("break-time safety duty"), null=True, blank=True)
    duty_leader_fen = models.BigIntegerField(_("duty leader"), null=True, blank=True)
    admin_share_percent = models.PositiveSmallIntegerField(
        _("admin duty share (%)"), null=True, blank=True
    )
    monthly_cap_fen = models.BigIntegerField(_("cap per person per month"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("school subsidy rules")
        verbose_name_plural = _("school subsidy rules")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "semester"], name="billing_school_rules_once"
            ),
            models.CheckConstraint(
                condition=Q(rate_fen__gte=0)
                & Q(safety_duty_fen__gte=0)
                & Q(duty_leader_fen__gte=0)
                & Q(monthly_cap_fen__gte=0)
                & Q(admin_share_percent__lte=100),
                name="billing_school_rules_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.school} · {self.semester}"


class LabourAgreement(models.Model):
    """What a staff member who is not the school's own teacher is paid (劳务费) under their
    signed agreement."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    rate_unit = models.CharField(_("paid"), max_length=8, choices=RateUnit.choices)
    rate_fen = fen(_("rate"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule(teacher="staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("labour agreement")
        verbose_name_plural = _("labour agreements")
        constraints = [
            models.UniqueConstraint(fields=["district", "staff"], name="billing_agreement_once"),
            models.CheckConstraint(condition=Q(rate_fen__gte=0), name="billing_agreement_rate"),
        ]

    def __str__(self):
        return f"{self.staff} · {self.rate_fen}"


class PayoutStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("payout run", "Queued")
    RUNNING = "running", pgettext_lazy("payout run", "Computing")
    REVIEW = "review", pgettext_lazy("payout run", "Waiting for the principal's approval")
    APPROVED = "approved", pgettext_lazy("payout run", "Approved")
    FAILED = "failed", pgettext_lazy("payout run", "Failed")
    SUPERSEDED = "superseded", pgettext_lazy("payout run", "Recomputed (replaced)")


LIVE_PAYOUT = ["queued", "running", "review", "approved", "failed"]


class PayoutRun(models.Model):
    """One school's payout month. ``month`` is its first day."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    rules = models.ForeignKey(SubsidyRules, on_delete=models.PROTECT, related_name="+")
    # The effective values the run applied (district version, school values, policy caps).
    applied = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=PayoutStatus.choices, default=PayoutStatus.QUEUED
    )
    staff_count = models.PositiveIntegerField(_("staff"), default=0)
    gross_fen = models.BigIntegerField(_("gross"), default=0)
    deduction_fen = models.BigIntegerField(_("deductions"), default=0)
    adjustment_fen = models.BigIntegerField(_("adjustments"), default=0)
    total_fen = models.BigIntegerField(_("total"), default=0)
    error = models.TextField(blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    started_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("payout run")
        verbose_name_plural = _("payout runs")
        ordering = ["-month", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "month"],
                condition=Q(status__in=LIVE_PAYOUT),
                name="billing_one_payout_per_month",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="billing_payout_month_first"),
            models.CheckConstraint(
                condition=Q(total_fen=F("gross_fen") - F("deduction_fen") + F("adjustment_fen"))
                & Q(total_fen__gte=0),
                name="billing_payout_run_totals",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(approved_at__isnull=False, approved_by__isnull=False),
                name="billing_payout_approved_has_who",
            ),
        ]
        indexes = [models.Index(fields=["district", "school", "semester"])]

    def __str__(self):
        return f"{self.school} · {self.month:%Y-%m}"

    @property
    def active(self) -> bool:
        return self.status in (PayoutStatus.QUEUED, PayoutStatus.RUNNING)


class PayBasis(models.TextChoices):
    SCHEME = "scheme", _("Teacher subsidy (the school's rules)")
    POINTS = "points", _("Workload points")
    AGREEMENT = "agreement", _("Labour fee under the agreement (劳务费)")
    NO_AGREEMENT = "no_agreement", _("Not paid: no labour agreement recorded")
    UNPAID = "unpaid", _("Volunteer (unpaid)")


class LedgerGroup(models.TextChoices):
    TEACHER = "teacher", _("Teacher subsidies")
    EXTERNAL = "external", _("External staff fees (劳务费)")


class PayoutLine(models.Model):
    """One staff member's month: what they served, what it pays, deductions, adjustments."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    run = models.ForeignKey(PayoutRun, on_delete=models.PROTECT, related_name="lines")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    staff_name = models.CharField(_("name"), max_length=64)
    staff_kind = models.CharField(_("kind"), max_length=16)
    basis = models.CharField(_("paid as"), max_length=12, choices=PayBasis.choices)
    ledger_group = models.CharField(max_length=8, choices=LedgerGroup.choices)
    rate_unit = models.CharField(max_length=8, choices=RateUnit.choices)
    rate_fen = models.BigIntegerField(_("rate"), default=0)
    sessions_served = models.PositiveIntegerField(_("sessions served"), default=0)
    lessons_served = models.PositiveIntegerField(_("lessons served"), default=0)
    sessions_paid = models.PositiveIntegerField(_("sessions paid"), default=0)
    lessons_paid = models.PositiveIntegerField(_("lessons paid"), default=0)
    teaching_fen = models.BigIntegerField(_("sessions"), default=0)
    safety_days = models.PositiveIntegerField(_("safety duty days"), default=0)
    safety_fen = models.BigIntegerField(_("safety duty"), default=0)
    leader_days = models.PositiveIntegerField(_("days as duty leader"), default=0)
    leader_fen = models.BigIntegerField(_("duty leader"), default=0)
    admin_units = models.PositiveIntegerField(_("admin duty (节)"), default=0)
    admin_fen = models.BigIntegerField(_("admin duty"), default=0)
    points = models.PositiveIntegerField(_("workload points"), default=0)
    capped_fen = models.BigIntegerField(_("above the monthly cap"), default=0)
    gross_fen = models.BigIntegerField(_("gross"), default=0)
    deduction_fen = models.BigIntegerField(_("deductions"), default=0)
    adjustment_fen = models.BigIntegerField(_("adjustments"), default=0)
    total_fen = models.BigIntegerField(_("total"), default=0)
    # Evidence ids: served records, sessions left unpaid by a cap (and why), sessions
    # nobody recorded, patrols, clearings. Worded when shown.
    evidence = models.JSONField(default=dict)

    tenant_rule = TenantRule(teacher="staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        ordering = ["run_id", "staff_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "staff"], name="billing_payout_line_once"),
            models.CheckConstraint(
                condition=Q(total_fen=F("gross_fen") - F("deduction_fen") + F("adjustment_fen"))
                & Q(total_fen__gte=0, deduction_fen__gte=0, gross_fen__gte=0)
                & Q(deduction_fen__lte=F("gross_fen")),
                name="billing_payout_line_totals",
            ),
            models.CheckConstraint(
                condition=Q(sessions_paid__lte=F("sessions_served"))
                & Q(lessons_paid__lte=F("lessons_served")),
                name="billing_payout_paid_only_served",
            ),
        ]
        indexes = [models.Index(fields=["district", "staff"])]

    def __str__(self):
        return f"{self.staff_name} · {self.total_fen}"


class DeductionKind(models.TextChoices):
    EARLY_LEAVE = "early_leave", _("Early leave (早退)")
    MISSED = "missed", _("Missed session (无故空堂)")
    HANDOVER = "handover", _("Handover violation (交接违规)")
    COMPLAINT = "complaint", _("Verified parent complaint")
    INCIDENT = "incident", _("Major safety incident")


class PayoutDeduction(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    line = models.ForeignKey(PayoutLine, on_delete=models.CASCADE, related_name="deductions")
    kind = models.CharField(_("reason"), max_length=12, choices=DeductionKind.choices)
    count = models.PositiveIntegerField(_("times"), default=1)
    percent = models.PositiveSmallIntegerField(_("percent"))
    # "month": of this month's subsidy; "semester": of the semester's (incidents).
    base = models.CharField(max_length=8, default="month")
    amount_fen = models.BigIntegerField(_("amount"))
    evidence = models.JSONField(default=list)

    tenant_rule = TenantRule(teacher="line__staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("payout deduction")
        verbose_name_plural = _("payout deductions")
        ordering = ["line_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0, percent__lte=100),
                name="billing_deduction_amount",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.percent}%"


class PayoutAdjustment(models.Model):
    """The principal's change to one line, with its reason (append-only; audited)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    line = models.ForeignKey(PayoutLine, on_delete=models.CASCADE, related_name="adjustments")
    amount_fen = models.BigIntegerField(_("amount"))
    # Sessions (or 课时: the line's unit) added (+) or taken off (−) at the line's rate.
    units = models.IntegerField(_("sessions"), default=0)
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule(teacher="line__staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("payout adjustment")
        verbose_name_plural = _("payout adjustments")
        ordering = ["line_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount_fen=0) & ~Q(reason=""), name="billing_adjustment_reason"
            ),
        ]

    def __str__(self):
        return f"{self.amount_fen} · {self.reason}"


class SafetyIncident(models.Model):
    """A major safety incident (重大安全事故) that was not handled properly, recorded by the
    principal with evidence: ``percent`` of the staff member's subsidy of the semester."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    # xgettext:no-python-format
    percent = models.PositiveSmallIntegerField(_("deduction (% of the semester)"))
    description = models.CharField(_("what happened"), max_length=500)
    evidence = models.CharField(
        _("evidence"),
        max_length=200,
        help_text=_("What proves it: the incident report's number, the recording, witnesses."),
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule(teacher="staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("safety incident")
        verbose_name_plural = _("safety incidents")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=1, percent__lte=100)
                & ~Q(evidence="")
                & ~Q(description=""),
                name="billing_incident_has_evidence",
            ),
        ]

    def __str__(self):
        return f"{self.staff} · {self.date} · {self.percent}%"


class IncidentDecision(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("incident decision", "Confirmed for the subsidy")
    DECLINED = "declined", pgettext_lazy("incident decision", "Declined")


class SafetyIncidentReview(models.Model):
    """The principal's decision on a serious ``safety.Incident`` offered for the subsidy
    deduction (one per incident, by constraint): confirmed — it became ``safety_incident``,
    which the payout runs deduct — or declined with a reason."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    incident = models.OneToOneField(
        "safety.Incident", on_delete=models.PROTECT, related_name="subsidy_review"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=IncidentDecision.choices)
    safety_incident = models.OneToOneField(
        SafetyIncident, on_delete=models.PROTECT, null=True, blank=True, related_name="review"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("safety incident review")
        verbose_name_plural = _("safety incident reviews")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(decision="confirmed") & Q(safety_incident__isnull=False))
                | (Q(decision="declined") & Q(safety_incident__isnull=True) & ~Q(reason="")),
                name="billing_incident_review_outcome",
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} · {self.decision}"
