"""Who may do what with institutions; used by services, pages and the API alike.

Lookups go through ``institutions.selectors`` first (another district's or institution's rows
are 404); False here means "your tenant, wrong role" (403).
"""

from __future__ import annotations

from aftercare.tenancy import Scope
from institutions.models import InstitutionAccount


def can_manage_admission(scope: Scope, district_id: int) -> bool:
    """Open batches, set ceilings, open accounts, review applications: district officials."""
    return scope.is_official(district_id)


def acts_for(scope: Scope, institution) -> bool:
    """The user holds an account of this institution."""
    return scope.is_authenticated and institution.pk in own_institution_ids(scope)


def own_institution_ids(scope: Scope) -> frozenset[int]:
    cached = getattr(scope, "_institution_ids", None)
    if cached is None:
        cached = (
            frozenset(
                InstitutionAccount.objects.filter(user=scope.user).values_list(
                    "institution_id", flat=True
                )
            )
            if scope.is_authenticated
            else frozenset()
        )
        scope._institution_ids = cached
    return cached
