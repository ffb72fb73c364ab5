"""Children's safety records and guardians' consent (issue 20).

* ``SafetyProfile`` — one per child, kept by the guardians and confirmed each semester:
  emergency contacts (at least ``settings.SAFETY_MIN_EMERGENCY_CONTACTS``, a JSON list of
  ``{"name", "relation", "mobile"}``), allergies and medical conditions with what to do,
  medication notes. ``has_alert`` (set by the service) makes the roll and pickup rows show an
  alert icon to the teachers of the child's groups. Every staff read of the medical notes is
  an audit event (``safety.medical_viewed``).
* ``Incident`` — recorded by a teacher (injury, illness, conflict, lost item): when, where,
  what happened and what was done; the guardians are notified at once and acknowledge; a
  serious one goes to the principal and the district at once. Once acknowledged it is never
  edited: ``IncidentAmendment`` rows are appended (a trigger refuses UPDATE and DELETE on
  them). ``IncidentPhoto`` files live under ``MEDIA_ROOT/safety/`` (outside the web root),
  served only through the checked view.
* ``ConsentNotice`` — a district's versioned privacy notice (purposes, data kept, storage
  location, retention, the responsible person's contact); ``ConsentDecision`` — a guardian's
  yes or no per purpose, per child, per semester, append-only: the latest decision is the
  state; withdrawal is a new "no".
* ``DeletionRequest`` — a guardian asks for their child's data to be deleted; the school
  reviews it against its retention duties; approval anonymises (``safety.services.rights``).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from enrollment.models import Student

TEXT_MAX = 1000


class SafetyProfile(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    student = models.OneToOneField(Student, on_delete=models.PROTECT, related_name="safety_profile")
    contacts = models.JSONField(_("emergency contacts"), default=list, blank=True)
    allergies = models.TextField(_("allergies"), max_length=TEXT_MAX, blank=True)
    conditions = models.TextField(_("medical conditions"), max_length=TEXT_MAX, blank=True)
    what_to_do = models.TextField(_("what to do"), max_length=TEXT_MAX, blank=True)
    medication = models.TextField(_("medication notes"), max_length=TEXT_MAX, blank=True)
    has_alert = models.BooleanField(default=False)
    confirmed_semester = models.ForeignKey(
        Semester, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Teachers reach a profile only through ``safety.selectors`` (their groups' children).
    tenant_rule = TenantRule(
        teacher="student__school_class__homeroom_teacher", family="student__guardianships__user"
    )
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("safety profile")
        verbose_name_plural = _("safety profiles")
        indexes = [models.Index(fields=["district", "school", "has_alert"])]

    def __str__(self):
        return f"{self.student}"

    @property
    def has_medical(self) -> bool:
        return bool(self.allergies or self.conditions or self.what_to_do or self.medication)


class IncidentKind(models.TextChoices):
    INJURY = "injury", pgettext_lazy("incident kind", "Injury")
    ILLNESS = "illness", pgettext_lazy("incident kind", "Illness")
    CONFLICT = "conflict", pgettext_lazy("incident kind", "Conflict")
    LOST_ITEM = "lost_item", pgettext_lazy("incident kind", "Lost item")


class IncidentSeverity(models.TextChoices):
    MINOR = "minor", pgettext_lazy("incident severity", "Minor")
    SERIOUS = "serious", pgettext_lazy("incident severity", "Serious")


class Incident(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=IncidentKind.choices)
    severity = models.CharField(
        _("severity"), max_length=8, choices=IncidentSeverity.choices, default="minor"
    )
    occurred_at = models.DateTimeField(_("when it happened"))
    place = models.CharField(_("where"), max_length=100)
    description = models.TextField(_("what happened"), max_length=TEXT_MAX)
    action_taken = models.TextField(_("what was done"), max_length=TEXT_MAX)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    # Officials: the district's; managers: their school's; a teacher: incidents they
    # recorded (and, through ``safety.selectors``, their groups' children's); guardians: theirs.
    tenant_rule = TenantRule(teacher="recorded_by", family="student__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["district", "school", "-occurred_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="incident_ack_names_guardian",
            ),
            models.CheckConstraint(
                condition=~Q(severity="serious") | Q(escalated_at__isnull=False),
                name="incident_serious_escalated",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class IncidentAmendment(models.Model):
    """Append-only (a trigger refuses UPDATE and DELETE, except the anonymiser's scrub)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="amendments")
    text = models.TextField(_("amendment"), max_length=TEXT_MAX)
    written_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()

    tenant_rule = TenantRule(
        teacher="incident__recorded_by", family="incident__student__guardianships__user"
    )
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self):
        return f"{self.incident} +{self.written_at:%Y-%m-%d %H:%M}"


def photo_upload_to(photo, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower()[:4]
    return f"safety/{photo.district_id}/{photo.school_id}/{uuid.uuid4().hex}.{ext}"


class IncidentPhoto(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to=photo_upload_to, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    tenant_rule = TenantRule(
        teacher="incident__recorded_by", family="incident__student__guardianships__user"
    )
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"{self.incident} photo"


class ConsentPurpose(models.TextChoices):
    SERVICE = (
        "service",
        pgettext_lazy("consent purpose", "Running the service (roll, pickup, fees)"),
    )
    MEDICAL = (
        "medical",
        pgettext_lazy("consent purpose", "Keeping allergies and medical notes for the teachers"),
    )
    PHOTOS = "photos", pgettext_lazy("consent purpose", "Photos of the child in records")


class ConsentNotice(models.Model):
    """A district's privacy notice (个人信息处理告知书); a new version is a new row."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    purposes = models.TextField(_("purposes"), max_length=2000)
    data_kept = models.TextField(_("data kept"), max_length=2000)
    storage_location = models.CharField(_("where it is stored"), max_length=200)
    retention = models.CharField(_("how long it is kept"), max_length=200)
    responsible_contact = models.CharField(_("responsible person and contact"), max_length=200)
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["district_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["district", "version"], name="consent_notice_version")
        ]

    def __str__(self):
        return f"v{self.version}"


class ConsentDecision(models.Model):
    """A guardian's yes or no for one purpose (append-only; the latest one counts)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    guardian = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(ConsentNotice, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(
        Semester, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("consents"))
    decided_at = models.DateTimeField()

    tenant_rule = TenantRule(family="student__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["student", "purpose", "-decided_at"])]

    def __str__(self):
        return f"{self.purpose} {'+' if self.granted else '-'}"


class DeletionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("deletion request", "Waiting for the school")
    APPROVED = "approved", pgettext_lazy("deletion request", "Approved: data anonymised")
    REFUSED = "refused", pgettext_lazy("deletion request", "Refused")


class DeletionRequest(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeletionStatus.choices, default="pending"
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("school's answer"), max_length=300, blank=True)

    tenant_rule = TenantRule(family="requested_by")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "student"],
                condition=Q(status="pending"),
                name="deletion_one_pending_per_child",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(decision_note=""),
                name="deletion_refusal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.student} {self.status}"
