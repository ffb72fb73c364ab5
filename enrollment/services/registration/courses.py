"""What the rush path knows about a course: cached facts, the claim lookup, seat counters.

A course's facts (its version, windows, grades, limit) are read once per process and kept
``CACHE_SECONDS``. What can change meanwhile in another process — the course cancelled
after round one, its version superseded by an amendment, its capacity carried over — bumps
``CourseCapacity.version``; the claim's single lookup query returns that version with the
child, and a process whose cached facts carry another one reloads them at once. So the
rush pays no extra round trip for the check, and no process acts on stale facts for longer
than one request.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from enrollment.models import CapacityStatus, CourseCapacity
from plans.models import Course, PlanStatus, RegistrationWindow, WindowKind


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
    seats_version: int | None = None  # CourseCapacity.version when read (None: no counter)
    cancelled: bool = False

    def window_at(self, at: datetime) -> Window | None:
        return next((w for w in self.windows if w.contains(at)), None)


_CACHE: dict[uuid.UUID, tuple[float, CourseInfo]] = {}
_CACHE_CLOCK = time.monotonic
CACHE_SECONDS = 30


def course_info(public_id, *, fresh: bool = False) -> CourseInfo | None:
    """The cached facts of a course by public id (None when there is no such course)."""
    key = uuid.UUID(str(public_id))
    hit = _CACHE.get(key)
    if hit and not fresh and _CACHE_CLOCK() - hit[0] < CACHE_SECONDS:
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
    published = version.status == PlanStatus.PUBLISHED
    if published:
        ensure_capacities(version.pk)
    counter = (
        CourseCapacity.objects.filter(course_id=course.pk).values_list("version", "status").first()
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
        published=published,
        seats_version=counter[0] if counter else None,
        cancelled=bool(counter and counter[1] == CapacityStatus.CANCELLED),
    )
    _CACHE[key] = (_CACHE_CLOCK(), info)
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
       (SELECT cc.version FROM enrollment_coursecapacity cc WHERE cc.course_id = %(course)s),
       s.id, s.public_id, s.name, s.district_id, s.school_id, c.grade
  FROM (SELECT 1) AS one
  LEFT JOIN enrollment_student s
         ON s.public_id = %(student)s
        AND EXISTS (SELECT 1 FROM enrollment_guardianship g
                     WHERE g.student_id = s.id AND g.user_id = %(user)s)
  LEFT JOIN aftercare_schoolclass c ON c.id = s.school_class_id
"""


def lookup_for_claim(
    user, info: CourseInfo, student_public_id
) -> tuple[bool, StudentRef | None, CourseInfo]:
    """In one round trip (the rush path): whether the user has a role in the course's
    school, the child if the user is its guardian, and the course's cache version. Returns
    (reaches, student, info) — ``info`` reloaded when another process changed the course."""
    with connection.cursor() as cursor:
        cursor.execute(
            LOOKUP_SQL,
            {
                "user": user.pk,
                "school": info.school_id,
                "district": info.district_id,
                "course": info.id,
                "student": student_public_id,
            },
        )
        reaches, seats_version, *student = cursor.fetchone()
    if seats_version != info.seats_version:
        info = course_info(info.public_id, fresh=True) or info
    return reaches, (StudentRef(*student) if student[0] is not None else None), info


def clear_cache() -> None:
    _CACHE.clear()


def ensure_capacities(version_id: int) -> None:
    """Create the seat counters of a published version's courses (idempotent)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO enrollment_coursecapacity
                (course_id, district_id, school_id, capacity, taken, status, version)
            SELECT c.id, c.district_id, c.school_id, c.capacity, 0, 'open', 0
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


def capacities_for(version_id: int, courses) -> dict[int, CourseCapacity]:
    """The seat counters of a published version's courses, by course id. They are created
    when the version is published; a version published before that creates them here."""
    caps = {c.course_id: c for c in CourseCapacity.objects.filter(course__in=courses)}
    if len(caps) < len(courses):
        ensure_capacities(version_id)
        caps = {c.course_id: c for c in CourseCapacity.objects.filter(course__in=courses)}
    return caps
