"""School staff for after-school service and their vetting.

* ``Institution`` — now ``institutions.models.Institution`` (admission in batches, price
  ceilings, instructors' checks: issue 18), re-exported here. Schools may take instructors
  only from approved ones.
* ``StaffMember`` — someone a school may schedule: its own teachers (linked to their user),
  retired teachers, volunteers, external hires and instructors of an institution.
* ``VettingRecord`` — one step of the vetting external people need before they may teach
  (犯罪记录查询, 聘任公示, 报备, signed agreement), each with its date and a document. The file
  lives outside the web root (``MEDIA_ROOT``, never served by whitenoise) and is served only
  through ``scheduling.views.staff.vetting_document`` to the school's managers, the district's
  officials and the person themself.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, User, mobile_validator
from aftercare.tenancy import TenantQuerySet, TenantRule

# The whitelist moved to the institutions app (issue 18); re-exported for scheduling's modules.
from institutions.models import Institution, InstitutionStatus, Instructor  # noqa: F401


class StaffKind(models.TextChoices):
    SCHOOL_TEACHER = "school_teacher", _("Teacher of this school")
    RETIRED_TEACHER = "retired_teacher", _("Retired teacher")
    VOLUNTEER = "volunteer", _("Volunteer")
    EXTERNAL = "external", _("External hire")
    INSTITUTION = "institution", _("Instructor of a third-party institution")


# Everyone but the school's own teachers is vetted before teaching (seed 003: 外聘教师犯罪记录
# 准入查询、聘任公示、聘任报备).
VETTED_KINDS = frozenset(
    {StaffKind.RETIRED_TEACHER, StaffKind.VOLUNTEER, StaffKind.EXTERNAL, StaffKind.INSTITUTION}
)
# Volunteers are not paid: the policy's cap on paid lessons does not apply to them.
UNPAID_KINDS = frozenset({StaffKind.VOLUNTEER})


class VettingStep(models.TextChoices):
    BACKGROUND_CHECK = "background_check", _("Criminal record check (犯罪记录查询)")
    PUBLIC_NOTICE = "public_notice", _("Public notice of the appointment (聘任公示)")
    FILING = "filing", _("Filed with the district (报备)")
    AGREEMENT = "agreement", _("Signed agreement")


class StaffMember(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=StaffKind.choices)
    full_name = models.CharField(_("name"), max_length=64)
    mobile = models.CharField(
        _("mobile"), max_length=11, null=True, blank=True, validators=[mobile_validator]
    )
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_records",
        verbose_name=_("user account"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instructors",
        verbose_name=_("institution"),
    )
    # The institution's own staff-list entry (identity, background and sexual-offence record
    # check, health certificate): an instructor is schedulable only while its checks are valid.
    instructor = models.ForeignKey(
        Instructor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="postings",
        verbose_name=_("entry on the institution's staff list"),
    )
    subject = models.CharField(_("subject or speciality"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # A teacher sees their own record (and, through it, their own vetting documents).
    tenant_rule = TenantRule(teacher="user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["school_id", "kind", "full_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "user"],
                condition=Q(user__isnull=False),
                name="staff_user_once_per_school",
            ),
            models.UniqueConstraint(
                fields=["district", "school", "mobile"],
                condition=Q(mobile__isnull=False),
                name="staff_mobile_once_per_school",
            ),
            models.CheckConstraint(
                condition=~Q(kind="school_teacher") | Q(user__isnull=False),
                name="staff_school_teacher_has_user",
            ),
            models.CheckConstraint(
                condition=(Q(kind="institution") & Q(institution__isnull=False))
                | (~Q(kind="institution") & Q(institution__isnull=True)),
                name="staff_institution_iff_instructor",
            ),
        ]
        indexes = [models.Index(fields=["district", "school", "kind"])]

    def __str__(self):
        return self.full_name

    @property
    def needs_vetting(self) -> bool:
        return self.kind in VETTED_KINDS


def vetting_upload_to(record, filename: str) -> str:
    """Where a document is stored: an opaque name, never the uploader's file name."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"vetting/{record.district_id}/{record.school_id}/{uuid.uuid4().hex}.{ext}"


class VettingRecord(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="vetting")
    step = models.CharField(_("step"), max_length=20, choices=VettingStep.choices)
    done_on = models.DateField(_("date"))
    document = models.FileField(_("document"), upload_to=vetting_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now=True)

    tenant_rule = TenantRule(teacher="staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("vetting record")
        verbose_name_plural = _("vetting records")
        ordering = ["staff_id", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "staff", "step"], name="vetting_one_record_per_step"
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="vetting_document_type",
            ),
        ]

    def __str__(self):
        return f"{self.staff} · {self.get_step_display()}"
