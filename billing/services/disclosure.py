"""The term-end public disclosure of a school's after-school fund (每学期末公示收支), drafted from
the ledger alone.

The figures of school S and semester T (``ledger_figures``): the sum per category of the lines
of T's journals — fees charged, exemptions, refunds, the district's subsidy, every spending
category — and what is carried: the fund's assets (receivable + gateway + bank) summed over
every journal of the semesters that started before T (carried in) and up to T (carried out).
Double entry makes ``carried out = carried in + income − spending`` an identity of the ledger,
and the version's CHECK constraint holds it in the database too.

Life of a disclosure:
* drafted — by the calendar job when the semester has ended (``draft_due_disclosures``, beat
  daily; one statement per district inserts every missing disclosure and its first version,
  idempotent by the unique keys), or earlier by the principal as a preview; the principal may
  refresh an unpublished version from the ledger at any time (a reviewed one then needs the
  review again if a figure moved);
* reviewed — confirmed by a member of the parents' committee of that school (role
  ``parent_committee``, which sees that school's disclosures and nothing else);
* published — by the principal, after the semester's end, only when reviewed, and only when
  its figures still equal the ledger to the fen (recomputed in the publishing transaction; a
  mismatch is refused naming the figures, nothing written). The public page and its PDF show
  it; a published version never changes (database trigger);
* amended — after publication, the principal drafts the next version with a reason; it is
  reviewed and published like the first, and the public page lists every version.

Concurrency: each transition is one conditional UPDATE on the version's status (draft ->
reviewed -> published), so two clicks make one transition and the second is refused; at most
one unpublished version per disclosure (partial unique index). Publishing compares against
the ledger as its transaction sees it; a journal of the semester committed later makes the
published version out of date, which the district's overview shows (``ledger_mark``) — an
amendment is then due.
"""

from __future__ import annotations

import io
import os
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import District, Role, School, Semester, User
from aftercare.tenancy import Scope
from billing import conf, jobs
from billing.models import (
    ASSET_CATEGORIES,
    REDUCTION_CATEGORIES,
    SPENDING_CATEGORIES,
    Category,
    Disclosure,
    DisclosureStatus,
    DisclosureVersion,
    Journal,
    JournalLine,
)
from billing.money import capitals, fmt

OPEN = [DisclosureStatus.DRAFT, DisclosureStatus.REVIEWED]


class DisclosureRefused(Conflict):
    code = "disclosure_refused"


@dataclass
class Figures:
    """What a disclosure shows, all in fen, from the ledger alone."""

    categories: dict = field(default_factory=dict)  # category -> sum of the semester (debit +)
    carried_in_fen: int = 0
    carried_cash_fen: int = 0  # of the carried-out balance: gateway + bank
    carried_receivable_fen: int = 0  # … and still owed by families
    journals: int = 0
    ledger_mark: int = 0

    def of(self, category) -> int:
        return self.categories.get(str(category), 0)

    @property
    def fees_fen(self) -> int:
        return -self.of(Category.FEE_INCOME)

    @property
    def exemptions_fen(self) -> int:
        return self.of(Category.EXEMPTIONS)

    @property
    def refunds_fen(self) -> int:
        return self.of(Category.REFUNDS)

    @property
    def reductions_fen(self) -> int:
        return sum(self.of(c) for c in REDUCTION_CATEGORIES)

    @property
    def subsidy_fen(self) -> int:
        return -self.of(Category.SUBSIDY_INCOME)

    @property
    def income_fen(self) -> int:
        return self.fees_fen - self.reductions_fen + self.subsidy_fen

    @property
    def spending(self) -> list[tuple[str, int]]:
        return [(str(c), self.of(c)) for c in SPENDING_CATEGORIES]

    @property
    def spending_fen(self) -> int:
        return sum(amount for _c, amount in self.spending)

    @property
    def balance_fen(self) -> int:
        return self.income_fen - self.spending_fen

    @property
    def carried_out_fen(self) -> int:
        return self.carried_in_fen + self.balance_fen

    def columns(self) -> dict:
        return {
            "figures": self.as_json(),
            "fees_fen": self.fees_fen,
            "reductions_fen": self.reductions_fen,
            "subsidy_fen": self.subsidy_fen,
            "income_fen": self.income_fen,
            "spending_fen": self.spending_fen,
            "balance_fen": self.balance_fen,
            "carried_in_fen": self.carried_in_fen,
            "carried_out_fen": self.carried_out_fen,
            "journals": self.journals,
            "ledger_mark": self.ledger_mark,
        }

    def as_json(self) -> dict:
        return {
            "categories": {str(c): self.of(c) for c in Category},
            "carried_cash_fen": self.carried_cash_fen,
            "carried_receivable_fen": self.carried_receivable_fen,
        }


