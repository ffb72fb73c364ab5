"""Domain errors of the enrollment app (all ``aftercare.errors.DomainError``s).

The web layer shows ``message``/``fields`` in place; the API turns them into the one error
shape with the ``status`` and ``code`` below.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aftercare.errors import Conflict, DomainError, InvalidInput


@dataclass(frozen=True)
class RowError:
    """One problem in a roster file: spreadsheet row number (the header is row 1 or wherever
    it was found), column heading ('' for the whole row) and a translated message."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class RosterFileError(InvalidInput):
    """The file as a whole cannot be used (type, size, encoding, header row, row count)."""

    code = "roster_file_invalid"
    default_message = _("The file cannot be imported.")


class RosterInvalid(InvalidInput):
    """At least one row is wrong: nothing was imported. ``rows`` lists every problem.

    ``fields`` carries the same report for the API as ``row.<n>.<column>`` keys.
    """

    code = "roster_invalid"

    def __init__(self, rows: list[RowError]):
        self.rows = rows
        n_rows = len({e.row for e in rows})
        message = ngettext(
            "Nothing was imported: %(count)d row of the file has errors. "
            "Correct it and upload the file again.",
            "Nothing was imported: %(count)d rows of the file have errors. "
            "Correct them and upload the file again.",
            n_rows,
        ) % {"count": n_rows}
        fields: dict[str, list[str]] = {}
        for e in rows:
            key = f"row.{e.row}.{e.column}" if e.column else f"row.{e.row}"
            fields.setdefault(key, []).append(e.message)
        super().__init__(message, fields=fields)


class RosterConflict(Conflict):
    code = "roster_conflict"
    default_message = _(
        "The roster was changed by someone else at the same time. Upload the file again."
    )


class AlreadyRegistered(DomainError):
    code = "already_registered"
    status = 409
    default_message = _("This mobile number is already registered. Please log in.")


class TooManyRequests(DomainError):
    """A rate limit (SMS cooldown, daily SMS quota, binding attempts). HTTP 429."""

    code = "too_many_requests"
    status = 429


class SmsUnavailable(DomainError):
    code = "sms_unavailable"
    status = 503
    default_message = _("The text message could not be sent. Please try again later.")


class NoMatchingStudent(InvalidInput):
    code = "no_match"
