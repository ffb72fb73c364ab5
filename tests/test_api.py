"""API: schema, error shape, scoping of lists, semester writes."""

import subprocess
import sys
from pathlib import Path

import pytest

from aftercare.models import Semester

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_openapi_schema_generates_without_warnings():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            "/dev/null",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_schema_and_docs_pages_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_unauthenticated_gets_401_in_error_shape(client):
    response = client.get("/api/v1/schools/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "未找到。"}}


def test_lists_are_scoped(world, api):
    schools = api(world.users["official_a"]).get("/api/v1/schools/").json()["results"]
    assert {s["code"] for s in schools} == {"s-a1", "s-a2"}
    students = api(world.users["parent_a1"]).get("/api/v1/students/").json()["results"]
    assert [s["id"] for s in students] == [str(world.students["a1"].public_id)]


def test_malformed_input_gets_field_messages(world, api):
    response = api(world.users["official_a"]).post(
        "/api/v1/semesters/",
        {"district": str(world.a.public_id), "name": "", "start_date": "2027-13-01"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"name", "start_date", "end_date"}
    assert error["fields"]["end_date"][0]["code"] == "required"
    assert not Semester.objects.filter(name="").exists()


def test_semester_create_and_calendar_via_api(world, api):
    client = api(world.users["official_a"])
    created = client.post(
        "/api/v1/semesters/",
        {
            "district": str(world.a.public_id),
            "name": "2027春季学期",
            "start_date": "2027-02-22",
            "end_date": "2027-07-02",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    sid = created.json()["id"]
    exc = client.post(
        f"/api/v1/semesters/{sid}/exceptions/",
        {"date": "2027-04-05", "kind": "holiday", "note": "清明节"},
        format="json",
    )
    assert exc.status_code == 201
    days = client.get(f"/api/v1/semesters/{sid}/school-days/").json()
    assert days["count"] == 94  # 95 weekdays from 22 Feb to 2 Jul 2027, minus Qingming
    assert "2027-04-05" not in days["days"]
    assert (
        client.delete(f"/api/v1/semesters/{sid}/exceptions/{exc.json()['id']}/").status_code == 204
    )
    assert client.get(f"/api/v1/semesters/{sid}/school-days/").json()["count"] == 95


def test_semester_for_foreign_district_is_rejected(world, api):
    response = api(world.users["official_a"]).post(
        "/api/v1/semesters/",
        {
            "district": str(world.b.public_id),
            "name": "x",
            "start_date": "2027-02-22",
            "end_date": "2027-07-02",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "district" in response.json()["error"]["fields"]


def test_principal_cannot_create_semester(world, api):
    response = api(world.users["principal_a1"]).post(
        "/api/v1/semesters/",
        {
            "district": str(world.a.public_id),
            "name": "x",
            "start_date": "2027-02-22",
            "end_date": "2027-07-02",
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"


def test_domain_error_duplicate_name_is_field_error(world, api):
    response = api(world.users["official_a"]).post(
        "/api/v1/semesters/",
        {
            "district": str(world.a.public_id),
            "name": world.semesters["a"].name,
            "start_date": "2027-02-22",
            "end_date": "2027-07-02",
        },
        format="json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "semester_exists"
    assert world.semesters["a"].name in error["fields"]["name"][0]["message"]
