"""Rules on participation and daily operation, read from the rollups: a class where every
child applied (participation must be voluntary, 家长自愿), and a school's week of unexcused
absences far above its usual rate."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.models import SchoolClass
from enrollment.models import Application
from reporting.conf import conf
from reporting.masking import person
from reporting.models import ClassDay, ParticipationClass, SchoolDay

from .base import Context, Evidence, Finding, Rule, register


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


@register
class FullParticipation(Rule):
    code = "full_participation"
    label = gettext_lazy("A class at 100% participation")
    description = gettext_lazy(
        "Every child of a class applied for after-school service: participation must be "
        "voluntary (家长自愿), and a full class is a sign that it was not."
    )
    severity = "medium"

    def find(self, ctx: Context) -> list[Finding]:
        minimum = conf("FULL_PARTICIPATION_MIN_CLASS")
        rows = ParticipationClass.objects.filter(
            district=ctx.district, semester=ctx.semester, enrolled__gte=minimum
        ).values("school_class_id", "school_id", "enrolled", "applied")
        full = [r for r in rows if r["applied"] >= r["enrolled"]]
        classes = {
            c.pk: c for c in SchoolClass.objects.filter(pk__in=[r["school_class_id"] for r in full])
        }
        out = []
        for r in full:
            klass, school = classes[r["school_class_id"]], ctx.schools[r["school_id"]]
            out.append(
                Finding(
                    rule=self.code,
                    subject_type="class",
                    subject_id=str(klass.public_id),
                    subject_label=f"{school.name} · {klass.name}",
                    period=ctx.period,
                    period_label=ctx.semester.name,
                    school_id=school.pk,
                    message=_(
                        "%(school)s %(class)s: all %(n)d children on the roll applied (100%%)."
                    )
                    % {"school": school.name, "class": klass.name, "n": r["enrolled"]},
                    value=f"{r['applied']}/{r['enrolled']}",
                    limit=_("below 100%"),
                    params={"class": klass.pk},
                )
            )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        evidence = Evidence(
            columns=[_("Child"), _("Status"), _("Applied at"), _("Channel"), _("Applied by")]
        )
        klass = SchoolClass.objects.filter(
            pk=alert.params.get("class"), district=alert.district
        ).first()
        if klass is None:
            return evidence
        apps = (
            Application.objects.filter(semester=alert.semester, student__school_class=klass)
            .select_related("student", "applied_by")
            .order_by("applied_at", "pk")
        )
        by_channel = defaultdict(int)
        for a in apps:
            by_channel[a.get_channel_display()] += 1
            guardian = a.student.guardianships.filter(user=a.applied_by).exists()
            evidence.rows.append(
                [
                    person(a.student.name, names),
                    a.get_status_display(),
                    timezone.localtime(a.applied_at).strftime("%Y-%m-%d %H:%M"),
                    a.get_channel_display(),
                    _("a guardian") if guardian else _("school staff"),
                ]
            )
        evidence.note = _("Applications by channel: %(channels)s.") % {
            "channels": "，".join(f"{k} {v}" for k, v in by_channel.items())
        }
        evidence.links.append((klass.name, reverse("reporting_class", args=[klass.public_id])))
        return evidence


def _monday(day):
    return day - timedelta(days=day.weekday())


def _week_label(monday) -> str:
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


@register
class AbsenceSpike(Rule):
    code = "absence_spike"
    label = gettext_lazy("Spike of unexcused absences")
    description = gettext_lazy(
        "A school's unexcused absences in one week are far above its rate of the weeks before "
        "(children missing without leave: are they safe, is the service going on?)."
    )
    severity = "medium"

    def find(self, ctx: Context) -> list[Finding]:
        factor = conf("SPIKE_FACTOR")
        minimum = conf("SPIKE_MIN_ABSENCES")
        floor = conf("SPIKE_FLOOR_RATE")
        baseline_weeks = conf("SPIKE_BASELINE_WEEKS")
        end = min(ctx.semester.end_date, ctx.today)
        weeks: dict[int, dict] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        for r in SchoolDay.objects.filter(
            district=ctx.district, date__range=(ctx.semester.start_date, end)
        ).values("school_id", "date", "marks", "leave", "absent"):
            cell = weeks[r["school_id"]][_monday(r["date"])]
            cell[0] += r["absent"]
            cell[1] += r["marks"] - r["leave"]
        out = []
        for school_id, by_week in weeks.items():
            mondays = sorted(by_week)
            for i, monday in enumerate(mondays):
                before = [
                    by_week[m] for m in mondays[max(0, i - baseline_weeks) : i] if by_week[m][1]
                ]
                absent, expected = by_week[monday]
                if not before or not expected or absent < minimum:
                    continue
                base = sum(b[0] for b in before) / sum(b[1] for b in before)
                rate = absent / expected
                threshold = max(base, floor) * factor
                if rate < threshold:
                    continue
                school = ctx.schools[school_id]
                week = _week_label(monday)
                out.append(
                    Finding(
                        rule=self.code,
                        subject_type="school",
                        subject_id=str(school.public_id),
                        subject_label=school.name,
                        period=week,
                        period_label=_("week of %(monday)s") % {"monday": monday},
                        school_id=school_id,
                        message=_(
                            "%(school)s, week of %(monday)s: %(n)d unexcused absences "
                            "(%(rate)s of the roll) against %(base)s in the weeks before; "
                            "the alert starts at %(threshold)s."
                        )
                        % {
                            "school": school.name,
                            "monday": monday,
                            "n": absent,
                            "rate": _pct(rate),
                            "base": _pct(base),
                            "threshold": _pct(threshold),
                        },
                        value=_pct(rate),
                        limit=_pct(threshold),
                        params={"school": school_id, "monday": str(monday)},
                    )
                )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        evidence = Evidence(
            columns=[_("Date"), _("Class"), _("Marks"), _("Absent without leave"), _("On leave")]
        )
        monday = date.fromisoformat(alert.params.get("monday"))
        sunday = monday + timedelta(days=6)
        school_id = alert.params.get("school")
        days = SchoolDay.objects.filter(
            district=alert.district, school_id=school_id, date__range=(monday, sunday)
        ).order_by("date")
        for d in days:
            evidence.rows.append([str(d.date), _("whole school"), d.marks, d.absent, d.leave])
        classes = (
            ClassDay.objects.filter(
                district=alert.district, school_id=school_id, date__range=(monday, sunday)
            )
            .values("school_class_id")
            .annotate(marks=Sum("marks"), absent=Sum("absent"), leave=Sum("leave"))
            .order_by("-absent")
        )
        names_of = {
            c.pk: c.name
            for c in SchoolClass.objects.filter(pk__in=[c["school_class_id"] for c in classes])
        }
        for c in classes:
            if c["absent"]:
                evidence.rows.append(
                    [
                        _("the week"),
                        names_of.get(c["school_class_id"], "—"),
                        c["marks"],
                        c["absent"],
                        c["leave"],
                    ]
                )
        if alert.school is not None:
            evidence.links.append(
                (
                    alert.school.name,
                    reverse("reporting_school", args=[alert.school.public_id])
                    + f"?from={monday}&to={sunday}",
                )
            )
        return evidence
