"""Who may do what with complaints and evaluations (one place for pages, API and services).

Lookups go through ``visible_to(scope)`` first (another tenant's, school's or family's
complaint is a 404); these predicates answer "may this role do this?" on what one sees (no:
403, ``NotAllowed``).

The side a reader is on decides what they are shown of a complaint (``side_of``): the
district sees everything; the school never sees who filed an anonymous complaint, nor the
child; the family sees its own complaint without the school's internal deduction; a teacher
sees only verified complaints about them, without the family.
"""

from __future__ import annotations

from aftercare.models import Role, School
from aftercare.tenancy import Scope
from enrollment.models import Guardianship, Student

from .models import Complaint, ComplaintOutcome, Evaluation, Side

TEACHER = "teacher"


def is_guardian(user, student: Student) -> bool:
    return Guardianship.objects.filter(student=student, user=user).exists()


def is_official(scope: Scope, district_id: int) -> bool:
    return scope.is_official(district_id)


def is_manager(scope: Scope, school_id: int) -> bool:
    return school_id in scope.manager_schools


def side_of(scope: Scope, complaint: Complaint) -> str | None:
    """The reader's side: district, school, family or teacher (None: no business here)."""
    if scope.is_official(complaint.district_id):
        return Side.DISTRICT
    if complaint.school_id in scope.manager_schools:
        return Side.SCHOOL
    if complaint.filed_by_id is not None and complaint.filed_by_id == scope.user.pk:
        return Side.FAMILY
    if (
        complaint.staff_id is not None
        and complaint.outcome == ComplaintOutcome.VERIFIED
        and complaint.school_id in scope.teacher_schools
        and complaint.staff.user_id == scope.user.pk
    ):
        return TEACHER
    return None


def can_read_files(scope: Scope, complaint: Complaint) -> bool:
    """Attachments: the filing family, the school's managers, the district's officials."""
    return side_of(scope, complaint) in (Side.DISTRICT, Side.SCHOOL, Side.FAMILY)


def can_record_hotline(scope: Scope, district_id: int) -> bool:
    return scope.is_official(district_id)


def can_handle(scope: Scope, complaint: Complaint) -> bool:
    """Acknowledge, investigate and close: the school's principal and administrators."""
    return complaint.school_id in scope.manager_schools


def can_decide_escalation(scope: Scope, complaint: Complaint) -> bool:
    return scope.is_official(complaint.district_id)


def can_escalate(scope: Scope, complaint: Complaint) -> bool:
    return complaint.filed_by_id is not None and complaint.filed_by_id == scope.user.pk


def can_open_evaluation(scope: Scope, district_id: int, school: School | None) -> bool:
    if school is None:
        return scope.is_official(district_id)
    return scope.is_official(district_id) or school.pk in scope.manager_schools


def can_manage_evaluation(scope: Scope, evaluation: Evaluation) -> bool:
    """Close it: who opened that level (the district for a district-wide one)."""
    return can_open_evaluation(scope, evaluation.district_id, evaluation.school)


def result_schools(scope: Scope, evaluation: Evaluation) -> list[int] | None:
    """The schools whose results the reader may see: None for all of the evaluation
    (district officials), a list (a school's managers: their schools), [] for none."""
    if scope.is_official(evaluation.district_id):
        return None
    if evaluation.school_id is not None:
        return [evaluation.school_id] if evaluation.school_id in scope.manager_schools else []
    return sorted(scope.manager_schools)


def can_read_results(scope: Scope, evaluation: Evaluation) -> bool:
    return result_schools(scope, evaluation) != []


def can_remind(scope: Scope, evaluation: Evaluation) -> bool:
    return can_read_results(scope, evaluation)


def is_parent(scope: Scope) -> bool:
    return Role.PARENT in scope.roles
