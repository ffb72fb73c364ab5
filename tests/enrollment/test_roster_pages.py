"""The roster pages: upload → check → preview → confirm; export; who may do what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftercare.models import AuditEvent, SchoolClass
from enrollment.models import Student
from tests.enrollment.conftest import make_roster
from tests.factories import SchoolClassFactory, StudentFactory

pytestmark = pytest.mark.django_db

GOOD = [
    ["W1", "甲", "男", "1", "1", "teacher-a1", ""],
    ["W2", "乙", "女", "1", "2", "", "13800000009"],
]


def _imported() -> list[Student]:
    """The students of the test files (学籍号 W…): 学籍号 is encrypted at rest, so the
    prefix is checked in Python."""
    return [s for s in Student.objects.all() if s.student_number.startswith("W")]


def upload(client, school, rows, name="roster.csv", fmt="csv"):
    file = SimpleUploadedFile(name, make_roster(rows, fmt))
    return client.post(reverse("roster_import", args=[school.public_id]), {"file": file})


def test_principal_checks_then_confirms_an_import(world, client, login):
    school = world.schools["a1"]
    login(world.users["principal_a1"])
    page = client.get(reverse("roster", args=[school.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "文件中没有的学生不会被删除" in html and 'enctype="multipart/form-data"' in html

    preview = upload(client, school, GOOD, "学籍.xlsx", "xlsx")
    assert preview.status_code == 200
    result = preview.context["result"]
    assert (result.new, result.updated, result.unchanged, result.classes_created) == (2, 0, 0, 2)
    assert result.not_in_file == 1
    html = preview.content.decode()
    assert "名册中有 1 名学生不在此文件中，他们不会被删除。" in html
    assert "确认导入" in html
    assert not _imported()  # checked only

    token = preview.context["confirm"].initial["token"]
    done = client.post(reverse("roster_import_confirm", args=[school.public_id]), {"token": token})
    assert done.status_code == 302 and done.url == reverse("roster", args=[school.public_id])
    assert len(_imported()) == 2
    assert SchoolClass.objects.get(school=school, grade=1, number=1).homeroom_teacher_id == (
        world.users["teacher_a1"].pk
    )
    followed = client.get(done.url).content.decode()
    assert "学生名册已导入：新增 2 名、更新 0 名、未变 0 名学生；新建 2 个班级。" in followed
    assert AuditEvent.objects.filter(action="roster.imported", school=school).count() == 1

    # The token is spent: confirming again imports nothing and says why.
    again = client.post(
        reverse("roster_import_confirm", args=[school.public_id]), {"token": token}, follow=True
    )
    assert "上传的文件已过期，请重新上传。" in again.content.decode()
    assert AuditEvent.objects.filter(action="roster.imported").count() == 1


def test_a_file_with_errors_is_listed_row_by_row_and_nothing_is_written(world, client, login):
    school = world.schools["a1"]
    login(world.users["admin_a1"])
    before = Student.objects.count()
    response = upload(
        client,
        school,
        [["B1", "甲", "男", "1", "1", "", ""], ["B2", "", "不详", "1", "1", "", ""]],
    )
    assert response.status_code == 200
    problems = [(p.row, p.column, p.message) for p in response.context["problems"]]
    assert problems == [
        (3, "姓名", "请填写姓名。"),
        (3, "性别", "性别只能填写“男”或“女”，不能填写“不详”。"),
    ]
    html = response.content.decode()
    assert "未导入任何数据：文件中有 1 行存在错误，请修改后重新上传。" in html
    assert "共 1 行有错误" in html and 'data-testid="roster-errors"' in html
    assert Student.objects.count() == before


def test_a_wrong_file_type_is_reported_on_the_file_field(world, client, login):
    login(world.users["principal_a1"])
    response = upload(client, world.schools["a1"], GOOD, "roster.xls")
    assert response.context["form"].errors["file"] == [
        "不支持旧版 .xls 格式，请用 Excel 打开后另存为 .xlsx 再上传。"
    ]


def test_a_file_that_changes_nothing_offers_no_confirmation(world, client, login):
    login(world.users["principal_a1"])
    student = world.students["a1"]
    klass = world.classes["a1"]
    row = [student.student_number, student.name, "女", "3", str(klass.number), "", ""]
    response = upload(client, world.schools["a1"], [row])
    assert 'data-testid="nothing-to-import"' in response.content.decode()
    assert "确认导入" not in response.content.decode()


def test_someone_elses_upload_cannot_be_confirmed(world, client, login):
    school = world.schools["a1"]
    login(world.users["principal_a1"])
    token = upload(client, school, GOOD).context["confirm"].initial["token"]
    login(world.users["admin_a1"])
    response = client.post(
        reverse("roster_import_confirm", args=[school.public_id]), {"token": token}
    )
    assert response.status_code == 302
    assert not _imported()


def test_export_downloads_a_named_file(world, client, login):
    login(world.users["official_a"])
    school = world.schools["a1"]
    url = reverse("roster_export", args=[school.public_id])
    xlsx = client.get(url + "?format=xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].endswith("spreadsheetml.sheet")
    assert xlsx["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert xlsx.content[:2] == b"PK"
    csv = client.get(url + "?format=csv")
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.decode().splitlines()[1].startswith(world.students["a1"].student_number)
    bad = client.get(url + "?format=pdf", follow=True)
    assert "请选择 xlsx 或 csv 格式。" in bad.content.decode()


# --------------------------------------------------------------------------- permissions


def roster_routes(school):
    ids = [school.public_id]
    return {
        "page": ("get", reverse("roster", args=ids)),
        "import": ("post", reverse("roster_import", args=ids)),
        "confirm": ("post", reverse("roster_import_confirm", args=ids)),
        "export": ("get", reverse("roster_export", args=ids)),
    }


@pytest.mark.parametrize("user_key", ["teacher_a1", "care_a1", "parent_a1"])
def test_teachers_and_parents_of_the_school_get_403(world, client, login, user_key):
    login(world.users[user_key])
    for name, (method, url) in roster_routes(world.schools["a1"]).items():
        response = getattr(client, method)(url)
        assert response.status_code == 403, (name, response.status_code)


def test_a_homeroom_teacher_cannot_import(world, client, login):
    login(world.users["teacher_a1"])
    assert upload(client, world.schools["a1"], GOOD).status_code == 403
    assert not _imported()


def test_a_district_official_may_look_and_export_but_not_import(world, client, login):
    login(world.users["official_a"])
    routes = roster_routes(world.schools["a2"])
    page = client.get(routes["page"][1])
    assert page.status_code == 200 and not page.context["can_import"]
    assert routes["import"][1] not in page.content.decode()
    assert client.get(routes["export"][1]).status_code == 200
    assert upload(client, world.schools["a2"], GOOD).status_code == 403
    assert client.post(routes["confirm"][1], {"token": "x"}).status_code == 403


def test_another_schools_roster_is_404_for_a_principal(world, client, login):
    login(world.users["principal_a1"])
    for name, (method, url) in roster_routes(world.schools["a2"]).items():
        assert getattr(client, method)(url).status_code == 404, name


def test_anonymous_is_sent_to_login(world, client):
    url = reverse("roster", args=[world.schools["a1"].public_id])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --------------------------------------------------------------------------- query counts


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_roster_page_and_export_query_counts_do_not_grow(world, client, login):
    login(world.users["principal_a1"])
    school = world.schools["a1"]
    page = reverse("roster", args=[school.public_id])
    export = reverse("roster_export", args=[school.public_id]) + "?format=csv"
    before = _count(client, page), _count(client, export)
    for grade in (1, 2):
        klass = SchoolClassFactory(
            school=school, grade=grade, homeroom_teacher=world.users["care_a1"]
        )
        StudentFactory(school_class=klass, guardian_mobile="13800000001")
    assert (_count(client, page), _count(client, export)) == before
