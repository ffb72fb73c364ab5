"""Students (the school roster, 学籍) and their guardians."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, SchoolClass, User
from aftercare.tenancy import TenantQuerySet, TenantRule


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Student(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="students", verbose_name=_("class")
    )
    student_number = models.CharField(_("student number"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    is_active = models.BooleanField(_("on the roll"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_rule = TenantRule(teacher="school_class__homeroom_teacher", family="guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["school_id", "school_class_id", "student_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "student_number"], name="student_number_unique"
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
