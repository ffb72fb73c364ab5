"""Expenses the school pays from its after-school fund (materials, utilities, equipment,
insurance, other): recorded by the principal or an administrator with the evidence, posted
to the ledger as one journal ``expense:<id>`` (Dr the category, Cr bank) in the same
transaction, so the term-end disclosure has its spending lines. Teacher subsidies and
labour fees are not recorded here: they come from the approved payout months."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import School, Semester, User
from aftercare.tenancy import Scope
from billing.models import EXPENSE_CATEGORIES, Category, Expense, JournalKind
from billing.money import fmt, to_fen
from billing.services import ledger

MAX_FEN = 100_000_000  # 1,000,000.00 yuan: above it, a typo


def parse_yuan(text) -> int | None:
    """'123.45' -> 12345 fen; None when it is not an amount with at most two decimals."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return to_fen(value)


def record_expense(
    *,
    actor: User,
    school: School,
    semester: Semester,
    category: str,
    amount_fen: int | None,
    paid_on: date | None,
    payee: str,
    description: str,
    evidence: str,
) -> Expense:
    """Record one expense and post it. Audited (``billing.expense_recorded``).

    Errors: NotAllowed (not the school's principal or administrator); InvalidInput per field
    (a category that is not an expense one, an amount not above zero or above 1,000,000.00
    yuan, a day in the future or outside the semester, no payee, no evidence)."""
    if not Scope(actor).manages(school):
        raise NotAllowed(_("Only the school's principal or administrators can do this."))
    errors: dict[str, list] = {}
    allowed = [str(c) for c in EXPENSE_CATEGORIES]
    if category not in allowed:
        errors["category"] = [_("Choose one of the expense categories.")]
    if amount_fen is None or amount_fen <= 0:
        errors["amount"] = [_("Enter an amount above zero, in yuan (e.g. 128.50).")]
    elif amount_fen > MAX_FEN:
        errors["amount"] = [
            _("%(amount)s yuan is above the limit of %(limit)s yuan for one expense.")
            % {"amount": fmt(amount_fen), "limit": fmt(MAX_FEN)}
        ]
    if paid_on is None:
        errors["paid_on"] = [_("Enter the day it was paid.")]
    elif paid_on > timezone.localdate():
        errors["paid_on"] = [_("The day is in the future.")]
    elif not semester.start_date <= paid_on <= semester.end_date:
        errors["paid_on"] = [
            _("%(day)s is outside %(semester)s (%(start)s – %(end)s).")
            % {
                "day": paid_on,
                "semester": semester.name,
                "start": semester.start_date,
                "end": semester.end_date,
            }
        ]
    if not (payee or "").strip():
        errors["payee"] = [_("Who was paid?")]
    if not (description or "").strip():
        errors["description"] = [_("What was it for?")]
    if not (evidence or "").strip():
        errors["evidence"] = [_("Enter the invoice (发票) or receipt number.")]
    if semester.district_id != school.district_id:
        errors["semester"] = [_("Choose a semester of the school's district.")]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        expense = Expense.objects.create(
            district_id=school.district_id,
            school=school,
            semester=semester,
            category=category,
            amount_fen=amount_fen,
            paid_on=paid_on,
            payee=payee.strip()[:100],
            description=description.strip()[:200],
            evidence=evidence.strip()[:200],
            recorded_by=actor,
        )
        ledger.post(
            district_id=school.district_id,
            school_id=school.pk,
            actor_id=actor.pk,
            movements=[
                ledger.Movement(
                    JournalKind.EXPENSE,
                    f"expense:{expense.public_id}",
                    [(category, amount_fen), (Category.BANK, -amount_fen)],
                    memo=f"{expense.payee}：{expense.description}",
                    semester_id=semester.pk,
                )
            ],
        )
        record_event(
            actor=actor,
            action="billing.expense_recorded",
            obj=expense,
            payload={
                "category": category,
                "amount": fmt(amount_fen),
                "payee": expense.payee,
                "evidence": expense.evidence,
            },
        )
    return expense