def district_figures(*, semester: Semester, school_ids=None) -> dict[int, Figures]:
    """Figures of every school of the semester's district (or ``school_ids``), in three
    grouped queries: this semester by category, earlier semesters' assets by category (what
    was carried in: cash and what families still owed), journal counts and the last id."""
    lines = JournalLine.objects.filter(district_id=semester.district_id)
    journals = Journal.objects.filter(district_id=semester.district_id, semester=semester)
    if school_ids is not None:
        lines = lines.filter(school_id__in=list(school_ids))
        journals = journals.filter(school_id__in=list(school_ids))
    out: dict[int, Figures] = {}
    earlier_cash: dict[int, int] = {}
    earlier_owed: dict[int, int] = {}

    def of(school_id: int) -> Figures:
        if school_id not in out:
            out[school_id] = Figures(categories={})
        return out[school_id]

    for school_id, category, total in (
        lines.filter(journal__semester=semester)
        .values("school_id", "category")
        .annotate(t=Sum("amount_fen"))
        .values_list("school_id", "category", "t")
    ):
        of(school_id).categories[category] = total
    for school_id, category, total in (
        lines.filter(
            journal__semester__district_id=semester.district_id,
            journal__semester__start_date__lt=semester.start_date,
            category__in=[str(c) for c in ASSET_CATEGORIES],
        )
        .values("school_id", "category")
        .annotate(t=Sum("amount_fen"))
        .values_list("school_id", "category", "t")
    ):
        of(school_id).carried_in_fen += total
        bucket = earlier_owed if category == Category.RECEIVABLE else earlier_cash
        bucket[school_id] = bucket.get(school_id, 0) + total
    for school_id, n, mark in (
        journals.values("school_id")
        .annotate(n=Count("pk"), m=Max("pk"))
        .values_list("school_id", "n", "m")
    ):
        f = of(school_id)
        f.journals, f.ledger_mark = n, mark
    for school_id, f in out.items():
        f.categories = {str(c): f.categories.get(str(c), 0) for c in Category}
        # What is carried out, split (double entry: cash + owed = carried in + balance).
        f.carried_receivable_fen = earlier_owed.get(school_id, 0) + f.of(Category.RECEIVABLE)
        f.carried_cash_fen = (
            earlier_cash.get(school_id, 0) + f.of(Category.GATEWAY) + f.of(Category.BANK)
        )
    return out


def empty_figures() -> Figures:
    return Figures(categories={str(c): 0 for c in Category})


def ledger_figures(*, school: School, semester: Semester) -> Figures:
    found = district_figures(semester=semester, school_ids=[school.pk]).get(school.pk)
    return found or empty_figures()


def differences(version: DisclosureVersion, figures: Figures) -> list[str]:
    """Where a version's figures differ from the ledger's (empty: they reconcile)."""
    out = []
    stored = version.figures.get("categories", {})
    for category in Category:
        a, b = stored.get(str(category), 0), figures.of(category)
        if a != b:
            out.append(
                _("%(what)s: %(published)s yuan in the disclosure, %(ledger)s yuan in the ledger")
                % {"what": category.label, "published": fmt(a), "ledger": fmt(b)}
            )
    for name, label in (
        ("carried_in_fen", _("Carried from earlier semesters")),
        ("journals", _("Journals")),
    ):
        a, b = getattr(version, name), getattr(figures, name)
        if a != b:
            out.append(
                _("%(what)s: %(published)s in the disclosure, %(ledger)s in the ledger")
                % {"what": label, "published": a, "ledger": b}
            )
    return out


