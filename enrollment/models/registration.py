"""Applications (家长申请), the service agreement, and extended-course seats (抢课).

* ``Application`` — one per student and semester: the parent's request for after-school
  service (basic care and/or extended courses), with the evidence of who asked, when and how,
  then the class review, the school's approval, public listing, the signed agreement and the
  confirmed insurance, and a withdrawal. No child is enrolled without one.
* ``CourseCapacity`` — the seat counter of one extended course, claimed with one conditional
  UPDATE (``taken < capacity``), so capacity holds under any concurrency.
* ``CourseRegistration`` — a student's seat, waitlist place, offer or lottery entry in a
  course; at most one live entry per student and course (a partial unique index).
* ``LotteryDraw`` — a published lottery: its seed and result, re-runnable by anyone.
"""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from plans.models import Course, SchoolPlan


class Channel(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("App / API")
    STAFF = "staff", _("Entered by school staff on the parent's written request")


class PriorityGroup(models.TextChoices):
    """Groups the school approves first (DOMAIN.md §4), in this order."""

    DISABLED = "disabled", _("Child with a disability")
    LEFT_BEHIND = "left_behind", _("Left-behind child")
    MIGRANT = "migrant", _("Child of migrant workers")
    SINGLE_PARENT = "single_parent", _("Single-parent family")
    HARDSHIP = "hardship", _("Family in hardship")


PRIORITY_ORDER = [g.value for g in PriorityGroup]


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    CLASS_APPROVED = "class_approved", _("Reviewed by the class teacher")
    FLAGGED = "flagged", _("Flagged by the class teacher")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved by the school")
    WITHDRAWAL_REQUESTED = "withdrawal_requested", _("Withdrawal requested")
    WITHDRAWN = "withdrawn", _("Withdrawn")


LIVE_APPLICATION = [
    ApplicationStatus.APPLIED,
    ApplicationStatus.CLASS_APPROVED,
    ApplicationStatus.FLAGGED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.WITHDRAWAL_REQUESTED,
]


class ServiceAgreement(models.Model):
    """The text parents sign (服务协议), versioned per school and semester."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="agreements")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(parents_see_school=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("service agreement")
        verbose_name_plural = _("service agreements")
        ordering = ["school_id", "semester_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "semester", "version"],
                name="agreement_version_unique",
            ),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"


class Application(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Lean indexes: every status change of an application rewrites each of its indexes, and
    # bulk approval changes thousands at once. The district is the first column of the
    # composite and unique indexes below; the user columns are never searched (a user is
    # not deleted while anything points at them).
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="applications")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SchoolPlan, on_delete=models.PROTECT, related_name="applications")
    student = models.ForeignKey(
        "enrollment.Student", on_delete=models.PROTECT, related_name="applications"
    )
    basic_care = models.BooleanField(_("basic care"), default=True)
    priority_groups = ArrayField(
        models.CharField(max_length=16, choices=PriorityGroup.choices),
        verbose_name=_("priority groups"),
        default=list,
        blank=True,
    )
    # What the school has checked (e.g. against a certificate): only these count for the
    # priority order of approvals and lotteries; declaring a group alone gives no priority.
    priority_verified = ArrayField(
        models.CharField(max_length=16, choices=PriorityGroup.choices),
        verbose_name=_("priority groups verified by the school"),
        default=list,
        blank=True,
    )
    priority_verified_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    priority_verified_at = models.DateTimeField(null=True, blank=True)
    parent_note = models.CharField(_("note to the school"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.APPLIED,
    )
    # Evidence that participation is voluntary: who asked, when and how.
    applied_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", db_index=False)
    applied_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The number of live extended-course entries: the per-student limit is a conditional
    # UPDATE of this counter, so two guardians registering at once cannot exceed it.
    courses_taken = models.PositiveSmallIntegerField(default=0)
    # Class review (班级审核)
    class_reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    class_reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)
    needs_accompaniment = models.BooleanField(_("needs a parent's accompaniment"), default=False)
    rejection_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # School approval (学校核准) and public listing (公示)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_rank = models.PositiveIntegerField(null=True, blank=True)
    listed_at = models.DateTimeField(null=True, blank=True)
    # Agreement (服务协议) and accident insurance (学平险)
    agreement = models.ForeignKey(
        ServiceAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    insurance_confirmed_at = models.DateTimeField(null=True, blank=True)
    insurance_confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    insurance_note = models.CharField(_("insurance policy"), max_length=100, blank=True)
    # Withdrawal (退出)
    withdrawal_requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    withdrawal_requested_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)
    withdrawal_last_day_requested = models.DateField(_("requested last day"), null=True, blank=True)
    withdrawal_decision_note = models.CharField(_("school's answer"), max_length=200, blank=True)
    withdrawal_effective_date = models.DateField(_("last day of service"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    tenant_rule = TenantRule(
        teacher="student__school_class__homeroom_teacher", family="student__guardianships__user"
    )
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["school_id", "-applied_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "semester", "student"], name="application_per_semester"
            ),
            models.CheckConstraint(
                condition=Q(courses_taken__gte=0), name="application_courses_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(agreement__isnull=False),
                name="application_signed_names_agreement",
            ),
            # One rank per place in a plan's approval order: a batch approved twice at once
            # cannot hand out the same rank.
            models.UniqueConstraint(
                fields=["district", "plan", "approval_rank"],
                condition=Q(approval_rank__isnull=False),
                name="application_rank_unique_per_plan",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "withdrawal_requested", "withdrawn"])
                | Q(approved_at__isnull=False),
                name="application_approved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="application_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn")
                | Q(withdrawn_at__isnull=False, withdrawal_effective_date__isnull=False),
                name="application_withdrawn_has_date",
            ),
            models.CheckConstraint(
                condition=Q(insurance_confirmed_at__isnull=True)
                | Q(insurance_confirmed_by__isnull=False),
                name="application_insurance_names_guardian",
            ),
            # Only declared groups can be verified, and a verification names who and when.
            models.CheckConstraint(
                condition=Q(priority_verified__contained_by=F("priority_groups")),
                name="application_verified_groups_declared",
            ),
            models.CheckConstraint(
                condition=Q(priority_verified_at__isnull=True)
                | Q(priority_verified_by__isnull=False),
                name="application_verification_names_staff",
            ),
        ]
        indexes = [models.Index(fields=["district", "school", "semester", "status"])]

    def __str__(self):
        return f"{self.student} · {self.semester}"

    @property
    def priority_group_labels(self) -> list[str]:
        labels = dict(PriorityGroup.choices)
        return [str(labels[g]) for g in self.priority_groups if g in labels]

    @property
    def priority_choices(self) -> list[tuple[str, str]]:
        """The declared groups as (value, label), in priority order."""
        labels = dict(PriorityGroup.choices)
        return [(g, str(labels[g])) for g in self.priority_groups if g in labels]

    @property
    def priority_verified_labels(self) -> list[str]:
        labels = dict(PriorityGroup.choices)
        return [str(labels[g]) for g in self.priority_verified if g in labels]

    @property
    def is_active(self) -> bool:
        """The child may attend: approved, agreement signed and insurance confirmed.

        A pending withdrawal request does not stop service: the child attends until the school
        approves it (``withdrawal_effective_date`` is then the last day).
        """
        return (
            self.status in (ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWAL_REQUESTED)
            and self.signed_at is not None
            and self.insurance_confirmed_at is not None
        )


class CapacityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled: below the minimum size")
    RUNNING = "running", _("Running")


class CourseCapacity(models.Model):
    """Seat counter of one published course (kept apart from the immutable course row)."""

    course = models.OneToOneField(
        Course, on_delete=models.PROTECT, primary_key=True, related_name="seats"
    )
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    capacity = models.PositiveIntegerField()
    taken = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=12, choices=CapacityStatus.choices, default=CapacityStatus.OPEN
    )
    # Bumped whenever something the rush path caches about the course changes (cancelled,
    # superseded by an amendment, capacity carried over): every process compares it with the
    # version its cached facts were read at, in the claim's lookup query, and reloads.
    version = models.PositiveIntegerField(default=0)

    tenant_rule = TenantRule(parents_see_school=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("course seats")
        verbose_name_plural = _("course seats")
        constraints = [
            models.CheckConstraint(
                condition=Q(taken__lte=F("capacity")), name="seats_never_overbooked"
            ),
        ]

    def __str__(self):
        return f"{self.course}: {self.taken}/{self.capacity}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


class SeatStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Seat confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    OFFERED = "offered", _("Seat offered: accept before the deadline")
    ENTERED = "entered", _("Entered in the lottery")
    CANCELLED = "cancelled", _("Cancelled")
    DECLINED = "declined", _("Offer declined")
    EXPIRED = "expired", _("Offer expired")
    COURSE_CANCELLED = "course_cancelled", _("Course cancelled")


LIVE_SEATS = [SeatStatus.CONFIRMED, SeatStatus.WAITLISTED, SeatStatus.OFFERED, SeatStatus.ENTERED]
HOLDING_SEATS = [SeatStatus.CONFIRMED, SeatStatus.OFFERED]


class CourseRegistration(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The rush inserts here: only the indexes queries use (composites below cover
    # district/school and student; created_by is never searched).
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="registrations")
    student = models.ForeignKey(
        "enrollment.Student",
        on_delete=models.PROTECT,
        related_name="registrations",
        db_index=False,
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="registrations"
    )
    status = models.CharField(max_length=16, choices=SeatStatus.choices)
    round = models.PositiveSmallIntegerField(default=1)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    lottery_rank = models.PositiveIntegerField(null=True, blank=True)
    # 0: a priority group verified by the school, 1: everyone else (set by the draw; shown
    # to the family, never published next to a name).
    lottery_tier = models.PositiveSmallIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(
        teacher="student__school_class__homeroom_teacher", family="student__guardianships__user"
    )
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("course registration")
        verbose_name_plural = _("course registrations")
        ordering = ["course_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "student"],
                condition=Q(status__in=["confirmed", "waitlisted", "offered", "entered"]),
                name="one_live_seat_per_student_and_course",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="offer_has_deadline",
            ),
        ]
        indexes = [
            models.Index(
                fields=["course", "id"], condition=Q(status="waitlisted"), name="waitlist_order"
            ),
            models.Index(fields=["district", "school", "status"]),
            models.Index(fields=["student", "status"]),
        ]

    def __str__(self):
        return f"{self.student} · {self.course} · {self.get_status_display()}"


class LotteryCommitment(models.Model):
    """The seed of a lottery course, chosen by the server when the plan is published (before
    anyone can enter) and kept secret until the draw; its SHA-256 ``commitment`` is public
    from the start, so nobody — staff included — can pick a seed once the entries are known.
    """

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    course = models.OneToOneField(
        Course, on_delete=models.PROTECT, primary_key=True, related_name="lottery_commitment"
    )
    seed = models.CharField(max_length=64)
    commitment = models.CharField(max_length=64, help_text=_("SHA-256 of the seed (hex)."))
    committed_at = models.DateTimeField(default=timezone.now)
    revealed_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(parents_see_school=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("lottery commitment")
        verbose_name_plural = _("lottery commitments")
        constraints = [
            models.CheckConstraint(
                condition=Q(commitment__regex=r"^[0-9a-f]{64}$"), name="commitment_is_sha256_hex"
            ),
        ]

    def __str__(self):
        return f"{self.course_id} · {self.commitment[:12]}"


class LotteryDraw(models.Model):
    """A published draw. ``entries`` is the result by token (rank, token, tier, result) and
    ``results`` the masked names with their result only, sorted by name: anyone can re-run
    ``enrollment.lottery.draw_order`` from the seed and the tokens, and nobody can tell from
    the publication which child is in a priority group."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    course = models.OneToOneField(Course, on_delete=models.PROTECT, related_name="draw")
    seed = models.CharField(max_length=64)
    # Empty for draws made before commitments existed.
    commitment = models.CharField(max_length=64, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    entries = models.JSONField(help_text=_("The tokens in draw order with tier and result."))
    results = models.JSONField(
        default=list, help_text=_("Masked names with their result, sorted by name.")
    )
    drawn_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule(parents_see_school=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("lottery draw")
        verbose_name_plural = _("lottery draws")

    def __str__(self):
        return f"{self.course} · {self.seed[:8]}"
