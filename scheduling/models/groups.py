"""Rooms, the grouping of a plan's participants (编班), and who teaches where (排班).

* ``Room`` — a room of a school; a room holds one group at a time.
* ``Grouping`` — one per school plan: proposed, then confirmed by the school. Its row is the
  lock every change of the plan's groups, members, assignments and sessions takes first
  (after the plan's), so two principals editing at once are serialised and no conflict check
  is a check-then-act race.
* ``CareGroup`` — a basic-care group (its members are ``GroupMember`` rows) or the section of
  an extended course (kind ``course``; its members are the course's confirmed registrations,
  read live, and it follows the course across plan amendments through the course's lineage).
* ``GroupMember`` — a participant's place: at most one basic-care group per student and plan
  (a unique constraint), so every participant is in exactly one group on each of their days.
* ``Assignment`` — a staff member on a timetable weekday: a group's teacher, a manager
  (管理/辅导人员) or the duty leader (值班领导) of the day.
* ``RoomBooking`` — a group's room on a weekday.
"""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import WEEKDAYS, District, School, User
from aftercare.tenancy import TenantQuerySet, TenantRule
from enrollment.models import Application, Student
from plans.models import Course, PlanVersion, SchoolPlan
from scheduling.models.staff import StaffMember


class Room(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=40)
    capacity = models.PositiveSmallIntegerField(
        _("seats"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    note = models.CharField(_("note"), max_length=100, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["school_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "school", "name"], name="room_name_unique"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1), name="room_capacity_pos"
            ),
        ]

    def __str__(self):
        return self.name


class GroupingStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("grouping status", "Proposed")
    CONFIRMED = "confirmed", pgettext_lazy("grouping status", "Confirmed")


class Grouping(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SchoolPlan, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=GroupingStatus.choices,
        default=GroupingStatus.PROPOSED,
    )
    rules = models.JSONField(default=dict, help_text=_("The rules the proposal applied."))
    proposed_at = models.DateTimeField()
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sessions_generated_at = models.DateTimeField(null=True, blank=True)
    sessions_version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("grouping")
        verbose_name_plural = _("groupings")
        constraints = [
            models.UniqueConstraint(fields=["district", "plan"], name="grouping_per_plan"),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="grouping_confirmed_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.plan} · {self.get_status_display()}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == GroupingStatus.CONFIRMED


class GroupKind(models.TextChoices):
    BASIC = "basic", _("Basic care group")
    COURSE = "course", _("Extended course section")


class CareGroup(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SchoolPlan, on_delete=models.PROTECT, related_name="+")
    grouping = models.ForeignKey(Grouping, on_delete=models.CASCADE, related_name="groups")
    kind = models.CharField(_("kind"), max_length=8, choices=GroupKind.choices)
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveIntegerField(default=0)
    grades = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(9)]),
        verbose_name=_("grades"),
        default=list,
    )
    reasons = models.JSONField(_("why this group"), default=list, blank=True)
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lineage = models.UUIDField(null=True, blank=True)
    placed_late = models.BooleanField(
        default=False, help_text=_("Opened after the grouping was confirmed.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(teacher="assignments__staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["plan_id", "kind", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "plan", "name"], name="group_name_unique"),
            models.UniqueConstraint(
                fields=["district", "plan", "lineage"],
                condition=Q(lineage__isnull=False),
                name="group_one_section_per_course",
            ),
            models.CheckConstraint(
                condition=(Q(kind="course") & Q(course__isnull=False) & Q(lineage__isnull=False))
                | (Q(kind="basic") & Q(course__isnull=True) & Q(lineage__isnull=True)),
                name="group_course_iff_section",
            ),
        ]
        indexes = [models.Index(fields=["district", "school", "plan"])]

    def __str__(self):
        return self.name

    @property
    def is_section(self) -> bool:
        return self.kind == GroupKind.COURSE


class Placement(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the rules")
    MOVED = "moved", _("Moved by the school")
    LATE = "late", _("Placed after confirmation")


class GroupMember(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SchoolPlan, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(CareGroup, on_delete=models.CASCADE, related_name="members")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    placement = models.CharField(max_length=10, choices=Placement.choices)
    placed_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    tenant_rule = TenantRule(
        teacher="group__assignments__staff__user", family="student__guardianships__user"
    )
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group_id", "student_id"]
        constraints = [
            # Every participant is in exactly one basic-care group of the plan.
            models.UniqueConstraint(
                fields=["district", "plan", "student"], name="member_one_group_per_plan"
            ),
        ]
        indexes = [models.Index(fields=["group", "student"])]

    def __str__(self):
        return f"{self.student} → {self.group}"


class DutyRole(models.TextChoices):
    TEACHER = "teacher", _("Teacher of the group")
    MANAGER = "manager", _("Manager (管理/辅导人员)")
    DUTY_LEADER = "duty_leader", _("Duty leader (值班领导)")


def weekday_field():
    return models.PositiveSmallIntegerField(
        _("weekday"), choices=WEEKDAYS, validators=[MaxValueValidator(6)]
    )


class Assignment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SchoolPlan, on_delete=models.PROTECT, related_name="+")
    weekday = weekday_field()
    role = models.CharField(_("role"), max_length=12, choices=DutyRole.choices)
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="assignments")
    group = models.ForeignKey(
        CareGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(teacher="staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["plan_id", "weekday", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "plan", "weekday", "role", "staff", "group"],
                nulls_distinct=False,
                name="assignment_unique",
            ),
            models.CheckConstraint(
                condition=(Q(role="teacher") & Q(group__isnull=False))
                | (~Q(role="teacher") & Q(group__isnull=True)),
                name="assignment_group_iff_teacher",
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="assignment_weekday_0_6"),
        ]
        indexes = [
            models.Index(fields=["district", "plan", "weekday"]),
            models.Index(fields=["staff", "weekday"]),
        ]

    def __str__(self):
        return f"{self.staff} · {self.get_weekday_display()} · {self.get_role_display()}"


class RoomBooking(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(SchoolPlan, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(CareGroup, on_delete=models.CASCADE, related_name="rooms")
    weekday = weekday_field()
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    tenant_rule = TenantRule(teacher="group__assignments__staff__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("room booking")
        verbose_name_plural = _("room bookings")
        ordering = ["group_id", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "group", "weekday"], name="room_one_per_group_and_day"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="booking_weekday_0_6"),
        ]
        indexes = [models.Index(fields=["room", "weekday"])]

    def __str__(self):
        return f"{self.group} · {self.get_weekday_display()} · {self.room}"
