"""Reads of scheduling that depend on who asks, and the loaders the services share.

Participants (decided here, once): a plan's participants of basic care are its applications
for basic care that the school approved — status ``approved`` or ``withdrawal_requested`` (a
pending withdrawal does not stop service; enrollment counts the same ones as participants and
lists them publicly). Whether the agreement is signed and the insurance confirmed does not
matter for grouping: the school groups the children it approved, and the roll (attendance)
shows who may actually attend. A withdrawn child leaves a gap in their group, never a
reshuffle. Extended-course participants are the course's confirmed registrations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from aftercare.models import MANAGER_ROLES, TEACHER_ROLES, School, User
from aftercare.tenancy import Scope
from enrollment.models import (
    Application,
    ApplicationStatus,
    CapacityStatus,
    CourseCapacity,
    CourseRegistration,
    Guardianship,
    SeatStatus,
    Student,
)
from institutions.selectors import check_problem as instructor_check_problem
from plans.calendar import PlanCalendar, plan_calendar
from plans.models import PlanStatus, PlanVersion, SchoolPlan
from scheduling.grouping import Participant
from scheduling.models import (
    Assignment,
    CareGroup,
    DayCancellation,
    DutyRole,
    Grouping,
    GroupKind,
    GroupMember,
    Institution,
    InstitutionStatus,
    Room,
    RoomBooking,
    Session,
    StaffKind,
    StaffMember,
    VettingRecord,
    VettingStep,
)
from scheduling.policy import PlanRules, SchedulingRules, policy_for
from scheduling.timetable import GroupTime, group_time

PARTICIPATING = (ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWAL_REQUESTED)


# --------------------------------------------------------------------------- staff


def staff_users(school: School) -> QuerySet[User]:
    """Users who hold a staff role (manager or teacher) at ``school``."""
    return User.objects.filter(
        memberships__school=school,
        memberships__role__in=sorted(MANAGER_ROLES | TEACHER_ROLES),
    ).distinct()


def missing_steps(staff: StaffMember, records) -> list[str]:
    """The vetting steps ``staff`` still lacks (none for the school's own teachers)."""
    if not staff.needs_vetting:
        return []
    done = {r.step for r in records}
    return [step for step in VettingStep.values if step not in done]


def schedulable_problem(staff: StaffMember, records=None) -> str | None:
    """Why ``staff`` may not be scheduled now, or None. ``records``: their vetting records
    (loaded when not given); ``staff.institution`` should be selected along."""
    if not staff.is_active:
        return _("%(name)s is no longer on the active staff list.") % {"name": staff.full_name}
    if staff.kind == StaffKind.INSTITUTION:
        inst = staff.institution
        if inst is None or inst.status != InstitutionStatus.APPROVED:
            return _(
                "%(name)s comes from %(inst)s, which the district has not approved (%(status)s)."
            ) % {
                "name": staff.full_name,
                "inst": inst.name if inst else "—",
                "status": inst.get_status_display() if inst else "—",
            }
        # Issue 18: the institution's staff-list entry carries the background check (with the
        # sexual-offence record check and consent) and the health certificate; both must be
        # valid today.
        if staff.instructor_id is None:
            return _(
                "%(name)s is not linked to an entry of %(inst)s's staff list with a background "
                "check."
            ) % {"name": staff.full_name, "inst": inst.name}
        problem = instructor_check_problem(staff.instructor)
        if problem:
            return problem
    if records is None:
        records = list(staff.vetting.all())
    missing = missing_steps(staff, records)
    if missing:
        labels = dict(VettingStep.choices)
        return _("%(name)s is not vetted yet: %(steps)s missing.") % {
            "name": staff.full_name,
            "steps": "、".join(str(labels[s]) for s in missing),
        }
    return None


def staff_of_school(*, scope: Scope, school: School) -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.visible_to(scope)
        .filter(school=school)
        .select_related("user", "institution", "instructor")
        .prefetch_related(Prefetch("vetting", queryset=VettingRecord.objects.order_by("step")))
        .annotate(
            n_assignments=Count("assignments", distinct=True),
        )
        .order_by("-is_active", "kind", "full_name", "id")
    )


def institutions_of(*, scope: Scope, district) -> QuerySet[Institution]:
    return (
        Institution.objects.visible_to(scope)
        .filter(district=district)
        .annotate(n_instructors=Count("instructors"))
        .order_by("status", "name")
    )


