"""Posting money movements to a school's ring-fenced ledger (专款专用).

``post`` writes any number of journals of one school in two statements: the journal headers
(``INSERT … ON CONFLICT (district, school, key) DO NOTHING RETURNING``) and then, in ONE
statement, the lines of the journals that were new. The database checks after that statement
that every journal balances and stays in its school (migration 0002), so a journal is either
written whole and balanced or not at all; a key seen before writes nothing (idempotent), so
a retried task or a redelivered notification never posts twice.

Every journal names its accounting period, the semester: a movement's own ``semester_id``, or
its invoice's semester (charges, reversals, payments and refunds belong to the semester of
the fee), or else the district's semester in progress on the day (the last one started). The
term-end disclosure of a semester is the sum of that semester's journals.

Posting rules (fen; debit +, credit −):
    charge      Dr receivable (net)  Dr exemptions (reduction)  Cr fee income (gross)
    reversal    the exact negation of a charge (an invoice re-issued)
    payment     Dr gateway clearing  Cr receivable
    refund      Dr refunds           Cr gateway clearing     (when the gateway confirms)
    subsidy     Dr bank              Cr subsidy income       (the district's, per semester)
    expense     Dr expenses:<kind>   Cr bank                 (materials, utilities, …)
    payout      Dr expenses_teacher / expenses_external      Cr bank   (an approved month)
Income of the fund = fee income − exemptions − refunds + subsidy; what families owe =
receivable; what is left (carried forward) = income − spending = receivable + gateway + bank.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from psycopg2.extras import execute_values

from billing.models import Category, JournalLine


@dataclass
class Movement:
    kind: str
    key: str
    lines: list[tuple[str, int]]  # (category, fen)
    memo: str = ""
    invoice_id: int | None = None
    semester_id: int | None = None  # default: the invoice's semester
    line_invoice: bool = True  # lines carry the invoice (the family's sub-ledger)
    extra: dict = field(default_factory=dict)


def charge_lines(gross: int, reduction: int) -> list[tuple[str, int]]:
    lines = [(Category.FEE_INCOME, -gross)]
    if gross - reduction:
        lines.append((Category.RECEIVABLE, gross - reduction))
    if reduction:
        lines.append((Category.EXEMPTIONS, reduction))
    return [line for line in lines if line[1]]


# ``post_charges`` writes ``charge_lines`` in SQL: keep the two the same rule.
POST_CHARGES = """
WITH j AS (
    INSERT INTO billing_journal
        (district_id, school_id, semester_id, kind, key, memo, invoice_id, created_by_id,
         created_at)
    SELECT i.district_id, i.school_id, i.semester_id, 'charge',
           'charge:' || i.id || ':' || i.revision, '', i.id, NULL, %(now)s
      FROM billing_invoice i
     WHERE i.id = ANY(%(ids)s) AND i.district_id = %(district)s AND i.school_id = %(school)s
       AND i.gross_fen > 0
    ON CONFLICT (district_id, school_id, key) DO NOTHING
    RETURNING id, invoice_id
)
INSERT INTO billing_journalline
    (district_id, school_id, journal_id, category, amount_fen, invoice_id)
SELECT i.district_id, i.school_id, j.id, v.category, v.amount, i.id
  FROM j
  JOIN billing_invoice i ON i.id = j.invoice_id
 CROSS JOIN LATERAL (VALUES ('fee_income', -i.gross_fen),
                            ('receivable', i.gross_fen - i.reduction_fen),
                            ('exemptions', i.reduction_fen)) AS v(category, amount)
 WHERE v.amount <> 0