# --------------------------------------------------------------------------- who


def committee_schools(scope: Scope) -> frozenset[int]:
    """Schools where the user reviews for the parents' committee."""
    return frozenset(g.school_id for g in scope.grants if g.role == Role.PARENT_COMMITTEE)


def can_read(scope: Scope, disclosure: Disclosure) -> bool:
    return (
        scope.is_official(disclosure.district_id)
        or disclosure.school_id in scope.manager_schools
        or disclosure.school_id in committee_schools(scope)
    )


def versions_for(scope: Scope):
    """Disclosure versions the user may read: officials their district's, managers their
    school's, parents' committee reviewers their school's (and nothing else)."""
    q = Q(school_id__in=scope.manager_schools) | Q(school_id__in=committee_schools(scope))
    q |= Q(district_id__in=scope.official_districts)
    if not scope.is_authenticated:
        return DisclosureVersion.objects.none()
    return DisclosureVersion.objects.filter(q)


def disclosures_for(scope: Scope):
    q = Q(school_id__in=scope.manager_schools) | Q(school_id__in=committee_schools(scope))
    q |= Q(district_id__in=scope.official_districts)
    if not scope.is_authenticated:
        return Disclosure.objects.none()
    return Disclosure.objects.filter(q)


def _require_manager(actor: User, school: School) -> None:
    if not Scope(actor).manages(school):
        raise NotAllowed(_("Only the school's principal or administrators can do this."))


def due_date(semester: Semester) -> date:
    return semester.end_date + timedelta(days=conf.disclosure_due_days())


# --------------------------------------------------------------------------- drafting


def draft_disclosure(
    *, actor: User | None, school: School, semester: Semester
) -> DisclosureVersion:
    """Draft (or refresh from the ledger) the school's disclosure of ``semester``: the first
    version, or the unpublished one (back to draft, review cleared, when a figure moved).
    ``actor`` None: the calendar job. Audited (``billing.disclosure_drafted``).

    Errors: NotAllowed; Conflict ``disclosure_published`` when the latest version is
    published (amend it with a reason instead)."""
    if actor is not None:
        _require_manager(actor, school)
    with transaction.atomic():
        disclosure, _created = Disclosure.objects.get_or_create(
            district_id=school.district_id,
            school=school,
            semester=semester,
            defaults={"due_date": due_date(semester)},
        )
        disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
        figures = ledger_figures(school=school, semester=semester)
        latest = disclosure.versions.order_by("-number").first()
        if latest is not None and latest.status == DisclosureStatus.PUBLISHED:
            raise Conflict(
                _(
                    "Version %(n)s is published; changes after publication are an amendment "
                    "(a new version, with a reason)."
                )
                % {"n": latest.number},
                code="disclosure_published",
            )
        if latest is None:
            version = DisclosureVersion.objects.create(
                district_id=school.district_id,
                school=school,
                disclosure=disclosure,
                number=1,
                drafted_by=actor,
                **figures.columns(),
            )
            moved = True
        else:
            version = latest
            moved = (
                bool(differences(version, figures))
                or version.carried_in_fen != figures.carried_in_fen
            )
            update = {**figures.columns(), "drafted_at": timezone.now(), "drafted_by": actor}
            if moved:
                update.update(
                    status=DisclosureStatus.DRAFT,
                    reviewed_at=None,
                    reviewed_by=None,
                    review_note="",
                )
            DisclosureVersion.objects.filter(pk=version.pk).update(**update)
            version.refresh_from_db()
        record_event(
            actor=actor,
            action="billing.disclosure_drafted",
            obj=disclosure,
            payload={
                "version": version.number,
                "income": fmt(version.income_fen),
                "spending": fmt(version.spending_fen),
                "carried_out": fmt(version.carried_out_fen),
                "changed": moved,
            },
        )
    return version


