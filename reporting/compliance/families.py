"""Rules on the families' voice: complaints the school let run past their deadline.

A complaint is overdue while it waits for the school past the district's deadline: not
acknowledged within ``complaint_ack_days``, or acknowledged but not closed with findings within
``complaint_resolve_days`` (the deadlines are dated when it is filed, ``feedback.deadlines``).
One alert per school and semester; it resolves itself when the school acts on the last one (a
complaint with the district after an escalation is no longer the school's to answer). The
evidence lists the complaints by reference, never the family (anonymous or not).
"""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.models import Complaint, ComplaintStatus

from .base import Context, Evidence, Finding, Rule, register


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else "—"


@register
class ComplaintOverdue(Rule):
    code = "complaint_overdue"
    label = gettext_lazy("Complaints overdue")
    description = gettext_lazy(
        "Complaints the school has not acknowledged, or not closed with findings, within the "
        "deadlines the district set."
    )
    severity = "high"

    @staticmethod
    def overdue(district, semester, school_id=None, now=None):
        qs = Complaint.objects.filter(district=district, semester=semester).overdue(
            now or timezone.now()
        )
        if school_id is not None:
            qs = qs.filter(school_id=school_id)
        return qs

    def find(self, ctx: Context) -> list[Finding]:
        out = []
        rows = (
            self.overdue(ctx.district, ctx.semester)
            .values("school_id")
            .annotate(n=Count("id"))
            .order_by("school_id")
        )
        for r in rows:
            school = ctx.schools[r["school_id"]]
            out.append(
                Finding(
                    rule=self.code,
                    subject_type="school",
                    subject_id=str(school.public_id),
                    subject_label=school.name,
                    period=ctx.period,
                    period_label=ctx.semester.name,
                    school_id=school.pk,
                    message=_(
                        "%(school)s: %(n)d complaints past the deadline the district set "
                        "(not acknowledged or not closed with findings in time)."
                    )
                    % {"school": school.name, "n": r["n"]},
                    value=str(r["n"]),
                    limit="0",
                    params={"school": school.pk},
                )
            )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        evidence = Evidence(
            columns=[_("Complaint"), _("About"), _("Filed"), _("Status"), _("Deadline")]
        )
        for c in self.overdue(alert.district, alert.semester, alert.params.get("school")).order_by(
            "submitted_at", "pk"
        )[:500]:
            due = c.ack_due_at if c.status == ComplaintStatus.SUBMITTED else c.resolve_due_at
            evidence.rows.append(
                [
                    c.reference,
                    c.get_category_display(),
                    _local(c.submitted_at),
                    c.get_status_display(),
                    _local(due),
                ]
            )
            if len(evidence.links) < 20:
                evidence.links.append(
                    (
                        _("Complaint %(ref)s") % {"ref": c.reference},
                        reverse("complaint_detail", args=[c.public_id]),
                    )
                )
        return evidence
