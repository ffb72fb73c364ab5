"""The dashboard's pages: who sees them, masking by role, exports, the recompute button, the
district home section, the inspector's landing, query counts."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftercare.models import AuditEvent, Role
from attendance.models import AttendanceMark
from plans.models import PlanVersion
from reporting.models import Alert, RollupRun
from reporting.rollups import refresh_rollups
from reporting.services.alerts import recompute_alerts
from tests.attendance.world import at
from tests.factories import SchoolFactory, UserFactory, member
from tests.reporting.world import DAYS, build_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def op(world):
    op = build_operation(world)
    marked_at = at(16, 0, DAYS[0])
    for daily, student, group in op.children:
        for session in op.sessions:
            if session.group_id == group.pk:
                AttendanceMark.objects.create(
                    district=session.district,
                    school_id=session.school_id,
                    session=session,
                    student=student,
                    date=session.date,
                    status="absent" if student.pk % 3 == 0 else "present",
                    marked_by=daily.user("care"),
                    first_marked_at=marked_at,
                    marked_at=marked_at,
                )
    refresh(op)
    return op


def refresh(op):
    for daily in op.schools.values():
        refresh_rollups(
            district=op.district, start=DAYS[0], end=DAYS[-1], semesters=[daily.semester]
        )


@pytest.fixture
def inspector(world):
    return member(
        UserFactory(username="inspector-a", full_name="督学甲"), Role.INSPECTOR, district=world.a
    )


def period(op):
    daily = op.schools["a1"]
    return {"semester": str(daily.semester.public_id), "from": str(DAYS[0]), "to": str(DAYS[-1])}


# --------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize(
    ("user_key", "status"),
    [
        ("official_a", 200),
        ("inspector", 200),
        ("principal_a1", 403),
        ("teacher_a1", 403),
        ("parent_a1", 403),
    ],
)
def test_who_sees_the_dashboard(op, client, login, inspector, user_key, status):
    user = inspector if user_key == "inspector" else op.world.users[user_key]
    login(user)
    assert client.get(reverse("reporting_dashboard")).status_code == status
    assert client.get(reverse("reporting_alerts")).status_code == status
    school = op.world.schools["a1"]
    assert client.get(reverse("reporting_school", args=[school.public_id])).status_code == status


def test_anonymous_goes_to_the_login(client):
    response = client.get(reverse("reporting_dashboard"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_dashboard_shows_the_figures_of_the_rollups(op, client, login):
    login(op.world.users["official_a"])
    response = client.get(reverse("reporting_dashboard"), period(op))
    html = response.content.decode()
    assert response.status_code == 200
    for school in (op.world.schools["a1"], op.world.schools["a2"]):
        assert school.name in html
    absent = AttendanceMark.objects.filter(status="absent").count()
    assert absent > 0
    page = response.context["page"]
    row = next(r for r in page.table("operation").rows if r[0].text == op.world.schools["a1"].name)
    assert (
        row[4].value
        == AttendanceMark.objects.filter(status="absent", school=op.world.schools["a1"]).count()
    )
    assert html.count("<svg") >= 4  # the charts are served with the page, no script


def test_names_are_masked_for_inspectors(op, client, login, inspector):
    _daily, student, group = op.children[0]
    klass = student.school_class
    urls = [
        reverse("reporting_class", args=[klass.public_id]),
        reverse("reporting_child", args=[student.public_id]),
        reverse("reporting_group", args=[group.public_id]),
    ]
    masked = student.name[0] + "*" * (len(student.name) - 2) + student.name[-1]
    if len(student.name) == 2:
        masked = student.name[0] + "*"
    login(inspector)
    for url in urls:
        html = client.get(url, period(op)).content.decode()
        assert student.name not in html, url
        assert masked in html, url
        assert student.student_number not in html, url
    client.logout()
    login(op.world.users["official_a"])
    for url in urls:
        html = client.get(url, period(op)).content.decode()
        assert student.name in html, url
        assert student.student_number in html, url


def test_reading_a_childs_record_is_audited(op, client, login, inspector):
    _daily, student, _group = op.children[0]
    login(inspector)
    client.get(reverse("reporting_child", args=[student.public_id]))
    event = AuditEvent.objects.get(action="student.viewed", actor=inspector)
    assert event.object_id == str(student.public_id) and event.payload["masked"] is True


# --------------------------------------------------------------------------- exports


@pytest.mark.parametrize("key", ["coverage", "operation", "money"])
def test_every_dashboard_table_exports_to_xlsx(op, client, login, key):
    login(op.world.users["official_a"])
    page = client.get(reverse("reporting_dashboard"), period(op)).context["page"]
    table = page.table(key)
    response = client.get(reverse("reporting_dashboard"), {**period(op), "export": key})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert list(rows[0]) == [str(c.label) for c in table.columns]
    assert [list(r) for r in rows[1:]] == [[c.export_value for c in row] for row in table.rows]
    event = AuditEvent.objects.get(action="reporting.exported")
    assert event.payload["table"] == key and event.payload["rows"] == len(table.rows)


def test_drill_down_tables_export(op, client, login):
    login(op.world.users["official_a"])
    school = op.world.schools["a1"]
    url = reverse("reporting_school", args=[school.public_id])
    page = client.get(url, period(op)).context["page"]
    for table in page.tables:
        response = client.get(url, {**period(op), "export": table.key})
        assert response.status_code == 200, table.key
        rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
        assert len(rows) == len(table.rows) + 1, table.key
    assert client.get(url, {"export": "nonsense"}).status_code == 404


# --------------------------------------------------------------------------- acting


def test_an_official_recomputes_on_demand(op, client, login):
    login(op.world.users["official_a"])
    response = client.post(reverse("reporting_recompute"))
    assert response.status_code == 302
    run = RollupRun.objects.get(district=op.district)
    assert run.status == "done" and run.requested_by == op.world.users["official_a"]
    assert AuditEvent.objects.filter(action="reporting.refresh_requested").count() == 1


def test_inspectors_cannot_recompute_or_act(op, client, login, inspector):
    daily = op.schools["a1"]
    PlanVersion.objects.filter(pk=daily.version.pk).update(decided_at=None)
    recompute_alerts(district=op.district, semester=daily.semester)
    alert = Alert.objects.get(rule="plan_unapproved", school=daily.school)
    login(inspector)
    assert client.post(reverse("reporting_recompute")).status_code == 403
    detail = client.get(reverse("reporting_alert", args=[alert.public_id]))
    assert detail.status_code == 200
    assert 'data-testid="acknowledge"' not in detail.content.decode()
    response = client.post(
        reverse("reporting_alert_acknowledge", args=[alert.public_id]), {"note": "看到了"}
    )
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.state == "open"


def test_an_official_acknowledges_through_the_page(op, client, login):
    daily = op.schools["a1"]
    PlanVersion.objects.filter(pk=daily.version.pk).update(decided_at=None)
    recompute_alerts(district=op.district, semester=daily.semester)
    alert = Alert.objects.get(rule="plan_unapproved", school=daily.school)
    login(op.world.users["official_a"])
    url = reverse("reporting_alert_acknowledge", args=[alert.public_id])
    response = client.post(url, {"note": ""}, follow=True)  # the page shows its messages
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    alert.refresh_from_db()
    assert alert.state == "open"  # no note: nothing changed
    done = client.post(url, {"note": "已电话联系校长"}, follow=True)
    assert [m.level_tag for m in done.context["messages"]] == ["success"]
    alert.refresh_from_db()
    assert (alert.state, alert.note) == ("acknowledged", "已电话联系校长")
    again = client.post(url, {"note": "再次"}, follow=True)  # not open any more: 409 flashed
    assert [m.level_tag for m in again.context["messages"]] == ["error"]
    alert.refresh_from_db()
    assert (alert.state, alert.note) == ("acknowledged", "已电话联系校长")


# --------------------------------------------------------------------------- kernel hooks


def test_inspectors_land_on_the_dashboard(client, login, world, inspector):
    login(inspector)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("reporting_dashboard")
    nav = [item["key"] for item in client.get(reverse("reporting_dashboard")).context["nav_items"]]
    assert nav[:2] == ["reporting-dashboard", "reporting-alerts"]
    assert "district" not in nav  # the kernel's official pages are not theirs


def test_the_district_home_shows_the_headline_figures(op, client, login):
    login(op.world.users["official_a"])
    html = client.get(reverse("district_home")).content.decode()
    assert 'data-testid="reporting-home"' in html


def test_the_replica_page_says_there_is_none(client, login, world):
    login(world.users["official_a"])
    html = client.get(reverse("reporting_replica")).content.decode()
    assert "DATABASE_REPLICA_URL" in html


def test_the_raw_source_is_not_reachable_in_production(op, client, login):
    login(op.world.users["official_a"])
    response = client.get(reverse("reporting_dashboard"), {"source": "raw"})
    assert response.context["source"] == "rollup"


# --------------------------------------------------------------------------- query counts


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_costs_the_same_queries_for_one_school_or_more(world, client, login):
    login(world.users["official_a"])
    url = reverse("reporting_dashboard")
    one = _count(client, url)
    for n in range(3):
        SchoolFactory(district=world.a, code=f"more-{n}")
    refresh_rollups(district=world.a, start=DAYS[0], end=DAYS[-1])
    assert _count(client, url) == one


def test_lists_cost_the_same_queries_for_one_row_or_three(op, client, login):
    login(op.world.users["official_a"])
    daily = op.schools["a1"]
    klass = daily.second_class
    url = reverse("reporting_class", args=[klass.public_id])
    before = _count(client, url, period(op))
    for _ in range(2):
        daily.add_child(school_class=klass, group=daily.group2)
    assert _count(client, url, period(op)) == before

    now_alerts = _count(client, reverse("reporting_alerts"))
    PlanVersion.objects.filter(district=op.district).update(decided_at=None)
    for d in op.schools.values():
        recompute_alerts(district=op.district, semester=d.semester)
    assert Alert.objects.count() >= 2
    assert _count(client, reverse("reporting_alerts"), {"state": "all"}) == now_alerts
