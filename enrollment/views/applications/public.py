"""The public participant list (公示), masked names, no login."""

from __future__ import annotations

from django.db.models import Max
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from enrollment.models import Application
from enrollment.selectors import applications as selectors
from plans.models import SchoolPlan

# =========================================================================== public


@cache_control(public=True, max_age=60)
@require_GET
def public_participants(request, plan_id):
    """The public list (公示): approved participants by class with masked names."""
    plan = get_object_or_404(
        SchoolPlan.objects.select_related("school", "school__district", "semester"),
        public_id=plan_id,
    )
    classes = selectors.public_participants(plan)
    listed_at = Application.objects.filter(plan=plan, listed_at__isnull=False).aggregate(
        m=Max("listed_at")
    )["m"]
    return render(
        request,
        "enrollment/applications/public.html",
        {
            "plan": plan,
            "classes": classes,
            "total": sum(len(c.names) for c in classes),
            "listed_at": listed_at,
        },
    )
