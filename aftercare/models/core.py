"""Core domain: users and roles, the tenant (District), schools, classes, semesters, audit.

Tenant-owned rows carry ``district_id`` (indexed, part of their unique constraints) so the
schema can be sharded by district later. Visibility of every tenant-owned model is declared
once, as ``tenant_rule``, and applied by ``aftercare.tenancy``.
"""

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from aftercare.actions import action_label, readable_payload
from aftercare.fields import BlindIndexField, EncryptedCharField, EncryptedQuerySet
from aftercare.roles import DISTRICT_ROLES, MANAGER_ROLES, SCHOOL_ROLES, TEACHER_ROLES, Role
from aftercare.tenancy import TenantQuerySet, TenantRule
from aftercare.texts import join_list, render_stored

__all__ = [
    "DISTRICT_ROLES",
    "MANAGER_ROLES",
    "SCHOOL_ROLES",
    "TEACHER_ROLES",
    "Role",
]

mobile_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter a valid 11-digit mainland mobile number."), code="invalid_mobile"
)

GRADE_NAMES = {
    1: _("Grade 1"),
    2: _("Grade 2"),
    3: _("Grade 3"),
    4: _("Grade 4"),
    5: _("Grade 5"),
    6: _("Grade 6"),
    7: _("Grade 7"),
    8: _("Grade 8"),
    9: _("Grade 9"),
}


def grades_label(grades) -> str:
    """``[1, 2]`` -> 一年级、二年级 (the grades a period or a course is for)."""
    return join_list(GRADE_NAMES[g] for g in sorted(grades) if g in GRADE_NAMES)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_queryset(self):
        return EncryptedQuerySet(self.model, using=self._db)

    def create_user(self, username=None, password=None, *, mobile=None, **extra):
        if not username and not mobile:
            raise ValueError("A user needs a username or a mobile number")
        user = self.model(username=username or None, mobile=mobile or None, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in. Parents log in with their mobile, staff with username or mobile."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    username = models.CharField(_("username"), max_length=64, unique=True, null=True, blank=True)
    # Encrypted at rest; lookups (login by mobile) go through the keyed hash (aftercare.fields).
    mobile = EncryptedCharField(
        _("mobile"),
        kind="mobile",
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[mobile_validator],
    )
    mobile_hash = BlindIndexField(source="mobile", unique=True)
    full_name = models.CharField(_("name"), max_length=64, blank=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Bumped by "log out everywhere" (aftercare.services.tokens): part of the session auth
    # hash, so every session and every API token issued before it dies at once.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(username__isnull=False) | Q(mobile__isnull=False),
                name="user_has_login",
            ),
        ]

    def __str__(self):
        # Masked: a user's name lands in audit rows, logs and exports (never a full mobile).
        masked = f"{self.mobile[:3]}****{self.mobile[-4:]}" if self.mobile else ""
        return self.full_name or self.username or masked or str(self.public_id)

    def get_full_name(self):
        return str(self)

    def _get_session_auth_hash(self, secret=None):
        """Django's HMAC of the password hash, plus the epoch once "log out everywhere" was
        used (epoch 0 keeps Django's own value: sessions survive this change)."""
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "aftercare.User.session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_short_name(self):
        return str(self)


class District(models.Model):
    """The tenant: a district (or county) education bureau."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(district="id", school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self):
        return self.name


class School(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="schools", verbose_name=_("district")
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_remote = models.BooleanField(
        _("remote area"),
        default=False,
        help_text=_("Remote-area schools may get a subsidy uplift."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(school="id", parents_see_school=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["district_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="school_code_unique"),
        ]

    def __str__(self):
        return self.name


class SchoolClass(models.Model):
    """A class (班级) of a school: grade and number, with its homeroom teacher (班主任)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="classes")
    grade = models.PositiveSmallIntegerField(
        _("grade"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    number = models.PositiveSmallIntegerField(_("class number"), validators=[MinValueValidator(1)])
    homeroom_teacher = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="homeroom_classes",
        verbose_name=_("homeroom teacher"),
    )

    tenant_rule = TenantRule(teacher="homeroom_teacher", family="students__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school_id", "grade", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "grade", "number"], name="class_number_unique"
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=9), name="class_grade_1_9"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return _("%(grade)s Class %(number)s") % {
            "grade": GRADE_NAMES[self.grade],
            "number": self.number,
        }


class Membership(models.Model):
    """A role a user holds in a district, or in one school of it. Users may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="memberships")
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(family="user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "district", "school", "role"],
                name="membership_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(DISTRICT_ROLES), school__isnull=True)
                    | (~Q(role__in=sorted(DISTRICT_ROLES)) & Q(school__isnull=False))
                ),
                name="membership_role_level",
            ),
        ]
        indexes = [models.Index(fields=["district", "role"])]

    def __str__(self):
        where = self.school or self.district
        return f"{self.user} · {self.get_role_display()} · {where}"


class Semester(models.Model):
    """A district's semester; its school days come from weekdays and the calendar exceptions."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="semesters")
    name = models.CharField(_("name"), max_length=64)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("semester")
        verbose_name_plural = _("semesters")
        ordering = ["district_id", "-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="semester_name_unique"),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="semester_dates_ordered"
            ),
        ]

    def __str__(self):
        return self.name


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class CalendarKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no school)")
    MAKEUP_DAY = "makeup_day", _("Make-up school day (调休)")
    EVENT = "event", _("School event (no service)")


class CalendarException(models.Model):
    """A date that departs from the Monday–Friday rule, for the district or one school."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.CASCADE, related_name="exceptions")
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_exceptions",
        help_text=_("Empty: the whole district."),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=CalendarKind.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)
    follows_weekday = models.PositiveSmallIntegerField(
        _("follows the timetable of"),
        null=True,
        blank=True,
        choices=WEEKDAYS,
        help_text=_("For a make-up day: the weekday whose timetable applies."),
    )

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "semester", "school", "date"],
                name="calendar_exception_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(follows_weekday__isnull=True) | Q(kind="makeup_day"),
                name="calendar_follows_only_makeup",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class AuditEvent(models.Model):
    """Append-only record of who did what to which object. A trigger refuses UPDATE/DELETE."""

    # Indexes kept lean (every write of the platform appends here): the composite
    # (district, -created_at) serves the district's log; no separate district/actor/time ones.
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    actor_repr = models.CharField(max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    tenant_rule = TenantRule(officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AuditEvent.Immutable("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEvent.Immutable("audit events are append-only")

    @property
    def action_label(self):
        return action_label(self.action)

    @property
    def payload_items(self) -> list[tuple[str, str]]:
        """The payload as readable (label, value) pairs for the audit pages."""
        return readable_payload(self.payload, self.object_type)

    class Immutable(Exception):
        pass


class Notification(models.Model):
    """An in-app inbox message for one user."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    # The title and body as texts to translate with their parameters (aftercare.texts.Text
    # as JSON: {"title": {...}, "body": {...}}), rendered in the reader's language when read;
    # ``title``/``body`` keep the text as it was rendered when sent (older messages have
    # only that).
    message = models.JSONField(null=True, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(school=None, family="recipient", personal=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        """The title in the active (the reader's) language."""
        return render_stored(self.message, "title", self.title)

    @property
    def display_body(self) -> str:
        return render_stored(self.message, "body", self.body)
