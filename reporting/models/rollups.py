"""Daily rollups: what the dashboard reads instead of raw rows.

Each table is one grain of the same facts (marks, sessions, pickups, handovers, staff
attendance, applications, ledger lines), maintained set-based by ``reporting.rollups`` — one
``INSERT … SELECT … ON CONFLICT DO UPDATE`` per table and date range, which also deletes the
range's rows whose source vanished — nightly by Celery beat and on demand. No dashboard page
aggregates raw rows: a district's year of ``SchoolDay`` is ~6,000 rows where the marks are
millions.

Rows carry ``district_id`` first in every unique key (the schema stays shardable by district).
Foreign keys are declared without a database constraint where the rollup is rebuilt from
scratch anyway: a refresh must not lock the parent rows of every row it writes.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, SchoolClass, Semester
from aftercare.tenancy import TenantQuerySet, TenantRule
from billing.models import Category
from enrollment.models import Student
from scheduling.models import CareGroup, StaffMember


def _fk(model, **kw):
    return models.ForeignKey(
        model, on_delete=models.DO_NOTHING, related_name="+", db_index=False, **kw
    )


def count(verbose_name):
    return models.PositiveIntegerField(verbose_name, default=0)


class Rollup(models.Model):
    district = _fk(District, db_constraint=False)
    school = _fk(School, db_constraint=False)
    refreshed_at = models.DateTimeField()

    tenant_rule = TenantRule(officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class MarkCounts(models.Model):
    """The roll's marks (one per child and session)."""

    marks = count(_("marks"))
    present = count(_("present"))
    late = count(_("late"))
    absent = count(_("absent without leave"))
    leave = count(_("on leave"))

    class Meta:
        abstract = True

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def attendance_rate(self) -> float | None:
        """Present or late among the marks that were not excused by leave."""
        expected = self.marks - self.leave
        return (self.attended / expected) if expected else None


class SchoolDay(Rollup, MarkCounts):
    """A school's day of operation."""

    date = models.DateField(_("date"))
    sessions = count(_("sessions"))
    sessions_cancelled = count(_("sessions cancelled"))
    rolls = count(_("rolls taken"))
    pickups = count(_("pickups"))
    late_pickups = count(_("late pickups"))
    handovers = count(_("handovers"))
    handover_mismatches = count(_("handover mismatches"))
    handovers_open = count(_("mismatches still open"))
    cleared = models.BooleanField(_("school cleared"), default=False)
    staff_records = count(_("staff attendance records"))
    staff_missed = count(_("missed sessions (空堂)"))
    staff_early = count(_("early leaves (早退)"))
    staff_late = count(_("teachers late"))

    class Meta:
        verbose_name = _("school day")
        verbose_name_plural = _("school days")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "date"], name="reporting_schoolday_key"
            ),
        ]
        indexes = [models.Index(fields=["district", "date"], name="reporting_schoolday_date")]

    def __str__(self):
        return f"{self.school_id} {self.date}"


class ClassDay(Rollup, MarkCounts):
    """A class's marks on one day (the class of the child when the rollup ran)."""

    school_class = _fk(SchoolClass, db_constraint=False)
    grade = models.PositiveSmallIntegerField(_("grade"))
    date = models.DateField(_("date"))
    late_pickups = count(_("late pickups"))

    class Meta:
        verbose_name = _("class day")
        verbose_name_plural = _("class days")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school_class", "date"], name="reporting_classday_key"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "school", "date"], name="reporting_classday_school")
        ]

    def __str__(self):
        return f"{self.school_class_id} {self.date}"


class GroupDay(Rollup, MarkCounts):
    """A group's (basic-care group or course section) day."""

    group = _fk(CareGroup, db_constraint=False)
    date = models.DateField(_("date"))
    sessions = count(_("sessions"))
    sessions_cancelled = count(_("sessions cancelled"))
    rolls = count(_("rolls taken"))
    late_pickups = count(_("late pickups"))
    staff_missed = count(_("missed sessions (空堂)"))

    class Meta:
        verbose_name = _("group day")
        verbose_name_plural = _("group days")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "group", "date"], name="reporting_groupday_key"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "school", "date"], name="reporting_groupday_school")
        ]

    def __str__(self):
        return f"{self.group_id} {self.date}"


class StudentMonth(Rollup, MarkCounts):
    """A child's month: what the class and group pages list per child."""

    student = _fk(Student, db_constraint=False)
    school_class = _fk(SchoolClass, db_constraint=False)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    late_pickups = count(_("late pickups"))

    class Meta:
        verbose_name = _("child month")
        verbose_name_plural = _("child months")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "student", "month"], name="reporting_studentmonth_key"
            ),
        ]
        indexes = [
            models.Index(
                fields=["district", "school_class", "month"], name="reporting_studentmonth_class"
            )
        ]

    def __str__(self):
        return f"{self.student_id} {self.month:%Y-%m}"


