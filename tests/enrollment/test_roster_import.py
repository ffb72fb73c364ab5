"""Roster import (services + resource): all-or-nothing, exact row errors, re-import, export."""

import io
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from aftercare.errors import NotAllowed
from aftercare.models import AuditEvent, SchoolClass
from enrollment.errors import RosterConflict, RosterFileError, RosterInvalid, RowError
from enrollment.models import Gender, Student
from enrollment.resources import COLUMNS, MAX_ROWS, RosterResource, too_large
from enrollment.services import families as services
from enrollment.services.families import roster as roster_services
from tests.enrollment.conftest import make_roster

pytestmark = pytest.mark.django_db

BAD_ROWS = [
    ["A001", "张三", "男", "1", "1", "", ""],  # row 2: fine (its class would be new)
    ["A002", "李四", "男生", "十年级", "2", "", ""],  # row 3: gender, grade
    ["A003", "", "女", "2", "1班", "", ""],  # row 4: no name
    ["A001", "王五", "女", "2", "1", "", ""],  # row 5: number repeats row 2
    ["A004", "赵六", "女", "3", "3", "", "1380000"],  # row 6: mobile
    ["A005", "钱七", "男", "3", "3", "nobody", ""],  # row 7: unknown teacher
    ["A 006", "孙八", "男", "3", "三班x", "", ""],  # row 8: number, class
    ["A007", "=HYPERLINK(1)", "男", "3", "3", "", ""],  # row 9: a formula for a name
]
BAD_ROW_ERRORS = [
    RowError(3, "性别", "性别只能填写“男”或“女”，不能填写“男生”。"),
    RowError(3, "年级", "无法识别年级“十年级”，请填写 1–9 或“三年级”这样的年级名称。"),
    RowError(4, "姓名", "请填写姓名。"),
    RowError(5, "学籍号", "学籍号 A001 与第 2 行重复。"),
    RowError(6, "监护人手机", "“1380000”不是有效的 11 位手机号码。"),
    RowError(7, "班主任", "本校教职工中没有用户名或手机号为“nobody”的人员。"),
    RowError(8, "学籍号", "学籍号只能由字母、数字和连字符组成，最多 32 位。"),
    RowError(8, "班级", "无法识别班级“三班x”，请填写班号，如 2 或“2班”。"),
    RowError(9, "姓名", "姓名不能以 =、+、-、@ 开头。"),
]


