"""Reads of students and guardians, scoped to who asks."""

from django.db.models import Prefetch, QuerySet

from aftercare.tenancy import Scope

from .models import Guardianship, Student


def students_for(*, scope: Scope) -> QuerySet[Student]:
    return (
        Student.objects.visible_to(scope)
        .select_related("school", "school_class", "school_class__homeroom_teacher")
        .order_by("school_id", "school_class__grade", "school_class__number", "student_number")
    )


def children_of(*, user, scope: Scope) -> QuerySet[Student]:
    """A parent's own children (through their guardianships), with all their guardians."""
    return (
        students_for(scope=scope)
        .filter(guardianships__user=user)
        .prefetch_related(
            Prefetch("guardianships", queryset=Guardianship.objects.select_related("user"))
        )
    )
