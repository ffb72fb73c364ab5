"""Plan approval and policy changes with real concurrent transactions (lock order: semester ->
plan). The first test removes the semester lock and shows the race it closes: a policy
version written between an approval's check and its commit."""

import threading
import time as clock
from datetime import time

import pytest
from django.db import connection, transaction

from aftercare.errors import Conflict
from plans.models import DistrictPolicy, PlanStatus, PlanVersion
from plans.services import plans as plan_services
from plans.services import policy as policy_services

pytestmark = pytest.mark.django_db(transaction=True)


def race_approval_with_policy_change(setup):
    """Approve (held open for a moment) while the official changes the policy."""
    setup.make_policy("city_2021")
    _plan, version = setup.make_plan()
    version = plan_services.submit_plan(actor=setup.principal, version=version)
    approved, change_started = threading.Event(), threading.Event()
    outcome, errors = {}, []

    def approve():
        try:
            with transaction.atomic():
                plan_services.approve_plan(actor=setup.official, version=version)
                approved.set()
                change_started.wait(10)
                clock.sleep(0.5)  # the policy change runs (or waits) meanwhile
        except Exception as err:
            errors.append(err)
        finally:
            connection.close()

    def change():
        try:
            approved.wait(10)
            change_started.set()
            outcome["policy"] = policy_services.update_policy(
                actor=setup.official,
                semester=setup.semester,
                changes={"latest_end_time": time(17, 0)},
            )
        except Conflict as err:
            outcome["conflict"] = err.code
        except Exception as err:
            errors.append(err)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve), threading.Thread(target=change)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return PlanVersion.objects.get(pk=version.pk), outcome


def test_without_the_semester_lock_the_policy_changes_under_an_approval(setup, monkeypatch):
    monkeypatch.setattr(plan_services, "_share_semester", lambda semester_id: None)
    version, outcome = race_approval_with_policy_change(setup)
    # The plan is approved under version 1, yet version 2 (ending at 17:00, which the
    # approved plan breaks) was written while the approval was in flight.
    assert version.status == PlanStatus.APPROVED and version.policy.version == 1
    assert outcome["policy"].version == 2
    assert DistrictPolicy.objects.count() == 2


def test_a_policy_change_waits_for_the_approval_and_finds_the_semester_frozen(setup):
    version, outcome = race_approval_with_policy_change(setup)
    assert version.status == PlanStatus.APPROVED and version.policy.version == 1
    assert outcome == {"conflict": "policy_frozen"}
    assert DistrictPolicy.objects.count() == 1


def test_the_plan_lock_locks_the_plan_row_only(setup):
    """``_lock`` names what it locks: the plan, not the school and semester it joins."""
    setup.make_policy("city_2021")
    plan, _version = setup.make_plan()
    with transaction.atomic():
        plan_services._lock(plan)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relation::regclass::text, mode FROM pg_locks "
                "WHERE pid = pg_backend_pid() AND locktype = 'relation' "
                "AND relation::regclass::text IN "
                "('aftercare_schoolplan', 'aftercare_school', 'aftercare_semester')"
            )
            modes = set(cursor.fetchall())
    assert ("aftercare_schoolplan", "RowShareLock") in modes
    assert ("aftercare_school", "RowShareLock") not in modes
    assert ("aftercare_semester", "RowShareLock") not in modes
