"""Who may do what with a child's safety data (one place for pages, API and services).

Lookups go through ``safety.selectors.lookup_child`` / ``lookup_incident`` first (another
tenant's, school's or family's child is 404); these predicates answer "may this role do
this?" (no: 403, ``NotAllowed``).

Medical notes are shown to those who care for the child and nobody else: the guardians, the
school's principal and administrators, and the teachers of the child's groups — not the
district's officials, not a homeroom teacher who does not teach the child after class."""

from __future__ import annotations

from aftercare.tenancy import Scope
from enrollment.models import Student

from . import selectors
from .models import Incident


def is_guardian(scope: Scope, student: Student) -> bool:
    return scope.is_authenticated and selectors.is_guardian(scope.user, student)


def manages(scope: Scope, school_id: int) -> bool:
    return school_id in scope.manager_schools


def teaches(scope: Scope, student: Student) -> bool:
    return student.school_id in scope.teacher_schools and selectors.teaches(scope.user, student)


def can_read_medical(scope: Scope, student: Student) -> bool:
    return (
        is_guardian(scope, student) or manages(scope, student.school_id) or teaches(scope, student)
    )


def can_edit_profile(scope: Scope, student: Student) -> bool:
    return is_guardian(scope, student)


def can_record_incident(scope: Scope, student: Student) -> bool:
    return manages(scope, student.school_id) or teaches(scope, student)


def can_acknowledge(scope: Scope, incident: Incident) -> bool:
    return is_guardian(scope, incident.student)


def can_amend(scope: Scope, incident: Incident) -> bool:
    return (
        incident.recorded_by_id == scope.user.pk
        or manages(scope, incident.school_id)
        or teaches(scope, incident.student)
    )


def can_edit_incident(scope: Scope, incident: Incident) -> bool:
    return incident.recorded_by_id == scope.user.pk


def can_see_photos(scope: Scope, incident: Incident) -> bool:
    return (
        is_guardian(scope, incident.student)
        or manages(scope, incident.school_id)
        or scope.is_official(incident.district_id)
        or can_amend(scope, incident)
    )


def can_decide_deletion(scope: Scope, school_id: int) -> bool:
    return manages(scope, school_id)


def can_publish_notice(scope: Scope, district_id: int) -> bool:
    return scope.is_official(district_id)


def can_read_school(scope: Scope, school) -> bool:
    return manages(scope, school.pk) or scope.is_official(school.district_id)
