"""Complaints (投诉): what a family reports about the after-school service, and what the school
and the district do with it.

* ``Complaint`` — one complaint about a child's after-school service at one school: filed by a
  guardian (web or app), or recorded by a district official from a hotline call. Its category
  (a session, a teacher, a fee, safety, coercion to enrol, other), what happened and when, and
  where it stands:

      submitted ──acknowledge──▶ investigating ──close (verified / not verified)──▶ closed
          │                                                         │
          └──────────── close (acknowledges too) ───────────────────┘
      closed ──escalate (the filer)──▶ escalated ──uphold (district)──▶ closed (final)
                                           └──────reopen (district)──▶ investigating
      submitted / investigating past their deadline ──escalate (the filer)──▶ escalated
      closed ──reopen (district, on its own motion)──▶ investigating

  Deadlines (``ack_due_at``, ``resolve_due_at``) come from the district policy of the
  semester (``complaint_ack_days``, ``complaint_resolve_days``; ``feedback.deadlines``).
  A verified complaint about a teacher (``staff``) is evidence for that month's subsidy:
  ``deduction_month`` (the first day of the month it concerns, by default the month it
  happened) and ``deduction_percent`` (10–100, chosen by the school, the seeds'
  "家长投诉，经查情况属实，视情节轻重可扣除当月10%—100%绩效服务费"; empty: verified, but the
  school judged it called for no deduction). Billing reads it through
  ``feedback.selectors.complaints.verified_complaints_for``. Reopening withdraws the evidence
  (the fields are cleared; the event keeps what they were).
* ``ComplaintEvent`` — the timeline, append-only (a trigger refuses UPDATE and DELETE): every
  step with who took it (``actor``) and on which side (family, school, district), and the note
  the family reads.
* ``ComplaintAttachment`` — a photo or PDF, sniffed, stored under ``MEDIA_ROOT`` (outside the
  web root) and served only through the checked view to the parties.

Anonymity: ``anonymous`` hides the filer and the child from the school (its pages, API and
exports never show them; ``feedback.selectors.complaints.for_school`` is the school's
projection), never from the district.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from enrollment.models import Student
from scheduling.models import Session, StaffMember

DESCRIPTION_MAX = 2000
NOTE_MAX = 1000
DEDUCTION_MIN, DEDUCTION_MAX = 10, 100


class ComplaintCategory(models.TextChoices):
    SESSION = "session", pgettext_lazy("complaint about", "A session")
    TEACHER = "teacher", pgettext_lazy("complaint about", "A teacher")
    FEE = "fee", pgettext_lazy("complaint about", "A fee")
    SAFETY = "safety", pgettext_lazy("complaint about", "Safety")
    COERCION = "coercion", pgettext_lazy("complaint about", "Coercion to enrol")
    OTHER = "other", pgettext_lazy("complaint about", "Something else")


# Flagged to the district at once (the district polices fees and voluntary enrolment itself).
FLAGGED_CATEGORIES = frozenset({ComplaintCategory.FEE, ComplaintCategory.COERCION})


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("complaint status", "Waiting for the school")
    INVESTIGATING = "investigating", pgettext_lazy("complaint status", "Being investigated")
    CLOSED = "closed", pgettext_lazy("complaint status", "Closed")
    ESCALATED = "escalated", pgettext_lazy("complaint status", "With the district")


OPEN_STATUSES = (ComplaintStatus.SUBMITTED, ComplaintStatus.INVESTIGATING)


class ComplaintOutcome(models.TextChoices):
    VERIFIED = "verified", pgettext_lazy("complaint outcome", "Verified")
    NOT_VERIFIED = "not_verified", pgettext_lazy("complaint outcome", "Not verified")


class ComplaintChannel(models.TextChoices):
    FAMILY = "family", _("Filed by the family")
    HOTLINE = "hotline", _("Hotline call recorded by the district")


class Side(models.TextChoices):
    FAMILY = "family", pgettext_lazy("complaint side", "Family")
    SCHOOL = "school", pgettext_lazy("complaint side", "School")
    DISTRICT = "district", pgettext_lazy("complaint side", "District")


class ComplaintQuerySet(TenantQuerySet):
    def overdue(self, now):
        """Open past their deadline: not acknowledged in time, or not closed in time."""
        return self.filter(
            Q(status=ComplaintStatus.SUBMITTED, ack_due_at__lt=now)
            | Q(status=ComplaintStatus.INVESTIGATING, resolve_due_at__lt=now)
        )


class Complaint(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(
        Semester, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=ComplaintChannel.choices)
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("child"),
    )
    # The guardian who filed it (or whose hotline call it was, when the number is theirs):
    # they follow it in their account. Empty for a hotline caller the roll does not know.
    filed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    caller_name = models.CharField(_("caller's name"), max_length=40, blank=True)
    caller_mobile = models.CharField(_("caller's number"), max_length=20, blank=True)
    anonymous = models.BooleanField(_("anonymous to the school"), default=False)
    category = models.CharField(_("about"), max_length=10, choices=ComplaintCategory.choices)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("teacher"),
    )
    incident_date = models.DateField(_("when it happened"))
    description = models.TextField(_("what happened"), max_length=DESCRIPTION_MAX)

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.SUBMITTED,
    )
    submitted_at = models.DateTimeField()
    ack_due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolve_due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ComplaintOutcome.choices, blank=True
    )
    findings = models.TextField(_("findings"), max_length=NOTE_MAX, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    deduction_month = models.DateField(null=True, blank=True)
    deduction_percent = models.PositiveSmallIntegerField(
        _("subsidy deduction (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(DEDUCTION_MIN), MaxValueValidator(DEDUCTION_MAX)],
    )
    flagged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The district confirmed the school's closure after an escalation: final.
    upheld_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # Set whenever a deadline was missed (acknowledged or closed after it): kept for the
    # annual assessment after the complaint is closed.
    missed_deadline = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Officials: the district's; managers: their school's; a teacher: complaints naming them
    # (the pages show a teacher only verified ones, without the family); the filer: theirs.
    tenant_rule = TenantRule(teacher="staff__user", family="filed_by")
    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(channel="family") | Q(filed_by__isnull=False, student__isnull=False),
                name="complaint_family_names_child",
            ),
            models.CheckConstraint(
                condition=~Q(channel="hotline") | Q(recorded_by__isnull=False),
                name="complaint_hotline_names_official",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed")
                | (~Q(outcome="") & ~Q(findings="") & Q(closed_at__isnull=False)),
                name="complaint_closed_has_findings",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["submitted", "investigating"])
                | Q(outcome="", deduction_percent__isnull=True),
                name="complaint_open_has_no_outcome",
            ),
            models.CheckConstraint(
                condition=Q(upheld_at__isnull=True) | Q(status="closed"),
                name="complaint_upheld_is_closed",
            ),
            models.CheckConstraint(
                condition=(Q(outcome="verified") & Q(verified_at__isnull=False))
                | (~Q(outcome="verified") & Q(verified_at__isnull=True)),
                name="complaint_verified_has_time",
            ),
            models.CheckConstraint(
                condition=Q(deduction_percent__isnull=True)
                | Q(
                    deduction_percent__gte=DEDUCTION_MIN,
                    deduction_percent__lte=DEDUCTION_MAX,
                    outcome="verified",
                    staff__isnull=False,
                    deduction_month__isnull=False,
                ),
                name="complaint_deduction_is_evidence",
            ),
            models.CheckConstraint(
                condition=Q(deduction_month__isnull=True)
                | Q(deduction_month__day=1, outcome="verified", staff__isnull=False),
                name="complaint_evidence_month",
            ),
            models.CheckConstraint(
                condition=Q(resolve_due_at__gte=models.F("ack_due_at")),
                name="complaint_deadlines_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "school", "status"]),
            models.Index(fields=["district", "semester", "school"]),
            # The overdue sweep and the district's list read only open complaints.
            models.Index(
                fields=["district", "ack_due_at"],
                name="complaint_open_due_idx",
                condition=Q(status__in=["submitted", "investigating"]),
            ),
            # Billing's evidence: verified complaints about a teacher in a month.
            models.Index(
                fields=["staff", "deduction_month"],
                name="complaint_evidence_idx",
                condition=Q(outcome="verified", staff__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.reference} · {self.get_category_display()}"

    @property
    def reference(self) -> str:
        """A short number to quote on the phone (the first 8 hex digits of the id)."""
        return self.public_id.hex[:8].upper()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_flagged(self) -> bool:
        return self.flagged_at is not None

    def is_overdue(self, now) -> bool:
        if self.status == ComplaintStatus.SUBMITTED:
            return now > self.ack_due_at
        if self.status == ComplaintStatus.INVESTIGATING:
            return now > self.resolve_due_at
        return False

    @property
    def due_at(self):
        """The deadline running now (none once closed or with the district)."""
        if self.status == ComplaintStatus.SUBMITTED:
            return self.ack_due_at
        if self.status == ComplaintStatus.INVESTIGATING:
            return self.resolve_due_at
        return None


class EventKind(models.TextChoices):
    FILED = "filed", pgettext_lazy("complaint event", "Complaint filed")
    RECORDED = "recorded", pgettext_lazy("complaint event", "Hotline call recorded")
    FLAGGED = "flagged", pgettext_lazy("complaint event", "Flagged to the district")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("complaint event", "Acknowledged by the school")
    NOTE = "note", pgettext_lazy("complaint event", "Message")
    ATTACHED = "attached", pgettext_lazy("complaint event", "Attachment added")
    CLOSED = "closed", pgettext_lazy("complaint event", "Closed with findings")
    ESCALATED = "escalated", pgettext_lazy("complaint event", "Escalated to the district")
    REOPENED = "reopened", pgettext_lazy("complaint event", "Reopened by the district")
    UPHELD = "upheld", pgettext_lazy("complaint event", "Closure upheld by the district")


class ComplaintEvent(models.Model):
    """One step of a complaint's timeline. Append-only (a trigger refuses UPDATE/DELETE)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    side = models.CharField(max_length=8, choices=Side.choices)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, max_length=NOTE_MAX)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    tenant_rule = TenantRule(teacher="complaint__staff__user", family="complaint__filed_by")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["complaint_id", "created_at", "id"]

    def __str__(self):
        return f"{self.complaint_id} {self.kind}"


def attachment_upload_to(attachment, filename: str) -> str:
    """An opaque name under MEDIA_ROOT, never the uploader's file name."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"complaints/{attachment.district_id}/{attachment.school_id}/{uuid.uuid4().hex}.{ext}"


class ComplaintAttachment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    side = models.CharField(max_length=8, choices=Side.choices)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    # As the complaint; the download view also refuses teachers (``rules.can_read_files``).
    tenant_rule = TenantRule(teacher="complaint__staff__user", family="complaint__filed_by")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint attachment")
        verbose_name_plural = _("complaint attachments")
        ordering = ["complaint_id", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="complaint_attachment_type",
            ),
        ]

    def __str__(self):
        return self.original_name
