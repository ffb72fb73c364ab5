"""The claim (抢课): one statement in autocommit (see the package's docstring)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.models import User
from enrollment.models import (
    LIVE_APPLICATION,
    LIVE_SEATS,
    Application,
    CapacityStatus,
    Channel,
    CourseCapacity,
    CourseRegistration,
    LotteryDraw,
    SeatStatus,
    Student,
)
from enrollment.services.registration.common import RegistrationError
from enrollment.services.registration.courses import (
    CourseInfo,
    Window,
    _window_text,
)
from plans.models import RegistrationMode

# --------------------------------------------------------------------------- the rush path

# The claim (migration 0009 defines the function): the plan's registration gate in shared
# mode, then one statement: a conditional UPDATE of the student's application (per-student
# limit; the course's version must be published, its counter not cancelled, a lottery not
# drawn yet), a conditional UPDATE of the seat counter (taken < capacity, only in a
# first-come window), the INSERT of the registration (confirmed, waitlisted, or entered for
# a lottery) and of its audit event.
CLAIM_ARGS = (
    "student",
    "semester",
    "district",
    "school",
    "course",
    "plan",
    "live_apps",
    "limit",
    "claim",
    "uuid",
    "round",
    "actor",
    "actor_repr",
    "now",
    "channel",
    "object_repr",
    "course_name",
    "ip",
)
# Placeholders only, from the constant list above.
CLAIM_SQL = (
    "SELECT reg_id, reg_status FROM enrollment_claim_seat("  # noqa: S608
    + ", ".join(f"%({name})s" for name in CLAIM_ARGS)
    + ")"
)


OUTCOME_MESSAGES = {
    "confirmed": gettext_lazy("%(student)s has a seat in %(course)s."),
    "waitlisted": gettext_lazy("%(course)s is full: %(student)s is on the waiting list."),
    "entered": gettext_lazy("%(student)s is entered in the lottery for %(course)s."),
}


@dataclass(frozen=True)
class Outcome:
    registration_id: int
    public_id: uuid.UUID
    status: str


def admit(*, student: Student, info: CourseInfo, now: datetime) -> Window:
    """The checks before any claim: published, same school, not cancelled (as far as this
    process knows: the claim checks again), inside a window, the right grade, round two only
    for students whose course was cancelled. Returns the window."""
    if not info.published or info.school_id != student.school_id:
        raise RegistrationError(_("This course is not open to this student."), code="not_eligible")
    if info.cancelled:
        raise cancelled_error(info)
    window = info.window_at(now)
    if window is None:
        raise RegistrationError(
            _("Registration is closed. Registration times: %(times)s")
            % {"times": _window_text(info)},
            code="window_closed",
        )
    if student.grade not in info.grades:
        raise RegistrationError(
            _("This course is not open to the student's grade."), code="not_eligible"
        )
    if window.round == 2 and not round_two_eligible(student.pk, info.plan_id):
        raise RegistrationError(
            _("The second round is for students whose course was cancelled."),
            code="not_eligible",
        )
    return window


def register(
    *,
    actor: User,
    student: Student,
    info: CourseInfo,
    channel: str = Channel.WEB,
    ip: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Claim a seat (or a waitlist place, or a lottery entry) for ``student`` in a course.

    ``student`` must already be one the actor may act for (looked up through ``visible_to``);
    the caller checks the actor is a guardian. One statement, no explicit transaction.
    Errors: RegistrationError with codes window_closed, not_eligible, no_application,
    limit_reached, already_registered, course_cancelled.
    """
    now = now or timezone.now()
    window = admit(student=student, info=info, now=now)
    reg_uuid = uuid.uuid4()
    params = {
        "student": student.pk,
        "semester": info.semester_id,
        "district": info.district_id,
        "school": info.school_id,
        "course": info.id,
        "plan": info.plan_id,
        "live_apps": list(LIVE_APPLICATION),
        "limit": info.max_per_student,
        "claim": window.mode == RegistrationMode.FCFS,
        "uuid": reg_uuid,
        "round": window.round,
        "actor": actor.pk,
        "actor_repr": str(actor)[:100],
        "now": now,
        "channel": channel,
        "object_repr": f"{student.name} · {info.name}"[:200],
        "course_name": info.name,
        "ip": ip,
    }
    try:
        row = _claim(params)
    except IntegrityError as err:
        existing = CourseRegistration.objects.filter(
            course_id=info.id, student_id=student.pk, status__in=LIVE_SEATS
        ).first()
        raise RegistrationError(
            _("%(student)s is already registered for this course (%(status)s).")
            % {
                "student": student.name,
                "status": existing.get_status_display() if existing else "—",
            },
            code="already_registered",
        ) from err
    if row is None:
        _explain_refusal(student, info)
    return Outcome(registration_id=row[0], public_id=reg_uuid, status=row[1])


def _claim(params: dict):
    """Run the claim: alone in autocommit (one round trip) or, inside a caller's
    transaction, in a savepoint so a refused duplicate leaves that transaction usable."""
    if connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(CLAIM_SQL, params)
            return cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, params)
        return cursor.fetchone()


def cancelled_error(info: CourseInfo) -> RegistrationError:
    return RegistrationError(
        _("%(course)s has been cancelled and takes no registrations; choose another course.")
        % {"course": info.name},
        code="course_cancelled",
    )


def _explain_refusal(student, info: CourseInfo):
    counter = (
        CourseCapacity.objects.filter(course_id=info.id).values_list("status", flat=True).first()
    )
    if counter is None:
        raise RegistrationError(_("This course is not open to this student."), code="not_eligible")
    if counter == CapacityStatus.CANCELLED:
        raise cancelled_error(info)
    if LotteryDraw.objects.filter(course_id=info.id).exists():
        raise RegistrationError(
            _("The lottery for %(course)s has been drawn; it takes no more entries.")
            % {"course": info.name},
            code="window_closed",
        )
    app = Application.objects.filter(student_id=student.pk, semester_id=info.semester_id).first()
    if app is None or app.status not in LIVE_APPLICATION:
        raise RegistrationError(
            _("Apply for after-school service for %(student)s first.") % {"student": student.name},
            code="no_application",
        )
    raise RegistrationError(
        _("%(student)s already has %(n)d extended courses, the most the school allows.")
        % {"student": student.name, "n": info.max_per_student},
        code="limit_reached",
    )


def round_two_eligible(student_id: int, plan_id: int) -> bool:
    return CourseRegistration.objects.filter(
        student_id=student_id,
        status=SeatStatus.COURSE_CANCELLED,
        course__version__plan_id=plan_id,
    ).exists()
