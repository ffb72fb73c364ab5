"""Helpers for the enrollment tests: roster files in .csv and .xlsx."""

import csv
import io

import pytest
from openpyxl import Workbook

from enrollment.resources import COLUMNS


def make_roster(rows, fmt="csv", headers=COLUMNS, above=()):
    """Bytes of a roster file: optional lines ``above`` the header row, then ``rows``."""
    lines = [*above, list(headers), *rows]
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        for line in lines:
            sheet.append(list(line))
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text typed by a person, not a formula
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return ("\ufeff" + out.getvalue()).encode()


@pytest.fixture
def roster_file():
    return make_roster


@pytest.fixture
def import_file(world):
    """Import a roster into school a1 as its principal (via the service)."""
    from enrollment.services.families import import_roster

    def _import(rows, fmt="csv", *, dry_run=False, school=None, actor=None, **kw):
        return import_roster(
            actor=actor or world.users["principal_a1"],
            school=school or world.schools["a1"],
            content=make_roster(rows, fmt, **kw),
            filename=f"roster.{fmt}",
            dry_run=dry_run,
        )

    return _import