def amend_disclosure(*, actor: User, disclosure: Disclosure, reason: str) -> DisclosureVersion:
    """After publication: draft the next version from the ledger, with the reason the public
    will read. Audited (``billing.disclosure_amended``). Errors: NotAllowed; InvalidInput (no
    reason); Conflict ``disclosure_not_published`` (nothing published yet: refresh the draft),
    ``disclosure_open`` (an amendment is already in the works)."""
    _require_manager(actor, disclosure.school)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say what changed: the public reads it.")]})
    with transaction.atomic():
        disclosure = (
            Disclosure.objects.select_for_update()
            .select_related("school", "semester")
            .get(pk=disclosure.pk)
        )
        latest = disclosure.versions.order_by("-number").first()
        if latest is None or latest.status != DisclosureStatus.PUBLISHED:
            raise Conflict(
                _("Nothing is published yet: refresh the draft instead."),
                code="disclosure_not_published",
            )
        figures = ledger_figures(school=disclosure.school, semester=disclosure.semester)
        try:
            with transaction.atomic():
                version = DisclosureVersion.objects.create(
                    district_id=disclosure.district_id,
                    school_id=disclosure.school_id,
                    disclosure=disclosure,
                    number=latest.number + 1,
                    drafted_by=actor,
                    amendment_reason=reason[:300],
                    **figures.columns(),
                )
        except IntegrityError as err:
            raise Conflict(
                _("An amendment is already being prepared."), code="disclosure_open"
            ) from err
        record_event(
            actor=actor,
            action="billing.disclosure_amended",
            obj=disclosure,
            payload={"version": version.number, "reason": reason[:300]},
        )
    return version


def review_disclosure(
    *, actor: User, version: DisclosureVersion, note: str = ""
) -> DisclosureVersion:
    """A member of the school's parents' committee confirms the draft (家委会审核). Audited
    (``billing.disclosure_reviewed``). Errors: NotAllowed (not a reviewer of this school —
    the principal does not review their own disclosure); Conflict (not a draft: reviewed or
    published already)."""
    scope = Scope(actor)
    if version.school_id not in committee_schools(scope):
        raise NotAllowed(
            _("Only a member of the school's parents' committee confirms its disclosure.")
        )
    with transaction.atomic():
        changed = DisclosureVersion.objects.filter(
            pk=version.pk, status=DisclosureStatus.DRAFT
        ).update(
            status=DisclosureStatus.REVIEWED,
            reviewed_at=timezone.now(),
            reviewed_by=actor,
            review_note=(note or "").strip()[:300],
        )
        version.refresh_from_db()
        if not changed:
            raise Conflict(
                _("This version is %(status)s already.") % {"status": version.get_status_display()},
                code="disclosure_not_draft",
            )
        record_event(
            actor=actor,
            action="billing.disclosure_reviewed",
            obj=version.disclosure,
            payload={"version": version.number, "note": version.review_note},
        )
    return version


