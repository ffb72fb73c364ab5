"""Reads that depend on who asks. Views and the API both start from these."""

from __future__ import annotations

from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import AuditEvent, District, School, SchoolClass, Semester
from .tenancy import Scope


def count_of(queryset: QuerySet) -> Coalesce:
    """COUNT of a correlated queryset as an annotation: no join fan-out, no GROUP BY."""
    sub = queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def schools_for_district(*, scope: Scope, district: District) -> QuerySet[School]:
    from enrollment.models import Guardianship, Student

    return (
        School.objects.visible_to(scope)
        .filter(district=district)
        .annotate(
            n_classes=count_of(SchoolClass.objects.filter(school=OuterRef("pk"))),
            n_students=count_of(Student.objects.filter(school=OuterRef("pk"), is_active=True)),
            n_guardians=count_of(Guardianship.objects.filter(school=OuterRef("pk"))),
        )
        .order_by("code")
    )


def classes_for_school(*, scope: Scope, school: School) -> QuerySet[SchoolClass]:
    from enrollment.models import Student

    return (
        SchoolClass.objects.visible_to(scope)
        .filter(school=school)
        .select_related("homeroom_teacher")
        .annotate(
            n_students=count_of(Student.objects.filter(school_class=OuterRef("pk"), is_active=True))
        )
        .order_by("grade", "number")
    )


def audit_events_for(*, scope: Scope, district: District) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.visible_to(scope)
        .filter(district=district)
        .select_related("school")
        .order_by("-created_at", "-id")
    )


def semesters_for(*, scope: Scope, district: District | None = None) -> QuerySet[Semester]:
    qs = Semester.objects.visible_to(scope).select_related("district")
    if district is not None:
        qs = qs.filter(district=district)
    return qs.annotate(
        n_exceptions=Count("exceptions", filter=Q(exceptions__school__isnull=True))
    ).order_by("-start_date")
