"""The scheduling API: the board, grouping steps, assignments with their refusals, sessions
scoped by role, staff and vetting uploads, the district job; list query counts."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from scheduling.models import CareGroup, GroupKind, Session, StaffMember
from scheduling.services import sessions as session_services
from tests.scheduling.world import care_teacher

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_grouping_through_the_api(sched, api):
    sched.participants(3, 2, 12)
    client = api(sched.principal)
    base = reverse("plan-scheduling", args=[sched.plan.public_id])
    assert client.get(base).json()["status"] is None
    response = client.post(reverse("plan-scheduling-propose", args=[sched.plan.public_id]))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "proposed" and body["participants"] == 13
    assert {v["code"] for v in body["violations"]} >= {"teacher_shortfall", "no_duty_leader"}
    assert any(g["reasons"] for g in body["groups"])
    response = client.post(reverse("plan-scheduling-confirm", args=[sched.plan.public_id]))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "violations"
    assert response.json()["error"]["fields"]["violations"]


def test_impossible_assignments_are_400_with_the_reasons(sched, api):
    sched.participants(1, 1, 31)
    sched.participants(5, 1, 31)
    client = api(sched.principal)
    client.post(reverse("plan-scheduling-propose", args=[sched.plan.public_id]))
    groups = {
        g.grades[0]: g for g in CareGroup.objects.filter(plan=sched.plan, kind=GroupKind.BASIC)
    }
    teacher = care_teacher(sched, "API老师")
    body = {
        "plan": str(sched.plan.public_id),
        "staff": str(teacher.public_id),
        "group": str(groups[1].public_id),
        "weekdays": [0, 1],
    }
    response = client.post(reverse("assignment-list"), body, format="json")
    assert response.status_code == 201 and len(response.json()) == 2
    body["group"] = str(groups[5].public_id)
    response = client.post(reverse("assignment-list"), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "impossible_assignment"
    assert "API老师" in error["fields"]["staff"][0]["message"]
    assignment = teacher.assignments.first()
    assert (
        client.delete(reverse("assignment-detail", args=[assignment.public_id])).status_code == 204
    )
    room = sched.room("API教室", 40)
    response = client.post(
        reverse("room-booking-list"),
        {"group": str(groups[1].public_id), "room": str(room.public_id), "weekdays": [0]},
        format="json",
    )
    assert response.status_code == 201


def test_sessions_are_scoped_by_role(staffed, api, world):
    sched = staffed.sched
    session_services.generate_sessions(actor=sched.principal, plan=sched.plan)
    everything = api(sched.principal).get(reverse("session-list"), {"page_size": 500})
    assert everything.json()["count"] == Session.objects.count()
    mine = api(world.users["care_a1"]).get(
        reverse("session-list"), {"date_from": "2026-11-16", "date_to": "2026-11-20"}
    )
    rows = mine.json()["results"]
    taught = set(
        CareGroup.objects.filter(assignments__staff__user=world.users["care_a1"]).values_list(
            "name", flat=True
        )
    )
    assert len(rows) == 5 and {r["group_name"] for r in rows} == taught
    assert all(r["teachers"] for r in rows)
    assert api(world.users["teacher_a1"]).get(reverse("session-list")).json()["count"] == 0
    family = api(world.users["parent_a1"]).get(reverse("api-family-sessions")).json()
    assert family[0]["name"] == world.students["a1"].name
    assert api(world.users["parent_a1"]).get(reverse("session-list")).json()["count"] == 0


def test_staff_and_vetting_through_the_api(world, api):
    client = api(world.users["principal_a1"])
    response = client.post(
        reverse("staff-list"),
        {
            "school": str(world.schools["a1"].public_id),
            "kind": "volunteer",
            "full_name": "志愿者甲",
            "mobile": "13711112222",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["schedulable"] is False
    staff = response.json()["id"]
    response = client.post(
        reverse("staff-vetting", args=[staff]),
        {
            "step": "background_check",
            "done_on": "2026-08-01",
            "document": io.BytesIO(b"%PDF-1.4 test"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    url = response.json()["document_url"]
    download = client.get(url)
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert api(world.users["teacher_a1"]).get(url).status_code == 404


def test_staff_import_through_the_api_is_all_or_nothing(world, api):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "类别", "手机"])
    sheet.append(["周老师", "退休教师", "13700000001"])
    sheet.append(["吴老师", "退休教师", "bad"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "staff.xlsx"
    client = api(world.users["principal_a1"])
    response = client.post(
        reverse("school-staff-import", args=[world.schools["a1"].public_id]),
        {"file": out},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "staff_file_invalid_rows"
    assert "row.3.手机" in response.json()["error"]["fields"]
    assert not StaffMember.objects.exists()


def test_the_district_job_is_queued_by_officials(staffed, api, world):
    semester = staffed.sched.plan.semester
    url = reverse("district-sessions")
    assert (
        api(world.users["principal_a1"])
        .post(url, {"semester": str(semester.public_id)})
        .status_code
        == 403
    )
    response = api(world.users["official_a"]).post(url, {"semester": str(semester.public_id)})
    assert response.status_code == 202 and response.json()["task_id"]
    assert Session.objects.filter(plan=staffed.sched.plan).exists()  # eager in tests


def test_institutions_api(world, api):
    response = api(world.users["official_a"]).post(
        reverse("institution-list"), {"name": "少年宫", "licence_number": "L-1"}, format="json"
    )
    assert response.status_code == 201
    inst = response.json()["id"]
    assert (
        api(world.users["principal_a1"]).get(reverse("institution-detail", args=[inst])).status_code
        == 200
    )
    assert (
        api(world.users["principal_a1"])
        .post(reverse("institution-status", args=[inst]), {"status": "exited", "note": "x"})
        .status_code
        == 403
    )
    response = api(world.users["official_a"]).post(
        reverse("institution-status", args=[inst]), {"status": "suspended", "note": "满意度低"}
    )
    assert response.json()["status"] == "suspended"


@pytest.mark.parametrize(
    "name", ["staff-list", "group-list", "session-list", "assignment-list", "room-list"]
)
def test_api_lists_do_not_query_per_row(staffed, api, name):
    sched = staffed.sched
    session_services.generate_sessions(actor=sched.principal, plan=sched.plan)
    client = api(sched.principal)

    def n():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name), {"page_size": 500}).status_code == 200
        return len(ctx.captured_queries)

    before = n()
    for i in range(3):
        care_teacher(sched, f"列表{i}")
        sched.room(f"列表教室{i}")
    sched.participants(5, 5, 45)
    from scheduling.services import grouping

    grouping.place_new_participants(actor=sched.principal, plan=sched.plan)
    teacher = care_teacher(sched, "另一位")
    from scheduling.services import assignments

    assignments.assign_staff(
        actor=sched.principal,
        plan=sched.plan,
        staff=teacher,
        role="teacher",
        weekdays=[0, 1],
        group=CareGroup.objects.filter(plan=sched.plan, placed_late=True).first(),
    )
    assert n() == before
