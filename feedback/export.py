"""xlsx exports of complaints and evaluation results (tablib, as the other staff exports).

Complaints are exported through the same projection the pages use
(``feedback.selectors.complaints.project``): the school's file of an anonymous complaint has
no filer, no caller and no child name. Evaluation results are the aggregates of the results
page (cells below the minimum left empty), never an answer sheet.
"""

from __future__ import annotations

import tablib
from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aftercare.exports import xlsx_bytes

from .models import SCALE, SCALE_LABELS
from .selectors.complaints import project

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def _num(value) -> str:
    return "" if value is None else f"{value:.2f}"


def xlsx_response(book: tablib.Databook | tablib.Dataset, filename: str) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(book), content_type=XLSX)  # no formula runs
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def complaints_dataset(complaints, side: str, *, now=None) -> tablib.Dataset:
    now = now or timezone.now()
    headers = [
        _("Number"),
        _("School"),
        _("About"),
        _("Channel"),
        _("Status"),
        _("Overdue"),
        _("Flagged to the district"),
        _("When it happened"),
        _("Filed"),
        _("Acknowledge by"),
        _("Acknowledged"),
        _("Close by"),
        _("Closed"),
        _("Outcome"),
        _("Findings"),
        _("Teacher"),
        _("Deduction (%)"),
        _("Month"),
        _("Grade"),
        _("Child"),
        _("Filed by"),
        _("Mobile"),
        _("Hotline caller"),
        _("Caller's number"),
        _("What happened"),
    ]
    data = tablib.Dataset(headers=headers, title=_("Complaints")[:31])
    for complaint in complaints:
        s = project(complaint, side, now=now, full=False)
        data.append(
            [
                s.reference,
                s.school_name,
                s.category_label,
                s.channel_label,
                s.status_label,
                _("yes") if s.overdue else "",
                _("yes") if s.flagged else "",
                s.incident_date.isoformat(),
                _when(s.submitted_at),
                _when(s.ack_due_at),
                _when(s.acknowledged_at),
                _when(s.resolve_due_at),
                _when(s.closed_at),
                s.outcome_label,
                s.findings,
                s.staff_name,
                "" if s.deduction_percent is None else s.deduction_percent,
                s.deduction_month.strftime("%Y-%m") if s.deduction_month else "",
                s.child_grade,
                f"{s.child_name} {s.child_class}".strip(),
                s.filed_by_name,
                s.filed_by_mobile,
                s.caller_name,
                s.caller_mobile,
                s.description,
            ]
        )
    return data


def evaluation_book(evaluation, *, rates, schools, grades, sections, overall) -> tablib.Databook:
    """Response rates, results per school, grade and course section, and the free text of
    the slices shown."""
    rate_sheet = tablib.Dataset(
        headers=[_("School"), _("Grade"), _("Invited"), _("Answered"), _("Response rate")],
        title=_("Response rates")[:31],
    )
    for school in rates["schools"]:
        for grade in rates["grades"].get(school.key, []):
            rate_sheet.append(
                [school.label, grade.label, grade.invited, grade.answered, grade.percent]
            )
        rate_sheet.append(
            [school.label, _("All grades"), school.invited, school.answered, school.percent]
        )
    total = rates["total"]
    rate_sheet.append([_("Total"), "", total.invited, total.answered, total.percent])

    headers = [
        _("Slice"),
        _("Answer sheets"),
        pgettext("evaluation", "Question"),
        _("Answers"),
        _("Mean (1–5)"),
        _("Satisfied (4–5)"),
        *[str(SCALE_LABELS[s]) for s in SCALE],
    ]
    result_sheet = tablib.Dataset(headers=headers, title=_("Results")[:31])
    below = _("fewer than %(n)d answer sheets: not shown") % {"n": evaluation.min_answers}

    def add(kind: str, cell):
        label = f"{kind} · {cell.label}" if kind else cell.label
        if not cell.shown:
            result_sheet.append([label, cell.sheets, below, "", "", "", *[""] * len(SCALE)])
            return
        for q in cell.questions:
            result_sheet.append(
                [
                    label,
                    cell.sheets,
                    q.question.text,
                    q.n,
                    _num(q.mean),
                    _pct(q.satisfied),
                    *[q.counts[s] for s in SCALE],
                ]
            )

    add("", overall)
    for cell in schools:
        add(_("School"), cell)
    for cell in grades:
        add(_("Grade"), cell)
    for cell in sections:
        add(_("Course"), cell)
    text_sheet = tablib.Dataset(
        headers=[_("Slice"), pgettext("evaluation", "Question"), _("Answer")],
        title=_("Comments")[:31],
    )
    for question, text in overall.texts:
        text_sheet.append([overall.label, question.text, text])
    return tablib.Databook([rate_sheet, result_sheet, text_sheet])
