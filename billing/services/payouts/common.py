"""What the payout modules share: the refusal type, the manager check, month helpers and the
reasons a run is refused (see the package docstring for the design)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.errors import Conflict, NotAllowed
from aftercare.models import School, Semester, User
from aftercare.tenancy import Scope
from attendance.selectors.staff import month_range
from billing.models import (
    Category,
    LedgerGroup,
    PayoutRun,
)
from billing.services import subsidies

logger = logging.getLogger("billing.payouts")


LEDGER_CATEGORY = {
    LedgerGroup.TEACHER: Category.EXP_TEACHER,
    LedgerGroup.EXTERNAL: Category.EXP_EXTERNAL,
}


class PayoutRefused(Conflict):
    code = "payout_refused"


def require_manager(actor: User, school: School) -> None:
    if not Scope(actor).manages(school):
        raise NotAllowed(_("Only the school's principal or administrators can do this."))


def first_of(value: date) -> date:
    return value.replace(day=1)


def month_label(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def semester_for_month(district_id: int, month: date) -> Semester | None:
    """The district's semester that covers most of ``month``."""
    start, end = month_range(month.year, month.month)
    best, best_days = None, 0
    for s in Semester.objects.filter(
        district_id=district_id, start_date__lte=end, end_date__gte=start
    ):
        days = (min(end, s.end_date) - max(start, s.start_date)).days + 1
        if days > best_days:
            best, best_days = s, days
    return best


def refusals(*, school: School, month: date, today: date):
    """Why a payout run of ``school`` for ``month`` is refused today (empty: it may run),
    with the semester, the rules version, the effective values and what to record."""
    month = first_of(month)
    _start, last = month_range(month.year, month.month)
    reasons: list[str] = []
    semester = semester_for_month(school.district_id, month)
    if semester is None:
        return (
            [_("No semester of the district covers %(month)s.") % {"month": month_label(month)}],
            None,
            None,
            None,
            {},
        )
    if today <= last:
        reasons.append(
            _(
                "%(month)s is not over: its attendance may still change. Payouts for it run "
                "from %(day)s."
            )
            % {"month": month_label(month), "day": date_format(last + timedelta(days=1), "Y-m-d")}
        )
    rules = subsidies.current_rules(semester)
    values, applied, problems = subsidies.effective(school=school, semester=semester, rules=rules)
    reasons += problems
    return reasons, semester, rules, values, applied


def _approved_message(run: PayoutRun) -> str:
    return _(
        "The payout of %(month)s was approved by %(who)s on %(when)s; an approved month is final."
    ) % {
        "month": month_label(run.month),
        "who": run.approved_by or "",
        "when": date_format(timezone.localtime(run.approved_at), "Y-m-d H:i")
        if run.approved_at
        else "",
    }
