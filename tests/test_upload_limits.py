"""Staff list import refuses oversized files and rows while streaming (issue 14), as the
roster import does, with its per-route upload limit (page 413, API 400)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from aftercare.errors import InvalidInput
from scheduling import resources
from scheduling.resources import COLUMNS, MAX_ROWS, read_staff_file

pytestmark = pytest.mark.django_db


def _csv(rows: int) -> bytes:
    lines = [",".join(COLUMNS)]
    lines += [f"张{i},退休教师,137{i:08d},,,书法," for i in range(rows)]
    return "\n".join(lines).encode()


def test_a_file_just_under_the_row_limit_reads():
    sheet = read_staff_file(_csv(MAX_ROWS), "staff.csv")
    assert len(sheet.dataset) == MAX_ROWS


def test_rows_over_the_limit_are_refused_without_reading_the_rest(monkeypatch):
    seen = []
    original = resources.stream_rows

    def counting(content, filename):
        for row in original(content, filename):
            seen.append(row)
            yield row

    monkeypatch.setattr(resources, "stream_rows", counting)
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for i in range(MAX_ROWS * 3):
        sheet.append((f"张{i}", "退休教师", f"137{i:08d}", "", "", "书法", ""))
    out = io.BytesIO()
    book.save(out)
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        read_staff_file(out.getvalue(), "staff.xlsx")
    assert "At most 2000 people" in str(caught.value.fields["file"][0])
    assert caught.value.code == "staff_file_invalid"
    assert len(seen) <= MAX_ROWS + 2  # header + MAX_ROWS + the one over: never read to its end


def test_blank_rows_count_too():
    content = ",".join(COLUMNS).encode() + b"\n" + b",,,,,,\n" * (MAX_ROWS * 2 + 5)
    content += "李,退休教师,13700000001,,,书法,\n".encode()
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        read_staff_file(content, "staff.csv")
    assert "At most" in str(caught.value.fields["file"][0])


def test_the_shared_reader_refuses_a_bad_type_in_the_staff_shape():
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        read_staff_file(b"x", "staff.xls")
    assert caught.value.code == "staff_file_invalid"
    assert ".xlsx" in str(caught.value.fields["file"][0])


def _too_big():
    return SimpleUploadedFile(
        "staff.csv", b"a" * (resources.MAX_FILE_MB * 1024 * 1024 + 1), content_type="text/csv"
    )


def test_the_staff_import_page_refuses_an_oversized_upload_with_413(world, client):
    school = world.schools["a1"]
    client.force_login(world.users["principal_a1"])
    with translation.override("en"):
        response = client.post(
            reverse("scheduling_staff_import", args=[school.public_id]),
            {"file": _too_big()},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 413
    assert b"larger than 5 MB" in response.content or "大于" in response.content.decode()


def test_the_staff_import_api_refuses_an_oversized_upload_with_400(world, client):
    school = world.schools["a1"]
    client.force_login(world.users["principal_a1"])
    response = client.post(
        f"/api/v1/schools/{school.public_id}/staff/import/", {"file": _too_big()}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "staff_file_invalid"
    assert "file" in body["error"]["fields"]