"""


def post_charges(*, district_id: int, school_id: int, invoice_ids: list[int]) -> int:
    """The charge journals of freshly issued invoices (their current revision), set-based:
    ONE statement inserts the journals and all their lines (the balance check runs once at
    its end). Same rule as ``charge_lines``; idempotent by the journal key."""
    if not invoice_ids:
        return 0
    with connection.cursor() as cur:
        cur.execute(
            POST_CHARGES,
            {
                "ids": list(invoice_ids),
                "district": district_id,
                "school": school_id,
                "now": timezone.now(),
            },
        )
        return cur.rowcount


def reversal_lines(gross: int, reduction: int) -> list[tuple[str, int]]:
    return [(category, -amount) for category, amount in charge_lines(gross, reduction)]


def payment_lines(amount: int) -> list[tuple[str, int]]:
    return [(Category.GATEWAY, amount), (Category.RECEIVABLE, -amount)]


def refund_lines(amount: int) -> list[tuple[str, int]]:
    return [(Category.REFUNDS, amount), (Category.GATEWAY, -amount)]


def post(
    *, district_id: int, school_id: int, movements: list[Movement], actor_id: int | None = None
) -> int:
    """Write the movements of one school; returns how many journals were new. Must run in
    the caller's transaction (it never commits); movements with a key already posted are
    skipped whole."""
    movements = [m for m in movements if any(amount for _c, amount in m.lines)]
    if not movements:
        return 0
    now = timezone.now()
    today = timezone.localdate(now)
    with connection.cursor() as cur:
        rows = execute_values(
            cur,
            """
            INSERT INTO billing_journal
                (district_id, school_id, semester_id, kind, key, memo, invoice_id,
                 created_by_id, created_at)
            SELECT v.district, v.school,
                   COALESCE(v.semester, i.semester_id,
                            (SELECT s.id FROM aftercare_semester s
                              WHERE s.district_id = v.district AND s.start_date <= v.day
                              ORDER BY s.start_date DESC LIMIT 1)),
                   v.kind, v.key, v.memo, v.invoice, v.actor, v.at
              FROM (VALUES %s) AS v(district, school, semester, kind, key, memo, invoice,
                                    actor, at, day)
              LEFT JOIN billing_invoice i ON i.id = v.invoice
            ON CONFLICT (district_id, school_id, key) DO NOTHING
            RETURNING id, key
            """,
            [
                (
                    district_id,
                    school_id,
                    m.semester_id,
                    str(m.kind),
                    m.key,
                    m.memo[:200],
                    m.invoice_id,
                    actor_id,
                    now,
                    today,
                )
                for m in movements
            ],
            template="(%s::bigint, %s::bigint, %s::bigint, %s, %s, %s, %s::bigint, %s::bigint,"
            " %s::timestamptz, %s::date)",
            page_size=len(movements),
            fetch=True,
        )
        new = {key: jid for jid, key in rows}
        lines = []
        for m in movements:
            jid = new.get(m.key)
            if jid is None:
                continue
            for category, amount in m.lines:
                if amount:
                    invoice = m.invoice_id if m.line_invoice else None
                    lines.append((district_id, school_id, jid, str(category), amount, invoice))
        if lines:
            execute_values(
                cur,
                """
                INSERT INTO billing_journalline
                    (district_id, school_id, journal_id, category, amount_fen, invoice_id)
                VALUES %s
                """,
                lines,
                page_size=len(lines),  # one statement: the balance check sees whole journals
            )
    return len(new)


def balances(*, school_id: int, district_id: int) -> dict[str, int]:
    """Every category's balance of the school's fund (fen, debit positive)."""
    out = {c.value: 0 for c in Category}
    rows = (
        JournalLine.objects.filter(district_id=district_id, school_id=school_id)
        .values("category")
        .annotate(total=Sum("amount_fen"))
    )
    for row in rows:
        out[row["category"]] = row["total"]
    return out


def balances_by_school(*, district_id: int) -> dict[int, dict[str, int]]:
    """Every school's balances in the district, in one grouped query."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: {c.value: 0 for c in Category})
    for row in (
        JournalLine.objects.filter(district_id=district_id)
        .values("school_id", "category")
        .annotate(total=Sum("amount_fen"))
    ):
        out[row["school_id"]][row["category"]] = row["total"]
    return dict(out)


def invoice_balances(invoice_ids) -> dict[int, dict[str, int]]:
    """Per invoice: its sub-ledger balances by category."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        JournalLine.objects.filter(invoice_id__in=list(invoice_ids))
        .values("invoice_id", "category")
        .annotate(total=Sum("amount_fen"))
    )
    for row in rows:
        out[row["invoice_id"]][row["category"]] = row["total"]
    return out


def summary(bal: dict[str, int]) -> dict[str, int]:
    """The figures a school (and the term-end disclosure) reads off its balances."""
    income = -bal.get(Category.FEE_INCOME, 0)
    exemptions = bal.get(Category.EXEMPTIONS, 0)
    refunds = bal.get(Category.REFUNDS, 0)
    return {
        "charged": income,
        "exemptions": exemptions,
        "refunds": refunds,
        "net_income": income - exemptions - refunds,
        "receivable": bal.get(Category.RECEIVABLE, 0),
        "collected": bal.get(Category.GATEWAY, 0) + bal.get(Category.BANK, 0),
    }