def rooms_of(*, scope: Scope, school: School) -> QuerySet[Room]:
    return (
        Room.objects.visible_to(scope)
        .filter(school=school)
        .annotate(n_bookings=Count("bookings"))
        .order_by("-is_active", "name")
    )


# --------------------------------------------------------------------------- plans


def published_version(plan: SchoolPlan) -> PlanVersion | None:
    return (
        PlanVersion.objects.filter(plan=plan, status=PlanStatus.PUBLISHED)
        .select_related("policy", "plan__semester", "plan__school")
        .prefetch_related("periods", "courses")
        .first()
    )


def participants_of(plan: SchoolPlan) -> dict[int, tuple[Participant, int]]:
    """The plan's basic-care participants by student id: (participant, application id)."""
    rows = Application.objects.filter(
        plan=plan, basic_care=True, status__in=PARTICIPATING
    ).values_list(
        "student_id",
        "id",
        "student__school_class_id",
        "student__school_class__grade",
        "student__school_class__number",
    )
    return {
        sid: (Participant(sid, class_id, grade, number), app_id)
        for sid, app_id, class_id, grade, number in rows
    }


def open_courses(version: PlanVersion) -> list:
    """The version's courses that run (not cancelled below their minimum size)."""
    cancelled = set(
        CourseCapacity.objects.filter(
            course__version=version, status=CapacityStatus.CANCELLED
        ).values_list("course_id", flat=True)
    )
    return [c for c in version.courses.all() if c.pk not in cancelled]


def course_sizes(plan: SchoolPlan) -> dict:
    """Confirmed seats per course lineage of the plan."""
    rows = (
        CourseRegistration.objects.filter(course__version__plan=plan, status=SeatStatus.CONFIRMED)
        .values("course__lineage")
        .annotate(n=Count("id"))
    )
    return {r["course__lineage"]: r["n"] for r in rows}


# --------------------------------------------------------------------------- the board


@dataclass
class Board:
    """Everything the scheduling page, the checks and the services look at for one plan,
    loaded in a fixed number of queries."""

    plan: SchoolPlan
    version: PlanVersion | None
    rules: SchedulingRules
    grouping: Grouping | None
    groups: list[CareGroup] = field(default_factory=list)
    participants: dict[int, tuple[Participant, int]] = field(default_factory=dict)
    member_of: dict[int, int] = field(default_factory=dict)  # student -> group id
    members: dict[int, list[GroupMember]] = field(default_factory=dict)
    sizes: dict[int, int] = field(default_factory=dict)  # group id -> participants
    assignments: list[Assignment] = field(default_factory=list)
    bookings: list[RoomBooking] = field(default_factory=list)
    staff_problems: dict[int, str | None] = field(default_factory=dict)
    calendar: PlanCalendar | None = None
    times: dict[int, GroupTime] = field(default_factory=dict)
    courses_by_lineage: dict = field(default_factory=dict)
    plan_rules: PlanRules | None = None

    def rules_for(self, group) -> SchedulingRules:
        """The rules of ``group``'s stage and class of service (``scheduling.policy``)."""
        return self.plan_rules.for_group(group) if self.plan_rules else self.rules

    @property
    def confirmed(self) -> bool:
        return self.grouping is not None and self.grouping.is_confirmed

    @property
    def basic_groups(self) -> list[CareGroup]:
        return [g for g in self.groups if g.kind == GroupKind.BASIC]

    @property
    def sections(self) -> list[CareGroup]:
        return [g for g in self.groups if g.kind == GroupKind.COURSE]

    def unplaced(self) -> list[int]:
        return [sid for sid in self.participants if sid not in self.member_of]

    def teachers(self, group_id: int, weekday: int) -> list[Assignment]:
        return [
            a
            for a in self.assignments
            if a.group_id == group_id and a.weekday == weekday and a.role == DutyRole.TEACHER
        ]

    def duty(self, role: str, weekday: int) -> list[Assignment]:
        return [a for a in self.assignments if a.role == role and a.weekday == weekday]

    def room(self, group_id: int, weekday: int) -> RoomBooking | None:
        return next(
            (b for b in self.bookings if b.group_id == group_id and b.weekday == weekday), None
        )

    def weekdays(self, group: CareGroup) -> list[int]:
        time = self.times.get(group.pk)
        return sorted(time.weekdays) if time else []

    def service_weekdays(self) -> list[int]:
        return sorted({w for g in self.groups for w in self.weekdays(g)})


