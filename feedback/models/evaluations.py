"""Service evaluations (服务评价): a questionnaire the families answer once per child, and
results nobody can trace back to a family.

* ``Evaluation`` — opened by a school for its families, or by the district for all its
  schools (``school`` empty), for one semester, with its questions and a closing day. The
  families of every child who took part in the semester's after-school service at the school
  (an approved application) are invited.
* ``Question`` — a 1–5 satisfaction scale or free text, asked once per answer sheet
  (``about=service``) or once for each extended course the child attends (``about=course``).
* ``EvaluationReceipt`` — "this child's family has answered": one row per child and
  evaluation (a unique constraint refuses a second answer), who answered and when. It is how
  reminders find the families still to answer and how the response rate is counted.
* ``EvaluationResponse`` and ``EvaluationAnswer`` — what was answered, keyed only by
  evaluation, school, grade, the child's basic-care group and, for course questions, the
  course's section.

Anonymity, by construction:
- responses and answers have no foreign key to a child, a guardian, a user or a receipt, and
  no timestamp; their primary keys are random UUIDs, so neither an id nor a time orders them
  like the receipts (a sequential id or a ``created_at`` would let anyone pair the n-th
  receipt with the n-th response);
- the receipt and the response are written in one transaction by
  ``feedback.services.evaluations.submit_answers``, so one never exists without the other;
- the staff's reads (``feedback.selectors.evaluations``) aggregate answers by school, grade,
  group or course and suppress any cell with fewer than ``min_answers`` answer sheets; free
  text is shown to the school and the district only, in random order;
- ``tests/feedback/test_anonymity.py`` asserts over the models and over the SQL of every staff
  page, API call and export that no query joins answers to a receipt, a child or a family.
What remains: whoever can read the database's physical row order (a superuser with
``ctid``) could still pair rows written in the same order; that is outside the application.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import District, School, Semester, User
from aftercare.tenancy import Scope, TenantQuerySet, TenantRule
from enrollment.models import Student
from scheduling.models import CareGroup

TITLE_MAX = 100
QUESTION_MAX = 200
TEXT_ANSWER_MAX = 500
MIN_ANSWERS_FLOOR = 3  # an evaluation may not show cells smaller than this
SCALE = (1, 2, 3, 4, 5)
SCALE_LABELS = {
    1: pgettext_lazy("satisfaction", "Very dissatisfied"),
    2: pgettext_lazy("satisfaction", "Dissatisfied"),
    3: pgettext_lazy("satisfaction", "Neutral"),
    4: pgettext_lazy("satisfaction", "Satisfied"),
    5: pgettext_lazy("satisfaction", "Very satisfied"),
}


class EvaluationQuerySet(TenantQuerySet):
    def visible_to(self, scope: Scope):
        """A school's evaluation as any school row; a district-wide one (no school) to every
        member of the district (what it asks is no secret; results are checked apart)."""
        q = scope.q_for(self.model)
        if scope.is_authenticated and scope.member_districts:
            q |= Q(school__isnull=True, district_id__in=scope.member_districts)
        return self.filter(q)


class Evaluation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every school of the district."),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    intro = models.TextField(_("note to the families"), max_length=500, blank=True)
    closes_on = models.DateField(_("last day to answer"))
    min_answers = models.PositiveSmallIntegerField(
        _("fewest answers before a result is shown"),
        default=5,
        validators=[MinValueValidator(MIN_ANSWERS_FLOOR)],
    )
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(parents_see_school=True)
    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("service evaluation")
        verbose_name_plural = _("service evaluations")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_answers__gte=MIN_ANSWERS_FLOOR), name="evaluation_min_answers"
            ),
            models.UniqueConstraint(
                fields=["district", "semester", "school", "title"],
                nulls_distinct=False,
                name="evaluation_title_unique",
            ),
        ]
        indexes = [models.Index(fields=["district", "semester", "school"])]

    def __str__(self):
        return self.title

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.closed_at is None and timezone.localdate(now) <= self.closes_on


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Satisfaction, 1 to 5")
    TEXT = "text", _("Free text")


class QuestionAbout(models.TextChoices):
    SERVICE = "service", _("The after-school service")
    COURSE = "course", _("Each extended course the child attends")


class Question(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices)
    about = models.CharField(
        _("asked about"), max_length=8, choices=QuestionAbout.choices, default="service"
    )
    text = models.CharField(pgettext_lazy("question", "text"), max_length=QUESTION_MAX)
    required = models.BooleanField(_("an answer is required"), default=True)

    tenant_rule = TenantRule(school=None)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["evaluation_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "evaluation", "position"], name="question_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="scale") | Q(about="service"), name="question_course_is_scale"
            ),
        ]

    def __str__(self):
        return self.text


class EvaluationReceipt(models.Model):
    """That a child's family answered (never what)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="receipts")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    answered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField()

    tenant_rule = TenantRule(
        teacher="student__school_class__homeroom_teacher", family="student__guardianships__user"
    )
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation receipt")
        verbose_name_plural = _("evaluation receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "evaluation", "student"], name="evaluation_answered_once"
            ),
        ]
        indexes = [models.Index(fields=["evaluation", "school"])]

    def __str__(self):
        return f"{self.evaluation_id}:{self.student_id}"


class EvaluationResponse(models.Model):
    """One answer sheet: no child, no family, no time (see the module doc)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="responses")
    grade = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    group = models.ForeignKey(
        CareGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    tenant_rule = TenantRule(officials_only=True)  # read only through aggregating selectors
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer sheet")
        verbose_name_plural = _("answer sheets")
        indexes = [models.Index(fields=["evaluation", "school", "grade"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__gte=1, grade__lte=9), name="response_grade_1_9"
            ),
        ]

    def __str__(self):
        return str(self.id)


class EvaluationAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    response = models.ForeignKey(
        EvaluationResponse, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    section = models.ForeignKey(
        CareGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=TEXT_ANSWER_MAX)

    tenant_rule = TenantRule(officials_only=True)  # read only through aggregating selectors
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [models.Index(fields=["evaluation", "question"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="answer_score_1_5",
            ),
            models.CheckConstraint(
                condition=(Q(score__isnull=False) & Q(text=""))
                | (Q(score__isnull=True) & ~Q(text="")),
                name="answer_score_or_text",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "section"],
                nulls_distinct=False,
                name="answer_once_per_question",
            ),
        ]

    def __str__(self):
        return str(self.id)
