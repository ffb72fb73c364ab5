"""Reads of institutions that depend on who asks.

District officials see every row of their district (``visible_to``); a user acting for an
institution sees that institution's own rows (applications, courses, instructors) and the
batches and list of its district; principals and school admins see their district's
institutions and the instructors of approved ones (they schedule them). Anything else: 404.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from aftercare.tenancy import Scope
from institutions.models import (
    AdmissionBatch,
    Application,
    ApplicationCourse,
    Institution,
    InstitutionAccount,
    InstitutionStatus,
    Instructor,
)


def _own(scope: Scope, path: str) -> Q:
    if not scope.is_authenticated:
        return Q(pk__in=[])
    return Q(
        **{f"{path}__in": InstitutionAccount.objects.filter(user=scope.user).values("institution")}
    )


def _own_district(scope: Scope, path: str = "district") -> Q:
    if not scope.is_authenticated:
        return Q(pk__in=[])
    return Q(
        **{f"{path}__in": InstitutionAccount.objects.filter(user=scope.user).values("district")}
    )


def account_of(scope: Scope) -> InstitutionAccount | None:
    if not scope.is_authenticated:
        return None
    return (
        InstitutionAccount.objects.select_related("institution", "district")
        .filter(user=scope.user)
        .first()
    )


def institutions_visible(scope: Scope) -> QuerySet[Institution]:
    return Institution.objects.filter(scope.q_for(Institution) | _own(scope, "pk"))


def batches_visible(scope: Scope) -> QuerySet[AdmissionBatch]:
    return AdmissionBatch.objects.filter(
        scope.q_for(AdmissionBatch) | _own_district(scope)
    ).order_by("-opens_on", "id")


def applications_visible(scope: Scope) -> QuerySet[Application]:
    return (
        Application.objects.filter(scope.q_for(Application) | _own(scope, "institution"))
        .select_related("institution", "batch", "reviewed_by")
        .prefetch_related(
            Prefetch("courses", queryset=ApplicationCourse.objects.order_by("id")),
            Prefetch("staff", queryset=Instructor.objects.order_by("full_name", "id")),
        )
        .order_by("-submitted_at", "id")
    )


def instructors_visible(scope: Scope) -> QuerySet[Instructor]:
    """Officials of the district, the institution itself, and the district's school managers
    for approved institutions (they link their staff roster to them)."""
    managed_districts = {s.district_id for s in scope.managed_school_objects}
    q = scope.q_for(Instructor) | _own(scope, "institution")
    if managed_districts:
        q |= Q(district_id__in=managed_districts, institution__status=InstitutionStatus.APPROVED)
    return Instructor.objects.filter(q).select_related("institution").order_by("full_name", "id")


def approved_list(district) -> QuerySet[Institution]:
    """The published list: approved institutions of a district with the courses and prices of
    their approved application. Public: nothing personal in it."""
    return (
        Institution.objects.filter(district=district, status=InstitutionStatus.APPROVED)
        .select_related("approved_application")
        .prefetch_related(
            Prefetch(
                "approved_application__courses", queryset=ApplicationCourse.objects.order_by("id")
            )
        )
        .order_by("name")
    )
