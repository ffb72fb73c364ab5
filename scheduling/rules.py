"""Who may do what in scheduling; used alike by services, views, the API and templates.

Objects reaching these were found through ``visible_to``: False means "your tenant, wrong
role" (403), never "someone else's" (404, the lookup's answer).
"""

from __future__ import annotations

from aftercare.tenancy import Scope


def can_view_school(scope: Scope, school) -> bool:
    """Staff lists, rooms, groups and the school's week: its managers and district officials."""
    return scope.is_official(school.district_id) or scope.manages(school)


def can_manage_school(scope: Scope, school) -> bool:
    """Change staff, rooms, groups, assignments and sessions: principal or school admin."""
    return scope.manages(school)


def can_manage_institutions(scope: Scope, district_id: int) -> bool:
    return scope.is_official(district_id)


def can_read_vetting(scope: Scope, record) -> bool:
    """A vetting document: the school's managers, the district's officials, the person."""
    return (
        scope.is_official(record.district_id)
        or record.school_id in scope.manager_schools
        or (record.staff.user_id is not None and record.staff.user_id == scope.user.pk)
    )
