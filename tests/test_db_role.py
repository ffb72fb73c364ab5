"""The app's database role has only what the app needs (issue 14, aftercare/db_security.py).

The tests run as the app role (tests/conftest.py: SET ROLE after the test database is
migrated by the owner), so every statement here is the app's own."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from aftercare import db_security
from aftercare.audit import record_event

pytestmark = pytest.mark.django_db


def _refused(sql: str) -> str:
    """Run ``sql`` in a savepoint; the error PostgreSQL gave (the test fails if none)."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    return str(caught.value)


def test_connections_act_as_the_app_role_not_a_superuser_nor_the_owner():
    role = db_security.app_role()
    assert role == "aftercare_app"
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_user, r.rolsuper, r.rolbypassrls, "
            "(SELECT tableowner FROM pg_tables WHERE tablename = 'enrollment_student') "
            "FROM pg_roles r WHERE r.rolname = current_user"
        )
        user, superuser, bypassrls, owner = cur.fetchone()
    assert user == role
    assert not superuser and not bypassrls
    assert owner != role


def test_the_app_role_reads_and_writes_its_tables(world):
    from enrollment.models import Student

    student = world.students["a1"]
    Student.objects.filter(pk=student.pk).update(name="改名")
    assert Student.objects.get(pk=student.pk).name == "改名"


@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE enrollment_student CASCADE",
        "TRUNCATE aftercare_auditevent",
        "ALTER TABLE enrollment_student ADD COLUMN x int",
        "ALTER TABLE aftercare_auditevent DISABLE TRIGGER aftercare_auditevent_append_only",
        "ALTER TABLE aftercare_auditevent DISABLE TRIGGER ALL",
        "ALTER TABLE aftercare_course DISABLE TRIGGER aftercare_course_guard",
        "DROP TRIGGER aftercare_auditevent_append_only ON aftercare_auditevent",
        "DROP TRIGGER enrollment_applicationtransition_append_only "
        "ON enrollment_applicationtransition",
        "DROP TABLE aftercare_auditevent",
        "SET session_replication_role = replica",
        "CREATE TABLE public.intruder (id int)",
        "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())",
        "ALTER ROLE aftercare_app SUPERUSER",
    ],
)
def test_the_app_role_is_refused(sql):
    message = _refused(sql)
    assert "permission denied" in message or "must be" in message, message


def test_the_audit_log_is_insert_and_select_only(world):
    from aftercare.models import AuditEvent

    official = world.users["official_a"]
    record_event(actor=official, action="test.db_role", district=world.a)
    event = AuditEvent.objects.filter(action="test.db_role").get()
    for sql in (
        f"UPDATE aftercare_auditevent SET action = 'x' WHERE id = {event.pk}",
        f"DELETE FROM aftercare_auditevent WHERE id = {event.pk}",
    ):
        assert "permission denied" in _refused(sql)
    assert AuditEvent.objects.filter(pk=event.pk, action="test.db_role").exists()


def test_owner_mode_is_what_migrate_and_flush_use():
    with db_security.owner_mode(), connection.cursor() as cur:
        cur.execute("SELECT current_user")
        assert cur.fetchone()[0] != "aftercare_app"
    with connection.cursor() as cur:
        cur.execute("SELECT current_user")
        assert cur.fetchone()[0] == "aftercare_app"


def test_privileges_are_reapplied_idempotently():
    with db_security.owner_mode():
        db_security.apply_privileges()
        db_security.apply_privileges()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT has_table_privilege('aftercare_app', 'enrollment_student', 'TRUNCATE'), "
            "has_table_privilege('aftercare_app', 'enrollment_student', 'DELETE'), "
            "has_table_privilege('aftercare_app', 'aftercare_auditevent', 'INSERT'), "
            "has_table_privilege('aftercare_app', 'aftercare_auditevent', 'UPDATE'), "
            "has_table_privilege('aftercare_app', 'enrollment_student', 'TRIGGER')"
        )
        assert cur.fetchone() == (False, True, True, False, False)
