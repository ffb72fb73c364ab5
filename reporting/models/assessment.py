"""The bureau's annual assessment of every school's after-school service (绩效评估).

* ``ScoreSheet`` — one per district and school year (``year``: the year the school year
  starts, its semesters are those starting from 1 August of that year to 31 July of the next):
  the criteria and their weights (points out of 100), drafted by an official, computed from
  the data, completed by inspectors (督学), then published — frozen from then on.
* ``SchoolAssessment`` — one school's sheet: its total (points) and, once published, its rank.
* ``CriterionScore`` — one criterion of one school's sheet: the score computed from the data
  (0–100, ``computed``, empty where the data cannot give one) with the figure and the evidence
  rows behind it, or the score an inspector entered (``entered``, with a note: the inspection
  findings, and any criterion the data could not score). ``score`` is the one that counts;
  ``points = weight × score / 100``.

The computation is ``reporting.selectors.assessment``; the writes are
``reporting.services.assessment``.
"""

import uuid
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, School, User
from aftercare.tenancy import TenantQuerySet, TenantRule


class Criterion(models.TextChoices):
    COVERAGE = "coverage", pgettext_lazy("assessment", "Coverage")
    PARTICIPATION = "participation", pgettext_lazy("assessment", "Participation")
    ALERTS = "alerts", pgettext_lazy("assessment", "Compliance alerts")
    COMPLAINTS = "complaints", pgettext_lazy("assessment", "Complaints")
    EVALUATION = "evaluation", pgettext_lazy("assessment", "Service evaluation")
    DISCLOSURE = "disclosure", pgettext_lazy("assessment", "Disclosure on time")
    INSPECTION = "inspection", pgettext_lazy("assessment", "Inspection findings")


DEFAULT_WEIGHTS = {
    Criterion.COVERAGE: 15,
    Criterion.PARTICIPATION: 15,
    Criterion.ALERTS: 15,
    Criterion.COMPLAINTS: 15,
    Criterion.EVALUATION: 15,
    Criterion.DISCLOSURE: 10,
    Criterion.INSPECTION: 15,
}


class SheetStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("score sheet", "Being completed")
    PUBLISHED = "published", pgettext_lazy("score sheet", "Published")


class ScoreSheet(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("school year starting"))
    title = models.CharField(_("title"), max_length=100)
    # criterion code -> weight (points out of 100); the service checks they add up to 100.
    weights = models.JSONField(_("weights"))
    status = models.CharField(
        _("status"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.DRAFT
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    computed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    tenant_rule = TenantRule(school=None, officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="scoresheet_one_per_year"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="scoresheet_published_has_time",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == SheetStatus.PUBLISHED

    def weight(self, criterion: str) -> int:
        return int(self.weights.get(criterion, 0))


class SchoolAssessment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="schools")
    total = models.DecimalField(
        _("total (points)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)

    # Officials and inspectors: every school's (reporting.selectors.assessment); a school's
    # managers: their own, once published.
    tenant_rule = TenantRule(officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("school assessment")
        verbose_name_plural = _("school assessments")
        ordering = ["sheet_id", "rank", "school__code"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "school"], name="assessment_one_per_school"),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=100),
                name="assessment_total_range",
            ),
        ]
        indexes = [models.Index(fields=["district", "school"])]

    def __str__(self):
        return f"{self.sheet_id}/{self.school_id}"


class CriterionScore(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        SchoolAssessment, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.CharField(_("criterion"), max_length=16, choices=Criterion.choices)
    computed = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    value = models.CharField(_("figure"), max_length=200, blank=True)
    evidence = models.JSONField(default=dict, blank=True)  # {"columns": [...], "rows": [[...]]}
    entered = models.DecimalField(
        _("score entered"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    note = models.TextField(_("findings"), max_length=1000, blank=True)
    entered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(officials_only=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["assessment_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="criterionscore_one_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(computed__isnull=True) | Q(computed__gte=0, computed__lte=100),
                name="criterionscore_computed_range",
            ),
            models.CheckConstraint(
                condition=Q(entered__isnull=True)
                | (Q(entered__gte=0, entered__lte=100) & ~Q(note="")),
                name="criterionscore_entered_has_note",
            ),
        ]

    def __str__(self):
        return f"{self.assessment_id}/{self.criterion}"

    @property
    def score(self) -> Decimal | None:
        return self.entered if self.entered is not None else self.computed
