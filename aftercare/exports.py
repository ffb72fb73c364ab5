"""Spreadsheet exports that cannot run a formula: the one CSV writer and the one .xlsx builder
every export uses (audit log, rosters, applications, attendance, bills, reports, feedback).

A cell whose text begins with ``= + - @``, a tab or a carriage return is run by Excel and
LibreOffice as a formula (``=HYPERLINK(...)`` in a parent's display name, CSV injection).

* CSV: such text gets a leading apostrophe (``'=HYPERLINK(...)``), shown as text; the
  apostrophe is the one change, and only to such text.
* .xlsx: the value is written unchanged as a text cell with Excel's "quote prefix" (never a
  formula cell, and it stays text when edited); nothing is stripped.
* Not mangled: numbers (``-1``, a ``Decimal``), text that is a plain number (``"-1"``,
  ``"+86"`` as written, ``"-3.5"``: a number, not a formula), 学籍号 and mobiles beginning
  with a digit or a letter.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

import tablib
from django.http import StreamingHttpResponse
from django.utils.encoding import escape_uri_path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
BOM = "\ufeff"  # Excel reads UTF-8 CSV with Chinese text correctly after a BOM

__all__ = [
    "BOM",
    "FORMULA_START",
    "csv_bytes",
    "csv_cell",
    "csv_writer",
    "is_formula_like",
    "streaming_csv_response",
    "xlsx_bytes",
]


def is_formula_like(value) -> bool:
    """True for text a spreadsheet would run as a formula (not for plain numbers)."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
        and value not in ("-", "+")  # a dash for "none" is text to every spreadsheet
    )


def csv_cell(value):
    return "'" + value if is_formula_like(value) else value


class SafeCsvWriter:
    """``csv.writer`` whose rows go through ``csv_cell``."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable):
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def csv_writer(out, **kwargs) -> SafeCsvWriter:
    return SafeCsvWriter(out, **kwargs)


def csv_bytes(dataset: tablib.Dataset, *, bom: bool = True) -> bytes:
    """A dataset as UTF-8 CSV (with a BOM for Excel), headers first."""
    out = io.StringIO()
    writer = csv_writer(out)
    if dataset.headers:
        writer.writerow(dataset.headers)
    writer.writerows(dataset)
    return ((BOM if bom else "") + out.getvalue()).encode()


class _Echo:
    """A file whose write returns what it was given (csv.writer into a generator)."""

    def write(self, value: str) -> str:
        return value


def csv_stream(header: Iterable, rows: Iterable[Iterable], *, batch: int = 500) -> Iterator[str]:
    """The lines of a CSV (BOM, header, every row), yielded in batches as ``rows`` is read."""
    writer = csv_writer(_Echo())
    lines = [BOM, writer.writerow(header)]
    for row in rows:
        lines.append(writer.writerow(row))
        if len(lines) >= batch:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def streaming_csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]):
    """A CSV download streamed while ``rows`` is read (pass a server-side cursor, e.g.
    ``queryset.iterator(chunk_size=2000)``): every row, in constant memory, no cut."""
    response = StreamingHttpResponse(
        csv_stream(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


def _sheets(items) -> list[tablib.Dataset]:
    sheets = []
    for item in items:
        if isinstance(item, tablib.Databook):
            sheets.extend(item.sheets())
        else:
            sheets.append(item)
    return sheets


def xlsx_bytes(*datasets: tablib.Dataset | tablib.Databook) -> bytes:
    """An .xlsx workbook, one sheet per dataset (a Databook's sheets in order), laid out as
    tablib's own export (bold frozen headers, wrapped multi-line text, the dataset's
    formatters) with columns as wide as their text, and formula-like text kept as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True)
    for n, dataset in enumerate(_sheets(datasets), 1):
        title = re.sub(r"[\\/*?:\[\]]", "-", str(dataset.title or f"Sheet{n}"))[:31]
        sheet = book.create_sheet(title=title)
        widths: dict[int, int] = {}
        for r, row in enumerate(dataset._package(dicts=False), 1):
            for c, value in enumerate(row, 1):
                cell = sheet.cell(row=r, column=c)
                if is_formula_like(value):
                    cell.value = value
                    cell.data_type = "s"  # text, never a formula cell
                    cell.quotePrefix = True  # and Excel keeps it text when edited
                else:
                    try:
                        cell.value = value
                    except (ValueError, TypeError):  # aware datetimes, odd types: as text
                        cell.value = str(value)
                if r == 1 and dataset.headers:
                    cell.font = bold
                elif "\n" in str(value):
                    cell.alignment = wrap
                widths[c] = max(widths.get(c, 0), len(str("" if value is None else value)))
        if dataset.headers:
            sheet.freeze_panes = "A2"
        for c, width in widths.items():
            sheet.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 50)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
