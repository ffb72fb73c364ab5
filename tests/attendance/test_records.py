"""Weekly activity records (每周活动记录), archived per term; exports; the family's history."""

import io
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from openpyxl import load_workbook

from attendance.models import WeeklyRecord
from tests.attendance.helpers import take_roll, url
from tests.attendance.world import DAY

pytestmark = pytest.mark.django_db

MONDAY = DAY - timedelta(days=DAY.weekday())


def test_homeroom_teacher_writes_the_week_and_the_school_archives(daily, api):
    klass = daily.world.classes[daily.key]
    teacher = api(daily.user("teacher"))
    records = url("api-attendance-weekly-records", klass.public_id)
    r = teacher.post(
        records, {"week_start": str(MONDAY), "activities": "阅读、书法练习"}, format="json"
    )
    assert r.status_code == 201, r.json()
    r = teacher.post(
        records, {"week_start": str(MONDAY + timedelta(days=1)), "activities": "x"}, format="json"
    )
    assert r.status_code == 400  # not a Monday
    care = api(daily.user("care")).post(records, {"week_start": str(MONDAY), "activities": "x"})
    assert care.status_code == 404  # a care teacher does not see the class
    r = api(daily.user("principal")).post(
        url("api-attendance-weekly-archive", daily.school.public_id),
        {"semester": str(daily.semester.public_id)},
        format="json",
    )
    assert r.json() == {"archived": 1}
    r = teacher.post(records, {"week_start": str(MONDAY), "activities": "改写"}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "archived"
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE attendance_weeklyrecord SET activities = 'x'")
    assert WeeklyRecord.objects.get().activities == "阅读、书法练习"


def test_export_per_group_class_and_school(daily, api, world):
    take_roll(daily, absent=[daily.children[1]])
    principal = api(daily.user("principal"))
    base = url("api-attendance-export", daily.school.public_id)
    r = principal.get(base, {"start": str(DAY), "end": str(DAY)})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.values)
    assert len(rows) == 1 + 6
    assert any(
        daily.children[1].name in str(row) and "缺" in "".join(map(str, row)) for row in rows[1:]
    ) or any(daily.children[1].name in str(row) for row in rows[1:])
    r = principal.get(
        base, {"start": str(DAY), "end": str(DAY), "group": str(daily.group.public_id)}
    )
    assert len(list(load_workbook(io.BytesIO(r.content)).active.values)) == 7
    # The homeroom teacher exports their class; the care teacher their group, not the school.
    teacher = api(daily.user("teacher"))
    klass = world.classes[daily.key]
    assert (
        teacher.get(
            base, {"start": str(DAY), "end": str(DAY), "class": str(klass.public_id)}
        ).status_code
        == 200
    )
    care = api(daily.user("care"))
    assert care.get(base, {"start": str(DAY), "end": str(DAY)}).status_code == 403
    assert (
        care.get(
            base, {"start": str(DAY), "end": str(DAY), "group": str(daily.group.public_id)}
        ).status_code
        == 200
    )
    assert (
        principal.get(base, {"start": str(DAY), "end": str(DAY - timedelta(days=1))}).status_code
        == 400
    )


def test_family_sees_history(daily, api, client, login):
    child = daily.children[1]
    take_roll(daily, absent=[child])
    parent = daily.parents[child.pk]
    h = api(parent).get(url("api-attendance-history", child.public_id)).json()
    assert h["counts"]["absent"] == 1
    assert h["marks"][0]["status"] == "absent"
    other = api(daily.parents[daily.children[2].pk]).get(
        url("api-attendance-history", child.public_id)
    )
    assert other.status_code == 404
    login(parent)
    assert child.name in client.get(url("attendance_child", child.public_id)).content.decode()
    home = client.get(url("family_home")).content.decode()
    assert child.name in home
