"""Role predicates, used alike by views, the API and templates.

Objects reaching these have already been found through ``visible_to``: a False here means
"your tenant, wrong role" (403), never "someone else's" (404, handled by the lookup).
"""

from __future__ import annotations

from aftercare.models import MANAGER_ROLES, TEACHER_ROLES, School, SchoolClass
from aftercare.tenancy import Scope


def is_official(scope: Scope) -> bool:
    return scope.is_official()


def can_view_school_dashboard(scope: Scope, school: School) -> bool:
    return scope.is_official(school.district_id) or scope.manages(school)


def can_view_class(scope: Scope, school_class: SchoolClass) -> bool:
    return (
        can_view_school_dashboard(scope, school_class.school)
        or school_class.homeroom_teacher_id == scope.user.pk
    )


def is_staff_reader(scope: Scope, school_id: int, district_id: int) -> bool:
    """Someone reading a child's record as staff (their reads are audited)."""
    return scope.is_official(district_id) or any(
        m.school_id == school_id and m.role in (MANAGER_ROLES | TEACHER_ROLES) for m in scope.grants
    )


def can_edit_calendar(scope: Scope, district_id: int) -> bool:
    return scope.is_official(district_id)
