"""Reads for the course registration pages and API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftercare.models import School
from aftercare.tenancy import get_visible_or_404
from enrollment.models import (
    LIVE_APPLICATION,
    LIVE_SEATS,
    Application,
    CapacityStatus,
    CourseRegistration,
    SeatStatus,
    Student,
)
from enrollment.services.registration import capacities_for, with_positions
from plans.checks import current_policy, evaluate, school_grades
from plans.models import (
    Course,
    PlanStatus,
    PlanVersion,
    RegistrationMode,
    RegistrationWindow,
    SchoolPlan,
    WindowKind,
)
from plans.services.plans import pick_published


def current_published_plan(school: School, today) -> tuple[SchoolPlan, PlanVersion] | None:
    """The published plan of the semester running today (else the next, else the last)."""
    versions = list(
        PlanVersion.objects.filter(school=school, status=PlanStatus.PUBLISHED).select_related(
            "plan__semester"
        )
    )
    if not versions:
        return None
    running = [
        v for v in versions if v.plan.semester.start_date <= today <= v.plan.semester.end_date
    ]
    upcoming = sorted(
        (v for v in versions if v.plan.semester.start_date > today),
        key=lambda v: v.plan.semester.start_date,
    )
    latest = sorted(versions, key=lambda v: v.plan.semester.start_date)
    chosen = (running or upcoming or latest[-1:])[0]
    return chosen.plan, chosen


def published_plan_for(scope, plan_id) -> tuple[SchoolPlan, PlanVersion | None]:
    """A plan of the scope's (404 otherwise) with its published version, for the school's
    managers and the district's officials (403 for other roles)."""
    plan = get_visible_or_404(
        SchoolPlan.objects.select_related("school", "semester"), scope, public_id=plan_id
    )
    if not (scope.manages(plan.school) or scope.is_official(plan.district_id)):
        raise PermissionDenied
    return plan, pick_published(plan.versions.all())


@dataclass
class CourseRow:
    course: Course
    free: int
    status: str  # open | cancelled | running
    registration: CourseRegistration | None = None
    position: int | None = None
    grade_ok: bool = True
    can_register: bool = False
    can_leave: bool = False
    sessions: int | None = None  # this semester's sessions and fee, from the plan calendar
    semester_fee: object = None


@dataclass
class Board:
    student: Student
    plan: SchoolPlan | None = None
    version: PlanVersion | None = None
    application: Application | None = None
    windows: list[RegistrationWindow] = field(default_factory=list)
    open_window: RegistrationWindow | None = None
    policy: object = None
    rows: list[CourseRow] = field(default_factory=list)
    taken: int = 0
    lottery: bool = False  # a lottery round: each course has a public commitment and result
    next_window: RegistrationWindow | None = None
    other_grades: int = 0  # courses not open to the child's grade, left off the page


def course_board(*, student: Student, now: datetime) -> Board:
    board = Board(student=student)
    # "Today" is the school's day (Asia/Shanghai), not UTC's: between midnight and 08:00 the
    # UTC date is still yesterday.
    found = current_published_plan(student.school, timezone.localdate(now))
    if found is None:
        return board
    board.plan, board.version = found
    board.policy = current_policy(board.plan.semester)
    board.application = Application.objects.filter(
        student=student, semester_id=board.plan.semester_id
    ).first()
    board.windows = list(
        RegistrationWindow.objects.filter(version=board.version, kind=WindowKind.EXTENDED).order_by(
            "round"
        )
    )
    board.open_window = next((w for w in board.windows if w.opens_at <= now < w.closes_at), None)
    board.next_window = min(
        (w for w in board.windows if w.opens_at > now), key=lambda w: w.opens_at, default=None
    )
    board.lottery = any(w.mode == RegistrationMode.LOTTERY for w in board.windows)
    courses = list(board.version.courses.order_by("name"))
    caps = capacities_for(board.version.pk, courses)
    regs = {}
    mine = CourseRegistration.objects.filter(student=student, course__in=courses).order_by("id")
    for reg in with_positions(mine):
        if reg.status in LIVE_SEATS or reg.course_id not in regs:
            regs[reg.course_id] = reg
    grade = student.school_class.grade
    evaluation = evaluate(board.version, board.policy, school_grades(student.school))
    figures = {f.course.pk: f for f in evaluation.figures.courses}
    for course in courses:
        cap = caps[course.pk]
        reg = regs.get(course.pk)
        if grade not in course.grades and reg is None:
            board.other_grades += 1  # only the courses this child may take are shown
            continue
        figure = figures.get(course.pk)
        board.rows.append(
            CourseRow(
                course=course,
                free=cap.free,
                status=cap.status,
                registration=reg,
                position=reg.position if reg else None,
                grade_ok=grade in course.grades,
                sessions=figure.sessions if figure else None,
                semester_fee=figure.fee if figure else None,
            )
        )
    board.taken = sum(1 for r in regs.values() if r.status in LIVE_SEATS)
    applied = board.application is not None and board.application.status in LIVE_APPLICATION
    leave_mid_semester = bool(board.policy and board.policy.extended_withdraw_mid_semester)
    for row in board.rows:
        reg = row.registration
        row.can_leave = (
            reg is not None
            and reg.status in LIVE_SEATS
            and (
                reg.status != SeatStatus.CONFIRMED
                or board.open_window is not None
                or leave_mid_semester
            )
        )
        row.can_register = (
            applied
            and board.open_window is not None
            and row.grade_ok
            and row.status == CapacityStatus.OPEN
            and (row.registration is None or row.registration.status not in LIVE_SEATS)
        )
    return board
