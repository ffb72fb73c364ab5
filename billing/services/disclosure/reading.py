"""Reading a disclosure: its published versions, the page's sections, the PDF, and the
district's overview of every school (late and missing ones)."""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftercare.models import District, School, Semester
from billing import conf
from billing.models import (
    SPENDING_CATEGORIES,
    Category,
    Disclosure,
    DisclosureStatus,
    DisclosureVersion,
    Journal,
)
from billing.money import capitals
from billing.services.disclosure.figures import (
    due_date,
)


def published(disclosure: Disclosure) -> list[DisclosureVersion]:
    return list(
        disclosure.versions.filter(status=DisclosureStatus.PUBLISHED)
        .select_related("published_by")
        .order_by("-number")
    )


def lines_of(version: DisclosureVersion) -> dict:
    """The disclosure as the page and the PDF show it: sections of (label, fen)."""
    cats = version.figures.get("categories", {})

    def c(category) -> int:
        return cats.get(str(category), 0)

    income = [
        ("fees", Category.FEE_INCOME.label, -c(Category.FEE_INCOME)),
        ("exemptions", Category.EXEMPTIONS.label, -c(Category.EXEMPTIONS)),
        ("refunds", Category.REFUNDS.label, -c(Category.REFUNDS)),
        ("subsidy", Category.SUBSIDY_INCOME.label, -c(Category.SUBSIDY_INCOME)),
    ]
    spending = [(str(cat), cat.label, c(cat)) for cat in SPENDING_CATEGORIES]
    return {
        "income": income,
        "spending": spending,
        "cash": version.figures.get("carried_cash_fen", 0),
        "receivable": version.figures.get("carried_receivable_fen", 0),
    }


def pdf_path(version: DisclosureVersion) -> Path:
    return conf.private_root() / "disclosures" / str(version.school_id) / f"{version.public_id}.pdf"


def render_pdf(*, version_id: int) -> Path:
    """The published version's PDF (rendered once, kept; a published version never changes)."""
    version = DisclosureVersion.objects.select_related(
        "disclosure__school",
        "disclosure__semester",
        "disclosure__district",
        "reviewed_by",
        "published_by",
    ).get(pk=version_id)
    if version.status != DisclosureStatus.PUBLISHED:
        raise ValueError("only a published disclosure has a public PDF")
    target = pdf_path(version)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    data = pdf_bytes(version)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


LABEL_ZH = {
    "fees": "服务费收入（应收）",
    "exemptions": "减：减免",
    "refunds": "减：退费",
    "subsidy": "财政补助",
    "expenses_teacher": "教师课后服务补助",
    "expenses_external": "外聘人员劳务费",
    "expenses_materials": "低值易耗品及材料",
    "expenses_utilities": "水电及保洁",
    "expenses_equipment": "设备购置",
    "expenses_insurance": "保险",
    "expenses": "其他支出",
}


def pdf_bytes(version: DisclosureVersion) -> bytes:
    from weasyprint import HTML  # heavy (Pango): loaded only where PDFs are made

    disclosure = version.disclosure
    sections = lines_of(version)
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "billing/disclosure/disclosure_pdf.html",
            {
                "version": version,
                "disclosure": disclosure,
                "income": [(LABEL_ZH[k], fen) for k, _l, fen in sections["income"]],
                "spending": [(LABEL_ZH[k], fen) for k, _l, fen in sections["spending"]],
                "cash": sections["cash"],
                "receivable": sections["receivable"],
                "capitals": capitals(abs(version.carried_out_fen)),
                "published_at": timezone.localtime(version.published_at),
                "earlier": list(
                    disclosure.versions.filter(
                        status=DisclosureStatus.PUBLISHED, number__lt=version.number
                    ).order_by("-number")
                ),
            },
        )
    out = io.BytesIO()
    HTML(string=html).write_pdf(out)
    return out.getvalue()


@dataclass
class DisclosureState:
    school: School
    semester: Semester
    due_date: date
    status: str  # "missing", "draft", "reviewed", "published", "amending"
    late: bool
    published_at: object = None
    version: int | None = None
    out_of_date: bool = False  # the ledger moved since the published version
    public_id: object = None


def disclosure_status(
    district: District, *, semester: Semester | None = None, today: date | None = None
):
    """Per school and ended semester (or ``semester``): where its disclosure stands, when it
    is due, whether it is late (not published by the due date, or published after it), and
    whether the ledger moved since the published version. Reporting's alerts read this. Five
    queries whatever the number of schools."""
    today = today or timezone.localdate()
    if semester is not None:
        semesters = [semester]
    else:
        semesters = list(
            Semester.objects.filter(district=district, end_date__lt=today).order_by("-end_date")
        )
    if not semesters:
        return []
    schools = list(School.objects.filter(district=district).order_by("code"))
    disclosures = {
        (d.school_id, d.semester_id): d
        for d in Disclosure.objects.filter(district=district, semester__in=semesters)
    }
    versions: dict[int, list] = {}
    for v in DisclosureVersion.objects.filter(disclosure__in=list(disclosures.values())).order_by(
        "number"
    ):
        versions.setdefault(v.disclosure_id, []).append(v)
    marks = {
        (row["school_id"], row["semester_id"]): row["m"]
        for row in Journal.objects.filter(district=district, semester__in=semesters)
        .values("school_id", "semester_id")
        .annotate(m=Max("pk"))
    }
    out = []
    for s in semesters:
        for school in schools:
            d = disclosures.get((school.pk, s.pk))
            due = d.due_date if d else due_date(s)
            rows = versions.get(d.pk, []) if d else []
            pubs = [v for v in rows if v.status == DisclosureStatus.PUBLISHED]
            first_pub = pubs[0] if pubs else None
            last_pub = pubs[-1] if pubs else None
            latest = rows[-1] if rows else None
            if latest is None:
                status = "missing"
            elif latest.status == DisclosureStatus.PUBLISHED:
                status = "published"
            elif last_pub is not None:
                status = "amending"
            else:
                status = str(latest.status)
            if first_pub is None:
                late = today > due
            else:
                late = timezone.localdate(first_pub.published_at) > due
            out.append(
                DisclosureState(
                    school=school,
                    semester=s,
                    due_date=due,
                    status=status,
                    late=late,
                    published_at=last_pub.published_at if last_pub else None,
                    version=latest.number if latest else None,
                    out_of_date=bool(
                        last_pub and (marks.get((school.pk, s.pk)) or 0) > last_pub.ledger_mark
                    ),
                    public_id=d.public_id if d else None,
                )
            )
    return out
