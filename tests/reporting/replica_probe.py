"""Run by tests/reporting/test_replica.py in a process of its own, with DATABASE_URL on a
private primary and DATABASE_REPLICA_URL on its streaming replica: one phase per call, the
result printed as one line of JSON.

    python -m tests.reporting.replica_probe seed    # rows on the primary
    python -m tests.reporting.replica_probe serve   # the pages with the replica up
    python -m tests.reporting.replica_probe down    # the pages with the replica stopped
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings_test")

import django

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from aftercare.db_router import reading_from_replica  # noqa: E402
from aftercare.models import AuditEvent, District, Membership, Role, School, Semester, User  # noqa: E402
from reporting.models import Alert, SchoolDay  # noqa: E402

DAY = date(2026, 10, 12)


def seed() -> dict:
    district = District.objects.create(code="replica", name="副本区教育局")
    school = School.objects.create(district=district, code="r1", name="副本小学")
    Semester.objects.create(
        district=district,
        name="副本学期",
        start_date=DAY - timedelta(days=30),
        end_date=DAY + timedelta(days=60),
    )
    official = User.objects.create_user("replica-official", "x")
    Membership.objects.create(user=official, district=district, role=Role.DISTRICT_OFFICIAL)
    SchoolDay.objects.bulk_create(
        SchoolDay(
            district=district,
            school=school,
            date=DAY + timedelta(days=d),
            marks=100,
            present=95,
            absent=5,
            sessions=3,
            refreshed_at=timezone.now(),
        )
        for d in range(5)
    )
    return {"schooldays": SchoolDay.objects.count()}


def _client() -> Client:
    client = Client()
    client.force_login(
        User.objects.get(username="replica-official"),
        backend="aftercare.auth.MobileOrUsernameBackend",
    )
    return client


def _tables(queries) -> list[str]:
    return sorted(
        {t for q in queries for t in ("reporting_schoolday", "reporting_alert") if t in q["sql"]}
    )


def serve() -> dict:
    client = _client()
    replica, primary = connections["replica"], connections["default"]
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(primary) as on_primary:
        page = client.get("/district/dashboard/")
        export = client.get("/district/dashboard/", {"export": "operation"})
    # (captured_queries is a slice of the connection's log: read it before the next request
    # resets the log)
    replica_tables = _tables(on_replica.captured_queries)
    primary_tables = _tables(on_primary.captured_queries)
    primary_writes = [
        q["sql"][:40]
        for q in on_primary.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    with replica.cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        in_recovery = cur.fetchone()[0]
    # A write inside a replica block goes to the primary (the standby would refuse it).
    district = District.objects.get(code="replica")
    with reading_from_replica():
        alert = Alert.objects.create(
            district=district,
            semester=Semester.objects.get(district=district),
            rule="plan_unapproved",
            key="probe",
            subject_type="school",
            subject_id="x",
            subject_label="x",
            message="probe",
            first_seen_at=timezone.now(),
            last_seen_at=timezone.now(),
            state_changed_at=timezone.now(),
        )
    written_on_primary = Alert.objects.using("default").filter(pk=alert.pk).exists()
    refused = ""
    try:
        with replica.cursor() as cur:
            cur.execute("INSERT INTO reporting_alert (key) VALUES ('direct')")
    except Exception as error:
        refused = str(error).splitlines()[0]
    lag = client.get("/district/dashboard/replica/")
    return {
        "page": page.status_code,
        "fallback": 'data-testid="replica-fallback"' in page.content.decode(),
        "export": export.status_code,
        "export_audited": AuditEvent.objects.filter(action="reporting.exported").exists(),
        "replica_tables": replica_tables,
        "primary_tables": primary_tables,
        "primary_writes": primary_writes,
        "in_recovery": in_recovery,
        "written_on_primary": written_on_primary,
        "replica_refused_write": refused,
        "lag_page": lag.status_code,
        "lag_shown": 'data-testid="replica-lag"' in lag.content.decode(),
    }


def down() -> dict:
    client = _client()
    primary = connections["default"]
    with CaptureQueriesContext(primary) as on_primary:
        page = client.get("/district/dashboard/")
        again = client.get("/district/alerts/")
    primary_tables = _tables(on_primary.captured_queries)
    lag = client.get("/district/dashboard/replica/")
    return {
        "page": page.status_code,
        "fallback": 'data-testid="replica-fallback"' in page.content.decode(),
        "alerts": again.status_code,
        "primary_tables": primary_tables,
        "lag_page": lag.status_code,
        "lag_says_down": "replica-state" in lag.content.decode()
        and 'class="error"' in lag.content.decode(),
    }


if __name__ == "__main__":
    phase = sys.argv[1]
    print(json.dumps({"seed": seed, "serve": serve, "down": down}[phase]()))
