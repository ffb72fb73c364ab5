"""Reads of safety data that depend on who asks.

A child's safety data is reached through ``lookup_child(scope, student_id)``: the child's
guardians, the school's principal and administrators, the district's officials, the homeroom
teacher, and the teachers of the child's groups (basic-care group or course section, by
``scheduling.Assignment``) find the child; anyone else gets 404. What each may do with it is
``safety.rules`` (403). Consent state is the latest ``ConsentDecision`` per purpose under the
district's current notice (``consent_state``)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from aftercare.models import Semester, User
from aftercare.tenancy import Scope
from enrollment.models import CourseRegistration, Guardianship, SeatStatus, Student
from scheduling.models import Assignment, DutyRole, GroupMember

from .models import (
    ConsentDecision,
    ConsentNotice,
    ConsentPurpose,
    Incident,
    SafetyProfile,
)


def taught_student_ids(user):
    """Subquery: the ids of the children in the groups ``user`` teaches (any weekday)."""
    groups = Assignment.objects.filter(role=DutyRole.TEACHER, staff__user=user)
    basic = GroupMember.objects.filter(group_id__in=groups.values("group_id")).values("student_id")
    sections = CourseRegistration.objects.filter(
        status=SeatStatus.CONFIRMED,
        course__lineage__in=groups.filter(group__lineage__isnull=False).values("group__lineage"),
    ).values("student_id")
    return Student.objects.filter(Q(pk__in=basic) | Q(pk__in=sections)).values("pk")


def teaches(user, student: Student) -> bool:
    return Student.objects.filter(pk=student.pk, pk__in=taught_student_ids(user)).exists()


def is_guardian(user, student: Student) -> bool:
    return Guardianship.objects.filter(student=student, user=user).exists()


def children_q(scope: Scope) -> Q:
    """The children whose safety pages the caller reaches (a filter on Student)."""
    if not scope.is_authenticated:
        return Q(pk__in=[])
    user = scope.user
    q = Q(pk__in=Guardianship.objects.filter(user=user).values("student_id"))
    if scope.official_districts:
        q |= Q(district_id__in=scope.official_districts)
    if scope.manager_schools:
        q |= Q(school_id__in=scope.manager_schools)
    if scope.teacher_schools:
        q |= Q(school_id__in=scope.teacher_schools) & (
            Q(school_class__homeroom_teacher=user) | Q(pk__in=taught_student_ids(user))
        )
    return q


def lookup_child(scope: Scope, student_id) -> Student:
    try:
        return (
            Student.objects.filter(children_q(scope))
            .select_related("school", "school__district", "school_class")
            .get(public_id=student_id)
        )
    except (Student.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def guardians_children(user: User) -> list[Student]:
    return list(
        Student.objects.filter(guardianships__user=user)
        .select_related("school", "school_class", "district")
        .distinct()
        .order_by("name")
    )


def profile_of(student: Student) -> SafetyProfile | None:
    return SafetyProfile.objects.filter(student=student).first()


def incidents_q(scope: Scope) -> Q:
    """Incidents the caller reaches: ``visible_to`` plus their groups' children's."""
    q = scope.q_for(Incident)
    if scope.is_authenticated and scope.teacher_schools:
        q |= Q(school_id__in=scope.teacher_schools, student_id__in=taught_student_ids(scope.user))
    return q


def incidents_for(scope: Scope):
    return Incident.objects.filter(incidents_q(scope)).select_related(
        "student", "student__school_class", "school", "recorded_by"
    )


def lookup_incident(scope: Scope, incident_id) -> Incident:
    try:
        return incidents_for(scope).select_related("school__district").get(public_id=incident_id)
    except (Incident.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --------------------------------------------------------------------------- consent


def current_notice(district_id: int) -> ConsentNotice | None:
    return ConsentNotice.objects.filter(district_id=district_id).order_by("-version").first()


def current_semester(district_id: int, today) -> Semester | None:
    return (
        Semester.objects.filter(district_id=district_id, start_date__lte=today, end_date__gte=today)
        .order_by("-start_date")
        .first()
    )


def latest_decisions(student_ids, purpose: str | None = None) -> dict:
    """{(student_id, purpose): ConsentDecision} — the latest decision of each (one query)."""
    qs = ConsentDecision.objects.filter(student_id__in=list(student_ids))
    if purpose:
        qs = qs.filter(purpose=purpose)
    qs = qs.order_by("student_id", "purpose", "-decided_at", "-id").distinct(
        "student_id", "purpose"
    )
    return {(d.student_id, d.purpose): d for d in qs}


def consent_state(student: Student) -> dict[str, ConsentDecision | None]:
    """Per purpose: the decision in force (granted, under the current notice) or None."""
    notice = current_notice(student.district_id)
    found = latest_decisions([student.pk])
    state = {}
    for purpose in ConsentPurpose.values:
        decision = found.get((student.pk, purpose))
        ok = (
            decision is not None and decision.granted and notice and decision.notice_id == notice.pk
        )
        state[purpose] = decision if ok else None
    return state


def has_consent(student: Student, purpose: str) -> bool:
    notice = current_notice(student.district_id)
    if notice is None:
        return False
    decision = latest_decisions([student.pk], purpose).get((student.pk, purpose))
    return bool(decision and decision.granted and decision.notice_id == notice.pk)


def consented_ids(student_ids, purpose: str) -> set[int]:
    """Of these children, those whose guardians' consent for ``purpose`` is in force."""
    ids = list(student_ids)
    if not ids:
        return set()
    notices = {}
    found = latest_decisions(ids, purpose)
    out = set()
    for (sid, _p), d in found.items():
        if d.district_id not in notices:
            notice = current_notice(d.district_id)
            notices[d.district_id] = notice.pk if notice else None
        if d.granted and d.notice_id == notices[d.district_id]:
            out.add(sid)
    return out


def needs_renewal(student: Student, today) -> bool:
    """A guardian's to-do: no decision on the current notice in the current semester."""
    notice = current_notice(student.district_id)
    if notice is None:
        return False
    semester = current_semester(student.district_id, today)
    decided = ConsentDecision.objects.filter(student=student, notice=notice)
    if semester is not None:
        decided = decided.filter(semester=semester)
    return not decided.exists()


# --------------------------------------------------------------------------- alerts


def alerted_ids_for(user, *, school_ids=None) -> set[int]:
    """Children with a medical alert the user may be shown: in the groups the user teaches
    (or any child of a school they manage), whose guardians' medical consent is in force."""
    if user is None or not user.is_authenticated:
        return set()
    scope = Scope(user)
    q = Q(student_id__in=taught_student_ids(user), school_id__in=scope.teacher_schools)
    if scope.manager_schools:
        q |= Q(school_id__in=scope.manager_schools)
    qs = SafetyProfile.objects.filter(q, has_alert=True)
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    ids = set(qs.values_list("student_id", flat=True))
    return consented_ids(ids, ConsentPurpose.MEDICAL)


def with_open_incidents(qs):
    return qs.annotate(
        _unacknowledged=Exists(
            Incident.objects.filter(student_id=OuterRef("pk"), acknowledged_at__isnull=True)
        )
    )
