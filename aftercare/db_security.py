"""Least-privilege database access: migrations as the owner, the app as a restricted role.

Two roles:

* the **owner** — whoever runs ``migrate`` (``DATABASE_OWNER_URL`` when set, else the
  ``DATABASE_URL`` user). It creates and owns every table, sequence and trigger;
* the **app role** (``DATABASE_APP_ROLE``, default ``aftercare_app``) — what web, worker and
  beat act as. It gets SELECT/INSERT/UPDATE/DELETE on the tables and USAGE on the
  sequences, nothing more: no TRUNCATE, no TRIGGER, no REFERENCES, not the owner (so no
  ALTER TABLE, no DISABLE TRIGGER, no DROP), not a superuser (so no
  ``session_replication_role``). The audit log is INSERT + SELECT only; ``django_migrations``
  SELECT only.

How a process comes to act as the app role:

* **directly** (production, docker-compose): ``DATABASE_URL`` names the app role itself
  (``postgres://aftercare_app:…``) and ``DATABASE_OWNER_URL`` the owner, used by ``migrate``
  only. ``migrate`` creates the app role with ``LOGIN`` and the password of ``DATABASE_URL``;
* **by SET ROLE** (a developer's trust-auth server, ``make run``'s embedded PostgreSQL, the
  tests): ``DATABASE_URL`` names a privileged user; every new connection runs
  ``SET ROLE aftercare_app`` (``connection_created``), except in *owner mode*: ``migrate``,
  ``flush`` and the test-database set-up/tear-down (``owner_mode()``). SET ROLE can be undone
  by ``RESET ROLE``, so it is no defence against SQL injection: production connects as the
  role itself. For the tests it gives the same privileges on every statement the app runs.

``migrate`` ends with ``apply_privileges()`` (idempotent: the role is created if missing,
grants are re-issued over every table, so tables added by any later migration are covered).
"""

from __future__ import annotations

import contextlib
import inspect
import re
from contextvars import ContextVar
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created

AUDIT_TABLE = "aftercare_auditevent"
READ_ONLY_TABLES = ("django_migrations",)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Owner mode: new connections keep the connecting user's own privileges (no SET ROLE).
# None: DATABASE_START_AS_OWNER decides (a benchmark's own process sets up data as the owner).
_owner_mode: bool | None = None


def _in_owner_mode() -> bool:
    global _owner_mode
    if _owner_mode is None:
        _owner_mode = bool(getattr(settings, "DATABASE_START_AS_OWNER", False))
    return _owner_mode


def app_role() -> str:
    """The app role's name, or "" when least privilege is switched off."""
    role = getattr(settings, "DATABASE_APP_ROLE", "") or ""
    if role and not _ROLE_NAME.match(role):
        raise ValueError(f"DATABASE_APP_ROLE {role!r} is not a plain lower-case identifier")
    return role


def _connects_as_app_role(conn) -> bool:
    return conn.settings_dict.get("USER") == app_role()


def _needs_set_role(conn) -> bool:
    return bool(app_role()) and not _in_owner_mode() and not _connects_as_app_role(conn)


def _on_connection_created(sender, connection, **kwargs) -> None:
    if connection.vendor != "postgresql":
        return
    statements = []
    if _needs_set_role(connection):
        statements.append(f"SET ROLE {app_role()}")
    statements.extend(_connection_init_statements(connection))
    if statements:
        with connection.connection.cursor() as cur:
            cur.execute("; ".join(statements))


def _connection_init_statements(connection) -> list[str]:
    """Every new connection starts in the system context, and gets the wrapper that keeps
    its tenant setting equal to the context of the code running (row-level security)."""
    if not rls_enabled():
        return []
    connection._tenant_session = SYSTEM
    connection._tenant_block = None
    connection._tenant_local = False
    if _keep_tenant_setting not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _keep_tenant_setting)
    return [f"SELECT set_config('{TENANT_SETTING}', '{SYSTEM}', false)"]


def connect_signals() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="aftercare.db_security")
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, dispatch_uid="aftercare.db_security.prerun", weak=False)
    task_postrun.connect(_task_ended, dispatch_uid="aftercare.db_security.postrun", weak=False)


# --------------------------------------------------------------------------- owner mode


