"""Reads of institutions that depend on who asks.

District officials see every row of their district (``visible_to``); a user acting for an
institution sees that institution's own rows (applications, courses, instructors) and the
batches and list of its district; principals and school admins see their district's
institutions and the instructors of approved ones (they schedule them). Anything else: 404.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

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


def check_problem(instructor: Instructor, *, on: date | None = None) -> str | None:
    """Why the instructor may not work with children on ``on`` (today), or None: the
    background check (with the sexual-offence record check and consent) and the health
    certificate must be valid that day."""
    day = on or timezone.localdate()
    if not instructor.is_active:
        return _("%(name)s is no longer on the institution's staff list.") % {
            "name": instructor.full_name
        }
    if not (
        instructor.background_checked_on
        and instructor.consent_given_on
        and instructor.sexual_offence_checked
    ):
        return _(
            "%(name)s has no background check with the sexual-offence record check on file."
        ) % {"name": instructor.full_name}
    if (
        instructor.background_check_valid_until is None
        or instructor.background_check_valid_until < day
    ):
        return _("%(name)s's background check has expired.") % {"name": instructor.full_name}
    if (
        instructor.health_certificate_valid_until is None
        or instructor.health_certificate_valid_until < day
    ):
        return _("%(name)s's health certificate is missing or expired.") % {
            "name": instructor.full_name
        }
    return None
