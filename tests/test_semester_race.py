"""Two officials create the same semester at the same moment (real concurrent transactions).

The naive check-then-create lets both pass the check and the second insert fails with an
IntegrityError (a 500); ``create_semester`` lets the unique constraint decide and answers the
loser with a 409 ``semester_exists`` naming the field.
"""

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from aftercare import services
from aftercare.errors import Conflict
from aftercare.models import AuditEvent, Semester

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(targets):
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def runner(index, target):
        try:
            barrier.wait()
            results[index] = target()
        except Exception as err:
            results[index] = err
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def naive_create(district, checked: threading.Barrier):
    with transaction.atomic():
        exists = Semester.objects.filter(district=district, name="2027春").exists()
        checked.wait()  # both have looked before either writes
        if exists:
            return "exists"
        return Semester.objects.create(
            district=district,
            name="2027春",
            start_date=date(2027, 2, 20),
            end_date=date(2027, 7, 5),
        )


def test_naive_check_then_create_fails_with_an_integrity_error(world):
    checked = threading.Barrier(2)
    results = run_together([lambda: naive_create(world.a, checked)] * 2)
    assert sum(isinstance(r, Semester) for r in results) == 1
    assert sum(isinstance(r, IntegrityError) for r in results) == 1  # a 500 in a view


def test_concurrent_creation_gives_one_semester_and_one_conflict(world):
    def create():
        return services.create_semester(
            actor=world.users["official_a"],
            district=world.a,
            name="2027春",
            start_date=date(2027, 2, 20),
            end_date=date(2027, 7, 5),
        )

    results = run_together([create, create])
    [created] = [r for r in results if isinstance(r, Semester)]
    [conflict] = [r for r in results if not isinstance(r, Semester)]
    assert isinstance(conflict, Conflict), conflict
    assert (conflict.code, conflict.status) == ("semester_exists", 409)
    assert list(conflict.fields) == ["name"] and "2027春" in str(conflict.fields["name"][0])
    assert Semester.objects.filter(district=world.a, name="2027春").count() == 1
    assert AuditEvent.objects.filter(action="semester.created").count() == 1  # loser wrote none
    assert created.name == "2027春"