def _owner_credentials() -> dict | None:
    url = getattr(settings, "DATABASE_OWNER_URL", "") or ""
    if not url:
        return None
    parts = urlsplit(url)
    return {
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


def _set_role_on_open(conn, act_as_app: bool) -> None:
    if conn.connection is None or conn.vendor != "postgresql":
        return
    with conn.connection.cursor() as cur:
        cur.execute(f"SET ROLE {app_role()}" if act_as_app else "RESET ROLE")


@contextlib.contextmanager
def owner_mode(using: str = "default"):
    """Run the block with the owner's privileges: the owner's credentials when
    ``DATABASE_OWNER_URL`` is set (the connection is reopened with them), else the connecting
    user's own (``RESET ROLE`` on an open connection)."""
    global _owner_mode
    previous = _in_owner_mode()
    conn = connections[using]
    owner = _owner_credentials()
    saved = None
    if owner and any(conn.settings_dict.get(k) != v for k, v in owner.items() if v):
        saved = {k: conn.settings_dict.get(k) for k in owner}
        conn.close()
        conn.settings_dict.update({k: v for k, v in owner.items() if v})
    _owner_mode = True
    if saved is None and app_role() and not _connects_as_app_role(conn):
        _set_role_on_open(conn, act_as_app=False)
    try:
        yield conn
    finally:
        _owner_mode = previous
        if saved is not None:
            conn.close()
            conn.settings_dict.update(saved)
        elif not previous and _needs_set_role(conn):
            _set_role_on_open(conn, act_as_app=True)


def start_as_owner() -> None:
    """Tests: the process starts in owner mode (pytest-django creates and migrates the test
    database), then ``act_as_app_role()`` once that is done."""
    global _owner_mode
    _owner_mode = True


def act_as_app_role() -> None:
    global _owner_mode
    _owner_mode = False
    for conn in connections.all(initialized_only=True):
        if _needs_set_role(conn):
            _set_role_on_open(conn, act_as_app=True)


def back_to_owner() -> None:
    global _owner_mode
    _owner_mode = True
    for conn in connections.all(initialized_only=True):
        if app_role() and not _connects_as_app_role(conn):
            _set_role_on_open(conn, act_as_app=False)


# --------------------------------------------------------------------------- privileges


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_role_sql(role: str) -> str:
    """Create ``role`` (NOLOGIN) unless it exists. Roles are cluster-wide: two databases (test
    processes, checkouts) may create it at the same moment; the loser's error is swallowed.
    scripts/dev.py runs the same statement on the embedded cluster."""
    if not _ROLE_NAME.match(role):
        raise ValueError(role)
    # A checked identifier, no input.
    return (
        "DO $$ BEGIN "  # noqa: S608
        f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_quote_literal(role)}) THEN "
        f"BEGIN CREATE ROLE {role} NOLOGIN; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; "
        "END IF; END $$"
    )


def apply_privileges(using: str = "default") -> None:
    """Create the app role if missing and grant it exactly what the app needs (idempotent;
    run by ``migrate`` as the owner, after the migrations)."""
    role = app_role()
    if not role:
        return
    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    app_db = settings.DATABASES.get(using, {})
    login_password = app_db.get("PASSWORD") if app_db.get("USER") == role else None
    with conn.cursor() as cur:
        cur.execute(create_role_sql(role))
        cur.execute(
            f"ALTER ROLE {role} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        )
        if app_db.get("USER") == role:
            # Production: the app logs in as the role itself, with DATABASE_URL's password.
            if login_password:
                cur.execute(f"ALTER ROLE {role} LOGIN PASSWORD %s", [login_password])
            else:
                cur.execute(f"ALTER ROLE {role} LOGIN")
        else:
            # SET ROLE needs membership unless the connecting user is a superuser.
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not cur.fetchone()[0]:
                cur.execute(
                    "SELECT pg_has_role(current_user, %s, 'MEMBER')",
                    [role],
                )
                if not cur.fetchone()[0]:
                    cur.execute(f"GRANT {role} TO current_user")
        database = conn.ops.quote_name(conn.settings_dict["NAME"])
        cur.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}")
        cur.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cur.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        cur.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        )
        cur.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
        cur.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [AUDIT_TABLE])
        if cur.fetchone()[0]:
            cur.execute(f"REVOKE UPDATE, DELETE ON {AUDIT_TABLE} FROM {role}")
        for table in READ_ONLY_TABLES:
            cur.execute(f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM {role}")
        # Tables the owner creates later outside `migrate` (a benchmark's) get the same.
        cur.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
        )
        cur.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO {role}")
    apply_row_level_security(using)


