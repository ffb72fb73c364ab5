"""Students (the school roster, 学籍) and their guardians; sign-up codes and binding attempts."""

import uuid
from datetime import timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.fields import BlindIndexField, EncryptedCharField, EncryptedQuerySetMixin
from aftercare.models import District, School, SchoolClass, User, mobile_validator
from aftercare.tenancy import TenantQuerySet, TenantRule


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class StudentQuerySet(EncryptedQuerySetMixin, TenantQuerySet):
    pass


class Student(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="students", verbose_name=_("class")
    )
    # 学籍号 and the guardian's mobile: encrypted at rest, matched exactly through their keyed
    # hashes (aftercare.fields); search them with enrollment.selectors.students_by_number.
    student_number = EncryptedCharField(_("student number"), kind="student_number", max_length=32)
    student_number_hash = BlindIndexField(source="student_number")
    name = models.CharField(_("name"), max_length=64)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    is_active = models.BooleanField(_("on the roll"), default=True)
    guardian_mobile = EncryptedCharField(
        _("guardian's mobile"),
        kind="mobile",
        max_length=11,
        null=True,
        blank=True,
        validators=[mobile_validator],
        help_text=_("As given in the school roster (监护人手机)."),
    )
    guardian_mobile_hash = BlindIndexField(source="guardian_mobile")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_rule = TenantRule(teacher="school_class__homeroom_teacher", family="guardianships__user")
    objects = StudentQuerySet.as_manager()

    # How children are listed on a roll, a register or a report: class, then name (never by
    # 学籍号: its ciphertext has no order).
    ROLL_ORDER = ("school_class__grade", "school_class__number", "name", "pk")

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        # Not by student number: its ciphertext has no order.
        ordering = ["school_id", "school_class_id", "pk"]
        constraints = [
            # Checked by Django through the hash (exact lookups are rewritten to it) ...
            models.UniqueConstraint(
                fields=["district", "school", "student_number"], name="student_number_unique"
            ),
            # ... and enforced by the database on the hash itself.
            models.UniqueConstraint(
                fields=["district", "school", "student_number_hash"],
                name="student_number_hash_unique",
            ),
        ]
        indexes = [models.Index(fields=["district", "school", "school_class"])]

    def __str__(self):
        return self.name

    @property
    def grade(self) -> int:
        return self.school_class.grade


class Relation(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER = "other", _("Other guardian")


class Guardianship(models.Model):
    """A user who is a guardian (监护人) of a student. A child may have several."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardianships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="guardianships")
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(teacher="student__school_class__homeroom_teacher", family="user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "student", "user"], name="guardianship_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.student}"


# --------------------------------------------------------------------------- sign-up, binding

SMS_CODE_MAX_ATTEMPTS = 5  # wrong entries per code
SMS_CODE_TTL = timedelta(minutes=10)
SMS_RESEND_COOLDOWN = timedelta(seconds=60)
SMS_DAILY_LIMIT = 10  # codes per mobile number per calendar day (Asia/Shanghai)


class SmsPurpose(models.TextChoices):
    SIGNUP = "signup", _("Sign-up")


class SmsCode(models.Model):
    """A one-time verification code sent by SMS. Only an HMAC of the code is stored.

    Not tenant-owned: it exists before the account does. A newer code for the same mobile and
    purpose supersedes the older ones (their ``used_at`` is set).
    """

    mobile = EncryptedCharField(
        _("mobile"), kind="mobile", max_length=11, validators=[mobile_validator]
    )
    mobile_hash = BlindIndexField(source="mobile")
    purpose = models.CharField(_("purpose"), max_length=16, choices=SmsPurpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [
            models.Index(fields=["mobile_hash", "purpose", "-created_at"]),
            models.Index(fields=["ip_address", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__lte=SMS_CODE_MAX_ATTEMPTS), name="sms_code_attempts_max"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="sms_code_expires_later"
            ),
        ]

    def __str__(self):
        masked = f"{self.mobile[:3]}****{self.mobile[-4:]}"
        return f"{masked} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class BindAttempt(models.Model):
    """A failed attempt to bind a child (student number + name did not match).

    Counted to throttle guessing; what was typed is deliberately not kept (children's data).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("failed binding attempt")
        verbose_name_plural = _("failed binding attempts")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class BindingStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the school")
    APPROVED = "approved", _("Confirmed by the school")
    REFUSED = "refused", _("Refused by the school")


class BindingRequest(models.Model):
    """A request to become a child's guardian that the roster could not confirm.

    Binding needs the 学籍号 and the name, and the user's mobile number must be the guardian's
    mobile on the school's roster; otherwise the request waits here for the school to confirm
    or refuse it. A pending request gives no access to the child.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="binding_requests")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="binding_requests")
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=BindingStatus.choices, default=BindingStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    tenant_rule = TenantRule(teacher="student__school_class__homeroom_teacher", family="user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("binding request")
        verbose_name_plural = _("binding requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "student", "user"],
                condition=Q(status="pending"),
                name="one_pending_binding_per_user_and_student",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="binding_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(reason=""),
                name="binding_refused_has_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["district", "school", "created_at"],
                condition=Q(status="pending"),
                name="pending_bindings",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.student} ({self.get_status_display()})"


# Applications, agreements and course seats live in their own module.
