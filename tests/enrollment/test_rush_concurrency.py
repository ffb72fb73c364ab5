"""The registration rush with real parallel transactions against PostgreSQL.

Each test first shows that a naive check-then-insert overbooks under the same concurrency,
then that ``registration.register`` never exceeds capacity, never gives one student two
entries, and never lets a student exceed the per-student limit.
"""

import threading

import pytest
from django.db import connection

from enrollment.models import Application, CourseCapacity, CourseRegistration, SeatStatus
from enrollment.services import registration
from enrollment.services.registration import RegistrationError
from tests.registration_world import add_student, build_rush

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_threads(targets):
    """Start every target at the same moment (a barrier), each on its own DB connection."""
    barrier = threading.Barrier(len(targets))
    results, errors = [None] * len(targets), []

    def runner(index, target):
        try:
            barrier.wait()
            results[index] = target()
        except RegistrationError as err:
            results[index] = err.code
        except Exception as err:
            errors.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def naive_register(rush, student, course, checked: threading.Barrier):
    """Check-then-insert without a lock: the bug this module guards against."""
    capacity = CourseCapacity.objects.get(course=course).capacity
    taken = CourseRegistration.objects.filter(course=course, status="confirmed").count()
    checked.wait()  # everyone has looked before anyone writes: the race, made certain
    status = "confirmed" if taken < capacity else "waitlisted"
    CourseRegistration.objects.create(
        district=student.district,
        school=student.school,
        course=course,
        student=student,
        application=Application.objects.get(student=student),
        status=status,
        created_by=rush.parents[student.pk],
    )
    return status


def test_naive_check_then_insert_overbooks(world):
    rush = build_rush(world, courses=(("书法", 5, 1),), students=20)
    course = rush.courses["书法"]
    rush.info("书法")  # publishes the seat counters, as the first real request would
    checked = threading.Barrier(20)
    run_in_threads([(lambda s=s: naive_register(rush, s, course, checked)) for s in rush.students])
    confirmed = CourseRegistration.objects.filter(course=course, status="confirmed").count()
    assert confirmed > 5  # 20 confirmed for 5 seats: overbooked


def test_capacity_is_never_exceeded_under_concurrency(world):
    rush = build_rush(world, courses=(("书法", 5, 1),), students=30)
    info = rush.info("书法")
    results = run_in_threads(
        [
            (
                lambda s=s: (
                    registration.register(actor=rush.parents[s.pk], student=s, info=info).status
                )
            )
            for s in rush.students
        ]
    )
    assert sorted(results).count("confirmed") == 5
    assert sorted(results).count("waitlisted") == 25
    course = rush.courses["书法"]
    assert CourseCapacity.objects.get(course=course).taken == 5
    assert CourseRegistration.objects.filter(course=course, status="confirmed").count() == 5
    positions = sorted(
        registration.waitlist_position(r)
        for r in CourseRegistration.objects.filter(course=course, status="waitlisted")
    )
    assert positions == list(range(1, 26))


def test_double_clicks_and_two_guardians_get_one_entry(world):
    rush = build_rush(world, courses=(("书法", 5, 1),), students=1)
    student = rush.students[0]
    second_guardian = world.users["parent_a1"]
    info = rush.info("书法")
    actors = [rush.parents[student.pk], second_guardian] * 6
    results = run_in_threads(
        [
            (lambda a=a: registration.register(actor=a, student=student, info=info).status)
            for a in actors
        ]
    )
    assert results.count("confirmed") == 1
    assert results.count("already_registered") == 11
    assert CourseRegistration.objects.filter(student=student).count() == 1
    assert CourseCapacity.objects.get(course=rush.courses["书法"]).taken == 1
    assert Application.objects.get(student=student).courses_taken == 1


def test_per_student_limit_holds_under_concurrency(world):
    names = ("书法", "围棋", "合唱", "足球", "美术")
    rush = build_rush(
        world, courses=tuple((n, 10, 1) for n in names), students=1, max_per_student=2
    )
    student = rush.students[0]
    infos = [rush.info(n) for n in names]
    results = run_in_threads(
        [
            (
                lambda i=i: (
                    registration.register(
                        actor=rush.parents[student.pk], student=student, info=i
                    ).status
                )
            )
            for i in infos
        ]
    )
    assert results.count("confirmed") == 2
    assert results.count("limit_reached") == 3
    assert CourseRegistration.objects.filter(student=student).count() == 2
    assert sum(c.taken for c in CourseCapacity.objects.all()) == 2


