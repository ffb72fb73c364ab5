"""The plan/version lookups of the plans API (who may read what: ``plans.rules``).

Objects are always found through ``visible_to`` first (another tenant's object is 404);
the rules then answer 403 inside the caller's own tenant, exactly like the plan and policy
pages (``plans.views``), and every error leaves through ``aftercare.api_conf``.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404

from aftercare.tenancy import Scope, get_visible_or_404
from plans.models import Course, PlanVersion, RegistrationWindow, SchoolPlan, ServicePeriod
from plans.rules import (  # noqa: F401 - the API modules import the rules from here too
    plan_reader_q,
    policy_districts,
    require_plan_reader,
    require_policy_reader,
)
from plans.services import plans as plan_services

UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

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
