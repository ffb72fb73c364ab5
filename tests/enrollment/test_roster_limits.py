"""Roster uploads refused early (issue 14): rows are counted while the file is read (openpyxl's
streaming mode for .xlsx) and reading stops at the first row over the limit; a file over the
size limit is refused while it streams in, before it is stored (aftercare/uploads.py)."""

import io

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.urls import reverse
from openpyxl import Workbook

from enrollment import resources
from enrollment.errors import RosterFileError
from enrollment.resources import COLUMNS, MAX_FILE_MB, MAX_ROWS, MAX_SCANNED_ROWS
from tests.enrollment.conftest import make_roster

pytestmark = pytest.mark.django_db
TOO_MANY = "最多"  # 一次最多导入 … 名学生


def _row(i):
    return [f"G{i:08d}", "张三", "男", "3", "1", "", ""]


def _big_xlsx(rows: int, blank_first: int = 0) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(COLUMNS))
    for _ in range(blank_first):
        sheet.append([None])
    for i in range(rows):
        sheet.append(_row(i))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def counted(monkeypatch):
    """Counts the rows the reader pulls out of the file."""
    pulled = {"rows": 0}
    original = resources._raw_rows

    def counting(content, filename):
        for row in original(content, filename):
            pulled["rows"] += 1
            yield row

    monkeypatch.setattr(resources, "_raw_rows", counting)
    return pulled


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reading_stops_at_the_first_row_over_the_limit(counted, fmt):
    rows = 3 * MAX_ROWS
    content = (
        _big_xlsx(rows) if fmt == "xlsx" else make_roster([_row(i) for i in range(rows)], "csv")
    )
    with pytest.raises(RosterFileError) as refused:
        resources.read_roster_file(content, f"big.{fmt}")
    assert TOO_MANY in str(refused.value.fields["file"][0])
    assert counted["rows"] == 1 + MAX_ROWS + 1  # the header, the limit, one more: no further


def test_a_sheet_of_blank_rows_is_not_read_to_its_end(counted):
    content = _big_xlsx(1, blank_first=3 * MAX_ROWS)
    with pytest.raises(RosterFileError):
        resources.read_roster_file(content, "blank.xlsx")
    assert counted["rows"] == 1 + MAX_SCANNED_ROWS + 1


def test_a_file_at_the_limit_is_read_whole():
    sheet = resources.read_roster_file(
        make_roster([_row(i) for i in range(MAX_ROWS)], "csv"), "ok.csv"
    )
    assert len(sheet.dataset) == MAX_ROWS


@pytest.fixture
def stored(monkeypatch):
    """Bytes that reached Django's storing upload handlers (memory or temporary file)."""
    seen = {"bytes": 0}
    for handler in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler.receive_data_chunk

        def spy(self, raw_data, start, _original=original):
            seen["bytes"] += len(raw_data)
            return _original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", spy)
    return seen


LIMIT = MAX_FILE_MB * 1024 * 1024


def _oversized(size=12 * 1024 * 1024) -> io.BytesIO:
    blob = io.BytesIO(b"x" * size)
    blob.name = "roster.csv"
    return blob


def test_page_refuses_an_oversized_file_while_it_streams_in(world, client, stored):
    client.force_login(
        world.users["principal_a1"], backend="aftercare.auth.MobileOrUsernameBackend"
    )
    url = reverse("roster_import", args=[world.schools["a1"].public_id])
    response = client.post(url, {"file": _oversized()})
    assert response.status_code == 200
    assert "文件大小不能超过 10 MB。" in response.content.decode()
    assert stored["bytes"] == 0  # refused by its length, before a byte was stored


def test_a_file_just_over_the_limit_is_cut_where_it_crosses_it(world, client, stored):
    client.force_login(
        world.users["principal_a1"], backend="aftercare.auth.MobileOrUsernameBackend"
    )
    url = reverse("roster_import", args=[world.schools["a1"].public_id])
    response = client.post(url, {"file": _oversized(LIMIT + 1)})
    assert "文件大小不能超过 10 MB。" in response.content.decode()
    # Each storing handler saw at most the limit (the crossing chunk went nowhere).
    assert stored["bytes"] <= 2 * LIMIT


def test_api_refuses_an_oversized_file_while_it_streams_in(world, api, stored):
    url = f"/api/v1/schools/{world.schools['a1'].public_id}/roster/"
    response = api(world.users["principal_a1"]).post(
        url, {"file": _oversized()}, format="multipart"
    )
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "roster_file_invalid"
    assert [e["message"] for e in body["fields"]["file"]] == ["文件大小不能超过 10 MB。"]
    assert stored["bytes"] == 0


def test_a_small_file_still_goes_through(world, api, stored):
    url = f"/api/v1/schools/{world.schools['a1'].public_id}/roster/"
    blob = io.BytesIO(make_roster([_row(1)], "csv"))
    blob.name = "roster.csv"
    response = api(world.users["principal_a1"]).post(
        url, {"file": blob, "dry_run": "true"}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["rows"] == 1 and stored["bytes"] > 0
