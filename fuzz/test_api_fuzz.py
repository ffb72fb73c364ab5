"""A bounded schemathesis run over the whole API (issue 14; ``make fuzz``).

Every operation of the OpenAPI schema, called in-process (WSGI) with generated input as three
roles of a private district — a parent, a homeroom teacher, a principal — each with a real
API token. The gate: no answer is a server error (5xx). Examples per operation and role:
``FUZZ_EXAMPLES`` (default 2: 251 operations x 3 roles, the whole run 3 min 34 s on a busy
2-core machine, migrations included); derandomized, so a failure reproduces.

The district's data is written once (committed in the test database, not rolled back between
examples: the fuzzer's writes pile up like a real client's).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from aftercare.wsgi import application

ROLES = ("parent_a1", "teacher_a1", "principal_a1")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))


@pytest.fixture(scope="module")
def tokens(django_db_blocker):
    """A test database of its own (migrated, dropped afterwards), the test world's two
    districts (two schools each, every role) and a token per role of district a."""
    from django.test.utils import setup_databases, teardown_databases

    from aftercare.services.tokens import issue_token
    from tests.conftest import build_world

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False)
        try:
            world = build_world()
            yield {role: issue_token(user=world.users[role], name="fuzz").key for role in ROLES}
        finally:
            teardown_databases(config, verbosity=0)


@pytest.fixture(autouse=True)
def _db(django_db_blocker):
    with django_db_blocker.unblock():
        yield


def _forget_throttles():
    """This process's cache keys only (the cache database is shared; see tests/conftest)."""
    client = cache._cache.get_client(None, write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def _fuzz(operation, key: str) -> None:
    @given(operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        _forget_throttles()  # the fuzzer is not an attacker to slow down
        case.call_and_validate(
            headers={"Authorization": f"Token {key}"}, checks=[not_a_server_error]
        )

    run()


@pytest.mark.parametrize("role", ROLES)
def test_no_server_error(tokens, role):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures, count = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        count += 1
        try:
            _fuzz(operation, tokens[role])
        except Exception as error:
            failures.append(f"{operation.label}: {str(error)[:800]}")
    print(f"fuzzed {count} operations as {role}, {EXAMPLES} examples each")
    assert count > 100
    assert not failures, "\n\n".join(failures)