# --------------------------------------------------------------------------- row-level security
#
# The second line of tenancy (issue 14). Every table with a ``district_id`` column (but the
# exemptions below) gets a policy for the app role:
#
#     district_id IS NULL                                   -- rows of no district
#     OR current_setting('app.district', true) = '*'        -- the system context
#     OR district_id = ANY (the districts in the setting)   -- '3' or '3,7'
#
# each ``current_setting`` inside a scalar sub-select, so PostgreSQL evaluates it once per
# statement (an InitPlan), not per row. No setting at all (a connection that never set it,
# e.g. psql as the app role) and '' (a user of no district) see nothing.
#
# Who sets what:
#   * a web request of a signed-in user with memberships: their districts
#     (TenantContextMiddleware, resolved lazily at the first statement after the user is known,
#     so DRF's token authentication inside the view is covered too);
#   * an anonymous request (sign-up, login, public pages that find their district from the
#     URL) and a signed-in user of no membership yet (binding a first child): the system
#     context — the ORM scoping is then the only line;
#   * a Celery task with a ``district_id`` argument: that district; any other task (beat's
#     cross-district loops, the outbox) and management commands: the system context, the
#     explicit default of every connection.
#
# The setting is session-level when set outside a transaction and transaction-local
# (``set_config(..., true)``) inside one: requests are not one transaction here (services open
# their own atomic blocks), so ``SET LOCAL`` alone would vanish after the first statement. A
# session value is set only in autocommit, where no rollback can revert it, and is put back to
# the system context when the request or task ends; inside a transaction a local value is
# re-sent with each statement until the transaction is over (rollbacks to a savepoint cannot
# leave a stale value behind).

TENANT_SETTING = "app.district"
SYSTEM = "*"
POLICY = "tenant_district"
# Outside RLS: who may sign in and in which role (read to build the scope itself), and the
# schools' directory (a parent binds a child by school before having any membership there).
RLS_EXEMPT = frozenset({"aftercare_membership", "aftercare_school"})

_context: ContextVar = ContextVar("aftercare_tenant_context", default=SYSTEM)


def rls_enabled() -> bool:
    return bool(getattr(settings, "DATABASE_RLS", True)) and bool(app_role())


def setting_for(district_ids) -> str:
    return ",".join(str(int(d)) for d in sorted(set(district_ids)))


def current_setting_value() -> str:
    ctx = _context.get()
    return ctx if isinstance(ctx, str) else ctx.resolve()


@contextlib.contextmanager
def tenant_context(district_ids):
    """Run the block as seeing only ``district_ids`` (a system job visiting each district)."""
    token = _context.set(setting_for(district_ids))
    try:
        yield
    finally:
        _context.reset(token)


@contextlib.contextmanager
def system_context():
    """Run the block across districts (explicit, for cross-district jobs inside a request)."""
    token = _context.set(SYSTEM)
    try:
        yield
    finally:
        _context.reset(token)


class _RequestTenant:
    """The request's districts, found at the first statement after the user is known."""

    __slots__ = ("busy", "key", "request", "value")

    def __init__(self, request) -> None:
        self.request = request
        self.key = None
        self.value = SYSTEM
        self.busy = False

    def resolve(self) -> str:
        if self.busy:  # the queries that load the user and their memberships themselves
            return SYSTEM
        self.busy = True
        try:
            user = getattr(self.request, "user", None)
            if user is None or not user.is_authenticated:
                return SYSTEM
            if user.pk != self.key:
                from aftercare.tenancy import scope_for

                districts = scope_for(self.request).member_districts
                self.value = setting_for(districts) if districts else SYSTEM
                self.key = user.pk
            return self.value
        finally:
            self.busy = False


