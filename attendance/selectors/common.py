"""Who is on a session's roll, which leave covers which day, and the policy in force.

The roll of a session (decided here, once): for a basic-care group, its members whose
application lets them attend on the session's date; for a course section, the course's
confirmed seats (same application rule). An application lets a child attend when the school
approved it (a pending withdrawal request does not stop service; an approved withdrawal stops
after its last day), the agreement is signed and the insurance confirmed. A child dismissed
(劝退) is off the roll after their last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from enrollment.models import (
    Application,
    ApplicationStatus,
    CourseRegistration,
    SeatStatus,
    Student,
)
from plans.models import DistrictPolicy, SchoolPlan
from plans.selectors import current_policy
from scheduling.models import GroupKind, GroupMember, Session

from ..models import Dismissal, LeaveRequest, LeaveStatus


def attending_applications(day: date) -> QuerySet[Application]:
    """Applications whose child may attend on ``day``."""
    live = Q(status__in=[ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWAL_REQUESTED]) | Q(
        status=ApplicationStatus.WITHDRAWN, withdrawal_effective_date__gte=day
    )
    return Application.objects.filter(
        live, signed_at__isnull=False, insurance_confirmed_at__isnull=False
    )


def roster_student_ids(session: Session):
    """A subquery of the ids of the children on ``session``'s roll."""
    group = session.group
    day = session.date
    apps = attending_applications(day).values("pk")
    if group.kind == GroupKind.COURSE:
        members = CourseRegistration.objects.filter(
            course__version__plan_id=session.plan_id,
            course__lineage=group.lineage,
            status=SeatStatus.CONFIRMED,
            application__in=apps,
        ).values("student_id")
    else:
        members = GroupMember.objects.filter(group_id=group.pk, application__in=apps).values(
            "student_id"
        )
    dismissed = Dismissal.objects.filter(last_day__lt=day).values("student_id")
    return Student.objects.filter(pk__in=members).exclude(pk__in=dismissed).values("pk")


def roster_students(session: Session) -> QuerySet[Student]:
    return (
        Student.objects.filter(pk__in=roster_student_ids(session))
        .select_related("school_class")
        .order_by(*Student.ROLL_ORDER)
    )


def approved_leave_on(day: date, student_ids) -> dict[int, LeaveRequest]:
    """The approved leave covering ``day`` of each child among ``student_ids``."""
    rows = LeaveRequest.objects.filter(
        student_id__in=student_ids,
        status=LeaveStatus.APPROVED,
        start_date__lte=day,
        end_date__gte=day,
    )
    return {leave.student_id: leave for leave in rows}


@dataclass(frozen=True)
class AttendancePolicy:
    late_pickup_grace_minutes: int = 10
    unexcused_absence_flag_count: int = 3
    unexcused_absence_window_days: int = 30
    warnings_before_dismissal: int = 2
    late_pickup_flag_count: int = 3
    late_pickup_window_days: int = 30


def _from_policy(policy: DistrictPolicy | None) -> AttendancePolicy:
    if policy is None:
        return AttendancePolicy()
    return AttendancePolicy(
        late_pickup_grace_minutes=policy.late_pickup_grace_minutes,
        unexcused_absence_flag_count=policy.unexcused_absence_flag_count,
        unexcused_absence_window_days=policy.unexcused_absence_window_days,
        warnings_before_dismissal=policy.warnings_before_dismissal,
        late_pickup_flag_count=policy.late_pickup_flag_count,
        late_pickup_window_days=policy.late_pickup_window_days,
    )


def policy_for_session(session: Session) -> AttendancePolicy:
    """The attendance parameters of the policy the session's plan version runs under (the
    semester's current policy when the version names none; the seeds' defaults without).
    No query when the session was loaded with ``version__policy``."""
    if hasattr(session, "_policy_id"):  # from the roll's fast lookup (ids only)
        if session._attendance_policy is not None:
            return session._attendance_policy
        return _from_policy(current_policy(SchoolPlan.objects.get(pk=session.plan_id).semester))
    version = session.version
    if version.policy_id is not None:
        return _from_policy(version.policy)
    return _from_policy(current_policy(session.plan.semester))


def policy_for_semester(semester) -> AttendancePolicy:
    return _from_policy(current_policy(semester))
