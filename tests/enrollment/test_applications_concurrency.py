"""Concurrent clicks against PostgreSQL, in real transactions on two connections.

Bulk approval: first a naive version (read the waiting applications, then write them, no
locks) is shown to approve the same applications twice when two clicks overlap; then the
service, under the same overlap, approves each exactly once with distinct ranks.
Applying: two guardians applying for one child at the same moment get one application and
one clear refusal.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from aftercare.audit import record_event
from aftercare.errors import Conflict
from aftercare.models import Notification
from enrollment.models import Application, ApplicationStatus
from enrollment.selectors.applications import BULK_DEFAULT
from enrollment.services import applications as services
from enrollment.services.applications import approval
from tests.conftest import build_world
from tests.enrollment.test_applications_fixtures import build_apps
from tests.factories import GuardianshipFactory, ParentUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(*calls):
    """Run the calls at once (one thread and DB connection each); results and errors."""
    start = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def run(i, call):
        try:
            start.wait()
            results[i] = call()
        except Exception as exc:  # reported to the test
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results, errors


@pytest.fixture
def waiting():
    world = build_world()
    apps = build_apps(world)
    return apps, [apps.apply(student=apps.child()) for _ in range(4)]


def approvals(app) -> int:
    from aftercare.models import AuditEvent

    return AuditEvent.objects.filter(
        action="application.approved", object_id=str(app.public_id)
    ).count()


def test_a_naive_bulk_approval_approves_twice_when_clicks_overlap(waiting):
    apps, batch = waiting
    principal, plan = apps.user("principal_a1"), apps.plans["a1"]
    both_read = threading.Barrier(2)

    def naive():
        with transaction.atomic():
            todo = list(Application.objects.filter(plan=plan, status__in=BULK_DEFAULT))
            both_read.wait()  # the second click read the same rows before the first wrote
            for app in todo:
                Application.objects.filter(pk=app.pk).update(
                    status=ApplicationStatus.APPROVED, approved_at=timezone.now()
                )
                record_event(actor=principal, action="application.approved", obj=app)
        return len(todo)

    results, errors = in_threads(naive, naive)
    assert errors == [None, None]
    assert results == [4, 4]
    assert [approvals(app) for app in batch] == [2, 2, 2, 2]  # the defect the service avoids


def test_overlapping_bulk_approvals_approve_each_application_once(waiting, monkeypatch):
    apps, batch = waiting
    principal, admin, plan = apps.user("principal_a1"), apps.user("admin_a1"), apps.plans["a1"]
    real_lock = approval._lock_plan
    both_arrived = threading.Barrier(2)

    def lock_together(plan):
        both_arrived.wait()  # both clicks reach the lock at the same moment
        locked = real_lock(plan)
        time.sleep(0.2)  # hold it: the other click is now waiting on the row lock
        return locked

    monkeypatch.setattr(approval, "_lock_plan", lock_together)
    results, errors = in_threads(
        lambda: services.approve_applications(actor=principal, plan=plan),
        lambda: services.approve_applications(actor=admin, plan=plan),
    )
    assert errors == [None, None]
    assert sorted(len(r.approved) for r in results) == [0, 4]
    assert [approvals(app) for app in batch] == [1, 1, 1, 1]
    ranks = sorted(Application.objects.filter(plan=plan).values_list("approval_rank", flat=True))
    assert ranks == [1, 2, 3, 4]
    parent = apps.user("parent_a1")
    assert Notification.objects.filter(recipient=parent, title__contains="核准").count() == 4


def test_the_same_batch_clicked_twice_is_refused_the_second_time(waiting, monkeypatch):
    apps, _batch = waiting
    principal, plan = apps.user("principal_a1"), apps.plans["a1"]
    real_lock = approval._lock_plan
    both_arrived = threading.Barrier(2)

    def lock_together(plan):
        both_arrived.wait()
        return real_lock(plan)

    monkeypatch.setattr(approval, "_lock_plan", lock_together)

    def click():
        return services.approve_applications(
            actor=principal, plan=plan, limit=2, expected_last_rank=0
        )

    results, errors = in_threads(click, click)
    assert sorted(type(e).__name__ for e in errors if e) == ["Conflict"]
    assert [len(r.approved) for r in results if r] == [2]
    assert Application.objects.filter(status=ApplicationStatus.APPROVED).count() == 2


def test_two_guardians_applying_at_once_get_one_application():
    world = build_world()
    apps = build_apps(world)
    student = apps.student("a1")
    father = ParentUserFactory()
    GuardianshipFactory(student=student, user=father)
    mother = apps.user("parent_a1")

    results, errors = in_threads(
        lambda: services.apply_for_service(actor=mother, student=student, basic_care=True),
        lambda: services.apply_for_service(actor=father, student=student, basic_care=False),
    )
    assert Application.objects.filter(student=student).count() == 1
    assert [type(e) for e in errors if e] == [Conflict]
    assert next(e for e in errors if e).code == "already_applied"
    assert sum(r is not None for r in results) == 1
