"""Row-level security, the second line of tenancy (issue 14; aftercare/db_security.py).

The ORM scoping (``visible_to``) stays the first line; these tests skip it on purpose — a
"forgotten filter" — and show PostgreSQL itself returns nothing of another district."""

import pytest
from celery import shared_task
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.http import HttpResponse
from django.test import RequestFactory

from aftercare import db_security
from aftercare.audit import record_event
from enrollment.models import Student

pytestmark = pytest.mark.django_db


def _districts_of_all_students() -> set[int]:
    return set(Student.objects.values_list("district_id", flat=True))  # no scope: forgotten


def test_every_tenant_table_has_a_policy_and_the_app_role_owns_none():
    with connection.cursor() as cur:
        tables = db_security.tenant_tables(cur)
        cur.execute(
            "SELECT c.relname, c.relrowsecurity, pg_get_userbyid(c.relowner), p.qual "
            "FROM pg_class c LEFT JOIN pg_policies p "
            "ON p.tablename = c.relname AND p.policyname = %s "
            "WHERE c.relname = ANY(%s)",
            [db_security.POLICY, tables],
        )
        rows = cur.fetchall()
    assert len(tables) > 40 and "enrollment_student" in tables
    assert "aftercare_membership" not in tables  # sign-in and scope stay outside
    assert len(rows) == len(tables)
    for table, enabled, owner, qual in rows:
        assert enabled, table
        assert owner != "aftercare_app", table
        # current_setting in a sub-select (once per statement), not a function per row.
        assert qual and "current_setting('app.district'" in qual and "SELECT" in qual, table


def test_a_forgotten_filter_returns_nothing_of_another_district(world):
    assert _districts_of_all_students() == {world.a.pk, world.b.pk}  # system context
    with db_security.tenant_context([world.a.pk]):
        assert _districts_of_all_students() == {world.a.pk}
        assert not Student.objects.filter(pk=world.students["b1"].pk).exists()
        # Writes are checked too: nothing can be moved into or written for district b.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Student.objects.filter(pk=world.students["a1"].pk).update(district=world.b)
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            record_event(actor=None, action="test.rls", district=world.b)
    with db_security.tenant_context([world.a.pk, world.b.pk]):
        assert _districts_of_all_students() == {world.a.pk, world.b.pk}
    with db_security.tenant_context([]):
        assert _districts_of_all_students() == set()
    assert _districts_of_all_students() == {world.a.pk, world.b.pk}


def test_the_context_inside_a_transaction_is_local_to_it(world):
    with transaction.atomic():
        with db_security.tenant_context([world.b.pk]):
            assert _districts_of_all_students() == {world.b.pk}
        assert _districts_of_all_students() == {world.a.pk, world.b.pk}
        with db_security.tenant_context([world.a.pk]):
            try:
                with transaction.atomic():
                    assert _districts_of_all_students() == {world.a.pk}
                    raise RuntimeError
            except RuntimeError:
                pass
            # The savepoint's rollback did not take the narrowing with it.
            assert _districts_of_all_students() == {world.a.pk}
    assert _districts_of_all_students() == {world.a.pk, world.b.pk}


def test_a_connection_without_the_setting_sees_nothing(world):
    with connection.cursor() as cur:
        cur.execute("RESET app.district")
        cur.execute("SELECT count(*) FROM enrollment_student")
        count = cur.fetchone()[0]
        cur.execute("SELECT set_config('app.district', '*', false)")
    assert count == 0


def _middleware_run(user, set_user_late=False):
    """A request through TenantContextMiddleware whose view forgets the filter. With
    ``set_user_late`` the user is only known inside the view (DRF's token authentication)."""
    seen = {}

    def view(request):
        if set_user_late:
            _districts_of_all_students()  # a statement before authentication
            request.user = user
        seen["districts"] = _districts_of_all_students()
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = AnonymousUser() if set_user_late else user
    response = db_security.TenantContextMiddleware(view)(request)
    assert response.status_code == 200
    seen["after"] = _districts_of_all_students()
    return seen


@pytest.mark.parametrize("late", [False, True], ids=["session", "token"])
def test_a_request_sees_only_its_users_districts(world, late):
    for key, district in (("parent_a1", world.a), ("official_b", world.b)):
        seen = _middleware_run(world.users[key], set_user_late=late)
        assert seen["districts"] == {district.pk}, key
        assert seen["after"] == {world.a.pk, world.b.pk}  # back to the system context


def test_anonymous_requests_run_in_the_system_context(world):
    seen = _middleware_run(AnonymousUser())
    assert seen["districts"] == {world.a.pk, world.b.pk}


def test_the_real_middleware_stack_narrows_a_page(world, login):
    client = login(world.users["principal_a1"])
    _SEEN.clear()
    with connection.execute_wrapper(_spy):
        assert client.get("/").status_code in (200, 302)
    assert db_security.setting_for([world.a.pk]) in _SEEN
    assert db_security.current_setting_value() == db_security.SYSTEM


_SEEN: list = []


def _spy(execute, sql, params, many, context):
    _SEEN.append(db_security.current_setting_value())
    return execute(sql, params, many, context)


@shared_task(name="tests.rls.count_students")
def count_students(district_id: int) -> list:
    return sorted(_districts_of_all_students())


@shared_task(name="tests.rls.count_all_students")
def count_all_students() -> list:
    return sorted(_districts_of_all_students())


def test_a_celery_task_of_one_district_sees_only_it(world):
    assert count_students.delay(world.b.pk).get() == [world.b.pk]
    assert count_students.delay(district_id=world.a.pk).get() == [world.a.pk]
    # A task without a district (beat's loops) runs in the system context, even when queued
    # from a narrowed request.
    with db_security.tenant_context([world.a.pk]):
        assert count_all_students.delay().get() == sorted([world.a.pk, world.b.pk])
        assert _districts_of_all_students() == {world.a.pk}
