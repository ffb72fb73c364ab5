"""Importing and exporting a school's staff list (.xlsx/.csv), all or nothing.

``import_staff`` reads the file (``scheduling.resources``), lets ``StaffResource`` check and
plan every row, and writes only when no row has an error: new people are inserted, changed
ones updated, in one transaction holding the school's plan-independent lock (the school row),
so two imports of one school never interleave. People missing from the file are left alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import School, User
from aftercare.rules import require_school_manager
from scheduling.models import StaffMember
from scheduling.resources import RowProblem, StaffResource, read_staff_file, xlsx_bytes


class StaffFileInvalid(InvalidInput):
    """At least one row is wrong: nothing was imported. ``rows`` lists every problem."""

    code = "staff_file_invalid_rows"

    def __init__(self, rows: list[RowProblem]):
        self.rows = rows
        n = len({r.row for r in rows})
        super().__init__(
            ngettext(
                "Nothing was imported: %(count)d row of the file has errors.",
                "Nothing was imported: %(count)d rows of the file have errors.",
                n,
            )
            % {"count": n},
            fields={f"row.{r.row}.{r.column or 'row'}": [r.message] for r in rows},
        )


@dataclass
class StaffImportResult:
    rows: int
    new: int
    updated: int
    unchanged: int
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "ignored_columns": self.ignored_columns,
        }


@transaction.atomic
def import_staff(
    *, actor: User, school: School, content: bytes, filename: str, dry_run: bool = False
) -> StaffImportResult:
    """Check and (unless ``dry_run``) import a staff file. Errors: NotAllowed, InvalidInput
    (the file), StaffFileInvalid (rows: nothing written), Conflict (a concurrent change)."""
    require_school_manager(actor, school)
    sheet = read_staff_file(content, filename)
    School.objects.select_for_update().filter(pk=school.pk).values_list("pk", flat=True).first()
    resource = StaffResource(school=school, row_numbers=sheet.row_numbers)
    result = resource.import_data(sheet.dataset, dry_run=True, raise_errors=False)
    if result.base_errors:
        raise result.base_errors[0].error
    for _number, errors in result.row_errors():
        raise errors[0].error  # a defect, not bad input
    problems = resource.problems_of(result)
    if problems:
        raise StaffFileInvalid(problems)
    plan = resource.plan()
    summary = StaffImportResult(
        rows=len(sheet.dataset),
        new=len(plan.create),
        updated=len(plan.update),
        unchanged=plan.unchanged,
        ignored_columns=sheet.ignored_columns,
    )
    if dry_run:
        return summary
    now = timezone.now()
    for staff in plan.update:
        staff.updated_at = now
    try:
        with transaction.atomic():
            StaffMember.objects.bulk_create(plan.create)
            if plan.update:  # a staff list is tens of rows, never thousands
                StaffMember.objects.bulk_update(
                    plan.update,
                    [
                        "full_name",
                        "kind",
                        "mobile",
                        "user",
                        "institution",
                        "subject",
                        "note",
                        "is_active",
                        "updated_at",
                    ],
                )
    except IntegrityError as exc:
        raise Conflict(
            _("The staff list changed while importing; upload the file again."),
            code="staff_import_conflict",
        ) from exc
    record_event(
        actor=actor,
        action="staff.imported",
        obj=school,
        payload={
            "file": filename[:100],
            "sha256": hashlib.sha256(content).hexdigest(),
            **summary.as_dict(),
        },
    )
    return summary


def export_staff(*, actor: User, school: School) -> tuple[bytes, str]:
    """The staff list as .xlsx (the import's columns plus vetting dates): (bytes, filename)."""
    require_school_manager(actor, school)
    dataset = StaffResource(school=school).export_dataset()
    record_event(actor=actor, action="staff.exported", obj=school, payload={"rows": len(dataset)})
    return xlsx_bytes(dataset), f"staff-{school.code}.xlsx"
