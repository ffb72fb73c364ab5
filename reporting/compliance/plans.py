"""Rules on the plans in force: fees above the caps and service past the latest end time (the
plan check, ``plans.checks``, of every published version), and versions published without
the district's approval."""

from __future__ import annotations

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans.checks import evaluate
from plans.models import PlanVersion

from .base import Context, Evidence, Finding, Rule, register

SECTION_LABELS = {
    "general": gettext_lazy("Basic care"),
    "periods": gettext_lazy("Service periods"),
    "courses": gettext_lazy("Extended courses"),
    "windows": gettext_lazy("Registration windows"),
}


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else "—"


class PlanCheckRule(Rule):
    """Violations of the given codes in the plan check of each published version."""

    codes: tuple[str, ...] = ()

    def find(self, ctx: Context) -> list[Finding]:
        out = []
        for version in ctx.published:
            found = [v for v in ctx.evaluations[version.pk].violations if v.code in self.codes]
            if not found:
                continue
            first = found[0]
            school = version.plan.school
            message = _("%(school)s: %(finding)s") % {
                "school": school.name,
                "finding": first.message,
            }
            if len(found) > 1:
                message += _(" (and %(n)d more)") % {"n": len(found) - 1}
            out.append(
                Finding(
                    rule=self.code,
                    subject_type="plan",
                    subject_id=str(version.plan.public_id),
                    subject_label=f"{school.name} · {version.plan.semester.name}",
                    period=ctx.period,
                    period_label=version.plan.semester.name,
                    school_id=school.pk,
                    message=message,
                    value=first.value,
                    limit=first.limit,
                    params={"version": version.pk, "count": len(found)},
                )
            )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        version = (
            PlanVersion.objects.filter(pk=alert.params.get("version"), district=alert.district)
            .select_related("plan", "plan__school", "plan__semester")
            .first()
        )
        evidence = Evidence(
            columns=[_("Part of the plan"), _("Finding"), _("Plan's value"), _("Limit")]
        )
        if version is None:
            return evidence
        for v in evaluate(version).violations:
            if v.code in self.codes:
                evidence.rows.append(
                    [str(SECTION_LABELS.get(v.section, v.section)), v.message, v.value, v.limit]
                )
        evidence.links.append(
            (
                _("The plan (version %(n)d)") % {"n": version.number},
                reverse("plan_detail", args=[version.plan.public_id]),
            )
        )
        evidence.note = _("Published %(at)s; checked against the district policy in force.") % {
            "at": _local(version.published_at)
        }
        return evidence


@register
class FeeOverCap(PlanCheckRule):
    code = "fee_over_cap"
    label = gettext_lazy("Fee above the cap")
    description = gettext_lazy(
        "A published plan charges more than the district policy allows (per lesson, hour, "
        "month or semester), for basic care or an extended course."
    )
    severity = "high"
    codes = ("basic_fee_over_cap", "course_fee_over_cap", "basic_must_be_free")


@register
class EndTimeOverLimit(PlanCheckRule):
    code = "end_time_over_limit"
    label = gettext_lazy("Service ends after the latest end time")
    description = gettext_lazy(
        "A published plan's service period or course ends later than the district's latest "
        "end time (seasonal limits included)."
    )
    severity = "medium"
    codes = ("end_time_after_limit",)


@register
class PublishedWithoutApproval(Rule):
    code = "plan_unapproved"
    label = gettext_lazy("Plan published without approval")
    description = gettext_lazy(
        "A plan version went public without the district's approval: never decided, decided "
        "by nobody, or published before it was approved."
    )
    severity = "high"

    def find(self, ctx: Context) -> list[Finding]:
        versions = (
            PlanVersion.objects.filter(
                district=ctx.district, plan__semester=ctx.semester, published_at__isnull=False
            )
            .filter(
                Q(decided_at__isnull=True)
                | Q(decided_by__isnull=True)
                | Q(published_at__lt=F("decided_at"))
            )
            .select_related("plan", "plan__school", "plan__semester")
        )
        out = []
        for v in versions:
            school = v.plan.school
            out.append(
                Finding(
                    rule=self.code,
                    subject_type="version",
                    subject_id=str(v.public_id),
                    subject_label=_("%(school)s plan version %(n)d")
                    % {"school": school.name, "n": v.number},
                    period=ctx.period,
                    period_label=v.plan.semester.name,
                    school_id=school.pk,
                    message=_(
                        "%(school)s published version %(n)d of its plan on %(published)s "
                        "without the district's approval (approved: %(approved)s)."
                    )
                    % {
                        "school": school.name,
                        "n": v.number,
                        "published": _local(v.published_at),
                        "approved": _local(v.decided_at) if v.decided_by_id else _("never"),
                    },
                    value=_local(v.published_at),
                    limit=_local(v.decided_at) if v.decided_by_id else "",
                    params={"version": v.pk},
                )
            )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        v = (
            PlanVersion.objects.filter(pk=alert.params.get("version"), district=alert.district)
            .select_related("plan", "decided_by")
            .first()
        )
        evidence = Evidence(
            columns=[
                _("Version"),
                _("Status"),
                _("Submitted"),
                _("Approved"),
                _("Approved by"),
                _("Published"),
            ]
        )
        if v is None:
            return evidence
        who = str(v.decided_by) if v.decided_by and names else ("✓" if v.decided_by else "—")
        evidence.rows.append(
            [
                v.number,
                v.get_status_display(),
                _local(v.submitted_at),
                _local(v.decided_at),
                who,
                _local(v.published_at),
            ]
        )
        evidence.links.append((_("The plan"), reverse("plan_detail", args=[v.plan.public_id])))
        return evidence
