"""Tables of the reporting pages: one shape for the page and for its xlsx export.

A page builds ``Table`` objects (columns, rows of ``Cell``); the template renders each with its
export link (``?export=<key>``) and the view answers that link with the same table as xlsx
(``xlsx_response``): every table the pages show exports, by construction.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import quote

import tablib
from django.http import HttpResponse
from django.utils.safestring import SafeData, SafeString, mark_safe

from aftercare.exports import xlsx_bytes


@dataclass
class Cell:
    text: str
    value: object = None  # what the spreadsheet gets (a number for figures); text otherwise
    url: str = ""
    css: str = ""
    num: bool = False  # set from the column: right-aligned figures

    @property
    def export_value(self):
        return self.text if self.value is None else self.value

    def html(self) -> str:
        """The cell as a ``<td>``: text and link escaped, classes from the column and the cell."""
        classes = ("num" if self.num else "") + (f" cell-{self.css}" if self.css else "")
        body = escape(self.text)
        if self.url:
            body = f'<a href="{escape(self.url)}">{body}</a>'
        return f'<td class="{escape(classes.strip())}">{body}</td>'


@dataclass
class Column:
    label: str
    num: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = ""

    def add(self, *cells) -> None:
        row = [c if isinstance(c, Cell) else Cell(_text(c), c) for c in cells]
        for cell, column in zip(row, self.columns, strict=False):
            cell.num = column.num
        self.rows.append(row)

    def body_html(self) -> SafeString:
        """The rows as HTML, built in Python: a district's tables hold a few thousand cells and
        the template language's per-cell tags cost most of the page's time (bench/dashboard.py).
        Every text and URL goes through ``escape``; only the markup is ours."""
        return mark_safe(  # noqa: S308 - every value above is escaped
            "\n".join("<tr>" + "".join(cell.html() for cell in row) + "</tr>" for row in self.rows)
        )

    def dataset(self) -> tablib.Dataset:
        data = tablib.Dataset(headers=[str(c.label) for c in self.columns], title=self.key[:31])
        for row in self.rows:
            data.append([cell.export_value for cell in row])
        return data


def escape(value) -> str:
    """As the template's autoescape: markup already marked safe stays, the rest is escaped
    (the standard library's escape: Django's wraps it for lazy strings, a cost per call)."""
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value))


def _text(value) -> str:
    if value is None:
        return "—"
    return str(value)


def num(value, *, url: str = "", css: str = "") -> Cell:
    return Cell(_text(value), value, url, css)


def pct(value: float | None, *, css: str = "") -> Cell:
    if value is None:
        return Cell("—", None, css=css)
    return Cell(f"{value * 100:.1f}%", round(value, 4), css=css)


def yuan(fen: int | None) -> Cell:
    fen = int(fen or 0)
    return Cell(f"{fen / 100:,.2f}", round(fen / 100, 2))


def link(text: str, url: str, css: str = "") -> Cell:
    return Cell(str(text), str(text), url, css)


def xlsx_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(table.dataset()),  # formula-like text stays text
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}.xlsx"
    return response
