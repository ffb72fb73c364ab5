"""Shared fixtures: two districts × two schools, every role, and an outsider family.

``world`` is the tenant matrix every cross-tenant test uses:
    world.a / world.b            districts
    world.schools["a1"], …       schools a1, a2 (district a) and b1, b2 (district b)
    world.classes["a1"]          a grade-3 class of a1 whose homeroom teacher is teacher_a1
    world.students["a1"]         a student of that class; world.semesters["a"] / ["b"]
    world.users["official_a"]    a district official of a
    world.users["principal_a1"]  principal of a1, also "admin_a1", "teacher_a1", "care_a1"
    world.users["parent_a1"]     guardian of world.students["a1"]
    world.users["outsider"]      the parent of a child in b2 (another district)
"""

import logging
import os
from dataclasses import dataclass, field
from datetime import date

import pytest

from aftercare import db_security
from aftercare.models import Role
from tests.factories import (
    PASSWORD,
    DistrictFactory,
    GuardianshipFactory,
    ParentUserFactory,
    SchoolClassFactory,
    SchoolFactory,
    SemesterFactory,
    StudentFactory,
    UserFactory,
    member,
)

# The test database is created and migrated as the owner; _tests_act_as_app_role below.
db_security.start_as_owner()

# Playwright's sync API runs an event loop in the test thread; Django's ORM is still used
# synchronously there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class World:
    a: object = None
    b: object = None
    schools: dict = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    students: dict = field(default_factory=dict)
    semesters: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)


def build_world() -> World:
    w = World(a=DistrictFactory(code="dist-a"), b=DistrictFactory(code="dist-b"))
    for district_key, district in (("a", w.a), ("b", w.b)):
        w.semesters[district_key] = SemesterFactory(
            district=district, start_date=date(2026, 9, 1), end_date=date(2027, 1, 22)
        )
        w.users[f"official_{district_key}"] = member(
            UserFactory(username=f"official-{district_key}"),
            Role.DISTRICT_OFFICIAL,
            district=district,
        )
        for n in (1, 2):
            key = f"{district_key}{n}"
            school = SchoolFactory(district=district, code=f"s-{key}")
            w.schools[key] = school
            teacher = member(
                UserFactory(username=f"teacher-{key}"), Role.HOMEROOM_TEACHER, school=school
            )
            w.users[f"teacher_{key}"] = teacher
            for role, prefix in (
                (Role.PRINCIPAL, "principal"),
                (Role.SCHOOL_ADMIN, "admin"),
                (Role.CARE_TEACHER, "care"),
            ):
                w.users[f"{prefix}_{key}"] = member(
                    UserFactory(username=f"{prefix}-{key}"), role, school=school
                )
            w.classes[key] = SchoolClassFactory(school=school, grade=3, homeroom_teacher=teacher)
            student = StudentFactory(school_class=w.classes[key])
            w.students[key] = student
            parent = member(ParentUserFactory(), Role.PARENT, school=school)
            GuardianshipFactory(student=student, user=parent)
            w.users[f"parent_{key}"] = parent
    w.users["outsider"] = w.users["parent_b2"]
    return w


def _only_test_blocks(connection) -> bool:
    blocks = connection.atomic_blocks
    return bool(blocks) and all(block._from_testcase for block in blocks)


@pytest.fixture(autouse=True)
def _on_commit_as_in_production(monkeypatch):
    """``transaction.on_commit`` as production runs it, inside the ``db`` fixture's wrapping
    transaction too: a callback runs when the outermost transaction *of the code under test*
    commits (or at once outside one), and is dropped when it rolls back. Without this, side
    effects recorded by services (``aftercare.notifications``) would never run in tests, or
    tests would have to flush them by hand. ``transaction=True`` tests are unaffected (they
    have no wrapping transaction)."""
    from django.db import transaction
    from django.db.backends.base.base import BaseDatabaseWrapper

    original_on_commit = BaseDatabaseWrapper.on_commit
    original_exit = transaction.Atomic.__exit__

    def on_commit(self, func, robust=False):
        if self.in_atomic_block and _only_test_blocks(self):
            func()  # no transaction of the code under test is open: as in autocommit
        else:
            original_on_commit(self, func, robust)

    def exit_(self, exc_type, exc_value, tb):
        connection = transaction.get_connection(self.using)
        result = original_exit(self, exc_type, exc_value, tb)
        if not self._from_testcase and _only_test_blocks(connection):
            callbacks, connection.run_on_commit = connection.run_on_commit, []
            if exc_type is None and not connection.needs_rollback:
                for _sids, func, robust in callbacks:
                    if not robust:
                        func()
                        continue
                    try:
                        func()
                    except Exception:
                        logging.getLogger("django.db.backends.base").exception("on_commit")
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_)
    yield


@pytest.fixture(scope="session", autouse=True)
def _tests_act_as_app_role(django_db_setup, django_db_blocker):
    """pytest-django creates and migrates the test database as the owner; the tests then run
    as the least-privilege app role (SET ROLE on every connection; aftercare/db_security.py),
    like web, worker and beat. Tear-down drops the database as the owner again."""
    from aftercare import db_security

    with django_db_blocker.unblock():
        db_security.act_as_app_role()
    yield
    with django_db_blocker.unblock():
        db_security.back_to_owner()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached health results must not leak between tests. Only this
    test process's keys go (its own prefix, settings_test): a FLUSHDB would empty the cache
    of the other pytest-xdist workers in the middle of their tests."""
    from django.core.cache import cache

    client = cache._cache.get_client(None, write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    yield


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def login(client):
    """Log the test client in as a user (forcing the session, no throttling involved)."""

    def _login(user):
        client.force_login(user, backend="aftercare.auth.MobileOrUsernameBackend")
        return client

    return _login


@pytest.fixture
def api(db):
    from rest_framework.test import APIClient

    def _api(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _api


@pytest.fixture
def password():
    return PASSWORD
