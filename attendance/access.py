"""Who may do what with a session, a child or a school day (one place for views, API and
services).

Looking a session up goes through ``lookup_session``: another tenant's session, or a session
of a group the teacher has nothing to do with, is not found (404); a session the caller sees
but may not act on (a teacher assigned to the group on another weekday, a parent) is a
``NotAllowed`` (403) from the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from aftercare.models import MANAGER_ROLES, TEACHER_ROLES, District, School, SchoolClass
from aftercare.tenancy import Scope
from scheduling.models import Assignment, CareGroup, DutyRole, Session, StaffMember

from .models import Handover, StaffAttendance, StaffStatus
from .selectors.common import AttendancePolicy
from .sql import SESSION_FOR_ROLL


@dataclass(frozen=True)
class SessionAccess:
    """What the caller is to a session: the group's teacher on the session's weekday, a
    substitute recorded for it, a manager of the school, a district official."""

    assigned: bool = False
    substitute: bool = False
    manager: bool = False
    official: bool = False

    @property
    def can_take_roll(self) -> bool:
        return self.assigned or self.substitute or self.manager

    @property
    def can_read(self) -> bool:
        return self.can_take_roll or self.official


def substitute_sessions(user):
    """Sessions where ``user`` is the recorded substitute (the current record of the chain)."""
    return StaffAttendance.objects.filter(
        substitute__user=user, status=StaffStatus.SUBSTITUTED, superseded_by__isnull=True
    ).values("session_id")


def sessions_for(scope: Scope):
    """Sessions the caller may look up: ``visible_to`` plus those they substitute in."""
    q = scope.q_for(Session)
    if scope.is_authenticated and scope.teacher_schools:
        q |= Q(pk__in=substitute_sessions(scope.user), school_id__in=scope.teacher_schools)
    return Session.objects.filter(q)


def annotate_access(qs, user):
    return qs.annotate(
        _has_handovers=Exists(Handover.objects.filter(session_id=OuterRef("pk"))),
        _assigned=Exists(
            Assignment.objects.filter(
                group_id=OuterRef("group_id"),
                weekday=OuterRef("weekday"),
                role=DutyRole.TEACHER,
                staff__user=user,
            )
        ),
        _substitute=Exists(
            StaffAttendance.objects.filter(
                session_id=OuterRef("pk"),
                substitute__user=user,
                status=StaffStatus.SUBSTITUTED,
                superseded_by__isnull=True,
            )
        ),
    )


def access_of(scope: Scope, session: Session) -> SessionAccess:
    """The caller's access to a session loaded by ``lookup_session`` (annotations), or
    computed (two queries) for one loaded otherwise."""
    assigned = getattr(session, "_assigned", None)
    substitute = getattr(session, "_substitute", None)
    if assigned is None:
        assigned = Assignment.objects.filter(
            group_id=session.group_id,
            weekday=session.weekday,
            role=DutyRole.TEACHER,
            staff__user=scope.user,
        ).exists()
        substitute = StaffAttendance.objects.filter(
            session=session,
            substitute__user=scope.user,
            status=StaffStatus.SUBSTITUTED,
            superseded_by__isnull=True,
        ).exists()
    return SessionAccess(
        assigned=bool(assigned),
        substitute=bool(substitute),
        manager=session.school_id in scope.manager_schools,
        official=session.district_id in scope.official_districts,
    )


ROLL_RELATED = ("group", "district", "school", "version__policy")


def lookup_session(
    scope: Scope, public_id, *, related=ROLL_RELATED
) -> tuple[Session, SessionAccess]:
    """The session with ``public_id`` if the caller may see it (else 404), with their access,
    in one query (with the group, district, school and the plan version's policy, which the
    roll's audit event and follow-up rules need)."""
    qs = annotate_access(sessions_for(scope), scope.user).select_related(*related)
    try:
        session = qs.get(public_id=public_id)
    except (Session.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    return session, access_of(scope, session)


def lookup_session_for_roll(user, public_id) -> tuple[Session, SessionAccess]:
    """``lookup_session`` for the roll's hot path: one precompiled query (``sql.py``), the
    same visibility (another tenant's session, or a group the teacher has nothing to do with:
    404), no ORM compilation. The session comes with its group, and its district and school
    as bare instances (ids only)."""
    with connection.cursor() as cursor:
        cursor.execute(SESSION_FOR_ROLL, {"user": user.pk, "session": str(public_id)})
        row = cursor.fetchone()
    if row is None:
        raise Http404
    (
        pk, district_id, school_id, plan_id, version_id, group_id, day, weekday, start, end,
        status, cancel_reason, session_public_id, group_name, kind, lineage, group_public_id,
        policy_id, grace, flag_count, window_days, warnings, late_count, late_window,
        assigned, linked, substitute, has_handovers, manager, teacher, official,
    ) = row  # fmt: skip
    if not (official or manager or (teacher and (linked or substitute))):
        raise Http404
    group = CareGroup(
        pk=group_id,
        public_id=group_public_id,
        district_id=district_id,
        school_id=school_id,
        plan_id=plan_id,
        name=group_name,
        kind=kind,
        lineage=lineage,
    )
    session = Session(
        pk=pk,
        public_id=session_public_id,
        plan_id=plan_id,
        version_id=version_id,
        date=day,
        weekday=weekday,
        start_time=start,
        end_time=end,
        status=status,
        cancel_reason=cancel_reason,
    )
    session.district = District(pk=district_id)
    session.school = School(pk=school_id)
    session.group = group
    session._has_handovers = has_handovers
    session._policy_id = policy_id
    session._attendance_policy = (
        AttendancePolicy(grace, flag_count, window_days, warnings, late_count, late_window)
        if policy_id
        else None
    )
    return session, SessionAccess(
        assigned=assigned, substitute=substitute, manager=manager, official=official
    )


# --------------------------------------------------------------------------- people


def is_manager(scope: Scope, school_id: int) -> bool:
    return school_id in scope.manager_schools


def is_school_teacher(scope: Scope, school_id: int) -> bool:
    return school_id in scope.teacher_schools


def is_school_staff(scope: Scope, school_id: int) -> bool:
    return is_manager(scope, school_id) or is_school_teacher(scope, school_id)


def is_homeroom_teacher(user, school_class: SchoolClass) -> bool:
    return (
        school_class.homeroom_teacher_id is not None and school_class.homeroom_teacher_id == user.pk
    )


def staff_record(user, school_id: int) -> StaffMember | None:
    """The user's staff record at a school (the school's own teachers have one)."""
    if user is None or not user.is_authenticated:
        return None
    return StaffMember.objects.filter(school_id=school_id, user=user).first()


def duty_leader_users(school: School | int, day: date, weekday: int | None = None):
    """User ids of the duty leaders (值班领导) of ``school`` on ``day``: the duty-leader
    assignments on the timetable weekday of that day (a make-up day follows another)."""
    school_id = school if isinstance(school, int) else school.pk
    if weekday is None:
        weekday = (
            Session.objects.filter(school_id=school_id, date=day)
            .values_list("weekday", flat=True)
            .first()
        )
        if weekday is None:
            weekday = day.weekday()
    plans = Session.objects.filter(school_id=school_id, date=day).values("plan_id")
    return list(
        Assignment.objects.filter(
            school_id=school_id,
            role=DutyRole.DUTY_LEADER,
            weekday=weekday,
            plan_id__in=plans,
            staff__user__isnull=False,
        )
        .values_list("staff__user_id", flat=True)
        .distinct()
    )


def is_duty_leader(scope: Scope, school_id: int, day: date) -> bool:
    """Duty leader of the day, or a manager of the school (they stand in)."""
    if is_manager(scope, school_id):
        return True
    if not scope.is_authenticated:
        return False
    return scope.user.pk in duty_leader_users(school_id, day)


def teacher_roles(scope: Scope) -> bool:
    return bool(scope.roles & TEACHER_ROLES)


def manager_roles(scope: Scope) -> bool:
    return bool(scope.roles & MANAGER_ROLES)