class StaffDay(Rollup):
    """A staff member's day: the scheduled sessions they are assigned to teach (with their
    课时) and what staff attendance recorded."""

    staff = _fk(StaffMember, db_constraint=False)
    date = models.DateField(_("date"))
    paid = models.BooleanField(_("paid staff"), default=True)
    sessions = count(_("sessions"))
    lessons = count(_("lessons (课时)"))
    missed = count(_("missed sessions (空堂)"))
    early = count(_("early leaves (早退)"))
    late = count(_("late"))
    substituted = count(_("substituted"))

    class Meta:
        verbose_name = _("staff day")
        verbose_name_plural = _("staff days")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "staff", "date"], name="reporting_staffday_key"
            ),
        ]
        indexes = [
            models.Index(fields=["district", "school", "date"], name="reporting_staffday_school")
        ]

    def __str__(self):
        return f"{self.staff_id} {self.date}"


class ParticipationClass(Rollup):
    """A class's participation in one semester: enrolment (the roll) against applications."""

    semester = _fk(Semester, db_constraint=False)
    school_class = _fk(SchoolClass, db_constraint=False)
    grade = models.PositiveSmallIntegerField(_("grade"))
    enrolled = count(_("children on the roll"))
    applied = count(_("live applications"))
    participants = count(_("participants"))
    active = count(_("may attend"))
    withdrawn = count(_("withdrawn"))
    rejected = count(_("rejected"))
    basic_care = count(_("basic care"))
    course_seats = count(_("extended course seats"))
    priority_disabled = count(_("child with a disability"))
    priority_left_behind = count(_("left-behind child"))
    priority_migrant = count(_("child of migrant workers"))
    priority_single_parent = count(_("single-parent family"))
    priority_hardship = count(_("family in hardship"))

    class Meta:
        verbose_name = _("class participation")
        verbose_name_plural = _("class participation")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "semester", "school_class"],
                name="reporting_participation_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["district", "semester", "school"], name="reporting_participation_school"
            )
        ]

    def __str__(self):
        return f"{self.semester_id}/{self.school_class_id}"

    @property
    def rate(self) -> float | None:
        return self.participants / self.enrolled if self.enrolled else None


class ParticipationDay(Rollup):
    """Steps of a school's applications on one day, from the append-only application history:
    the participation trend is their running sum."""

    semester = _fk(Semester, db_constraint=False)
    date = models.DateField(_("date"))
    applied = count(_("applied"))
    approved = count(_("approved"))
    withdrawn = count(_("withdrawn"))

    class Meta:
        verbose_name = _("participation day")
        verbose_name_plural = _("participation days")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "semester", "school", "date"],
                name="reporting_participationday_key",
            ),
        ]

    def __str__(self):
        return f"{self.semester_id}/{self.school_id} {self.date}"


class MoneyDay(Rollup):
    """A school fund's movements on one day (from the ledger), by the semester of the invoice
    they concern (none: subsidies and expenses)."""

    semester = _fk(Semester, db_constraint=False, null=True)
    date = models.DateField(_("date"))
    billed_fen = models.BigIntegerField(_("fees charged"), default=0)
    exempted_fen = models.BigIntegerField(_("exemptions"), default=0)
    collected_fen = models.BigIntegerField(_("collected"), default=0)
    refunded_fen = models.BigIntegerField(_("refunded"), default=0)
    subsidy_fen = models.BigIntegerField(_("subsidy received"), default=0)
    expenses_fen = models.BigIntegerField(_("paid out"), default=0)

    class Meta:
        verbose_name = _("money day")
        verbose_name_plural = _("money days")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "semester", "date"],
                name="reporting_moneyday_key",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.school_id} {self.date}"


class LedgerBalance(Rollup):
    """A school fund's balance per category when the rollup ran (fen, debit positive)."""

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    balance_fen = models.BigIntegerField(_("balance"), default=0)

    class Meta:
        verbose_name = _("ledger balance")
        verbose_name_plural = _("ledger balances")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "category"], name="reporting_ledger_key"
            ),
        ]

    def __str__(self):
        return f"{self.school_id} {self.category}"


class RefreshStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RollupRun(models.Model):
    """One refresh of a district's rollups and alerts: nightly (no one) or asked for by an
    official, with its range, its figures and how long it took."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        "aftercare.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=8, choices=RefreshStatus.choices, default=RefreshStatus.QUEUED
    )
    created_at = models.DateTimeField(_("asked at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows = models.JSONField(default=dict, blank=True)
    alerts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    tenant_rule = TenantRule(officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("rollup refresh")
        verbose_name_plural = _("rollup refreshes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "-created_at"], name="reporting_run_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["district"],
                condition=models.Q(status__in=["queued", "running"]),
                name="reporting_one_live_refresh",
            ),
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="reporting_run_range"
            ),
        ]

    def __str__(self):
        return f"{self.district_id} {self.start}–{self.end} {self.status}"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
