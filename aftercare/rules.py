"""Role predicates of the kernel, used alike by views, the API, services and templates.

The authorization rule of the project, in one place per app (``<app>/rules.py``):

* Objects are looked up through ``visible_to(scope)`` first, so another tenant's, school's or
  family's object is simply not found: **404**, never 403.
* On an object one can see, a predicate here answers "may this role do this?". False means
  "your tenant, wrong role": **403** — services raise ``NotAllowed`` through ``require``,
  pages and the API map it (``aftercare.views.errors``, ``aftercare.api_conf``).
* The right role at the wrong moment (a submitted plan edited, a full course) is not a rule
  here: the service raises ``Conflict``, **409**.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from aftercare.errors import NotAllowed
from aftercare.models import MANAGER_ROLES, TEACHER_ROLES, School, SchoolClass, Semester
from aftercare.tenancy import Scope


def require(allowed: bool, message=None, *, code: str | None = None) -> None:
    """Raise ``NotAllowed`` (403) with ``message`` unless ``allowed``."""
    if not allowed:
        raise NotAllowed(message, code=code)


def require_school_manager(actor, school) -> None:
    """Services' guard for what only the school's principal or administrators may do (403);
    ``actor`` is a user or a ``Scope``."""
    scope = actor if isinstance(actor, Scope) else Scope(actor)
    require(
        scope.manages(school),
        _("Only the school's principal or administrators can do this."),
    )


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


def sees_guardian_mobiles(scope: Scope, school_id: int) -> bool:
    """Full guardian mobiles of a school's pupils: its principal, administrators and teachers
    (they call families). Everyone else sees them masked (138****0002): other guardians of
    the child, district officials and inspectors (they deal with schools, not families). A
    guardian always sees their own number. Staff reads that show them are audited."""
    return any(
        m.school_id == school_id and m.role in (MANAGER_ROLES | TEACHER_ROLES) for m in scope.grants
    )


def can_create_semester(scope: Scope, district_id: int) -> bool:
    return scope.is_official(district_id)


def can_edit_calendar(scope: Scope, district_id: int) -> bool:
    """District-wide dates of the calendar (holidays, make-up days)."""
    return scope.is_official(district_id)


def can_edit_school_calendar(scope: Scope, district_id: int, school: School | None) -> bool:
    """A school's own dates: its district's officials and its principal or administrators."""
    if school is None:
        return can_edit_calendar(scope, district_id)
    return scope.is_official(district_id) or scope.manages(school)


def can_read_semester(scope: Scope, semester: Semester) -> bool:
    """The semester page: officials of the district, principals and school admins in it."""
    return scope.is_official(semester.district_id) or any(
        s.district_id == semester.district_id for s in scope.managed_school_objects
    )


def can_read_audit(scope: Scope, district_id: int | None = None) -> bool:
    return scope.is_official(district_id)


def can_grant_role(scope: Scope, district_id: int, school: School | None) -> bool:
    return scope.is_official(district_id) or (school is not None and scope.manages(school))


def has_any_role(scope: Scope, *roles: str) -> bool:
    return bool(scope.roles & set(roles))
