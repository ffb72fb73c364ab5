"""Third-party institutions (校外机构进校园): the district's admission of outside institutions,
their instructors and the published list schools take instructors from.

* ``Institution`` — an outside institution known to a district. It starts as an applicant
  (an account was opened for it), becomes approved when an application in a batch is
  approved, and may be suspended or removed (exited). Schools schedule instructors only from
  approved ones (``scheduling.selectors.schedulable_problem``). This is the model that was
  ``scheduling.Institution`` (the whitelist); ``scheduling`` migration 0003 copied its rows.
* ``InstitutionAccount`` — a user who acts for an institution (applies, keeps its staff list).
  It is not a kernel membership: an institution is not a school; its users see only their
  own institution's rows (``institutions.selectors``).
* ``InstitutionPolicy`` — the district's price ceiling per 课时 and whether a course may be
  charged to families separately or only paid from the school's service fund.
* ``AdmissionBatch`` — a call (批次) with its requirements and window.
* ``Application`` with ``ApplicationCourse`` rows (course list with content and price) and its
  staff list (``Instructor`` rows); reviewed with a score and a reason.
* ``Instructor`` — identity (ID number kept as a hash and its last 4 characters), qualification,
  the background check (incl. the sexual-offence record check) with its date and the
  person's consent, and the health certificate, each with an expiry date.

Money in fen. Everything tenant-owned carries ``district_id``.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, User, mobile_validator
from aftercare.tenancy import TenantQuerySet, TenantRule


class InstitutionStatus(models.TextChoices):
    APPLICANT = "applicant", pgettext_lazy("institution status", "Applicant")
    APPROVED = "approved", pgettext_lazy("institution status", "Approved")
    SUSPENDED = "suspended", pgettext_lazy("institution status", "Suspended")
    EXITED = "exited", pgettext_lazy("institution status", "Exited")


class PaymentMode(models.TextChoices):
    SERVICE_FUND = "service_fund", _("Paid by the school from the service fund")
    FAMILIES = "families", _("Charged to families separately")


class Institution(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    licence_number = models.CharField(_("licence number"), max_length=64)
    licence_valid_until = models.DateField(_("licence valid until"), null=True, blank=True)
    supervision_platform_no = models.CharField(
        _("registration number on the national supervision platform"), max_length=64, blank=True
    )
    price_list = models.TextField(_("price list"), blank=True)
    evaluation_score = models.DecimalField(
        _("satisfaction in the last evaluation (%)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    evaluation_note = models.CharField(_("evaluation note"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InstitutionStatus.choices,
        default=InstitutionStatus.APPROVED,
    )
    status_note = models.CharField(_("reason"), max_length=200, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    approved_application = models.ForeignKey(
        "Application", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("third-party institution")
        verbose_name_plural = _("third-party institutions")
        ordering = ["district_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"], name="inst_institution_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(evaluation_score__isnull=True)
                | Q(evaluation_score__gte=0, evaluation_score__lte=100),
                name="inst_institution_score_percent",
            ),
        ]

    def __str__(self):
        return self.name


class InstitutionAccount(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="accounts")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="institution_account")
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(school=None, officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution account")
        verbose_name_plural = _("institution accounts")

    def __str__(self):
        return f"{self.user} · {self.institution}"


class InstitutionPolicy(models.Model):
    district = models.OneToOneField(District, on_delete=models.PROTECT, related_name="+")
    price_ceiling_fen = models.PositiveIntegerField(
        _("price ceiling per lesson (fen)"), validators=[MinValueValidator(1)]
    )
    ceiling_basis = models.CharField(
        _("basis of the ceiling"),
        max_length=200,
        blank=True,
        help_text=_("E.g. not above the local youth palace's average, and below market price."),
    )
    families_may_pay = models.BooleanField(
        _("courses may be charged to families separately"), default=False
    )
    satisfaction_threshold = models.PositiveSmallIntegerField(
        _("minimum parents' satisfaction (%)"),
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution price policy")
        verbose_name_plural = _("institution price policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(price_ceiling_fen__gt=0), name="inst_policy_ceiling_positive"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_threshold__lte=100), name="inst_policy_threshold_percent"
            ),
        ]

    def __str__(self):
        return str(self.district)

    @property
    def ceiling_yuan(self) -> str:
        return f"{self.price_ceiling_fen / 100:.2f}"


class BatchStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("admission batch", "Open")
    CLOSED = "closed", pgettext_lazy("admission batch", "Closed")


class AdmissionBatch(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(pgettext_lazy("batch", "title"), max_length=100)
    requirements = models.TextField(_("requirements"), blank=True)
    opens_on = models.DateField(_("applications from"))
    closes_on = models.DateField(_("applications until"))
    valid_until = models.DateField(_("list valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.OPEN
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("admission batch")
        verbose_name_plural = _("admission batches")
        ordering = ["district_id", "-opens_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "title"], name="inst_batch_title_unique"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="inst_batch_dates"
            ),
        ]

    def __str__(self):
        return self.title

    def is_open_on(self, day: date) -> bool:
        return self.status == BatchStatus.OPEN and self.opens_on <= day <= self.closes_on


class Instructor(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="staff")
    full_name = models.CharField(_("name"), max_length=64)
    id_card_hash = models.CharField(max_length=64, editable=False)
    id_card_last4 = models.CharField(_("ID card (last 4)"), max_length=4)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[mobile_validator])
    qualification = models.CharField(_("qualification"), max_length=120)
    qualification_valid_until = models.DateField(
        _("qualification valid until"), null=True, blank=True
    )
    background_checked_on = models.DateField(_("background check done on"), null=True, blank=True)
    sexual_offence_checked = models.BooleanField(
        _("includes the sexual-offence record check"), default=False
    )
    consent_given_on = models.DateField(_("consent to the check given on"), null=True, blank=True)
    background_check_valid_until = models.DateField(
        _("background check valid until"), null=True, blank=True
    )
    health_certificate_valid_until = models.DateField(
        _("health certificate valid until"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(school=None, officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution instructor")
        verbose_name_plural = _("institution instructors")
        ordering = ["institution_id", "full_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "institution", "id_card_hash"],
                name="inst_instructor_once_per_institution",
            ),
        ]

    def __str__(self):
        return self.full_name


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("institution application", "Submitted")
    APPROVED = "approved", pgettext_lazy("institution application", "Approved")
    REFUSED = "refused", pgettext_lazy("institution application", "Refused")
    WITHDRAWN = "withdrawn", pgettext_lazy("institution application", "Withdrawn")


class Application(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(AdmissionBatch, on_delete=models.PROTECT, related_name="applications")
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    licence_number = models.CharField(_("licence number"), max_length=64)
    licence_valid_until = models.DateField(_("licence valid until"))
    supervision_platform_no = models.CharField(
        _("registration number on the national supervision platform"), max_length=64
    )
    note = models.TextField(_("note"), blank=True)
    staff = models.ManyToManyField(Instructor, related_name="applications", blank=True)
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(school=None, officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution application")
        verbose_name_plural = _("institution applications")
        ordering = ["district_id", "-submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "batch", "institution"],
                condition=~Q(status="withdrawn"),
                name="inst_application_once_per_batch",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="inst_application_score"
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(decision_reason=""),
                name="inst_application_refusal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.institution} · {self.batch}"


class ApplicationCourse(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="courses")
    name = models.CharField(pgettext_lazy("course", "name"), max_length=60)
    content = models.TextField(_("content"))
    grades = models.CharField(_("grades"), max_length=40, blank=True)
    price_fen = models.PositiveIntegerField(_("price per lesson (fen)"))
    payment = models.CharField(
        _("paid by"), max_length=16, choices=PaymentMode.choices, default=PaymentMode.SERVICE_FUND
    )

    tenant_rule = TenantRule(school=None, officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("course offered by an institution")
        verbose_name_plural = _("courses offered by institutions")
        ordering = ["application_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="inst_course_price_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def price_yuan(self) -> str:
        return f"{self.price_fen / 100:.2f}"
