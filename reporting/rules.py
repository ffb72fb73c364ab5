"""Who may read and act on the district's reporting pages (used by views, templates, tests).

* Reading the dashboard, its drill-down, the alerts and their evidence: the district's
  officials and inspectors (督学). Inspectors only read: they see children's names masked and
  no student numbers, staff names masked too.
* Acting — acknowledging or resolving an alert, asking for a recompute: officials only.

Objects are looked up first (``lookup_or_404``): another district's object is 404 for
everyone; one's own district's object with the wrong role is 403 (``require``).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from aftercare.rules import require
from aftercare.tenancy import Scope

__all__ = [
    "can_act",
    "can_read",
    "lookup_or_404",
    "oversight_districts",
    "require",
    "sees_names",
]


def oversight_districts(scope: Scope) -> frozenset[int]:
    return scope.official_districts | scope.inspector_districts


def can_read(scope: Scope, district_id: int | None = None) -> bool:
    districts = oversight_districts(scope)
    return bool(districts) and (district_id is None or district_id in districts)


def can_act(scope: Scope, district_id: int | None = None) -> bool:
    """Acknowledge and resolve alerts, ask for a recompute: officials only."""
    return scope.is_official(district_id)


def sees_names(scope: Scope, district_id: int) -> bool:
    """Children's and staff names in full (officials) or masked (inspectors)."""
    return scope.is_official(district_id)


def lookup_or_404(queryset, scope: Scope, **lookup):
    """The object if it is in one of the caller's oversight districts or otherwise visible to
    them (a principal's own school: then a 403 follows from ``can_read``); else 404."""
    model = queryset.model
    visible = Q(district_id__in=oversight_districts(scope))
    if hasattr(model, "tenant_rule"):
        visible |= scope.q_for(model)
    try:
        return queryset.filter(visible).get(**lookup)
    except (model.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