class TenantContextMiddleware:
    """Narrow the request's statements to its user's districts (row-level security)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not rls_enabled():
            return self.get_response(request)
        token = _context.set(_RequestTenant(request))
        try:
            response = self.get_response(request)
        except BaseException:
            _context.reset(token)
            raise
        if getattr(response, "streaming", False):
            # The body is produced after this returns: narrowed until the response closes.
            response._resource_closers.append(lambda: _context.set(SYSTEM))
        else:
            _context.reset(token)
        return response


def _only_test_blocks(conn) -> bool:
    blocks = conn.atomic_blocks
    return bool(blocks) and all(getattr(b, "_from_testcase", False) for b in blocks)


def _keep_tenant_setting(execute, sql, params, many, context):
    conn = context["connection"]
    want = current_setting_value()
    session = conn._tenant_session
    block = conn._tenant_block
    if block is not None and not (conn.atomic_blocks and conn.atomic_blocks[0] is block):
        session = None  # set inside a test's transaction, since rolled back
    if want == session and not conn._tenant_local:
        return execute(sql, params, many, context)
    tests_only = _only_test_blocks(conn)
    local = conn.in_atomic_block and not tests_only
    raw = getattr(context["cursor"], "cursor", None)
    if many or raw is None or getattr(raw, "name", None) or not _SAFE_VALUE.match(want):
        # executemany, or a server-side cursor (DECLARE takes one statement): a round trip.
        with conn.connection.cursor() as cur:
            cur.execute("SELECT set_config(%s, %s, %s)", [TENANT_SETTING, want, local])
        _record(conn, want, local, tests_only)
        return execute(sql, params, many, context)
    # The setting rides in the statement's own round trip (psycopg2 sends both as one query
    # string, the statement's result is the one returned). The value is digits, commas or
    # "*" (checked above); "%" never occurs in it, so parameter interpolation is unaffected.
    flag = "true" if local else "false"
    prefixed = f"SELECT set_config('{TENANT_SETTING}', '{want}', {flag}); {sql}"
    _record(conn, want, local, tests_only)
    try:
        return execute(prefixed, params, many, context)
    except Exception:
        # Both ran in one implicit transaction: a failed statement took the setting with it.
        conn._tenant_session = None
        raise


_SAFE_VALUE = re.compile(r"^(\*|[0-9,]*)$")


def _record(conn, want: str, local: bool, tests_only: bool) -> None:
    if local:
        conn._tenant_local = True
    else:
        conn._tenant_session = want
        conn._tenant_local = False
        # Under a test's wrapping transaction the value lasts until that rolls back.
        conn._tenant_block = conn.atomic_blocks[0] if tests_only else None


_task_tokens: dict = {}


def _task_district(task, args, kwargs):
    if "district_id" in (kwargs or {}):
        return kwargs["district_id"]
    try:
        bound = inspect.signature(task.run).bind_partial(*(args or ()), **(kwargs or {}))
    except (TypeError, ValueError):
        return None
    return bound.arguments.get("district_id")


def _task_started(sender=None, task_id=None, task=None, args=None, kwargs=None, **_):
    if not rls_enabled():
        return
    district = _task_district(task or sender, args, kwargs)
    value = setting_for([district]) if isinstance(district, int) else SYSTEM
    _task_tokens[task_id] = _context.set(value)


def _task_ended(sender=None, task_id=None, **_):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _context.reset(token)
        except ValueError:
            _context.set(SYSTEM)


def tenant_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.table_name FROM information_schema.columns c "
        "JOIN pg_tables t ON t.schemaname = c.table_schema AND t.tablename = c.table_name "
        "WHERE c.table_schema = 'public' AND c.column_name = 'district_id' ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall() if row[0] not in RLS_EXEMPT]


def policy_sql(table: str, role: str) -> str:
    setting = f"current_setting('{TENANT_SETTING}', true)"
    return (
        f"CREATE POLICY {POLICY} ON {table} TO {role} USING ("
        "district_id IS NULL "
        f"OR (SELECT {setting}) = '{SYSTEM}' "
        f"OR district_id = ANY ((SELECT string_to_array(NULLIF({setting}, '{SYSTEM}'), ','))"
        "::bigint[]))"
    )


def apply_row_level_security(using: str = "default") -> None:
    """Enable (or, with DATABASE_RLS off, remove) the policies; run by ``migrate`` as the
    owner, idempotently, over every tenant table there is now."""
    role = app_role()
    conn = connections[using]
    if not role or conn.vendor != "postgresql":
        return
    with conn.cursor() as cur:
        for table in tenant_tables(cur):
            cur.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
            if rls_enabled():
                cur.execute(policy_sql(table, role))
                cur.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            else:
                cur.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
