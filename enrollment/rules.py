"""Role predicates of the enrollment app, used by views, the API and services alike.

Objects reaching these were found through ``visible_to``: False means "your tenant, wrong
role" (403), never "someone else's" (404).
"""

from __future__ import annotations

from aftercare.models import School
from aftercare.tenancy import Scope


def can_import_roster(scope: Scope, school: School) -> bool:
    """Only the school itself (principal, school administrator) changes its roster."""
    return scope.manages(school)


def can_export_roster(scope: Scope, school: School) -> bool:
    """The school, and the district officials who oversee it."""
    return scope.manages(school) or scope.is_official(school.district_id)
