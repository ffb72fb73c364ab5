"""Handover (交接) and pickup (接送).

* ``Handover`` — the last-period teacher hands the children staying for after-school service
  (from their class, or from an earlier session: a basic-care group to a course) to a
  receiving session; ``HandoverChild`` lists them. Compared with the receiving session's roll:
  a mismatch alerts the duty leader at once and stays open until resolved with a note (and,
  where someone is at fault, whom: handover violations reduce teacher subsidies).
* ``PickupPerson`` — someone the guardians authorize to pick a child up (guardians themselves
  always may).
* ``Departure`` — how a child left a session: picked up (by whom, when; late after the
  session's end plus the policy's grace) or moved to another group by a handover.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, SchoolClass, User, mobile_validator
from aftercare.tenancy import TenantQuerySet, TenantRule
from enrollment.models import Student
from scheduling.models import Session, StaffMember

from .roll import FAMILY, SESSION_TEACHER


class PickupRelation(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GRANDPARENT = "grandparent", _("Grandparent")
    RELATIVE = "relative", _("Relative")
    NEIGHBOUR = "neighbour", _("Neighbour or family friend")
    CARER = "carer", _("Carer (托管/保姆)")
    OTHER = "other", _("Other")


class PickupPerson(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=40)
    relation = models.CharField(_("relation"), max_length=12, choices=PickupRelation.choices)
    phone = models.CharField(_("mobile"), max_length=11, validators=[mobile_validator])
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(teacher="student__school_class__homeroom_teacher", family=FAMILY)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("authorized pickup person")
        verbose_name_plural = _("authorized pickup persons")
        ordering = ["student_id", "added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "student", "phone"],
                condition=Q(removed_at__isnull=True),
                name="pickup_person_once_per_child",
            ),
        ]
        indexes = [models.Index(fields=["district", "student"], name="pickup_person_child")]

    def __str__(self):
        return f"{self.name} ({self.get_relation_display()})"


class DepartureKind(models.TextChoices):
    PICKED_UP = "picked_up", _("Picked up")
    MOVED = "moved", _("Handed over to another group")


class Departure(models.Model):
    """How and when a child left a session. ``person`` or ``guardian`` names who picked
    the child up (``picked_up_by``/``relation`` keep the name as it was then)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DepartureKind.choices)
    person = models.ForeignKey(
        PickupPerson, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    guardian = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handover = models.ForeignKey(
        "attendance.Handover", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    picked_up_by = models.CharField(_("picked up by"), max_length=64, blank=True, default="")
    relation = models.CharField(_("relation"), max_length=32, blank=True, default="")
    at = models.DateTimeField(_("time"))
    minutes_late = models.PositiveIntegerField(_("minutes late"), default=0)
    is_late = models.BooleanField(_("late pickup"), default=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    tenant_rule = TenantRule(teacher=SESSION_TEACHER, family=FAMILY)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        ordering = ["session_id", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "session", "student"], name="departure_once_per_session"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="picked_up", handover__isnull=True)
                    & (
                        Q(person__isnull=False, guardian__isnull=True)
                        | Q(person__isnull=True, guardian__isnull=False)
                    )
                )
                | Q(
                    kind="moved", handover__isnull=False, person__isnull=True, guardian__isnull=True
                ),
                name="departure_names_who",
            ),
            models.CheckConstraint(
                condition=Q(is_late=False) | Q(kind="picked_up"), name="departure_late_is_pickup"
            ),
        ]
        indexes = [
            models.Index(
                fields=["district", "student", "date"],
                condition=Q(is_late=True),
                name="departure_late_child",
            ),
        ]

    def __str__(self):
        return f"{self.student_id} {self.at:%H:%M} {self.kind}"


class HandoverStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the receiving roll")
    MATCHED = "matched", _("Matches the roll")
    MISMATCH = "mismatch", _("Does not match the roll")
    RESOLVED = "resolved", _("Mismatch resolved")


OPEN_HANDOVER = (HandoverStatus.MISMATCH,)


class Fault(models.TextChoices):
    NONE = "none", _("Nobody (explained)")
    HANDING = "handing", _("The handing teacher")
    RECEIVING = "receiving", _("The receiving teacher")


class Handover(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="+", verbose_name=_("receiving session")
    )
    date = models.DateField(_("date"))
    from_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    handed_by_staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_at = models.DateTimeField(_("handed over at"))
    count = models.PositiveIntegerField(_("children handed over"))
    status = models.CharField(
        _("status"), max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.PENDING
    )
    # Set when the comparison with the roll first failed; kept after the roll is corrected.
    mismatch_at = models.DateTimeField(null=True, blank=True)
    missing = models.JSONField(default=list, blank=True)  # handed over, not on the roll
    extra = models.JSONField(default=list, blank=True)  # on the roll, not handed over
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(_("note"), max_length=300, blank=True, default="")
    fault = models.CharField(_("at fault"), max_length=10, choices=Fault.choices, blank=True)
    fault_staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # A school-level safety record: every teacher of the school sees the day's handovers (the
    # handing teacher is often not the receiving group's, and the duty leader needs them all).
    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-date", "handed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_class__isnull=False, from_session__isnull=True)
                | Q(from_class__isnull=True, from_session__isnull=False),
                name="handover_one_source",
            ),
            models.UniqueConstraint(
                fields=["district", "session", "from_class"],
                condition=Q(from_class__isnull=False),
                name="handover_once_per_class",
            ),
            models.UniqueConstraint(
                fields=["district", "session", "from_session"],
                condition=Q(from_session__isnull=False),
                name="handover_once_per_session",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved")
                | (Q(resolved_at__isnull=False) & ~Q(resolution_note="") & ~Q(fault="")),
                name="handover_resolved_has_note",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["mismatch", "resolved"]) | Q(mismatch_at__isnull=False),
                name="handover_mismatch_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "school", "date"], name="handover_school_day"),
            models.Index(
                fields=["district", "school"],
                condition=Q(status="mismatch"),
                name="handover_open",
            ),
        ]

    def __str__(self):
        return f"→{self.session_id} {self.date} ({self.count})"


class HandoverChild(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="children")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")

    tenant_rule = TenantRule(school="handover__school")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("child handed over")
        verbose_name_plural = _("children handed over")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "handover", "student"], name="handover_child_once"
            ),
        ]

    def __str__(self):
        return f"{self.handover_id}:{self.student_id}"