def test_releases_and_claims_together_lose_no_seat(world):
    """Withdrawals pass seats on while others register: the books still balance."""
    rush = build_rush(world, courses=(("书法", 4, 1),), students=4)
    info = rush.info("书法")
    for s in rush.students:
        registration.register(actor=rush.parents[s.pk], student=s, info=info)
    newcomers = [add_student(rush, world) for _ in range(8)]
    held = list(CourseRegistration.objects.filter(status="confirmed"))
    targets = [
        (
            lambda r=r: (
                registration.cancel_registration(
                    actor=rush.parents[r.student_id], registration=r
                ).status
            )
        )
        for r in held[:2]
    ] + [
        (lambda s=s: registration.register(actor=rush.parents[s.pk], student=s, info=info).status)
        for s in newcomers
    ]
    run_in_threads(targets)
    capacity = CourseCapacity.objects.get(course=rush.courses["书法"])
    holding = CourseRegistration.objects.filter(
        course=rush.courses["书法"], status__in=[SeatStatus.CONFIRMED, SeatStatus.OFFERED]
    ).count()
    assert capacity.taken == holding == 4


# --------------------------------------------------------------------------- lock order


def _family_and_school_at_once(world, monkeypatch, close):
    """A family gives up a waiting-list place (application, then seat counter) while the
    school closes round one (``close``). The family's thread pauses between its two locks
    until the school's thread has taken its first one (or a second has passed)."""
    from django.utils import timezone

    from enrollment.services.registration import waitlist
    from tests.enrollment.plan_world import child, closed_then_open, course, published

    version = published(world, courses=[("书法", 1, 3)], windows=closed_then_open())
    calligraphy = course(version, "书法")
    seated, waiting = child(world, version), child(world, version)
    from tests.factories import CourseRegistrationFactory

    CourseRegistrationFactory(course=calligraphy, application=seated.application)
    entry = CourseRegistrationFactory(
        course=calligraphy, application=waiting.application, status="waitlisted"
    )
    family_holds_application = threading.Event()
    school_holds_first_lock = threading.Event()
    real = waitlist.lock_counters

    def paused(course_ids):
        if threading.current_thread().name == "family":
            family_holds_application.set()
            school_holds_first_lock.wait(timeout=1.5)
        return real(course_ids)

    monkeypatch.setattr(waitlist, "lock_counters", paused)

    def family():
        return registration.cancel_registration(
            actor=waiting.parent, registration=entry, now=timezone.now()
        ).status

    def school():
        family_holds_application.wait(timeout=5)
        return close(version, school_holds_first_lock)

    outcomes, errors = [None, None], []

    def run(index, target):
        try:
            outcomes[index] = target()
        except Exception as err:
            errors.append(err)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(0, family), name="family"),
        threading.Thread(target=run, args=(1, school), name="school"),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return version, calligraphy, outcomes, errors


LIVE = ["confirmed", "waitlisted"]


def naive_close(version, holds_first_lock):
    """Round one's close as it was: each seat counter locked first, then the applications
    of its registrations updated — the reverse of the claim's order."""
    from django.db import transaction
    from django.db.models import F

    with transaction.atomic():
        for c in version.courses.all():
            CourseCapacity.objects.select_for_update().get(course=c)
            holds_first_lock.set()
            regs = CourseRegistration.objects.filter(
                course=c, status__in=["confirmed", "waitlisted"]
            )
            Application.objects.filter(pk__in=regs.values("application_id")).update(
                courses_taken=F("courses_taken") - 1
            )
    return "closed"


def test_reverse_lock_order_deadlocks_against_a_family(world, monkeypatch):
    _version, _c, _outcomes, errors = _family_and_school_at_once(world, monkeypatch, naive_close)
    assert any("deadlock" in str(e).lower() for e in errors), errors


def test_closing_round_one_takes_locks_in_the_claims_order(world, monkeypatch):
    def close(version, holds_first_lock):
        # No signal: the family waits its full second, time for the school to take every
        # lock it can before it has to wait for the family's application.
        cancelled = registration.close_round_one(
            actor=world.users["principal_a1"], plan_version=version
        )
        return [c.name for c in cancelled]

    _version, calligraphy, outcomes, errors = _family_and_school_at_once(world, monkeypatch, close)
    assert errors == []
    assert outcomes == ["cancelled", ["书法"]]
    statuses = sorted(
        CourseRegistration.objects.filter(course=calligraphy).values_list("status", flat=True)
    )
    assert statuses == ["cancelled", "course_cancelled"]
    assert sorted(Application.objects.values_list("courses_taken", flat=True)) == [0, 0]
    assert CourseCapacity.objects.get(course=calligraphy).taken == 0
