"""Reads of billing that depend on who asks (pages and API start from these)."""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, Sum

from attendance.models import Handover, StaffAttendance
from billing.models import (
    BillingRun,
    Exemption,
    ExemptionStatus,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentOrder,
    PayoutDeduction,
    PayoutLine,
    PayoutRun,
    PayoutStatus,
    Receipt,
    Refund,
    RefundReason,
    RefundStatus,
    RunKind,
    SafetyIncident,
)


def family_invoices(*, user):
    """A guardian's children's invoices, newest semester first (no query per row)."""
    return (
        Invoice.objects.filter(student__guardianships__user=user)
        .select_related("student__school_class", "school", "semester")
        .order_by("-semester__start_date", "student__name", "kind", "pk")
    )


def invoice_page(invoice: Invoice) -> dict:
    lines = list(
        InvoiceLine.objects.filter(invoice=invoice, revision=invoice.revision).select_related(
            "course"
        )
    )
    payments = list(
        Payment.objects.filter(invoice=invoice)
        .select_related("receipt", "order")
        .order_by("paid_at")
    )
    refunds = list(Refund.objects.filter(invoice=invoice).order_by("created_at"))
    live_order = (
        PaymentOrder.objects.filter(invoice=invoice, status__in=["created", "pending"])
        .order_by("-created_at")
        .first()
    )
    return {"lines": lines, "payments": payments, "refunds": refunds, "live_order": live_order}


def school_invoices(*, scope, school, semester=None, status="", class_id=None):
    qs = Invoice.objects.visible_to(scope).filter(school=school)
    if semester is not None:
        qs = qs.filter(semester=semester)
    if status:
        qs = qs.filter(status=status)
    if class_id:
        qs = qs.filter(student__school_class__public_id=class_id)
    return qs.select_related("student__school_class", "semester").order_by(
        "student__school_class__grade", "student__school_class__number", "student__name", "pk"
    )


def invoice_totals(qs) -> dict:
    return qs.aggregate(
        n=Count("pk"),
        amount=Sum("amount_fen"),
        paid=Count("pk", filter=Q(status="paid")),
        open=Count("pk", filter=Q(status="open")),
        paid_amount=Sum("amount_fen", filter=Q(status="paid")),
        reduction=Sum("reduction_fen"),
    )


def latest_run(*, school, semester, kind=RunKind.BILLING):
    return (
        BillingRun.objects.filter(school=school, semester=semester, kind=kind)
        .order_by("-created_at", "-pk")
        .first()
    )


def school_exemptions(*, scope, school, semester=None):
    qs = Exemption.objects.visible_to(scope).filter(school=school)
    if semester is not None:
        qs = qs.filter(semester=semester)
    return qs.select_related("student__school_class", "decided_by").order_by(
        "status", "-applied_at"
    )


def district_exemptions(*, scope, district, semester=None) -> list[dict]:
    """Exemptions granted in the district, by school and category: children and the
    reductions on their invoices (two grouped queries)."""
    qs = Exemption.objects.visible_to(scope).filter(
        district=district, status=ExemptionStatus.VERIFIED
    )
    if semester is not None:
        qs = qs.filter(semester=semester)
    rows = {
        (r["school_id"], r["category"]): {**r, "reduced": 0}
        for r in qs.values("school_id", "school__name", "category", "category_name").annotate(
            children=Count("pk")
        )
    }
    for r in (
        Invoice.objects.filter(exemption__in=qs)
        .values("exemption__school_id", "exemption__category")
        .annotate(reduced=Sum("reduction_fen"))
    ):
        key = (r["exemption__school_id"], r["exemption__category"])
        if key in rows:
            rows[key]["reduced"] = r["reduced"] or 0
    # Reductions verified after payment: the paid invoice stays, the difference was refunded.
    for r in (
        Refund.objects.filter(
            reason=RefundReason.EXEMPTION,
            status=RefundStatus.SUCCEEDED,
            invoice__student__exemptions__in=qs,
        )
        .values("invoice__school_id", "invoice__student__exemptions__category")
        .annotate(reduced=Sum("amount_fen"))
    ):
        key = (r["invoice__school_id"], r["invoice__student__exemptions__category"])
        if key in rows:
            rows[key]["reduced"] += r["reduced"] or 0
    return sorted(rows.values(), key=lambda r: (r["school__name"], r["category"]))


def receipts_for(*, scope, school):
    return (
        Receipt.objects.visible_to(scope)
        .filter(school=school)
        .select_related(
            "payment__invoice__student__school_class",
            "payment__invoice__semester",
            "payment__order",
        )
        .order_by("year", "seq")
    )


# --------------------------------------------------------------------------- payouts


def payout_runs_for(*, scope, school):
    """A school's payout runs (managers and the district's officials), newest month first."""
    return (
        PayoutRun.objects.visible_to(scope)
        .filter(school=school)
        .select_related("approved_by", "rules")
        .order_by("-month", "-created_at", "-pk")
    )


def statements_for(*, user):
    """The user's own payout lines of approved months (a teacher's statements; nobody else's,
    whatever roles they hold elsewhere)."""
    return (
        PayoutLine.objects.filter(staff__user=user, run__status=PayoutStatus.APPROVED)
        .select_related("run__school", "run__semester")
        .prefetch_related("deductions", "adjustments")
        .order_by("-run__month", "run__school_id", "pk")
    )


def word_evidence(lines) -> dict[str, str]:
    """Every evidence id of ``lines``' deductions, worded: a staff attendance record as its day
    (and minutes left early), a handover as its day and note, a safety incident as its day and
    what happened; complaint references stay as they are. Three queries whatever the count."""
    ids: set[str] = set()
    for d in PayoutDeduction.objects.filter(line__in=lines).values_list("evidence", flat=True):
        ids.update(str(x) for x in d or [])
    uuids = [x for x in ids if _is_uuid(x)]
    out: dict[str, str] = {x: x for x in ids}
    if not uuids:
        return out
    for pid, day, early in StaffAttendance.objects.filter(public_id__in=uuids).values_list(
        "public_id", "date", "minutes_early"
    ):
        text = day.strftime("%m-%d")
        if early:
            text += f"（{early}′）"
        out[str(pid)] = text
    for pid, day, note in Handover.objects.filter(public_id__in=uuids).values_list(
        "public_id", "date", "resolution_note"
    ):
        out[str(pid)] = f"{day:%m-%d} {note}".strip()
    for pid, day, what, evidence in SafetyIncident.objects.filter(public_id__in=uuids).values_list(
        "public_id", "date", "description", "evidence"
    ):
        out[str(pid)] = f"{day:%m-%d} {what}（{evidence}）"
    return out


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
