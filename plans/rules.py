"""Who may read and change district policies and school plans — the one place for it.

Pages (``plans.views``), the API (``plans.api``) and the services (``plans.services``) ask
these predicates; templates get their answers. Objects reaching them were found through
``visible_to(scope)`` (another tenant's is 404 before any rule is asked), so False means
"your tenant, wrong role": the ``require_*`` forms raise ``NotAllowed`` (403) with the
reason. A version in the wrong state is not a rule: the services raise ``Conflict`` (409).

    policy   read: officials of the district, principals and school admins of its schools
             set (start from a preset, change): officials of the district
    plan     read: officials of the plan's district, managers of its school
             write (create, edit the draft, submit, publish, amend): managers of its school
             review (approve, return): officials of its district
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.models import DISTRICT_ROLES, MANAGER_ROLES, School
from aftercare.rules import require
from aftercare.tenancy import Scope

STAFF_ROLES = frozenset({*DISTRICT_ROLES, *MANAGER_ROLES})


# --------------------------------------------------------------------------- policy


def policy_districts(scope: Scope) -> set[int]:
    """Districts whose policies the caller reads: officials' and school leaders' districts."""
    return {g.district_id for g in scope.grants if g.role in STAFF_ROLES}


def can_read_policy(scope: Scope, district_id: int | None = None) -> bool:
    districts = policy_districts(scope)
    return bool(districts) and (district_id is None or district_id in districts)


def can_set_policy(scope: Scope, district_id: int) -> bool:
    return scope.is_official(district_id)


def require_policy_reader(scope: Scope, district_id: int | None = None) -> None:
    require(
        can_read_policy(scope, district_id),
        _(
            "Only district officials, principals and school administrators can see the "
            "district policy."
        ),
    )


def require_policy_setter(scope: Scope, district_id: int) -> None:
    require(
        can_set_policy(scope, district_id),
        _("Only district officials can set the district policy."),
    )


# --------------------------------------------------------------------------- plans


def plan_reader_q(scope: Scope) -> Q:
    """Plans the caller oversees (official) or manages (principal, school admin)."""
    return Q(district_id__in=scope.official_districts) | Q(school_id__in=scope.manager_schools)


def can_read_plans(scope: Scope) -> bool:
    """Any plan list at all (officials and school managers)."""
    return bool(scope.official_districts or scope.manager_schools)


def can_read_plan(scope: Scope, plan) -> bool:
    return can_read_school_plans(scope, plan.school_id, plan.district_id)


def can_read_school_plans(scope: Scope, school_id: int, district_id: int) -> bool:
    return scope.is_official(district_id) or school_id in scope.manager_schools


def can_manage_plan(scope: Scope, school: School) -> bool:
    """Create, edit, submit, publish and amend the school's plan."""
    return scope.manages(school)


def can_review_plan(scope: Scope, district_id: int) -> bool:
    """Approve or return a submitted plan."""
    return scope.is_official(district_id)


def can_review_plans(scope: Scope) -> bool:
    """The district's review list (any district)."""
    return scope.is_official()


def require_plan_reader(scope: Scope, plan=None) -> None:
    allowed = can_read_plans(scope) if plan is None else can_read_plan(scope, plan)
    require(
        allowed,
        _("Only district officials, principals and school administrators can see school plans."),
    )


def require_school_plans_reader(scope: Scope, school: School) -> None:
    require(
        can_read_school_plans(scope, school.pk, school.district_id),
        _("Only district officials, principals and school administrators can see school plans."),
    )


def require_plan_manager(scope: Scope, school: School) -> None:
    require(
        can_manage_plan(scope, school),
        _("Only the principal or a school administrator can do this."),
    )


def require_plan_reviewer(scope: Scope, district_id: int) -> None:
    require(can_review_plan(scope, district_id), _("Only district officials can review plans."))
