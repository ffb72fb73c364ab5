"""The principal's review: adjustments with a reason and the one approval that writes the
ledger (see the package docstring for the design)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import User
from billing import jobs
from billing.models import (
    Category,
    JournalKind,
    LedgerGroup,
    PayBasis,
    PayoutAdjustment,
    PayoutLine,
    PayoutRun,
    PayoutStatus,
    RateUnit,
)
from billing.money import fmt
from billing.services import ledger
from billing.services.payouts.common import (
    LEDGER_CATEGORY,
    PayoutRefused,
    _approved_message,
    month_label,
    require_manager,
)
from billing.services.payouts.runs import _paid_units, _served_units


def _locked_for_review(line: PayoutLine) -> tuple[PayoutRun, PayoutLine]:
    run = PayoutRun.objects.select_for_update().get(pk=line.run_id)
    if run.status == PayoutStatus.APPROVED:
        raise Conflict(_approved_message(run), code="payout_approved")
    if run.status != PayoutStatus.REVIEW:
        raise Conflict(
            _("This payout run is %(status)s; only a run waiting for approval can be changed.")
            % {"status": run.get_status_display()},
            code="payout_not_in_review",
        )
    return run, PayoutLine.objects.select_for_update().get(pk=line.pk)


def adjust_line(
    *, actor: User, line: PayoutLine, reason: str, amount_fen: int = 0, units: int = 0
) -> PayoutAdjustment:
    """Change one line by ``amount_fen`` and/or ``units`` sessions (or 课时, the line's unit)
    paid at its rate, with a reason; audited (``billing.payout_adjusted``). A unit not served
    is never paid: more units than staff attendance shows are refused, and so are units the
    policy's cap on paid 课时 left unpaid.

    Errors: NotAllowed; InvalidInput (no reason, nothing to change, a total below zero, above
    the monthly cap); PayoutRefused ``not_served`` (more than served) / ``over_cap``; Conflict
    (the run is approved, or not in review)."""
    require_manager(actor, line.run.school)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            fields={"reason": [_("Say why: the teacher reads it on the statement.")]}
        )
    if not amount_fen and not units:
        raise InvalidInput(fields={"amount": [_("Enter an amount or a number of sessions.")]})
    with transaction.atomic():
        run, line = _locked_for_review(line)
        if units and line.basis not in (PayBasis.SCHEME, PayBasis.AGREEMENT):
            raise InvalidInput(
                fields={
                    "units": [_("%(name)s is not paid by the session.") % {"name": line.staff_name}]
                }
            )
        unit_word = _("sessions") if line.rate_unit == RateUnit.SESSION else _("lessons (课时)")
        served, paid = _served_units(line), _paid_units(line)
        if units > 0 and paid + units > served:
            raise PayoutRefused(
                _(
                    "%(name)s served %(served)s %(unit)s in %(month)s according to staff "
                    "attendance and %(paid)s are paid: %(more)s more cannot be paid. A session "
                    "that was not served is never paid; if it was, record it in staff "
                    "attendance and recompute the month."
                )
                % {
                    "name": line.staff_name,
                    "served": served,
                    "unit": unit_word,
                    "month": month_label(run.month),
                    "paid": paid,
                    "more": units,
                },
                code="not_served",
            )
        capped = sum(
            u.get("lessons", 0)
            for u in line.evidence.get("unpaid", [])
            if u["limit"] in ("day", "week")
        )
        if units > 0 and line.rate_unit == RateUnit.LESSON and paid + units > served - capped:
            limits = sorted(
                {
                    (u["limit"], u["of"])
                    for u in line.evidence.get("unpaid", [])
                    if u["limit"] != "pay"
                }
            )
            raise PayoutRefused(
                _(
                    "%(n)s of %(name)s's %(unit)s are over the policy's cap on paid 课时 "
                    "(%(limits)s): they cannot be paid."
                )
                % {
                    "n": capped,
                    "name": line.staff_name,
                    "unit": unit_word,
                    "limits": "，".join(_cap_words(kind, of) for kind, of in limits),
                },
                code="over_cap",
            )
        if units < 0 and paid + units < 0:
            raise InvalidInput(fields={"units": [_("Only %(paid)s are paid.") % {"paid": paid}]})
        amount = amount_fen + units * line.rate_fen
        total = line.total_fen + amount
        if total < 0:
            raise InvalidInput(
                fields={
                    "amount": [
                        _("The total would be %(total)s yuan; it cannot be below zero.")
                        % {"total": fmt(total)}
                    ]
                }
            )
        cap = run.applied.get("values", {}).get("monthly_cap_fen")
        if amount > 0 and cap is not None and total > cap:
            raise InvalidInput(
                fields={
                    "amount": [
                        _(
                            "The total would be %(total)s yuan, above the cap of %(cap)s yuan "
                            "a month."
                        )
                        % {"total": fmt(total), "cap": fmt(cap)}
                    ]
                }
            )
        if amount == 0:
            raise InvalidInput(fields={"amount": [_("This changes nothing.")]})
        adjustment = PayoutAdjustment.objects.create(
            district_id=line.district_id,
            school_id=line.school_id,
            line=line,
            amount_fen=amount,
            units=units,
            reason=reason[:200],
            created_by=actor,
        )
        line.adjustment_fen += amount
        line.total_fen += amount
        if line.rate_unit == RateUnit.SESSION:
            line.sessions_paid += units
        else:
            line.lessons_paid += units
        line.save(update_fields=["adjustment_fen", "total_fen", "sessions_paid", "lessons_paid"])
        run.adjustment_fen += amount
        run.total_fen += amount
        run.save(update_fields=["adjustment_fen", "total_fen"])
        record_event(
            actor=actor,
            action="billing.payout_adjusted",
            obj=run,
            payload={
                "staff": line.staff_name,
                "amount": fmt(amount),
                "units": units,
                "reason": reason[:200],
                "total": fmt(line.total_fen),
            },
        )
    return adjustment


def _cap_words(kind: str, of) -> str:
    if kind == "day":
        return _("%(n)s a day") % {"n": of}
    return _("%(n)s a week") % {"n": of}


def approve_run(*, actor: User, run: PayoutRun) -> PayoutRun:
    """Approve the month: one conditional UPDATE (review -> approved), then its expense
    journals in the same transaction; statements are rendered after commit. Audited
    (``billing.payout_approved``). Approving twice, or a run not in review, is refused
    and writes nothing.

    Errors: NotAllowed; Conflict ``payout_approved`` (naming who approved it and when),
    ``payout_not_in_review``."""
    require_manager(actor, run.school)
    now = timezone.now()
    with transaction.atomic():
        changed = PayoutRun.objects.filter(pk=run.pk, status=PayoutStatus.REVIEW).update(
            status=PayoutStatus.APPROVED, approved_by=actor, approved_at=now
        )
        if not changed:
            current = PayoutRun.objects.select_related("approved_by").get(pk=run.pk)
            if current.status == PayoutStatus.APPROVED:
                raise Conflict(_approved_message(current), code="payout_approved")
            raise Conflict(
                _("This payout run is %(status)s; only a run waiting for approval can be approved.")
                % {"status": current.get_status_display()},
                code="payout_not_in_review",
            )
        run.refresh_from_db()
        totals = dict(
            PayoutLine.objects.filter(run=run)
            .values("ledger_group")
            .annotate(t=Sum("total_fen"))
            .values_list("ledger_group", "t")
        )
        movements = [
            ledger.Movement(
                JournalKind.PAYOUT,
                f"payout:{run.pk}:{group}",
                [(LEDGER_CATEGORY[group], amount), (Category.BANK, -amount)],
                memo=_("%(what)s, %(month)s")
                % {"what": LedgerGroup(group).label, "month": month_label(run.month)},
                semester_id=run.semester_id,
            )
            for group, amount in sorted(totals.items())
            if amount
        ]
        ledger.post(
            district_id=run.district_id,
            school_id=run.school_id,
            movements=movements,
            actor_id=actor.pk,
        )
        record_event(
            actor=actor,
            action="billing.payout_approved",
            obj=run,
            payload={
                "month": str(run.month),
                "total": fmt(run.total_fen),
                "by_group": {g: fmt(t or 0) for g, t in totals.items()},
            },
        )
        jobs.later("billing.render_statements", run.pk)
    return run
