"""Extended-course registration (抢课): seats, waitlist, offers, lottery, round two.

The rush path (``register``) is built for thousands of parents pressing "register" in the same
second:

* everything static about a course (its published version, windows, grades, limits) is read
  once per process and cached — a published version is immutable;
* the claim itself is ONE SQL statement in autocommit: a conditional UPDATE of the student's
  application (per-student limit), a conditional UPDATE of the course's seat counter
  (``taken < capacity``), the INSERT of the registration (confirmed, or waitlisted when full)
  and the INSERT of the audit event, all or nothing. The row lock on the seat counter is held
  for that one statement only; once the course is full, further requests do not even wait
  for it;
* a second click, or the other guardian at the same moment, hits the partial unique index
  (one live entry per student and course) and the whole statement rolls back.

Capacity therefore holds under any concurrency (and a CHECK constraint backs it), no seat is
lost, and every request gets a definite answer. Releasing a seat (withdrawal, decline, expiry)
is rarer and runs in a short transaction that locks the application, then the seat counter,
in that order — the same order as the claim, so the two cannot deadlock.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.audit import record_event
from aftercare.errors import Conflict, DomainError, NotAllowed
from aftercare.models import User
from aftercare.selectors import count_of
from aftercare.services import notify
from aftercare.tenancy import Scope
from enrollment.lottery import draw_order, mask_name, new_seed
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
from plans.models import Course, PlanStatus, RegistrationMode, RegistrationWindow, WindowKind

OFFER_HOURS = getattr(settings, "WAITLIST_OFFER_HOURS", 24)


class RegistrationError(DomainError):
    status = 409


@dataclass(frozen=True)
class Window:
    round: int
    mode: str
    opens_at: datetime
    closes_at: datetime

    def contains(self, at: datetime) -> bool:
        return self.opens_at <= at < self.closes_at


@dataclass(frozen=True)
class CourseInfo:
    """What the rush path needs about a course; immutable while its version is published."""

    id: int
    public_id: uuid.UUID
    name: str
    district_id: int
    school_id: int
    semester_id: int
    plan_id: int
    grades: tuple[int, ...]
    capacity: int
    min_size: int
    max_per_student: int
    windows: tuple[Window, ...]
    published: bool

    def window_at(self, at: datetime) -> Window | None:
        return next((w for w in self.windows if w.contains(at)), None)


_CACHE: dict[uuid.UUID, tuple[float, CourseInfo]] = {}
CACHE_SECONDS = 30


def course_info(public_id, *, fresh: bool = False) -> CourseInfo | None:
    """The cached facts of a course by public id (None when there is no such course)."""
    key = uuid.UUID(str(public_id))
    hit = _CACHE.get(key)
    if hit and not fresh and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    course = Course.objects.select_related("version", "version__plan").filter(public_id=key).first()
    if course is None:
        return None
    version = course.version
    windows = tuple(
        Window(w.round, w.mode, w.opens_at, w.closes_at)
        for w in RegistrationWindow.objects.filter(
            version=version, kind=WindowKind.EXTENDED
        ).order_by("round")
    )
    info = CourseInfo(
        id=course.pk,
        public_id=course.public_id,
        name=course.name,
        district_id=course.district_id,
        school_id=course.school_id,
        semester_id=version.plan.semester_id,
        plan_id=version.plan_id,
        grades=tuple(course.grades),
        capacity=course.capacity,
        min_size=course.min_size,
        max_per_student=version.max_courses_per_student,
        windows=windows,
        published=version.status == PlanStatus.PUBLISHED,
    )
    if info.published:
        ensure_capacities(version.pk)
    _CACHE[key] = (time.monotonic(), info)
    return info


@dataclass(frozen=True)
class StudentRef:
    """What the rush path needs of a student (``Student`` itself quacks the same)."""

    pk: int
    public_id: uuid.UUID
    name: str
    district_id: int
    school_id: int
    grade: int


def user_reaches_school(user, info: CourseInfo) -> bool:
    """Whether the user holds any role in the course's school (or oversees its district):
    a course elsewhere is 404. One indexed EXISTS, no scope objects."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM aftercare_membership WHERE user_id = %s AND "
            "(school_id = %s OR (role = 'district_official' AND district_id = %s)))",
            [user.pk, info.school_id, info.district_id],
        )
        return cursor.fetchone()[0]


