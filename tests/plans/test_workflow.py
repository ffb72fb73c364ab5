"""Workflow guarantees: immutability (service and database), amendments, frozen policy,
copy from last semester, notifications and audit."""

from datetime import date, time

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from aftercare.errors import Conflict, NotAllowed
from aftercare.models import AuditEvent, Notification, Semester
from plans.models import PlanStatus, PlanVersion, ServicePeriod
from plans.services import plans as plan_services
from plans.services import policy as policy_services

pytestmark = pytest.mark.django_db


def approved(setup):
    setup.make_policy()
    plan, version = setup.make_plan()
    version = plan_services.submit_plan(actor=setup.principal, version=version)
    version = plan_services.approve_plan(actor=setup.official, version=version)
    return plan, version


def test_wrong_role_is_403_before_wrong_state_409(setup):
    """Wrong role in one's own tenant: NotAllowed (403), whatever the state; the right role
    in the wrong state: Conflict (409) with a code naming the state problem."""
    plan, version = setup.make_plan()
    setup.make_policy()
    teacher = setup.world.users["teacher_a1"]
    with pytest.raises(NotAllowed) as err:
        plan_services.approve_plan(actor=setup.principal, version=version)  # and a draft
    assert (err.value.code, err.value.status) == ("not_allowed", 403)
    with pytest.raises(Conflict) as err:
        plan_services.approve_plan(actor=setup.official, version=version)
    assert (err.value.code, err.value.status) == ("not_submitted", 409)
    with pytest.raises(Conflict) as err:
        plan_services.amend_plan(actor=setup.principal, plan=plan)
    assert err.value.code == "open_version"
    version = plan_services.submit_plan(actor=setup.principal, version=version)
    with pytest.raises(NotAllowed):
        plan_services.update_plan_general(actor=teacher, version=version, data={"hotline": "1"})
    with pytest.raises(Conflict) as err:
        plan_services.update_plan_general(
            actor=setup.principal, version=version, data={"hotline": "1"}
        )
    assert (err.value.code, err.value.status) == ("version_locked", 409)
    with pytest.raises(Conflict) as err:
        plan_services.submit_plan(actor=setup.principal, version=version)
    assert err.value.code == "version_locked"
    with pytest.raises(Conflict) as err:
        plan_services.publish_plan(actor=setup.principal, version=version)
    assert err.value.code == "not_approved"
    plan_services.return_plan(actor=setup.official, version=version, comment="再改改")
    with pytest.raises(Conflict) as err:
        plan_services.amend_plan(actor=setup.principal, plan=plan)
    assert err.value.code == "open_version"
    with pytest.raises(NotAllowed):
        policy_services.update_policy(
            actor=setup.principal, semester=setup.semester, changes={"latest_end_time": time(19)}
        )


def test_amending_needs_a_published_version(setup):
    plan, _version = approved(setup)
    with pytest.raises(Conflict) as err:
        plan_services.amend_plan(actor=setup.principal, plan=plan)
    assert (err.value.code, err.value.status) == ("nothing_to_amend", 409)


