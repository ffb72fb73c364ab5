"""The duty leader's day: clearing (清校), patrol (巡查), open groups after the last period."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftercare.models import Notification
from attendance.models import ClearedGroup, Clearing, Patrol
from attendance.services import duty as services
from attendance.services import pickup as pickup_services
from tests.attendance.helpers import take_roll, url

pytestmark = pytest.mark.django_db


def test_clearing_needs_a_note_for_a_group_still_open(daily, api, clock):
    take_roll(daily, absent=daily.children[1:])
    leader = daily.user("teacher")
    clearing = url("api-attendance-clearing", daily.school.public_id)
    r = api(leader).post(clearing, {}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "running"  # 16:00, until 17:30
    clock.set(17, 45)
    r = api(daily.user("care")).post(clearing, {}, format="json")
    assert r.status_code == 403  # not the duty leader
    r = api(leader).post(clearing, {}, format="json")
    assert r.status_code == 400
    key = f"notes.{daily.today.public_id}"
    assert key in r.json()["error"]["fields"]
    assert not Clearing.objects.exists()
    r = api(leader).post(
        clearing,
        {"notes": {str(daily.today.public_id): "教室已空，孩子已被家长接走未登记"}},
        format="json",
    )
    assert r.status_code == 201
    row = ClearedGroup.objects.get()
    assert (row.was_open, row.children_unaccounted) == (True, 1)
    again = api(leader).post(clearing, {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_cleared"


def test_clearing_a_closed_day(daily, api, clock):
    take_roll(daily, absent=daily.children[1:])
    clock.set(17, 35)
    child = daily.children[0]
    pickup_services.record_pickup(
        actor=daily.user("care"),
        session=daily.today,
        student=child.public_id,
        person=daily.parents[child.pk].public_id,
    )
    pickup_services.close_group(actor=daily.user("care"), session=daily.today)
    r = api(daily.user("principal")).post(url("api-attendance-clearing", daily.school.public_id))
    assert r.status_code == 201
    assert ClearedGroup.objects.get().was_open is False


def test_patrol(daily, api):
    r = api(daily.user("teacher")).post(
        url("api-attendance-patrols", daily.school.public_id),
        {
            "note": "三楼走廊有学生追逐，已制止",
            "session": str(daily.today.public_id),
            "issue": True,
        },
        format="json",
    )
    assert r.status_code == 201
    p = Patrol.objects.get()
    assert (p.issue, p.session) == (True, daily.today)
    assert (
        api(daily.user("teacher"))
        .post(url("api-attendance-patrols", daily.school.public_id), {"note": ""}, format="json")
        .status_code
        == 400
    )
    day = api(daily.user("principal")).get(url("api-attendance-day", daily.school.public_id)).json()
    assert day["patrols"][0]["note"].startswith("三楼")


def test_open_group_after_the_last_period_alerts_the_duty_leader_once(daily, clock):
    take_roll(daily)
    clock.set(17, 35)
    assert services.alert_open_groups() == 0  # within the pickup grace
    clock.set(17, 45)
    assert services.alert_open_groups() == 1
    assert services.alert_open_groups() == 1  # recorded again, delivered once (keyed)
    notes = Notification.objects.filter(
        recipient=daily.user("teacher"), title__contains=daily.group.name
    )
    assert notes.count() == 1


def test_duty_page_and_its_query_count(daily, client, login, clock):
    login(daily.user("teacher"))
    page = url("attendance_duty", daily.school.public_id)
    assert client.get(page).status_code == 200
    with CaptureQueriesContext(connection) as one:
        client.get(page)
    for hour in (18, 19):
        from datetime import time

        from tests.attendance.world import DAY

        daily.add_session(DAY, start=time(hour, 0), end=time(hour, 40))
    with CaptureQueriesContext(connection) as three:
        client.get(page)
    assert len(three) == len(one)
    r = client.post(page, {"action": "patrol", "note": "巡查正常"})
    assert r.status_code == 302
    assert Patrol.objects.count() == 1