def publish_disclosure(
    *, actor: User, version: DisclosureVersion, today: date | None = None
) -> DisclosureVersion:
    """Publish a reviewed version: after the semester's last day, and only if its figures
    still equal the ledger to the fen (checked here, in this transaction). The public page
    shows it at once; its PDF is rendered after commit. Audited
    (``billing.disclosure_published``); a refusal writes nothing.

    Errors: NotAllowed; DisclosureRefused (409) — not reviewed by the parents' committee
    (``not_reviewed``), the semester not over (``semester_running``), the ledger differs
    (``ledger_mismatch``, naming each figure); Conflict ``disclosure_published``."""
    disclosure = version.disclosure
    _require_manager(actor, disclosure.school)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = DisclosureVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status == DisclosureStatus.PUBLISHED:
            raise Conflict(
                _("Version %(n)s is published already.") % {"n": locked.number},
                code="disclosure_published",
            )
        if locked.status != DisclosureStatus.REVIEWED:
            raise DisclosureRefused(
                _(
                    "Version %(n)s has not been confirmed by the parents' committee: it cannot "
                    "be published."
                )
                % {"n": locked.number},
                code="not_reviewed",
            )
        semester = disclosure.semester
        if today <= semester.end_date:
            raise DisclosureRefused(
                _("%(semester)s ends on %(end)s: the term-end disclosure is published after it.")
                % {"semester": semester.name, "end": date_format(semester.end_date, "Y-m-d")},
                code="semester_running",
            )
        figures = ledger_figures(school=disclosure.school, semester=semester)
        diff = differences(locked, figures)
        if diff:
            raise DisclosureRefused(
                _(
                    "The figures no longer equal the ledger (%(diff)s). Refresh the draft from "
                    "the ledger and have it confirmed again."
                )
                % {"diff": "；".join(diff)},
                code="ledger_mismatch",
            )
        DisclosureVersion.objects.filter(pk=locked.pk, status=DisclosureStatus.REVIEWED).update(
            status=DisclosureStatus.PUBLISHED, published_at=timezone.now(), published_by=actor
        )
        locked.refresh_from_db()
        record_event(
            actor=actor,
            action="billing.disclosure_published",
            obj=disclosure,
            payload={
                "version": locked.number,
                "income": fmt(locked.income_fen),
                "spending": fmt(locked.spending_fen),
                "carried_out": fmt(locked.carried_out_fen),
                "late": today > disclosure.due_date,
            },
        )
        jobs.later("billing.render_disclosure", locked.pk)
    return locked


def draft_due_disclosures(*, today: date | None = None, horizon_days: int = 400) -> int:
    """Beat (daily): the first draft of every school's disclosure for every semester that has
    ended (within ``horizon_days``), where none exists yet. Per district and semester: one
    INSERT of the missing disclosures, the ledger's figures in three grouped queries, one
    INSERT of their first versions (both ``ON CONFLICT DO NOTHING``: a principal drafting at
    the same moment wins, nothing is written twice). Returns how many were drafted."""
    today = today or timezone.localdate()
    drafted = 0
    for semester in Semester.objects.filter(
        end_date__lt=today, end_date__gte=today - timedelta(days=horizon_days)
    ).order_by("end_date", "pk"):
        schools = list(
            School.objects.filter(district_id=semester.district_id).values_list("pk", flat=True)
        )
        have = set(
            Disclosure.objects.filter(semester=semester, versions__isnull=False).values_list(
                "school_id", flat=True
            )
        )
        missing = [pk for pk in schools if pk not in have]
        if not missing:
            continue
        with transaction.atomic():
            Disclosure.objects.bulk_create(
                [
                    Disclosure(
                        district_id=semester.district_id,
                        school_id=pk,
                        semester=semester,
                        due_date=due_date(semester),
                    )
                    for pk in missing
                ],
                ignore_conflicts=True,
            )
            ids = dict(
                Disclosure.objects.filter(semester=semester, school_id__in=missing).values_list(
                    "school_id", "pk"
                )
            )
            figures = district_figures(semester=semester, school_ids=missing)
            rows = []
            for pk in missing:
                f = figures.get(pk) or empty_figures()
                rows.append(
                    DisclosureVersion(
                        district_id=semester.district_id,
                        school_id=pk,
                        disclosure_id=ids[pk],
                        number=1,
                        **f.columns(),
                    )
                )
            made = DisclosureVersion.objects.bulk_create(rows, ignore_conflicts=True)
            drafted += len(made)
            record_event(
                actor=None,
                action="billing.disclosures_drafted",
                district=District.objects.get(pk=semester.district_id),
                payload={"semester": semester.name, "schools": len(missing)},
            )
    return drafted


# --------------------------------------------------------------------------- reading


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


# The printed disclosure is a Chinese public notice (like receipts and statements).
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


# --------------------------------------------------------------------------- the district


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
