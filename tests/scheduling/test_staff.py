"""Staff roster, vetting documents (sniffed, size-limited, stored outside the web root, served
only to the school's managers, the district's officials and the person) and the xlsx import."""

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import AuditEvent
from scheduling.models import (
    Institution,
    InstitutionStatus,
    StaffKind,
    StaffMember,
    VettingRecord,
    VettingStep,
)
from scheduling.resources import COLUMNS
from scheduling.services import staff as services
from scheduling.services.staff_import import StaffFileInvalid, import_staff

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def external(world):
    return services.save_staff(
        actor=world.users["principal_a1"],
        school=world.schools["a1"],
        data={"kind": StaffKind.EXTERNAL, "full_name": "外聘王五", "mobile": "13712345678"},
    )


def upload(content=PDF, name="check.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_school_teachers_are_linked_to_their_account(world):
    staff = services.save_staff(
        actor=world.users["principal_a1"],
        school=world.schools["a1"],
        data={"kind": StaffKind.SCHOOL_TEACHER, "user": world.users["care_a1"]},
    )
    assert staff.full_name == str(world.users["care_a1"]) and not staff.needs_vetting
    with pytest.raises(InvalidInput) as err:  # a teacher of another school
        services.save_staff(
            actor=world.users["principal_a1"],
            school=world.schools["a1"],
            data={"kind": StaffKind.SCHOOL_TEACHER, "user": world.users["care_a2"]},
        )
    assert "user" in err.value.fields
    with pytest.raises(InvalidInput) as err:  # the same person twice
        services.save_staff(
            actor=world.users["principal_a1"],
            school=world.schools["a1"],
            data={"kind": StaffKind.SCHOOL_TEACHER, "user": world.users["care_a1"]},
        )
    assert "user" in err.value.fields


def test_instructors_only_from_approved_institutions(world):
    inst = Institution.objects.create(
        district=world.a, name="停用机构", licence_number="X", status=InstitutionStatus.EXITED
    )
    with pytest.raises(InvalidInput) as err:
        services.save_staff(
            actor=world.users["principal_a1"],
            school=world.schools["a1"],
            data={
                "kind": StaffKind.INSTITUTION,
                "full_name": "李老师",
                "mobile": "13700001111",
                "institution": inst,
            },
        )
    assert "停用机构" in err.value.fields["institution"][0]
    assert not StaffMember.objects.exists()


def test_institutions_are_the_districts(world):
    with pytest.raises(NotAllowed):
        services.save_institution(
            actor=world.users["principal_a1"],
            district=world.a,
            data={"name": "某机构", "licence_number": "1"},
        )
    inst = services.save_institution(
        actor=world.users["official_a"],
        district=world.a,
        data={"name": "某机构", "licence_number": "1"},
    )
    with pytest.raises(InvalidInput):
        services.set_institution_status(
            actor=world.users["official_a"], institution=inst, status=InstitutionStatus.SUSPENDED
        )
    services.set_institution_status(
        actor=world.users["official_a"],
        institution=inst,
        status=InstitutionStatus.SUSPENDED,
        note="满意度低于80%",
    )
    assert Institution.objects.get().status == InstitutionStatus.SUSPENDED


def test_vetting_documents_are_sniffed_and_stored_outside_the_web_root(world, external, media):
    record = services.record_vetting(
        actor=world.users["principal_a1"],
        staff=external,
        step=VettingStep.BACKGROUND_CHECK,
        done_on=date(2026, 8, 20),
        upload=upload(PNG, "扫描件.pdf", "application/pdf"),  # the name lies: it is a PNG
    )
    assert record.content_type == "image/png" and record.document.name.endswith(".png")
    path = Path(record.document.path)
    assert path.is_file() and Path(media) in path.parents
    assert Path(django_settings.STATIC_ROOT) not in path.parents
    assert "扫描件" not in record.document.name  # an opaque name on disk
    # Replacing the step's document removes the old file after commit.
    with pytest.raises(InvalidInput) as err:
        services.record_vetting(
            actor=world.users["principal_a1"],
            staff=external,
            step=VettingStep.FILING,
            done_on=date(2026, 8, 20),
            upload=upload(b"<html><script>alert(1)</script>", "evil.pdf"),
        )
    assert "evil.pdf" in err.value.fields["document"][0]
    with pytest.raises(InvalidInput) as err:
        services.record_vetting(
            actor=world.users["principal_a1"],
            staff=external,
            step=VettingStep.FILING,
            done_on=timezone.localdate() + timedelta(days=3),
            upload=upload(),
        )
    assert "done_on" in err.value.fields
    big = PDF + b"0" * (5 * 1024 * 1024)
    with pytest.raises(InvalidInput) as err:
        services.record_vetting(
            actor=world.users["principal_a1"],
            staff=external,
            step=VettingStep.FILING,
            done_on=date(2026, 8, 20),
            upload=upload(big),
        )
    assert "5 MB" in err.value.fields["document"][0]
    assert VettingRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="staff.vetting_recorded").count() == 1