def counts():
    return (
        Student.objects.count(),
        SchoolClass.objects.count(),
        AuditEvent.objects.filter(action="roster.imported").count(),
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_with_bad_rows_is_rejected_whole_with_every_error(world, import_file, fmt):
    before = counts()
    with pytest.raises(RosterInvalid) as caught:
        import_file(BAD_ROWS, fmt)
    assert caught.value.rows == BAD_ROW_ERRORS
    assert str(caught.value.message) == "未导入任何数据：文件中有 7 行存在错误，请修改后重新上传。"
    assert caught.value.fields["row.3.性别"] == [BAD_ROW_ERRORS[0].message]
    assert counts() == before  # not the good row, not its class, no audit event


def test_a_file_level_problem_names_the_file(world, import_file, roster_file):
    principal, school = world.users["principal_a1"], world.schools["a1"]

    def problem(content, name="roster.csv"):
        with pytest.raises(RosterFileError) as caught:
            services.import_roster(
                actor=principal, school=school, content=content, filename=name, dry_run=True
            )
        return caught.value.fields["file"]

    good = roster_file([["A1", "张三", "男", "1", "1", "", ""]])
    assert problem(good, "roster.xls") == [
        "不支持旧版 .xls 格式，请用 Excel 打开后另存为 .xlsx 再上传。"
    ]
    assert problem(good, "roster.pdf") == ["请上传 .xlsx 或 .csv 格式的文件。"]
    assert problem(b"PK\x03\x04 not really a workbook", "roster.xlsx") == [
        "无法读取该文件，请在 Excel 中另存为 .xlsx（或 CSV）格式后重试。"
    ]
    assert problem(roster_file([], headers=["学籍号", "姓名", "性别", "年级", "班级"])) == [
        "文件中没有学生数据。"
    ]
    assert problem(roster_file([["A1", "张三"]], headers=["学籍号", "姓名"])) == [
        "表头缺少以下列：性别、年级、班级。"
    ]
    assert problem(roster_file([["张三"]], headers=["名字"])) == [
        "未找到表头行。第一行应为列名：学籍号、姓名、性别、年级、班级、班主任、监护人手机。"
    ]
    too_many = roster_file([[f"N{i}", "张三", "男", "1", "1", "", ""] for i in range(MAX_ROWS + 1)])
    assert problem(too_many) == ["每次最多导入 10000 名学生，请拆分文件后分批导入。"]
    assert too_large(10 * 1024 * 1024) is None
    assert too_large(10 * 1024 * 1024 + 1).fields["file"] == ["文件大小不能超过 10 MB。"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_good_file_imports_students_classes_and_homeroom_teachers(world, import_file, fmt):
    care = world.users["care_a1"]
    care.mobile = "13700000001"
    care.save()
    existing = world.classes["a1"]
    rows = [
        ["s001", "张小明", "男", "一年级", "1班", "teacher-a1", "13800001111"],
        ["S002", "李小红", "女", "1", "1", "", "+86 138-0000-2222"],
        ["S003", "王小刚", "男", "初二", "(2)班", "137 0000 0001", ""],
        ["S004", " 赵小丽 ", "女", "３", f"{existing.number}", "", ""],
    ]
    result = import_file(rows, fmt)

    assert (result.new, result.updated, result.unchanged) == (4, 0, 0)
    assert (result.classes_created, result.homeroom_changes, result.not_in_file) == (2, 2, 1)
    school = world.schools["a1"]
    one_one = SchoolClass.objects.get(school=school, grade=1, number=1)
    eight_two = SchoolClass.objects.get(school=school, grade=8, number=2)
    assert one_one.homeroom_teacher == world.users["teacher_a1"]
    assert eight_two.homeroom_teacher == care
    got = {
        s.student_number: (s.name, s.gender, s.school_class_id, s.guardian_mobile, s.district_id)
        for s in Student.objects.all()
        if s.student_number.startswith("S")
    }
    assert got == {
        "S001": ("张小明", Gender.MALE, one_one.pk, "13800001111", world.a.pk),
        "S002": ("李小红", Gender.FEMALE, one_one.pk, "13800002222", world.a.pk),
        "S003": ("王小刚", Gender.MALE, eight_two.pk, None, world.a.pk),
        "S004": ("赵小丽", Gender.FEMALE, existing.pk, None, world.a.pk),
    }
    assert Student.objects.filter(pk=world.students["a1"].pk, is_active=True).exists()
    event = AuditEvent.objects.get(action="roster.imported")
    assert event.school == school and event.actor == world.users["principal_a1"]
    assert {k: event.payload[k] for k in ("rows", "new", "updated", "unchanged")} == {
        "rows": 4,
        "new": 4,
        "updated": 0,
        "unchanged": 0,
    }
    assert event.payload["classes_created"] == 2 and event.payload["file"] == f"roster.{fmt}"


def test_xlsx_number_cells_are_read_as_excel_shows_them(world):
    content = make_roster([[20260101, "张三", "男", 2, 3, None, 13800003333.0]], "xlsx")
    services.import_roster(
        actor=world.users["admin_a1"],
        school=world.schools["a1"],
        content=content,
        filename="学籍.xlsx",
        dry_run=False,
    )
    student = Student.objects.get(student_number="20260101")
    assert (student.grade, student.school_class.number) == (2, 3)
    assert student.guardian_mobile == "13800003333"


def test_gbk_csv_with_a_title_line_and_other_headings(world):
    """Excel on Chinese Windows saves CSV as GBK; other systems add a title and call the
    name column 学生姓名; unknown columns are ignored and reported."""
    lines = [
        "青山小学学生名册,,,,,",
        "学籍号,学生姓名,性别,年级,班级,备注",
        "G1,张三,男,三年级,2班,转入",
    ]
    result = services.import_roster(
        actor=world.users["principal_a1"],
        school=world.schools["a1"],
        content="\r\n".join(lines).encode("gbk"),
        filename="名册.CSV",
        dry_run=False,
    )
    assert result.new == 1 and result.ignored_columns == ["备注"]
    assert Student.objects.get(student_number="G1").name == "张三"


def test_reimport_updates_by_student_number_and_never_deletes(world, import_file):
    import_file(
        [
            ["R1", "甲", "男", "1", "1", "", "13800000001"],
            ["R2", "乙", "女", "1", "1", "", ""],
            ["R3", "丙", "男", "1", "2", "", ""],
        ]
    )
    total = Student.objects.count()
    result = import_file(
        [
            ["R1", "甲", "男", "1", "1", "", ""],  # blank mobile keeps the stored one
            ["R2", "乙乙", "女", "1", "3", "", ""],  # renamed, moved to a new class
            ["R4", "丁", "女", "1", "2", "", ""],
        ]
    )
    assert (result.new, result.updated, result.unchanged, result.not_in_file) == (1, 1, 1, 2)
    assert result.classes_created == 1
    assert Student.objects.count() == total + 1
    assert Student.objects.filter(student_number="R1").get().guardian_mobile == "13800000001"
    r2 = Student.objects.get(student_number="R2")
    assert (r2.name, r2.school_class.number) == ("乙乙", 3)
    assert Student.objects.get(student_number="R3").is_active  # missing from the file, kept
    assert AuditEvent.objects.filter(action="roster.imported").count() == 2


def test_the_same_number_in_another_school_is_another_student(world, import_file):
    import_file([["X1", "甲", "男", "1", "1", "", ""]])
    import_file(
        [["X1", "乙", "女", "1", "1", "", ""]],
        school=world.schools["a2"],
        actor=world.users["principal_a2"],
    )
    assert sorted(Student.objects.filter(student_number="X1").values_list("name", flat=True)) == [
        "乙",
        "甲",
    ]


def test_an_inactive_student_in_the_file_is_back_on_the_roll(world, import_file):
    student = world.students["a1"]
    Student.objects.filter(pk=student.pk).update(is_active=False)
    klass = student.school_class
    result = import_file(
        [[student.student_number, student.name, "女", "3", str(klass.number), "", ""]]
    )
    assert (result.updated, result.not_in_file) == (1, 0)
    assert Student.objects.get(pk=student.pk).is_active


def test_homeroom_teacher_must_be_staff_of_the_school_and_one_per_class(world, import_file):
    world.users["parent_a1"].username = "dad"  # a parent of this school is not staff
    world.users["parent_a1"].save()
    with pytest.raises(RosterInvalid) as caught:
        import_file(
            [
                ["H1", "甲", "男", "2", "1", "teacher-a1", ""],
                ["H2", "乙", "男", "2", "1", "principal-a1", ""],
                ["H3", "丙", "男", "2", "2", "teacher-a2", ""],
                ["H4", "丁", "男", "2", "3", "dad", ""],
                ["H5", "戊", "男", "2", "1", "TEACHER-A1", ""],
            ]
        )
    assert caught.value.rows == [
        RowError(3, "班主任", "与第 2 行为二年级1班填写的班主任不一致。"),
        RowError(4, "班主任", "本校教职工中没有用户名或手机号为“teacher-a2”的人员。"),
        RowError(5, "班主任", "本校教职工中没有用户名或手机号为“dad”的人员。"),
    ]


def test_dry_run_reports_and_writes_nothing(world, import_file):
    before = counts()
    result = import_file([["D1", "甲", "男", "4", "7", "teacher-a1", ""]], dry_run=True)
    assert result.dry_run
    assert (result.new, result.classes_created, result.homeroom_changes) == (1, 1, 1)
    assert counts() == before


def test_only_the_schools_principal_or_admin_may_import(world, import_file):
    for key in ("teacher_a1", "care_a1", "official_a", "principal_a2", "parent_a1"):
        with pytest.raises(NotAllowed):
            import_file([["P1", "甲", "男", "1", "1", "", ""]], actor=world.users[key])
    assert not Student.objects.filter(student_number="P1").exists()


def _queries(world, school_key, rows, *, dry_run):
    with CaptureQueriesContext(connection) as ctx:
        services.import_roster(
            actor=world.users[f"principal_{school_key}"],
            school=world.schools[school_key],
            content=make_roster(rows),
            filename="r.csv",
            dry_run=dry_run,
        )
    return len(ctx.captured_queries)


def _rows(n, teacher=""):
    return [[f"Q{i}", "甲", "男", str(1 + i % 6), str(5 + i % 4), teacher, ""] for i in range(n)]


def test_checking_a_file_costs_the_same_queries_for_1_or_40_rows(world):
    one = _queries(world, "a1", _rows(1, "teacher-a1"), dry_run=True)
    assert _queries(world, "a1", _rows(40, "teacher-a1"), dry_run=True) == one


def test_importing_costs_the_same_queries_for_1_or_40_rows(world):
    one = _queries(world, "a1", _rows(1), dry_run=False)
    assert _queries(world, "a2", _rows(40), dry_run=False) == one


# --------------------------------------------------------------------------- export


def read_xlsx(content):
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_export_writes_the_import_columns_for_students_on_the_roll(world, import_file):
    import_file(
        [
            ["E2", "乙", "女", "1", "1", "teacher-a1", "13800000002"],
            ["E1", "甲", "男", "1", "1", "", ""],
        ]
    )
    Student.objects.create(
        district=world.a,
        school=world.schools["a1"],
        school_class=world.classes["a1"],
        student_number="GONE",
        name="已转出",
        gender=Gender.MALE,
        is_active=False,
    )
    content, content_type, filename = services.export_roster(
        actor=world.users["official_a"], school=world.schools["a1"], file_format="xlsx"
    )
    assert content_type.endswith("spreadsheetml.sheet") and filename.endswith(".xlsx")
    student = world.students["a1"]
    sheet = read_xlsx(content)
    # Rows by grade and class; within a class in the order they joined the roll (学籍号 is
    # encrypted at rest: no order in the database), so the class's two rows are compared sorted.
    assert [sheet[0], *sorted(sheet[1:3]), sheet[3]] == [
        list(COLUMNS),
        ["E1", "甲", "男", 1, 1, "teacher-a1", None],
        ["E2", "乙", "女", 1, 1, "teacher-a1", "13800000002"],
        [
            student.student_number,
            student.name,
            "女",
            3,
            world.classes["a1"].number,
            "teacher-a1",
            None,
        ],
    ]
    event = AuditEvent.objects.get(action="roster.exported")
    assert event.payload == {"format": "xlsx", "students": 3}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips(world, import_file, fmt):
    import_file(
        [
            ["T1", "甲", "男", "一年级", "1班", "teacher-a1", "13800000001"],
            ["T2", "乙", "女", "初三", "2", "", ""],
        ]
    )
    content, _type, filename = services.export_roster(
        actor=world.users["principal_a1"], school=world.schools["a1"], file_format=fmt
    )
    if fmt == "csv":
        assert content.startswith("\ufeff学籍号,姓名,性别,年级,班级,班主任,监护人手机".encode())
    again = services.import_roster(
        actor=world.users["principal_a1"],
        school=world.schools["a1"],
        content=content,
        filename=filename,
        dry_run=True,
    )
    assert (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert (again.classes_created, again.homeroom_changes, again.not_in_file) == (0, 0, 0)


def test_export_never_writes_a_formula(world):
    """Names from elsewhere (the admin, old data) may look like formulas; exports defuse them."""
    Student.objects.filter(pk=world.students["a1"].pk).update(name="=HYPERLINK(1)")
    school, official = world.schools["a1"], world.users["official_a"]
    xlsx, _t, _n = services.export_roster(actor=official, school=school, file_format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx)).active
    # Kept whole (not stripped), as text that stays text (aftercare.exports).
    assert sheet["B2"].value == "=HYPERLINK(1)" and sheet["B2"].data_type == "s"
    assert sheet["B2"].quotePrefix
    csv, _t, _n = services.export_roster(actor=official, school=school, file_format="csv")
    assert ",'=HYPERLINK(1)," in csv.decode("utf-8-sig")


# --------------------------------------------------------------------------- concurrency


def _import_in_thread(world, content, results, start):
    from django.db import connections

    try:
        start.wait(5)
        results.append(
            services.import_roster(
                actor=world.users["principal_a1"],
                school=world.schools["a1"],
                content=content,
                filename="r.csv",
                dry_run=False,
            )
        )
    except Exception as exc:  # collected for the assertions
        results.append(exc)
    finally:
        connections.close_all()


def _race(world, monkeypatch):
    """Two imports of one new file at once; each pauses after loading the roster."""
    original = RosterResource.before_import

    def slow_before_import(self, dataset, **kwargs):
        original(self, dataset, **kwargs)
        time.sleep(0.5)

    monkeypatch.setattr(RosterResource, "before_import", slow_before_import)
    content = make_roster([[f"C{i}", "甲", "男", "1", "1", "", ""] for i in range(5)])
    results: list = []
    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=_import_in_thread, args=(world, content, results, start))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_without_the_school_lock_would_collide(world, monkeypatch):
    monkeypatch.setattr(roster_services, "_lock_school", lambda school: None)
    results = _race(world, monkeypatch)
    assert sorted(type(r).__name__ for r in results) == ["RosterConflict", "RosterImportResult"]
    assert isinstance(next(r for r in results if isinstance(r, Exception)), RosterConflict)
    assert sum(s.student_number.startswith("C") for s in Student.objects.all()) == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_one_school_queue_up(world, monkeypatch):
    results = _race(world, monkeypatch)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted((r.new, r.unchanged) for r in results) == [(0, 5), (5, 0)]
    assert sum(s.student_number.startswith("C") for s in Student.objects.all()) == 5