def test_approved_version_refuses_service_edits(setup):
    _plan, version = approved(setup)
    with pytest.raises(Conflict) as err:
        plan_services.update_plan_general(
            actor=setup.principal, version=version, data={"hotline": "110"}
        )
    assert (err.value.code, err.value.status) == ("version_locked", 409)
    with pytest.raises(Conflict):
        plan_services.save_plan_part(
            actor=setup.principal,
            version=version,
            kind="period",
            data={
                "grades": [1],
                "weekdays": [0],
                "start_time": time(15, 0),
                "end_time": time(16, 0),
            },
        )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE aftercare_planversion SET hotline = 'x' WHERE id = %s",
        "UPDATE aftercare_planversion SET max_courses_per_student = 5 WHERE id = %s",
        "UPDATE aftercare_planversion SET status = 'draft' WHERE id = %s",
        "DELETE FROM aftercare_planversion WHERE id = %s",
        "UPDATE aftercare_serviceperiod SET end_time = '19:00' WHERE version_id = %s",
        "DELETE FROM aftercare_serviceperiod WHERE version_id = %s",
    ],
)
def test_database_refuses_changes_to_an_approved_version(setup, sql):
    _plan, version = approved(setup)
    with (
        pytest.raises(DatabaseError, match="cannot"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute(sql, [version.pk])
    assert PlanVersion.objects.get(pk=version.pk).status == PlanStatus.APPROVED


def test_database_refuses_new_parts_on_an_approved_version(setup):
    _plan, version = approved(setup)
    with pytest.raises(DatabaseError), transaction.atomic():
        ServicePeriod.objects.create(
            district=version.district,
            school=version.school,
            version=version,
            grades=[1],
            weekdays=[0],
            start_time=time(15, 0),
            end_time=time(16, 0),
        )


def test_amendment_is_a_new_version_and_publishing_supersedes(setup):
    plan, version = approved(setup)
    plan_services.publish_plan(actor=setup.principal, version=version)
    draft = plan_services.amend_plan(actor=setup.principal, plan=plan)
    assert draft.number == 2 and draft.status == PlanStatus.DRAFT
    assert draft.periods.count() == 1 and draft.prohibitions_confirmed is False
    with pytest.raises(Conflict) as err:
        plan_services.amend_plan(actor=setup.principal, plan=plan)  # one open version only
    assert err.value.code == "open_version"
    draft = plan_services.update_plan_general(
        actor=setup.principal, version=draft, data={"prohibitions_confirmed": True}
    )
    draft = plan_services.submit_plan(actor=setup.principal, version=draft)
    draft = plan_services.approve_plan(actor=setup.official, version=draft)
    plan_services.publish_plan(actor=setup.principal, version=draft)
    statuses = dict(plan.versions.values_list("number", "status"))
    assert statuses == {1: PlanStatus.SUPERSEDED, 2: PlanStatus.PUBLISHED}


def test_policy_is_versioned_audited_and_frozen_by_approval(setup):
    setup.make_policy("city_2021")
    v2 = policy_services.update_policy(
        actor=setup.official,
        semester=setup.semester,
        changes={"latest_end_time": time(18, 30)},
        note="延时",
    )
    assert v2.version == 2
    event = AuditEvent.objects.get(action="policy.changed")
    assert event.payload["changes"] == {"latest_end_time": ["18:00", "18:30"]}
    _plan, version = setup.make_plan()
    version = plan_services.submit_plan(actor=setup.principal, version=version)
    plan_services.approve_plan(actor=setup.official, version=version)
    assert PlanVersion.objects.get(pk=version.pk).policy == v2
    with pytest.raises(Conflict) as err:
        policy_services.update_policy(
            actor=setup.official, semester=setup.semester, changes={"latest_end_time": time(19, 0)}
        )
    assert (err.value.code, err.value.status) == ("policy_frozen", 409)


def test_approval_rechecks_against_a_changed_policy(setup):
    setup.make_policy("city_2021")
    _plan, version = setup.make_plan(end=time(18, 0))
    version = plan_services.submit_plan(actor=setup.principal, version=version)
    policy_services.update_policy(
        actor=setup.official, semester=setup.semester, changes={"latest_end_time": time(17, 30)}
    )
    with pytest.raises(plan_services.PlanViolations):
        plan_services.approve_plan(actor=setup.official, version=version)
    assert PlanVersion.objects.get(pk=version.pk).status == PlanStatus.SUBMITTED


def test_transitions_notify_the_other_side(setup):
    setup.make_policy()
    _plan, version = setup.make_plan()
    plan_services.submit_plan(actor=setup.principal, version=version)
    assert Notification.objects.filter(recipient=setup.official).count() == 1
    plan_services.return_plan(actor=setup.official, version=version, comment="补充")
    assert Notification.objects.filter(recipient=setup.principal, body="补充").exists()
    # admin_a1 manages the school too
    assert Notification.objects.filter(recipient=setup.world.users["admin_a1"]).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="plan.").values_list("action", flat=True)
    )
    assert "plan.submitted" in actions and "plan.returned" in actions


def test_copy_from_last_semester_moves_dates(setup):
    _plan, version = approved(setup)
    spring = Semester.objects.create(
        district=setup.world.a,
        name="2027春",
        start_date=date(2027, 3, 1),
        end_date=date(2027, 7, 9),
    )
    copy = plan_services.create_plan(
        actor=setup.principal, school=setup.school, semester=spring, copy_from_last=True
    )
    new = copy.versions.get()
    assert new.hotline == version.hotline and new.prohibitions_confirmed is False
    assert [(p.start_time, p.end_time) for p in new.periods.all()] == [(time(15, 30), time(17, 30))]


def test_two_plans_for_one_semester_are_refused(setup):
    setup.make_policy()
    setup.make_plan()
    with pytest.raises(Conflict) as err:
        plan_services.create_plan(
            actor=setup.principal, school=setup.school, semester=setup.semester
        )
    assert (err.value.code, err.value.status) == ("plan_exists", 409)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.create(  # a second open version of the same plan
            district=setup.world.a,
            school=setup.school,
            plan=setup.school.plans.get(),
            number=2,
        )
