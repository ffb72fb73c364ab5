"""Audit events: written by services, append-only everywhere, browsable by officials."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from aftercare import db_security, services
from aftercare.audit import record_event
from aftercare.models import AuditEvent, CalendarKind

pytestmark = pytest.mark.django_db


def test_service_writes_an_event_with_actor_object_and_payload(world):
    official = world.users["official_a"]
    semester = services.create_semester(
        actor=official,
        district=world.a,
        name="2027春",
        start_date=date(2027, 2, 20),
        end_date=date(2027, 7, 5),
    )
    event = AuditEvent.objects.get(action="semester.created")
    assert event.actor == official
    assert event.district == world.a
    assert event.object_id == str(semester.public_id)
    assert event.payload == {"start_date": "2027-02-20", "end_date": "2027-07-05"}


def test_failed_service_call_writes_nothing(world):
    from aftercare.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.create_semester(
            actor=world.users["official_a"],
            district=world.a,
            name="坏学期",
            start_date=date(2027, 2, 20),
            end_date=date(2027, 2, 1),
        )
    assert not AuditEvent.objects.filter(action="semester.created").exists()


def test_events_cannot_be_changed_through_the_orm(world):
    event = record_event(actor=world.users["official_a"], action="x.done", obj=world.a)
    event.action = "x.undone"
    with pytest.raises(AuditEvent.Immutable):
        event.save()
    with pytest.raises(AuditEvent.Immutable):
        event.delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE aftercare_auditevent SET action = 'tampered'",
        "DELETE FROM aftercare_auditevent",
    ],
)
def test_database_refuses_update_and_delete(world, statement):
    record_event(actor=world.users["official_a"], action="x.done", obj=world.a)
    # The app role may not even try (no UPDATE/DELETE grant: tests/test_db_role.py); the
    # trigger is the line that holds for the owner too.
    with (
        db_security.owner_mode(),
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.filter(action="x.done").count() == 1


def test_bulk_queryset_update_is_refused(world):
    record_event(actor=world.users["official_a"], action="x.done", obj=world.a)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="tampered")


def test_official_browses_and_filters_own_district_events(world, client, login):
    record_event(
        actor=world.users["principal_a1"], action="plan.submitted", obj=world.schools["a1"]
    )
    record_event(actor=world.users["official_a"], action="semester.created", obj=world.a)
    record_event(actor=world.users["official_b"], action="plan.submitted", obj=world.schools["b1"])
    login(world.users["official_a"])

    page = client.get(reverse("audit_log"))
    rows = list(page.context["page"])
    assert {e.action for e in rows} == {"plan.submitted", "semester.created"}
    assert all(e.district_id == world.a.pk for e in rows)

    filtered = client.get(reverse("audit_log"), {"action": "plan."})
    assert [e.action for e in filtered.context["page"]] == ["plan.submitted"]
    by_school = client.get(reverse("audit_log"), {"school": world.schools["a1"].public_id})
    assert [e.school for e in by_school.context["page"]] == [world.schools["a1"]]

    csv = client.get(reverse("audit_log"), {"export": "csv"})
    text = b"".join(csv.streaming_content).decode("utf-8-sig")  # streamed (no cut)
    assert "plan.submitted" in text and "semester.created" in text
    assert text.count("\n") == 3  # header + 2 events, nothing of district b


def test_audit_page_is_for_officials_only(world, client, login):
    login(world.users["principal_a1"])
    assert client.get(reverse("audit_log")).status_code == 403


def test_api_audit_events_read_only(world, api):
    record_event(actor=world.users["official_a"], action="semester.created", obj=world.a)
    client = api(world.users["official_a"])
    listing = client.get("/api/v1/audit-events/")
    assert listing.status_code == 200
    assert [e["action"] for e in listing.json()["results"]] == ["semester.created"]
    event_id = listing.json()["results"][0]["id"]
    assert client.delete(f"/api/v1/audit-events/{event_id}/").status_code == 405
    assert client.patch(f"/api/v1/audit-events/{event_id}/", {"action": "x"}).status_code == 405
    assert api(world.users["principal_a1"]).get("/api/v1/audit-events/").status_code == 403


def test_staff_read_of_a_child_record_is_audited(world, client, login):
    student = world.students["a1"]
    login(world.users["teacher_a1"])
    assert client.get(reverse("student_detail", args=[student.public_id])).status_code == 200
    event = AuditEvent.objects.get(action="student.viewed")
    assert event.actor == world.users["teacher_a1"]
    assert event.object_id == str(student.public_id)
    # A parent looking at their own child is not a staff read.
    login(world.users["parent_a1"])
    client.get(reverse("student_detail", args=[student.public_id]))
    assert AuditEvent.objects.filter(action="student.viewed").count() == 1


def test_calendar_exception_is_audited(world):
    semester = world.semesters["a"]
    services.add_calendar_exception(
        actor=world.users["official_a"],
        semester=semester,
        day=date(2026, 10, 1),
        kind=CalendarKind.HOLIDAY,
        note="国庆节",
    )
    event = AuditEvent.objects.get(action="calendar.exception_added")
    assert event.payload == {"date": "2026-10-01", "kind": "holiday", "note": "国庆节"}
