"""Rules on money: fees charged before the fee standard was published (未经公示不得收费),
refunds overdue, and the term-end disclosure (收支公示) late or missing.

The disclosure arrives with issue 11. ``DisclosureLate`` evaluates only when
``billing.Disclosure`` exists, and expects of it: ``district``, ``school``, ``semester`` and
``published_at`` (null until published). Until then the rule reports itself as not available
and leaves its alerts alone; nothing else needs to change when the model lands.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, F, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import Invoice, InvoiceKind, InvoiceStatus, Refund, RefundStatus
from billing.money import fmt
from enrollment.models import ApplicationStatus
from plans.models import PlanStatus, PlanVersion
from reporting.conf import conf
from reporting.masking import person

from .base import Context, Evidence, Finding, Rule, register


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else "—"


def _school_finding(rule, ctx, school, message, **kw) -> Finding:
    return Finding(
        rule=rule.code,
        subject_type="school",
        subject_id=str(school.public_id),
        subject_label=school.name,
        period=ctx.period,
        period_label=ctx.semester.name,
        school_id=school.pk,
        message=message,
        params={"school": school.pk, **kw.pop("params", {})},
        **kw,
    )


@register
class FeesBeforePublication(Rule):
    code = "fees_before_publication"
    label = gettext_lazy("Fees charged before publication")
    description = gettext_lazy(
        "Invoices were issued before the plan with its fee standard was published (未经公示"
        "不得收费), or under a plan version that was never published."
    )
    severity = "high"

    @staticmethod
    def invoices(district, semester, school_id=None):
        qs = Invoice.objects.filter(district=district, semester=semester).filter(
            Q(plan_version__published_at__isnull=True)
            | Q(issued_at__lt=F("plan_version__published_at"))
        )
        if school_id is not None:
            qs = qs.filter(school_id=school_id)
        return qs.exclude(status=InvoiceStatus.CANCELLED)

    def find(self, ctx: Context) -> list[Finding]:
        out = []
        rows = (
            self.invoices(ctx.district, ctx.semester)
            .values("school_id")
            .annotate(n=Count("id"), fen=Sum("gross_fen"))
            .order_by("school_id")
        )
        for r in rows:
            school = ctx.schools[r["school_id"]]
            out.append(
                _school_finding(
                    self,
                    ctx,
                    school,
                    _(
                        "%(school)s issued %(n)d invoices (%(yuan)s yuan) before its fee "
                        "standard was published."
                    )
                    % {"school": school.name, "n": r["n"], "yuan": fmt(r["fen"] or 0)},
                    value=str(r["n"]),
                    limit="0",
                )
            )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        evidence = Evidence(
            columns=[_("Child"), _("Class"), _("Amount (yuan)"), _("Issued"), _("Plan published")]
        )
        for inv in (
            self.invoices(alert.district, alert.semester, alert.params.get("school"))
            .select_related("student__school_class", "plan_version")
            .order_by("issued_at", "pk")[:500]
        ):
            evidence.rows.append(
                [
                    person(inv.student.name, names),
                    inv.student.school_class.name,
                    fmt(inv.gross_fen),
                    _local(inv.issued_at),
                    _local(inv.plan_version.published_at),
                ]
            )
        return evidence


@register
class RefundsOverdue(Rule):
    code = "refund_overdue"
    label = gettext_lazy("Refunds overdue")
    description = gettext_lazy(
        "Refunds not confirmed by the payment gateway, or approved withdrawals of paying "
        "children not yet refunded, some days after they were due."
    )
    severity = "medium"

    @staticmethod
    def overdue(district, semester, school_id=None):
        due = timezone.now() - timedelta(days=conf("REFUND_DUE_DAYS"))
        refunds = Refund.objects.filter(
            district=district,
            invoice__semester=semester,
            status__in=[RefundStatus.REQUESTED, RefundStatus.PROCESSING, RefundStatus.FAILED],
            created_at__lt=due,
        )
        withdrawals = Invoice.objects.filter(
            district=district,
            semester=semester,
            kind=InvoiceKind.SEMESTER,
            status=InvoiceStatus.PAID,
            withdrawal_handled_at__isnull=True,
            application__status=ApplicationStatus.WITHDRAWN,
            application__withdrawn_at__lt=due,
        )
        if school_id is not None:
            refunds, withdrawals = (
                refunds.filter(school_id=school_id),
                withdrawals.filter(school_id=school_id),
            )
        return refunds, withdrawals

    def find(self, ctx: Context) -> list[Finding]:
        refunds, withdrawals = self.overdue(ctx.district, ctx.semester)
        counts = defaultdict(lambda: [0, 0])
        for r in refunds.values("school_id").annotate(n=Count("id")):
            counts[r["school_id"]][0] = r["n"]
        for r in withdrawals.values("school_id").annotate(n=Count("id")):
            counts[r["school_id"]][1] = r["n"]
        days = conf("REFUND_DUE_DAYS")
        out = []
        for school_id, (n_refunds, n_withdrawals) in sorted(counts.items()):
            school = ctx.schools[school_id]
            out.append(
                _school_finding(
                    self,
                    ctx,
                    school,
                    _(
                        "%(school)s: %(refunds)d refunds not confirmed and %(withdrawals)d "
                        "withdrawals not refunded after more than %(days)d days."
                    )
                    % {
                        "school": school.name,
                        "refunds": n_refunds,
                        "withdrawals": n_withdrawals,
                        "days": days,
                    },
                    value=str(n_refunds + n_withdrawals),
                    limit=_("%(days)d days") % {"days": days},
                )
            )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        refunds, withdrawals = self.overdue(
            alert.district, alert.semester, alert.params.get("school")
        )
        evidence = Evidence(
            columns=[_("Child"), _("What"), _("Amount (yuan)"), _("Since"), _("State")]
        )
        for r in refunds.select_related("invoice__student").order_by("created_at")[:500]:
            evidence.rows.append(
                [
                    person(r.invoice.student.name, names),
                    r.get_reason_display(),
                    fmt(r.amount_fen),
                    _local(r.created_at),
                    r.get_status_display(),
                ]
            )
        for inv in withdrawals.select_related("student", "application").order_by("pk")[:500]:
            evidence.rows.append(
                [
                    person(inv.student.name, names),
                    _("Withdrawal not refunded"),
                    fmt(inv.amount_fen),
                    _local(inv.application.withdrawn_at),
                    inv.get_status_display(),
                ]
            )
        return evidence


def disclosure_model():
    """``billing.Disclosure`` once issue 11 has added it, else None."""
    try:
        return apps.get_model("billing", "Disclosure")
    except LookupError:
        return None


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


@register
class DisclosureLate(Rule):
    code = "disclosure_late"
    label = gettext_lazy("Term-end disclosure late")
    description = gettext_lazy(
        "A school has not published its term-end income and expenditure (收支公示) by the date "
        "it is due (the disclosure's own due date, else some days after the semester's end)."
    )
    severity = "medium"

    def published_at(self, district, semester) -> dict[int, tuple] | None:
        """School id -> (first publication or None, due date or None) of its disclosure of
        ``semester``; None when disclosures do not exist in this installation. Reads either
        shape: a disclosure with ``published_at``, or with ``versions`` that are published."""
        model = disclosure_model()
        if model is None:
            return None
        qs = model.objects.filter(district=district, semester=semester)
        due = "due_date" if _has_field(model, "due_date") else None
        if _has_field(model, "published_at"):
            published = "published_at"
        else:
            qs = qs.annotate(first_published=Min("versions__published_at"))
            published = "first_published"
        return {
            row["school_id"]: (row[published], row[due] if due else None)
            for row in qs.values("school_id", published, *([due] if due else []))
        }

    def find(self, ctx: Context) -> list[Finding] | None:
        published = self.published_at(ctx.district, ctx.semester)
        if published is None:
            return None
        return self.late(ctx, published)

    def deadline(self, semester, due=None):
        return due or semester.end_date + timedelta(days=conf("DISCLOSURE_DUE_DAYS"))

    def late(self, ctx: Context, published: dict) -> list[Finding]:
        """The schools whose disclosure is missing after its deadline or was published after
        it (``published``: school id -> (published at, due date))."""
        schools = set(
            PlanVersion.objects.filter(
                district=ctx.district,
                plan__semester=ctx.semester,
                status__in=[PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED],
            ).values_list("school_id", flat=True)
        )
        out = []
        for school_id in sorted(schools):
            at, due = published.get(school_id, (None, None))
            deadline = self.deadline(ctx.semester, due)
            if ctx.today <= deadline and at is None:
                continue  # not due yet
            if at is not None and timezone.localtime(at).date() <= deadline:
                continue
            school = ctx.schools[school_id]
            if at is None:
                message = _(
                    "%(school)s has not published its term-end disclosure; it was due on "
                    "%(deadline)s."
                ) % {"school": school.name, "deadline": deadline}
            else:
                message = _(
                    "%(school)s published its term-end disclosure on %(at)s, after the "
                    "deadline of %(deadline)s."
                ) % {
                    "school": school.name,
                    "at": timezone.localtime(at).date(),
                    "deadline": deadline,
                }
            out.append(
                _school_finding(
                    self,
                    ctx,
                    school,
                    message,
                    value=str(timezone.localtime(at).date()) if at else _("missing"),
                    limit=str(deadline),
                )
            )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        evidence = Evidence(columns=[_("School"), _("Semester ended"), _("Due"), _("Published")])
        published = self.published_at(alert.district, alert.semester) or {}
        at, due = published.get(alert.params.get("school"), (None, None))
        evidence.rows.append(
            [
                alert.subject_label,
                str(alert.semester.end_date),
                str(self.deadline(alert.semester, due)),
                str(timezone.localtime(at).date()) if at else _("missing"),
            ]
        )
        if alert.school is not None:
            evidence.links.append(
                (_("Fees of the school"), reverse("billing_school", args=[alert.school.public_id]))
            )
        return evidence
