"""Who may read policies and plans through the API, and the plan/version lookups.

Objects are always found through ``visible_to`` first (another tenant's object is 404);
the role checks below then answer 403 inside the caller's own tenant, exactly like the
plan and policy pages (``aftercare.views.plans`` / ``views.policy``).
"""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from aftercare.errors import NotAllowed
from aftercare.models import DISTRICT_ROLES, MANAGER_ROLES
from aftercare.tenancy import Scope, get_visible_or_404
from plans.models import Course, PlanVersion, RegistrationWindow, SchoolPlan, ServicePeriod
from plans.services import plans as plan_services

UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
STAFF_ROLES = frozenset({*DISTRICT_ROLES, *MANAGER_ROLES})

# --------------------------------------------------------------------------- policies


def policy_districts(scope: Scope) -> set[int]:
    """Districts whose policies the caller reads: officials' and school leaders' districts."""
    return {g.district_id for g in scope.grants if g.role in STAFF_ROLES}


def require_policy_reader(scope: Scope, district_id: int | None = None) -> None:
    districts = policy_districts(scope)
    if not districts or (district_id is not None and district_id not in districts):
        raise NotAllowed(
            _(
                "Only district officials, principals and school administrators can see the "
                "district policy."
            )
        )


# --------------------------------------------------------------------------- plans


def plan_reader_q(scope: Scope) -> Q:
    """Plans the caller oversees (official) or manages (principal, school admin)."""
    return Q(district_id__in=scope.official_districts) | Q(school_id__in=scope.manager_schools)


def require_plan_reader(scope: Scope, plan: SchoolPlan | None = None) -> None:
    if plan is None:
        allowed = bool(scope.official_districts or scope.manager_schools)
    else:
        allowed = scope.is_official(plan.district_id) or plan.school_id in scope.manager_schools
    if not allowed:
        raise NotAllowed(
            _("Only district officials, principals and school administrators can see school plans.")
        )


PLAN_QS = SchoolPlan.objects.select_related("district", "school", "semester")


def plan_for(scope: Scope, plan_id) -> SchoolPlan:
    """The plan with public id ``plan_id``: 404 outside the scope, 403 for the wrong role."""
    plan = get_visible_or_404(PLAN_QS, scope, public_id=plan_id)
    require_plan_reader(scope, plan)
    return plan


working_of = plan_services.pick_working
published_of = plan_services.pick_published


def versions_qs(scope: Scope, *, content: bool = False):
    """Scoped versions with what their serializers read; ``content`` adds the parts."""
    qs = PlanVersion.objects.visible_to(scope).select_related(
        "plan", "policy", "created_by", "decided_by"
    )
    if content:
        qs = qs.prefetch_related(
            Prefetch("periods", queryset=ServicePeriod.objects.visible_to(scope)),
            Prefetch("courses", queryset=Course.objects.visible_to(scope)),
            Prefetch("windows", queryset=RegistrationWindow.objects.visible_to(scope)),
        )
    return qs


def working_version_for(scope: Scope, plan: SchoolPlan) -> PlanVersion:
    """The plan's working version (404 when it has none), its ``plan`` set to ``plan``."""
    version = working_of(PlanVersion.objects.visible_to(scope).filter(plan=plan))
    if version is None:
        raise Http404
    version.plan = plan
    return version


def version_with_content(scope: Scope, plan: SchoolPlan, number: int) -> PlanVersion:
    """Version ``number`` of the plan with everything its detail serializer reads."""
    return get_visible_or_404(
        versions_qs(scope, content=True).filter(plan=plan), scope, number=number
    )