@pytest.mark.parametrize(
    ("user_key", "status"),
    [
        ("principal_a1", 200),
        ("admin_a1", 200),
        ("official_a", 200),
        ("self", 200),
        ("teacher_a1", 404),  # a colleague: not theirs to read
        ("care_a1", 404),
        ("parent_a1", 404),
        ("principal_a2", 404),
        ("official_b", 404),
    ],
)
def test_vetting_documents_are_served_only_to_those_who_may_read_them(
    world, external, client, login, user_key, status
):
    from tests.factories import UserFactory, member

    person = member(UserFactory(), "care_teacher", school=world.schools["a1"])
    StaffMember.objects.filter(pk=external.pk).update(user=person)
    record = services.record_vetting(
        actor=world.users["principal_a1"],
        staff=external,
        step=VettingStep.AGREEMENT,
        done_on=date(2026, 8, 20),
        upload=upload(),
    )
    login(person if user_key == "self" else world.users[user_key])
    response = client.get(reverse("scheduling_vetting_document", args=[record.public_id]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == PDF


def test_media_is_not_served_by_url(world, client, login, media):
    login(world.users["principal_a1"])
    assert client.get("/media/vetting/x.pdf").status_code == 404


# --------------------------------------------------------------------------- import / export


def xlsx(rows, headers=COLUMNS):
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_creates_and_updates(world):
    Institution.objects.create(district=world.a, name="少年宫", licence_number="1")
    rows = [
        ("", "本校教师", "", "care-a1", "", "阅读", ""),
        ("周老师", "退休教师", "13700000001", "", "", "书法", "退休前任语文教师"),
        ("林教练", "机构教师", "137 0000 0002", "", "少年宫", "足球", ""),
    ]
    result = import_staff(
        actor=world.users["principal_a1"],
        school=world.schools["a1"],
        content=xlsx(rows),
        filename="staff.xlsx",
    )
    assert (result.new, result.updated) == (3, 0)
    coach = StaffMember.objects.get(full_name="林教练")
    assert coach.mobile == "13700000002" and coach.institution.name == "少年宫"
    rows[1] = ("周德明", "退休教师", "13700000001", "", "", "书法", "")
    again = import_staff(
        actor=world.users["principal_a1"],
        school=world.schools["a1"],
        content=xlsx(rows),
        filename="staff.xlsx",
    )
    assert (again.new, again.updated, again.unchanged) == (0, 1, 2)
    assert StaffMember.objects.filter(mobile="13700000001").get().full_name == "周德明"


def test_a_file_with_one_bad_row_imports_nothing(world):
    rows = [
        ("周老师", "退休教师", "13700000001", "", "", "书法", ""),
        ("吴老师", "外星人", "12345", "", "", "", ""),  # bad kind, bad mobile
        ("郑老师", "外聘人员", "", "", "", "", ""),  # no mobile
        ("钱老师", "机构教师", "13700000003", "", "不存在的机构", "", ""),
        ("孙老师", "本校教师", "", "nobody", "", "", ""),
        ("=HYPERLINK()", "志愿者", "13700000004", "", "", "", ""),
    ]
    with pytest.raises(StaffFileInvalid) as err:
        import_staff(
            actor=world.users["principal_a1"],
            school=world.schools["a1"],
            content=xlsx(rows),
            filename="staff.xlsx",
        )
    problems = {(p.row, p.column) for p in err.value.rows}
    assert {
        (3, "类别"),
        (3, "手机"),
        (4, "手机"),
        (5, "所属机构"),
        (6, "登录名"),
        (7, "姓名"),
    } <= problems
    assert all(p.message for p in err.value.rows)
    assert not StaffMember.objects.exists()


def test_import_is_for_the_schools_managers(world):
    with pytest.raises(NotAllowed):
        import_staff(
            actor=world.users["teacher_a1"],
            school=world.schools["a1"],
            content=xlsx([]),
            filename="staff.xlsx",
        )


def test_export_round_trips(world, external, client, login):
    login(world.users["principal_a1"])
    response = client.get(reverse("scheduling_staff_export", args=[world.schools["a1"].public_id]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][: len(COLUMNS)] == COLUMNS and "犯罪记录查询" in rows[0]
    assert rows[1][0] == "外聘王五" and rows[1][-1] == "否"
    again = import_staff(
        actor=world.users["principal_a1"],
        school=world.schools["a1"],
        content=response.content,
        filename="staff.xlsx",
    )
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