def load_board(
    plan: SchoolPlan,
    *,
    with_calendar: bool = True,
    lock: bool = False,
    groups_only: bool = False,
) -> Board:
    """Load the board of ``plan`` (``lock``: take the grouping's row lock first;
    ``groups_only``: the groups and their times, no members, sizes or staffing — what session
    generation needs)."""
    version = published_version(plan)
    plan_rules = PlanRules(version)
    rules = plan_rules.get(1)
    grouping_qs = Grouping.objects.filter(plan=plan)
    if lock:
        grouping_qs = grouping_qs.select_for_update()
    grouping = grouping_qs.first()
    board = Board(plan=plan, version=version, rules=rules, grouping=grouping, plan_rules=plan_rules)
    if version is not None and not groups_only:
        board.participants = participants_of(plan)
    if grouping is None:
        return board
    board.groups = list(
        CareGroup.objects.filter(grouping=grouping).order_by("kind", "position", "id")
    )
    if groups_only:
        if with_calendar and version is not None:
            attach_calendar(board)
        return board
    members = GroupMember.objects.filter(plan=plan).select_related(
        "student", "student__school_class"
    )
    by_group: dict[int, list[GroupMember]] = defaultdict(list)
    for m in members:
        by_group[m.group_id].append(m)
        board.member_of[m.student_id] = m.group_id
    board.members = dict(by_group)
    seats = course_sizes(plan)
    for g in board.groups:
        if g.kind == GroupKind.COURSE:
            board.sizes[g.pk] = seats.get(g.lineage, 0)
        else:
            board.sizes[g.pk] = sum(
                1 for m in by_group.get(g.pk, []) if m.student_id in board.participants
            )
    board.assignments = list(
        Assignment.objects.filter(plan=plan)
        .select_related("staff", "staff__institution", "staff__instructor", "group")
        .prefetch_related("staff__vetting")
        .order_by("weekday", "role", "staff__full_name", "id")
    )
    board.bookings = list(
        RoomBooking.objects.filter(plan=plan).select_related("room").order_by("weekday")
    )
    for a in board.assignments:
        if a.staff_id not in board.staff_problems:
            board.staff_problems[a.staff_id] = schedulable_problem(
                a.staff, list(a.staff.vetting.all())
            )
    if with_calendar and version is not None:
        attach_calendar(board)
    return board


def attach_calendar(board: Board) -> None:
    version = board.version
    board.calendar = plan_calendar(version, policy=policy_for(version))
    board.courses_by_lineage = {c.lineage: c for c in version.courses.all()}
    board.times = {
        g.pk: group_time(board.calendar, g, board.courses_by_lineage) for g in board.groups
    }


# --------------------------------------------------------------------------- timetables


def sessions_with_staff(sessions: list[Session], plan_ids) -> None:
    """Attach ``teachers`` (names) and ``room`` (name or '') to each session, from the
    weekday assignments and bookings of their plans (two queries)."""
    teachers: dict[tuple[int, int], list[str]] = defaultdict(list)
    for a in (
        Assignment.objects.filter(plan_id__in=plan_ids, role=DutyRole.TEACHER)
        .select_related("staff")
        .order_by("staff__full_name")
    ):
        teachers[(a.group_id, a.weekday)].append(a.staff.full_name)
    rooms = {
        (b.group_id, b.weekday): b.room.name
        for b in RoomBooking.objects.filter(plan_id__in=plan_ids).select_related("room")
    }
    for s in sessions:
        s.teachers = teachers.get((s.group_id, s.weekday), [])
        s.room_name = rooms.get((s.group_id, s.weekday), "")


def teacher_sessions(*, user: User, start: date, days: int = 14) -> list[Session]:
    """The sessions a user teaches from ``start`` for ``days`` days: the groups they are
    assigned to on the session's timetable weekday. Today first: callers pass today."""
    sessions = list(
        Session.objects.filter(
            date__gte=start,
            date__lt=start + timedelta(days=days),
            group__assignments__staff__user=user,
            group__assignments__role=DutyRole.TEACHER,
            group__assignments__weekday=F("weekday"),
        )
        .select_related("group", "school")
        .distinct()
        .order_by("date", "start_time", "group__name")
    )
    sessions_with_staff(sessions, {s.plan_id for s in sessions})
    return sessions


