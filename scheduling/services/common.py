"""Helpers the scheduling services share: authorization and the lock every change takes.

Lock order (README "Lock order": semester -> plan -> …): a scheduling change locks the school
plan's row, then the plan's ``Grouping`` row, and only then reads what it checks (groups,
members, assignments, bookings, sessions). Every write to a plan's groups, staffing or
sessions goes through ``lock_plan``, so two of them never interleave: a conflict check cannot
be overtaken by a concurrent assignment (no check-then-act), and the order matches the plan
services', whose publication calls back into scheduling with the plan already locked.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from aftercare.errors import Conflict
from plans.models import SchoolPlan
from scheduling.models import Grouping


def lock_plan(plan: SchoolPlan) -> Grouping | None:
    """Lock the plan's row, then its grouping's (None when nothing was proposed yet)."""
    list(SchoolPlan.objects.select_for_update().filter(pk=plan.pk).values_list("pk", flat=True))
    return Grouping.objects.select_for_update().filter(plan=plan).first()


def require_grouping(grouping: Grouping | None) -> Grouping:
    if grouping is None:
        raise Conflict(
            _("Propose the groups first."),
            code="no_grouping",
        )
    return grouping


def not_published() -> Conflict:
    return Conflict(
        _(
            "The plan has no published version: groups and sessions come from a published "
            "plan. Publish it first."
        ),
        code="plan_not_published",
    )
