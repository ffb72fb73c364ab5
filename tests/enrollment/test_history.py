"""The application history: every transition writes one append-only row through one helper,
the parent's timeline is read from it, and bulk approval is set-based (a bounded number of
statements whatever the number of applications)."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent
from enrollment.models import Application, ApplicationStatus, ApplicationTransition
from enrollment.services import applications as services
from tests.enrollment.test_applications_fixtures import build_apps
from tests.factories import ApplicationFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps(world):
    return build_apps(world)


def steps(app):
    return list(
        ApplicationTransition.objects.filter(application=app)
        .order_by("at", "id")
        .values_list("event", "from_status", "to_status")
    )


def test_every_transition_writes_one_row(apps):
    principal, parent = apps.user("principal_a1"), apps.user("parent_a1")
    app = apps.apply()
    services.review_application(
        actor=apps.user("teacher_a1"), application=app, decision="flag", note="需家长陪同"
    )
    apps.approve(app)
    apps.agreement()
    services.sign_agreement(actor=parent, application=app)
    services.confirm_insurance(actor=parent, application=app, policy_number="PICC-1")
    services.publish_participant_list(actor=principal, plan=app.plan)
    last_day = timezone.localdate() + timedelta(days=10)
    services.request_withdrawal(actor=parent, application=app, reason="搬家", last_day=last_day)
    services.decline_withdrawal(actor=principal, application=app, reason="学期末再退")
    services.request_withdrawal(actor=parent, application=app, reason="搬家", last_day=last_day)
    services.approve_withdrawal(actor=principal, application=app)
    assert steps(app) == [
        ("submitted", "", "applied"),
        ("flagged", "applied", "flagged"),
        ("approved", "flagged", "approved"),
        ("agreement_signed", "approved", "approved"),
        ("insurance_confirmed", "approved", "approved"),
        ("activated", "approved", "approved"),
        ("listed", "approved", "approved"),
        ("withdrawal_requested", "approved", "withdrawal_requested"),
        ("withdrawal_declined", "withdrawal_requested", "approved"),
        ("withdrawal_requested", "approved", "withdrawal_requested"),
        ("withdrawn", "withdrawal_requested", "withdrawn"),
    ]
    rows = ApplicationTransition.objects.filter(application=app)
    assert {(r.district_id, r.school_id) for r in rows} == {(app.district_id, app.school_id)}
    declined = rows.get(event="withdrawal_declined")
    assert (declined.actor, declined.reason) == (principal, "学期末再退")
    assert rows.get(event="submitted").actor == parent
    assert Application.objects.get(pk=app.pk).status == rows.order_by("at", "id").last().to_status


def test_a_rejection_keeps_its_reason_in_the_history(apps):
    app = apps.apply()
    services.review_application(
        actor=apps.user("teacher_a1"), application=app, decision="reject", note="非本校学生"
    )
    row = ApplicationTransition.objects.get(application=app, event="rejected")
    assert (row.from_status, row.to_status, row.reason) == ("applied", "rejected", "非本校学生")


def test_the_history_is_append_only(apps):
    apps.apply()
    row = ApplicationTransition.objects.get()
    for statement in (
        "UPDATE enrollment_applicationtransition SET reason = 'x'",
        "DELETE FROM enrollment_applicationtransition",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert ApplicationTransition.objects.get() == row


def test_the_parents_timeline_comes_from_the_history(apps, client, login):
    """The columns forget that the class teacher flagged the application once the school
    approved it; the history does not, and neither does the parent's timeline."""
    app = apps.apply()
    services.review_application(
        actor=apps.user("teacher_a1"), application=app, decision="flag", note="需家长陪同"
    )
    apps.approve(app)
    login(apps.user("parent_a1"))
    page = client.get(reverse("family_applications")).content.decode()
    timeline = page[page.index('data-testid="steps"') :]
    timeline = timeline[: timeline.index("</ul>")]
    flagged = ApplicationTransition.objects.get(application=app, event="flagged")
    approved = ApplicationTransition.objects.get(application=app, event="approved")
    assert 'data-event="flagged"' in timeline and 'data-event="approved"' in timeline
    assert timezone.localtime(flagged.at).strftime("%Y-%m-%d %H:%M") in timeline
    assert timezone.localtime(approved.at).strftime("%Y-%m-%d") in timeline


def test_the_family_page_reads_the_history_in_a_fixed_number_of_queries(apps, client, login):
    parent = apps.user("parent_a1")
    login(parent)
    apps.approve(apps.apply())

    def n():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("family_applications")).status_code == 200
        return len(ctx.captured_queries)

    before = n()
    for _ in range(2):
        apps.approve(apps.apply(student=apps.child()))
    assert n() == before


# --------------------------------------------------------------------------- bulk approval


def _waiting(apps, count):
    plan = apps.plans["a1"]
    klass = apps.world.classes["a1"]
    return [
        ApplicationFactory(
            student=StudentFactory(school_class=klass), plan=plan, status="class_approved"
        )
        for _ in range(count)
    ]


def _approve_all(apps):
    with CaptureQueriesContext(connection) as ctx:
        result = services.approve_applications(
            actor=apps.user("principal_a1"), plan=apps.plans["a1"]
        )
    return result, ctx.captured_queries


@pytest.mark.parametrize("count", [3, 30])
def test_bulk_approval_is_set_based(apps, count):
    _waiting(apps, count)
    result, queries = _approve_all(apps)
    assert len(result.approved) == count
    assert len(queries) <= 25, [q["sql"][:120] for q in queries]
    updates = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert not any("CASE WHEN" in sql for sql in updates)  # no bulk_update
    approved = Application.objects.filter(status=ApplicationStatus.APPROVED)
    assert sorted(approved.values_list("approval_rank", flat=True)) == list(range(1, count + 1))
    assert ApplicationTransition.objects.filter(event="approved").count() == count
    assert AuditEvent.objects.filter(action="application.approved").count() == count


def test_bulk_approval_statements_do_not_grow_with_the_applications(apps):
    _waiting(apps, 3)
    few = len(_approve_all(apps)[1])
    _waiting(apps, 40)
    many = len(_approve_all(apps)[1])
    assert many == few
