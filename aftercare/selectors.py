"""Reads that depend on who asks. Views and the API both start from these."""

from __future__ import annotations

from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from aftercare.models import AuditEvent, District, Semester
from aftercare.tenancy import Scope


def count_of(queryset: QuerySet) -> Coalesce:
    """COUNT of a correlated queryset as an annotation: no join fan-out, no GROUP BY."""
    sub = queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


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