LOOKUP_SQL = """
SELECT EXISTS (SELECT 1 FROM aftercare_membership m
                WHERE m.user_id = %(user)s AND (m.school_id = %(school)s
                      OR (m.role = 'district_official' AND m.district_id = %(district)s))),
       s.id, s.public_id, s.name, s.district_id, s.school_id, c.grade
  FROM (SELECT 1) AS one
  LEFT JOIN enrollment_student s
         ON s.public_id = %(student)s
        AND EXISTS (SELECT 1 FROM enrollment_guardianship g
                     WHERE g.student_id = s.id AND g.user_id = %(user)s)
  LEFT JOIN aftercare_schoolclass c ON c.id = s.school_class_id
"""


def lookup_for_claim(user, info: CourseInfo, student_public_id) -> tuple[bool, StudentRef | None]:
    """``user_reaches_school`` and ``guarded_student`` in one round trip (the rush path)."""
    with connection.cursor() as cursor:
        cursor.execute(
            LOOKUP_SQL,
            {
                "user": user.pk,
                "school": info.school_id,
                "district": info.district_id,
                "student": student_public_id,
            },
        )
        reaches, *student = cursor.fetchone()
    return reaches, (StudentRef(*student) if student[0] is not None else None)


def clear_cache() -> None:
    _CACHE.clear()


def ensure_capacities(version_id: int) -> None:
    """Create the seat counters of a published version's courses (idempotent)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO enrollment_coursecapacity
                (course_id, district_id, school_id, capacity, taken, status)
            SELECT c.id, c.district_id, c.school_id, c.capacity, 0, 'open'
              FROM aftercare_course c
             WHERE c.version_id = %s
            ON CONFLICT (course_id) DO NOTHING
            """,
            [version_id],
        )


def _fmt(dt: datetime) -> str:
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


def _window_text(info: CourseInfo) -> str:
    if not info.windows:
        return _("No registration window is set for this course.")
    return "；".join(
        _("round %(round)d: %(opens)s to %(closes)s")
        % {"round": w.round, "opens": _fmt(w.opens_at), "closes": _fmt(w.closes_at)}
        for w in info.windows
    )


# --------------------------------------------------------------------------- the rush path

