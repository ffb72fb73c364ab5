"""Double delivery with real parallel transactions against PostgreSQL.

A phone on a poor connection sends the same list again (or a proxy replays it) while the
first request is still running. The naive guard — look the submission up, then apply —
applies it twice; ``submit_roll`` (an INSERT … ON CONFLICT DO NOTHING on the submission id
first) applies it once, whatever the timing."""

import threading
import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from aftercare.audit import record_event
from aftercare.models import AuditEvent, Notification
from attendance.models import AttendanceMark, RollSubmission
from attendance.services import roll as services

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_threads(targets):
    barrier = threading.Barrier(len(targets))
    results, errors = [None] * len(targets), []

    def runner(index, target):
        try:
            barrier.wait()
            results[index] = target()
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


def marks(daily, absent):
    return [
        services.MarkInput(c.public_id, "absent" if c == absent else "present")
        for c in daily.children
    ]


def naive_submit(daily, submission, absent, looked: threading.Barrier):
    """Look the submission up in the log, then apply: the bug this module guards against."""
    seen = AuditEvent.objects.filter(payload__submission=str(submission)).exists()
    looked.wait()  # both requests have looked before either writes
    if seen:
        return "duplicate"
    with transaction.atomic():
        for m in marks(daily, absent):
            student = next(c for c in daily.children if c.public_id == m.student)
            AttendanceMark.objects.update_or_create(
                district=daily.school.district,
                session=daily.today,
                student=student,
                defaults={
                    "school": daily.school,
                    "date": daily.today.date,
                    "status": m.status,
                    "marked_by": daily.user("care"),
                    "first_marked_at": timezone.now(),
                    "marked_at": timezone.now(),
                },
            )
        record_event(
            actor=daily.user("care"),
            action="roll.taken",
            obj=daily.today,
            payload={"submission": str(submission)},
        )
    return "applied"


def test_naive_lookup_then_apply_applies_twice(daily):
    submission = uuid.uuid4()
    looked = threading.Barrier(2)
    absent = daily.children[1]
    results = run_in_threads(
        [lambda: naive_submit(daily, submission, absent, looked) for _ in range(2)]
    )
    assert results == ["applied", "applied"]
    assert AuditEvent.objects.filter(action="roll.taken").count() == 2


def test_the_same_list_delivered_at_once_is_applied_once(daily):
    submission = uuid.uuid4()
    absent = daily.children[1]

    def deliver():
        return services.submit_roll(
            actor=daily.user("care"),
            session=daily.today,
            marks=marks(daily, absent),
            submission_id=submission,
        )

    results = run_in_threads([deliver for _ in range(8)])
    assert sorted(r.duplicate for r in results) == [False] + [True] * 7
    assert all(r.counts["absent"] == 1 for r in results)
    assert RollSubmission.objects.count() == 1
    assert AuditEvent.objects.filter(action__startswith="roll.").count() == 1
    assert AttendanceMark.objects.count() == len(daily.children)
    assert set(AttendanceMark.objects.values_list("revision", flat=True)) == {0}
    assert Notification.objects.filter(recipient=daily.parents[absent.pk]).count() == 1


def test_two_teachers_correcting_at_once_leave_one_row_per_child(daily):
    a, b = daily.children[0], daily.children[1]

    def submit(absent, actor):
        return services.submit_roll(
            actor=actor,
            session=daily.today,
            marks=marks(daily, absent),
            submission_id=uuid.uuid4(),
        )

    run_in_threads(
        [
            lambda: submit(a, daily.user("care")),
            lambda: submit(b, daily.user("principal")),
            lambda: submit(a, daily.user("care")),
            lambda: submit(b, daily.user("principal")),
        ]
    )
    assert AttendanceMark.objects.count() == len(daily.children)
    absent = list(AttendanceMark.objects.filter(status="absent").values_list("student", flat=True))
    assert len(absent) == 1 and absent[0] in (a.pk, b.pk)
    assert RollSubmission.objects.count() == 4
