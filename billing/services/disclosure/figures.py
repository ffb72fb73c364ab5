"""The disclosure's figures read from the ledger alone, where they differ from a version, and
who may read what (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext as _

from aftercare.errors import Conflict, NotAllowed
from aftercare.models import Role, School, Semester, User
from aftercare.tenancy import Scope
from billing import conf
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
from billing.money import fmt

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