# The claim (migration 0006 defines the function): a conditional UPDATE of the student's
# application (per-student limit; the course's version must be published), a conditional
# UPDATE of the seat counter (taken < capacity, only in a first-come window), the INSERT of
# the registration (confirmed, waitlisted, or entered for a lottery) and of its audit event.
CLAIM_ARGS = (
    "student",
    "semester",
    "district",
    "school",
    "course",
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
    """The checks before any claim: published, same school, inside a window, the right
    grade, round two only for students whose course was cancelled. Returns the window."""
    if not info.published or info.school_id != student.school_id:
        raise RegistrationError(_("This course is not open to this student."), code="not_eligible")
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


def _explain_refusal(student, info: CourseInfo):
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


LAST_IN_LINE = 2**31 - 1


def _queue_key():
    """The order of a waiting list: lottery ranks first (after a draw), then arrival."""
    return Coalesce("lottery_rank", Value(LAST_IN_LINE))


def with_positions(queryset):
    """Annotate ``position`` (1 = next in line; None unless waitlisted) in the same query,
    so lists of registrations count their places without a query per row."""
    ahead = (
        CourseRegistration.objects.filter(course=OuterRef("course"), status=SeatStatus.WAITLISTED)
        .annotate(_key=_queue_key())
        .filter(Q(_key__lt=OuterRef("_key")) | Q(_key=OuterRef("_key"), id__lt=OuterRef("id")))
    )
    return queryset.annotate(_key=_queue_key()).annotate(
        position=Case(
            When(status=SeatStatus.WAITLISTED, then=count_of(ahead) + 1),
            default=None,
            output_field=IntegerField(),
        )
    )


def waitlist_position(registration: CourseRegistration) -> int | None:
    """1 for the next in line; lottery ranks order the list when there was a draw."""
    if registration.status != SeatStatus.WAITLISTED:
        return None
    return (
        with_positions(CourseRegistration.objects.filter(pk=registration.pk))
        .values_list("position", flat=True)
        .first()
    )


def capacities_for(version_id: int, courses) -> dict[int, CourseCapacity]:
    """The seat counters of a published version's courses, by course id. They are created
    when the version is published; a version published before that creates them here."""
    caps = {c.course_id: c for c in CourseCapacity.objects.filter(course__in=courses)}
    if len(caps) < len(courses):
        ensure_capacities(version_id)
        caps = {c.course_id: c for c in CourseCapacity.objects.filter(course__in=courses)}
    return caps


# --------------------------------------------------------------------------- releasing seats


def _guardians(student_id: int):
    return User.objects.filter(guardianships__student_id=student_id).distinct()


def _notify_family(reg: CourseRegistration, title: str, body: str = "") -> None:
    for user in _guardians(reg.student_id):
        notify(
            recipient=user,
            district=reg.course.school.district,
            title=title,
            body=body,
            url=reverse("family_courses"),
        )


def _next_in_line(course_id: int) -> CourseRegistration | None:
    return (
        CourseRegistration.objects.select_for_update(skip_locked=True)
        .filter(course_id=course_id, status=SeatStatus.WAITLISTED)
        .order_by(F("lottery_rank").asc(nulls_last=True), "id")
        .first()
    )


def _offer(nxt: CourseRegistration, now: datetime) -> None:
    nxt.status = SeatStatus.OFFERED
    nxt.offer_expires_at = now + timedelta(hours=OFFER_HOURS)
    nxt.save(update_fields=["status", "offer_expires_at"])
    record_event(
        actor=None,
        action="course.seat_offered",
        obj=nxt.course,
        payload={"registration": str(nxt.public_id), "expires": nxt.offer_expires_at.isoformat()},
    )
    _notify_family(
        nxt,
        _("A seat in %(course)s is free for %(student)s")
        % {"course": nxt.course.name, "student": nxt.student.name},
        _("Accept it before %(deadline)s, or it goes to the next in line.")
        % {"deadline": _fmt(nxt.offer_expires_at)},
    )


def _fill_from_waitlist(counter: CourseCapacity, now: datetime) -> int:
    """Offer every free seat of a (locked) counter to the next in line. Returns offers."""
    offered = 0
    while counter.status == CapacityStatus.OPEN and counter.taken < counter.capacity:
        nxt = _next_in_line(counter.course_id)
        if nxt is None:
            break
        counter.taken += 1
        _offer(nxt, now)
        offered += 1
    counter.save(update_fields=["taken"])
    return offered


def _pass_seat_on(capacity: CourseCapacity, now: datetime) -> None:
    """A held seat became free: offer it to the next in line, or give it back."""
    capacity.taken -= 1
    _fill_from_waitlist(capacity, now)


def _locked(reg: CourseRegistration) -> tuple[CourseRegistration, CourseCapacity]:
    """Lock application, then seat counter, then the registration (the claim's order)."""
    Application.objects.select_for_update().filter(pk=reg.application_id).first()
    capacity = CourseCapacity.objects.select_for_update().get(course_id=reg.course_id)
    reg = (
        CourseRegistration.objects.select_for_update()
        .select_related("course", "course__school__district", "student")
        .get(pk=reg.pk)
    )
    return reg, capacity


def _end(reg: CourseRegistration, capacity: CourseCapacity, status: str, now) -> None:
    held = reg.status in (SeatStatus.CONFIRMED, SeatStatus.OFFERED)
    live = reg.status in LIVE_SEATS
    reg.status = status
    reg.decided_at = now
    reg.offer_expires_at = reg.offer_expires_at if status != SeatStatus.CONFIRMED else None
    reg.save(update_fields=["status", "decided_at", "offer_expires_at"])
    if live:
        Application.objects.filter(pk=reg.application_id).update(
            courses_taken=F("courses_taken") - 1
        )
    if held:
        _pass_seat_on(capacity, now)


def may_leave(reg: CourseRegistration, now: datetime) -> bool:
    """Whether a family may give up this entry on its own now (see cancel_registration)."""
    if reg.status != SeatStatus.CONFIRMED:
        return True  # a waiting-list place, an offer or a lottery entry holds nobody's seat
    info = course_info(reg.course.public_id)
    if info is not None and info.window_at(now) is not None:
        return True
    from plans.checks import current_policy

    semester = reg.course.version.plan.semester
    policy = current_policy(semester)
    return bool(policy and policy.extended_withdraw_mid_semester)


@transaction.atomic
def cancel_registration(
    *,
    actor: User,
    registration: CourseRegistration,
    reason: str = "",
    now: datetime | None = None,
) -> CourseRegistration:
    """A guardian gives up a seat, a waiting-list place or a lottery entry; the seat passes on.

    While a registration window of the course is open this is always possible; afterwards a
    confirmed seat may be left only where the district policy allows leaving extended courses
    mid-semester (otherwise the family asks for a withdrawal). Errors: Conflict
    ``not_active``, NotAllowed ``mid_semester_exit``.
    """
    reg, capacity = _locked(registration)
    if reg.status not in LIVE_SEATS:
        raise Conflict(_("This registration is no longer active."), code="not_active")
    now = now or timezone.now()
    if not may_leave(reg, now):
        raise NotAllowed(
            _(
                "Extended courses cannot be left mid-semester under the district policy; "
                "ask the school for a withdrawal."
            ),
            code="mid_semester_exit",
        )
    _end(reg, capacity, SeatStatus.CANCELLED, now)
    record_event(
        actor=actor,
        action="course.cancelled_by_family",
        obj=reg.course,
        payload={"registration": str(reg.public_id), "reason": reason[:200]},
    )
    return reg


@transaction.atomic
def accept_offer(*, actor: User, registration: CourseRegistration) -> CourseRegistration:
    reg, _capacity = _locked(registration)
    now = timezone.now()
    if reg.status != SeatStatus.OFFERED:
        raise Conflict(_("There is no open offer for this course."), code="no_offer")
    if reg.offer_expires_at <= now:
        raise Conflict(_("The offer has expired."), code="offer_expired")
    reg.status = SeatStatus.CONFIRMED
    reg.decided_at = now
    reg.offer_expires_at = None
    reg.save(update_fields=["status", "decided_at", "offer_expires_at"])
    record_event(
        actor=actor,
        action="course.offer_accepted",
        obj=reg.course,
        payload={"registration": str(reg.public_id)},
    )
    return reg


@transaction.atomic
def decline_offer(*, actor: User, registration: CourseRegistration) -> CourseRegistration:
    reg, capacity = _locked(registration)
    if reg.status != SeatStatus.OFFERED:
        raise Conflict(_("There is no open offer for this course."), code="no_offer")
    _end(reg, capacity, SeatStatus.DECLINED, timezone.now())
    record_event(
        actor=actor,
        action="course.offer_declined",
        obj=reg.course,
        payload={"registration": str(reg.public_id)},
    )
    return reg


def expire_offers(now: datetime | None = None) -> int:
    """Offers past their deadline lapse and the seat goes to the next in line (beat task)."""
    now = now or timezone.now()
    expired = 0
    ids = list(
        CourseRegistration.objects.filter(
            status=SeatStatus.OFFERED, offer_expires_at__lte=now
        ).values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        with transaction.atomic():
            reg, capacity = _locked(CourseRegistration.objects.get(pk=pk))
            if reg.status == SeatStatus.OFFERED and reg.offer_expires_at <= now:
                _end(reg, capacity, SeatStatus.EXPIRED, now)
                record_event(
                    actor=None,
                    action="course.offer_expired",
                    obj=reg.course,
                    payload={"registration": str(reg.public_id)},
                )
                expired += 1
    return expired


def release_application(*, actor: User, application: Application, reason: str) -> int:
    """Withdrawal: every live entry of the application ends and its seats pass on.

    Called inside the withdrawal service's transaction. Returns how many entries ended.
    """
    ended = 0
    now = timezone.now()
    for reg in CourseRegistration.objects.filter(application=application, status__in=LIVE_SEATS):
        reg, capacity = _locked(reg)
        if reg.status in LIVE_SEATS:
            _end(reg, capacity, SeatStatus.CANCELLED, now)
            ended += 1
    if ended:
        record_event(
            actor=actor,
            action="course.released_on_withdrawal",
            obj=application.student,
            payload={"entries": ended, "reason": reason[:200]},
        )
    return ended


# --------------------------------------------------------------------------- lottery, round two


def _require_manager(actor: User, school) -> None:
    if not Scope(actor).manages(school):
        raise NotAllowed(_("Only the principal or a school administrator can do this."))


@transaction.atomic
def draw_lottery(
    *, actor: User, course: Course, seed: str | None = None, now: datetime | None = None
) -> LotteryDraw:
    """Draw a lottery course after its window closed: priority groups first, then by the
    published seed. The first ``capacity`` entries get seats, the rest join the waitlist in
    draw order. Errors: NotAllowed, Conflict (window open, already drawn)."""
    _require_manager(actor, course.school)
    now = now or timezone.now()
    info = course_info(course.public_id, fresh=True)
    lottery_windows = [w for w in info.windows if w.mode == RegistrationMode.LOTTERY]
    if not lottery_windows:
        raise Conflict(_("This course is not allocated by lottery."), code="not_lottery")
    if any(w.closes_at > now for w in lottery_windows):
        raise Conflict(
            _("The lottery is drawn after the registration window closes."), code="window_open"
        )
    capacity = CourseCapacity.objects.select_for_update().get(course_id=course.pk)
    if LotteryDraw.objects.filter(course=course).exists():
        raise Conflict(_("This course has already been drawn."), code="already_drawn")
    entries = list(
        CourseRegistration.objects.select_for_update()
        .filter(course=course, status=SeatStatus.ENTERED)
        .select_related("student", "application")
    )
    seed = seed or new_seed()
    tiers = {str(r.public_id): (0 if r.application.priority_groups else 1) for r in entries}
    by_token = {str(r.public_id): r for r in entries}
    ordered = draw_order(seed, tiers.items())
    free = capacity.capacity - capacity.taken
    published = []
    for rank, (token, tier) in enumerate(ordered, start=1):
        reg = by_token[token]
        reg.lottery_rank = rank
        reg.status = SeatStatus.CONFIRMED if rank <= free else SeatStatus.WAITLISTED
        reg.decided_at = now
        published.append(
            {
                "rank": rank,
                "token": token,
                "tier": tier,
                "name": mask_name(reg.student.name),
                "result": reg.status,
            }
        )
    CourseRegistration.objects.bulk_update(entries, ["lottery_rank", "status", "decided_at"])
    capacity.taken += min(free, len(entries))
    capacity.save(update_fields=["taken"])
    draw = LotteryDraw.objects.create(
        district_id=course.district_id,
        school_id=course.school_id,
        course=course,
        seed=seed,
        entries=published,
        drawn_by=actor,
        drawn_at=now,
    )
    record_event(
        actor=actor,
        action="course.lottery_drawn",
        obj=course,
        payload={"seed": seed, "entries": len(entries), "seats": min(free, len(entries))},
    )
    for reg in entries:
        _notify_family(
            reg,
            _("Lottery result for %(course)s: %(result)s")
            % {"course": course.name, "result": reg.get_status_display()},
        )
    return draw


@transaction.atomic
def close_round_one(*, actor: User, plan_version) -> list[Course]:
    """After round one: courses below their minimum size are cancelled; their students are
    told and may register again in round two for courses with free seats."""
    _require_manager(actor, plan_version.school)
    cancelled = []
    courses = list(plan_version.courses.all())
    capacities_for(plan_version.pk, courses)
    counts = dict(
        CourseRegistration.objects.filter(course__in=courses, status__in=LIVE_SEATS)
        .values("course_id")
        .annotate(n=Count("id", filter=Q(status__in=[SeatStatus.CONFIRMED, SeatStatus.OFFERED])))
        .values_list("course_id", "n")
    )
    for course in courses:
        capacity = CourseCapacity.objects.select_for_update().get(course_id=course.pk)
        if capacity.status != CapacityStatus.OPEN:
            continue
        if counts.get(course.pk, 0) >= course.min_size:
            continue
        capacity.status = CapacityStatus.CANCELLED
        capacity.taken = 0
        capacity.save(update_fields=["status", "taken"])
        regs = list(
            CourseRegistration.objects.filter(course=course, status__in=LIVE_SEATS).select_related(
                "course__school__district", "student"
            )
        )
        for reg in regs:
            reg.status = SeatStatus.COURSE_CANCELLED
            reg.decided_at = timezone.now()
            reg.offer_expires_at = None
            Application.objects.filter(pk=reg.application_id).update(
                courses_taken=F("courses_taken") - 1
            )
            _notify_family(
                reg,
                _("%(course)s will not open: too few students registered")
                % {"course": course.name},
                _("You may choose another course with free seats in the second round."),
            )
        CourseRegistration.objects.bulk_update(regs, ["status", "decided_at", "offer_expires_at"])
        cancelled.append(course)
        record_event(
            actor=actor,
            action="course.cancelled_below_minimum",
            obj=course,
            payload={
                "registered": counts.get(course.pk, 0),
                "min_size": course.min_size,
                "affected": len(regs),
            },
        )
    clear_cache()
    return cancelled


def seats_overview(plan_version) -> list[dict]:
    """Per course: capacity, taken, waitlist, entries — for the school's registration page."""
    courses = list(plan_version.courses.all())
    caps = capacities_for(plan_version.pk, courses)
    counts = {
        row["course_id"]: row
        for row in CourseRegistration.objects.filter(course__in=courses)
        .values("course_id")
        .annotate(
            confirmed=Count("id", filter=Q(status=SeatStatus.CONFIRMED)),
            offered=Count("id", filter=Q(status=SeatStatus.OFFERED)),
            waitlisted=Count("id", filter=Q(status=SeatStatus.WAITLISTED)),
            entered=Count("id", filter=Q(status=SeatStatus.ENTERED)),
        )
    }
    drawn = set(LotteryDraw.objects.filter(course__in=courses).values_list("course_id", flat=True))
    out = []
    for course in courses:
        row = counts.get(course.pk, {})
        out.append(
            {
                "course": course,
                "capacity": caps[course.pk],
                "confirmed": row.get("confirmed", 0),
                "offered": row.get("offered", 0),
                "waitlisted": row.get("waitlisted", 0),
                "entered": row.get("entered", 0),
                "drawn": course.pk in drawn,
            }
        )
    return out


# --------------------------------------------------------------------------- amendments


def carry_over_on_publish(*, actor: User, previous, published) -> None:
    """Create the seat counters of a published version. A published amendment replaces the
    courses of the previous version: seats, waitlists, entries and draws move to the course
    of the same lineage; a course the amendment drops is cancelled for its students (they
    are told and get round two). Runs inside ``publish_plan``'s transaction."""
    ensure_capacities(published.pk)  # the seat counters exist from publication on
    if previous is None:
        return
    old = {c.lineage: c for c in previous.courses.all()}
    if not old:
        return
    new = {c.lineage: c for c in published.courses.all()}
    for lineage, course in old.items():
        counter = CourseCapacity.objects.select_for_update().filter(course=course).first()
        if counter is None:
            continue
        successor = new.get(lineage)
        if successor is None:
            regs = list(
                CourseRegistration.objects.filter(
                    course=course, status__in=LIVE_SEATS
                ).select_related("course__school__district", "student")
            )
            for reg in regs:
                reg.status = SeatStatus.COURSE_CANCELLED
                reg.decided_at = timezone.now()
                reg.offer_expires_at = None
                Application.objects.filter(pk=reg.application_id).update(
                    courses_taken=F("courses_taken") - 1
                )
                _notify_family(
                    reg,
                    _("%(course)s was removed from the plan") % {"course": course.name},
                    _("You may choose another course with free seats."),
                )
            CourseRegistration.objects.bulk_update(
                regs, ["status", "decided_at", "offer_expires_at"]
            )
            counter.status = CapacityStatus.CANCELLED
            counter.taken = 0
            counter.save(update_fields=["status", "taken"])
            continue
        target = CourseCapacity.objects.select_for_update().get(course=successor)
        # The amended capacity, but never below the seats already given.
        target.capacity = max(successor.capacity, counter.taken)
        target.taken = counter.taken
        target.status = counter.status
        target.save(update_fields=["capacity", "taken", "status"])

        CourseRegistration.objects.filter(course=course).update(course=successor)
        LotteryDraw.objects.filter(course=course).update(course=successor)
        counter.taken = 0
        counter.status = CapacityStatus.CANCELLED
        counter.save(update_fields=["taken", "status"])
        _fill_from_waitlist(target, timezone.now())  # a larger course: new seats go to the line
    record_event(
        actor=actor,
        action="course.seats_carried_over",
        obj=published.plan,
        payload={"from_version": previous.number, "to_version": published.number},
    )
    clear_cache()
