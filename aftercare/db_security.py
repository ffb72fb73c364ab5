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
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created

AUDIT_TABLE = "aftercare_auditevent"
READ_ONLY_TABLES = ("django_migrations",)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Owner mode: new connections keep the connecting user's own privileges (no SET ROLE).
_owner_mode = False


def app_role() -> str:
    """The app role's name, or "" when least privilege is switched off."""
    role = getattr(settings, "DATABASE_APP_ROLE", "") or ""
    if role and not _ROLE_NAME.match(role):
        raise ValueError(f"DATABASE_APP_ROLE {role!r} is not a plain lower-case identifier")
    return role


def _connects_as_app_role(conn) -> bool:
    return conn.settings_dict.get("USER") == app_role()


def _needs_set_role(conn) -> bool:
    return bool(app_role()) and not _owner_mode and not _connects_as_app_role(conn)


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
    """Hook for the tenant context (aftercare.db_security, RLS part)."""
    return []


def connect_signals() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="aftercare.db_security")


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
    previous = _owner_mode
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


# --------------------------------------------------------------------------- statistics


def analyze(*tables: str, using: str = "default") -> None:
    """Refresh the planner's statistics of every table, also inside a transaction that has
    just written many rows (the demo seed): autovacuum cannot see uncommitted rows, and a
    planner that still believes a table empty picks nested loops that take minutes on a few
    hundred rows. ANALYZE needs the tables' owner: outside a transaction through
    ``owner_mode()``; inside one, in SET ROLE mode, as the connecting user for the statement
    only; a connection inside a transaction that logs in as the app role analyzes what it may
    (PostgreSQL skips the rest with a notice). ``tables``: those only, else every table."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    statement = f"ANALYZE {', '.join(conn.ops.quote_name(t) for t in tables)}"
    if not conn.in_atomic_block:
        with owner_mode(using) as owner, owner.cursor() as cur:
            cur.execute(statement)
        return
    # Inside a transaction owner_mode() may neither reopen the connection nor change the
    # session's role: SET LOCAL lasts until the transaction ends, so the app role comes back.
    with conn.cursor() as cur:
        if _needs_set_role(conn):
            cur.execute("SET LOCAL ROLE NONE")
            cur.execute(statement)
            cur.execute(f"SET LOCAL ROLE {app_role()}")
        else:
            cur.execute(statement)