def today_groups(*, user: User, today: date) -> list[Session]:
    return teacher_sessions(user=user, start=today, days=1)


def children_sessions(*, scope: Scope, user: User, start: date, days: int = 14):
    """Each child of ``user`` (a guardian) with their sessions from ``start``: their basic
    group's and the sections of their confirmed courses."""
    children = list(
        Student.objects.visible_to(scope)
        .filter(guardianships__user=user)
        .select_related("school", "school_class")
        .distinct()
        .order_by("name")
    )
    if not children:
        return []
    ids = [c.pk for c in children]
    by_student: dict[int, set[int]] = defaultdict(set)
    for group_id, student_id in GroupMember.objects.filter(
        student_id__in=ids, application__status__in=PARTICIPATING
    ).values_list("group_id", "student_id"):
        by_student[student_id].add(group_id)
    seats = list(
        CourseRegistration.objects.filter(
            student_id__in=ids, status=SeatStatus.CONFIRMED
        ).values_list("student_id", "course__lineage", "course__version__plan_id")
    )
    sections = {
        (plan_id, lineage): gid
        for gid, plan_id, lineage in CareGroup.objects.filter(
            kind=GroupKind.COURSE, plan_id__in={p for _s, _l, p in seats}
        ).values_list("pk", "plan_id", "lineage")
    }
    for student_id, lineage, plan_id in seats:
        gid = sections.get((plan_id, lineage))
        if gid is not None:
            by_student[student_id].add(gid)
    group_ids = {g for gs in by_student.values() for g in gs}
    sessions = list(
        Session.objects.filter(
            group_id__in=group_ids, date__gte=start, date__lt=start + timedelta(days=days)
        )
        .select_related("group")
        .order_by("date", "start_time")
    )
    sessions_with_staff(sessions, {s.plan_id for s in sessions})
    out = []
    for child in children:
        mine = by_student.get(child.pk, set())
        out.append((child, [s for s in sessions if s.group_id in mine]))
    return out


def week_sessions(*, plan: SchoolPlan, monday: date) -> list[Session]:
    sessions = list(
        Session.objects.filter(plan=plan, date__gte=monday, date__lt=monday + timedelta(days=7))
        .select_related("group")
        .order_by("date", "group__kind", "group__position", "start_time")
    )
    sessions_with_staff(sessions, [plan.pk])
    return sessions


def cancellations_of(plan: SchoolPlan) -> QuerySet[DayCancellation]:
    return DayCancellation.objects.filter(plan=plan).order_by("-date")


def guardians_of_groups(group_ids, plan: SchoolPlan) -> list[int]:
    """User ids of the guardians of the participants of ``group_ids`` (basic members whose
    application is live, and confirmed seats of the sections)."""
    sections = list(
        CareGroup.objects.filter(pk__in=group_ids, kind=GroupKind.COURSE).values_list(
            "lineage", flat=True
        )
    )
    students = Q(
        student__in=GroupMember.objects.filter(
            group_id__in=group_ids, application__status__in=PARTICIPATING
        ).values("student_id")
    )
    if sections:
        students |= Q(
            student__in=CourseRegistration.objects.filter(
                course__version__plan=plan,
                course__lineage__in=sections,
                status=SeatStatus.CONFIRMED,
            ).values("student_id")
        )
    return list(Guardianship.objects.filter(students).values_list("user_id", flat=True).distinct())


def plans_for_scheduling(*, scope: Scope, school: School) -> QuerySet[SchoolPlan]:
    return (
        SchoolPlan.objects.visible_to(scope)
        .filter(school=school)
        .select_related("semester")
        .annotate(n_published=Count("versions", filter=Q(versions__status=PlanStatus.PUBLISHED)))
        .order_by("-semester__start_date")
    )


def session_counts(plan_ids) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"scheduled": 0, "cancelled": 0})
    for row in (
        Session.objects.filter(plan_id__in=plan_ids)
        .values("plan_id", "status")
        .annotate(n=Count("id"))
    ):
        out[row["plan_id"]][row["status"]] = row["n"]
    return out
