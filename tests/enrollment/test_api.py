"""Enrollment API: sign-up by SMS code, binding a child, a school's roster import/export."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftercare.sms import LoggingBackend
from enrollment.models import Guardianship, Student
from tests.enrollment.conftest import make_roster

pytestmark = pytest.mark.django_db

MOBILE = "13787654321"


@pytest.fixture(autouse=True)
def _empty_outbox():
    LoggingBackend.outbox.clear()
    yield
    LoggingBackend.outbox.clear()


def code_sent():
    return re.search(r"\b(\d{6})\b", LoggingBackend.outbox[-1][1]).group(1)


def test_sms_code_then_signup_returns_a_working_token(api):
    client = api()
    sent = client.post("/api/v1/auth/sms-code/", {"mobile": MOBILE})
    assert sent.status_code == 200 and sent.json() == {"expires_in": 600, "resend_in": 60}

    again = client.post("/api/v1/auth/sms-code/", {"mobile": MOBILE})
    assert again.status_code == 429 and again.json()["error"]["code"] == "sms_cooldown"

    wrong = client.post(
        "/api/v1/auth/signup/",
        {"mobile": MOBILE, "code": "abcdef", "full_name": "王芳", "password": "kehou-2026-xy"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["fields"]["code"] == [
        {"code": "invalid", "message": "验证码为 6 位数字。"}
    ]

    done = client.post(
        "/api/v1/auth/signup/",
        {"mobile": MOBILE, "code": code_sent(), "full_name": "王芳", "password": "kehou-2026-xy"},
    )
    assert done.status_code == 201
    body = done.json()
    assert (body["mobile"], body["full_name"]) == (MOBILE, "王芳")
    me = api().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert me.status_code == 200 and me.json()["mobile"] == MOBILE


def test_a_registered_mobile_gets_409(world, api):
    response = api().post("/api/v1/auth/sms-code/", {"mobile": world.users["parent_a1"].mobile})
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "already_registered",
        "message": "该手机号已注册，请直接登录。",
    }


def test_an_invalid_mobile_gets_field_errors(api):
    response = api().post("/api/v1/auth/sms-code/", {"mobile": "12345"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "mobile": [{"code": "invalid", "message": "请输入有效的11位手机号码。"}]
    }


def test_bind_a_child(world, api):
    from tests.factories import ParentUserFactory

    parent = ParentUserFactory()
    client = api(parent)
    student = world.students["a1"]
    Student.objects.filter(pk=student.pk).update(guardian_mobile=parent.mobile)  # on the roster
    data = {
        "student_number": student.student_number,
        "student_name": student.name,
        "relation": "mother",
    }
    first = client.post("/api/v1/family/children/", data)
    assert first.status_code == 201
    assert first.json()["id"] == str(student.public_id) and first.json()["relation"] == "mother"
    assert client.post("/api/v1/family/children/", data).status_code == 200
    assert Guardianship.objects.filter(user=parent).count() == 1

    miss = client.post("/api/v1/family/children/", {**data, "student_name": "别人"})
    assert miss.status_code == 400 and miss.json()["error"]["code"] == "no_match"
    for _ in range(4):
        client.post("/api/v1/family/children/", {**data, "student_name": "别人"})
    throttled = client.post("/api/v1/family/children/", data)
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "bind_throttled"

    bad = client.post("/api/v1/family/children/", {**data, "relation": "uncle"})
    assert bad.status_code == 400 and "relation" in bad.json()["error"]["fields"]
    assert api().post("/api/v1/family/children/", data).status_code in (401, 403)


def roster_url(school):
    return f"/api/v1/schools/{school.public_id}/roster/"


def post_roster(client, school, rows, *, dry_run, name="r.csv"):
    file = SimpleUploadedFile(name, make_roster(rows))
    return client.post(roster_url(school), {"file": file, "dry_run": dry_run}, format="multipart")


def test_roster_import_dry_run_then_import(world, api):
    school = world.schools["a1"]
    client = api(world.users["admin_a1"])
    rows = [["API1", "甲", "男", "2", "1", "", ""], ["API2", "乙", "女", "2", "1", "", ""]]
    checked = post_roster(client, school, rows, dry_run=True)
    assert checked.status_code == 200
    assert checked.json() == {
        "dry_run": True,
        "rows": 2,
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "classes_created": 1,
        "homeroom_changes": 0,
        "not_in_file": 1,
        "ignored_columns": [],
    }
    assert not any(s.student_number.startswith("API") for s in Student.objects.all())
    done = post_roster(client, school, rows, dry_run=False)
    assert done.status_code == 200 and done.json()["dry_run"] is False
    assert sum(s.student_number.startswith("API") for s in Student.objects.all()) == 2


def test_roster_import_errors_are_a_row_report(world, api):
    client = api(world.users["principal_a1"])
    rows = [["E1", "甲", "男", "2", "1", "", ""], ["E2", "乙", "人", "二十", "1", "", ""]]
    response = post_roster(client, world.schools["a1"], rows, dry_run=True)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "roster_invalid"
    assert error["message"] == "未导入任何数据：文件中有 1 行存在错误，请修改后重新上传。"
    assert error["fields"] == {
        "row.3.性别": [
            {"code": "roster_invalid", "message": "性别只能填写“男”或“女”，不能填写“人”。"}
        ],
        "row.3.年级": [
            {
                "code": "roster_invalid",
                "message": "无法识别年级“二十”，请填写 1–9 或“三年级”这样的年级名称。",
            }
        ],
    }
    file_error = post_roster(client, world.schools["a1"], rows, dry_run=True, name="r.txt")
    assert file_error.json()["error"]["code"] == "roster_file_invalid"
    assert file_error.json()["error"]["fields"]["file"][0]["message"] == (
        "请上传 .xlsx 或 .csv 格式的文件。"
    )


def test_roster_export_as_xlsx_and_csv(world, api):
    client = api(world.users["official_a"])
    school = world.schools["a2"]
    xlsx = client.get(roster_url(school))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = client.get(roster_url(school) + "?file_format=csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "学籍号,姓名,性别,年级,班级,班主任,监护人手机"
    assert lines[1].startswith(world.students["a2"].student_number + ",")
    bad = client.get(roster_url(school) + "?file_format=pdf")
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["format"]


@pytest.mark.parametrize("user_key", ["teacher_a1", "care_a1", "official_a", "parent_a1"])
def test_only_the_school_may_import_by_api(world, api, user_key):
    response = post_roster(
        api(world.users[user_key]),
        world.schools["a1"],
        [["N1", "甲", "男", "1", "1", "", ""]],
        dry_run=False,
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_allowed"
    assert not Student.objects.filter(student_number="N1").exists()


@pytest.mark.parametrize("user_key", ["teacher_a1", "parent_a1"])
def test_only_school_managers_and_officials_may_export_by_api(world, api, user_key):
    response = api(world.users[user_key]).get(roster_url(world.schools["a1"]))
    assert response.status_code == 403


def test_another_schools_roster_is_404_by_api(world, api):
    client = api(world.users["principal_a1"])
    assert client.get(roster_url(world.schools["a2"])).status_code == 404
    response = post_roster(
        client, world.schools["a2"], [["N", "甲", "男", "1", "1", "", ""]], dry_run=True
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_the_schema_documents_the_new_endpoints(world, api):
    schema = api(world.users["official_a"]).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/sms-code/",
        "/api/v1/auth/signup/",
        "/api/v1/family/children/",
        "/api/v1/schools/{school_id}/roster/",
    ):
        assert path in paths, path
    roster = paths["/api/v1/schools/{school_id}/roster/"]
    assert "multipart/form-data" in roster["post"]["requestBody"]["content"]
    assert {"200", "400", "403", "404"} <= set(roster["post"]["responses"])
    assert "429" in paths["/api/v1/auth/sms-code/"]["post"]["responses"]
