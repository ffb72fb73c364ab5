"""What plans add to the kernel's navigation and home pages (see ``PlansConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftercare.registry import Section
from plans import rules


def nav(scope) -> list[dict]:
    items = []
    if rules.can_review_plans(scope):
        items += [
            {
                "key": "plans",
                "label": _("School plans"),
                "url": reverse("district_plans"),
                "position": 20,
            },
            {
                "key": "policy",
                "label": _("Policy"),
                "url": reverse("policy_index"),
                "position": 30,
            },
        ]
    several = len(scope.managed_school_objects) > 1
    for index, school in enumerate(scope.managed_school_objects, start=1):
        items.append(
            {
                "key": f"plans-{school.pk}",
                "label": _("Plan (一校一案)") if not several else f"{school.name} · {_('Plan')}",
                "url": reverse("school_plans", args=[school.public_id]),
                "group": index,
                "position": 10,
            }
        )
    return items


def school_plan_link(request, *, school) -> Section:
    return Section("plans/home/school_plan.html")
