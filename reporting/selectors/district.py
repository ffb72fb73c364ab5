"""The district dashboard: headline figures, a table per theme, charts and the open alerts,
from one source of figures (``reporting.sources``: the rollups, or the raw rows for the
benchmark's comparison). A fixed number of queries whatever the size of the district."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from aftercare.models import School
from billing.services.ledger import summary as ledger_summary
from plans.models import PlanStatus, PlanVersion
from reporting.charts import Series, column_chart, hbar_chart, line_chart
from reporting.compliance import RULES, rule_label
from reporting.models import LIVE_STATES, Alert
from reporting.selectors.period import Period
from reporting.sources import Money, Operation, Participation
from reporting.tables import Column, Table, link, num, pct, yuan

PLAN_ORDER = [
    PlanStatus.PUBLISHED,
    PlanStatus.APPROVED,
    PlanStatus.SUBMITTED,
    PlanStatus.RETURNED,
    PlanStatus.DRAFT,
]


@dataclass
class Figure:
    label: str
    value: str
    note: str = ""
    css: str = ""
    url: str = ""


@dataclass
class DistrictPage:
    period: Period
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[tuple[str, str]] = field(default_factory=list)  # (title, svg)
    alerts: list[Alert] = field(default_factory=list)
    alert_counts: dict[str, int] = field(default_factory=dict)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def plan_status_by_school(district, semester) -> dict[int, str]:
    """Each school's most advanced plan version of the semester."""
    if semester is None:
        return {}
    best: dict[int, int] = {}
    rank = {s: i for i, s in enumerate(PLAN_ORDER)}
    for school_id, status in PlanVersion.objects.filter(
        district=district, plan__semester=semester
    ).values_list("school_id", "status"):
        if status in rank and (school_id not in best or rank[status] < best[school_id]):
            best[school_id] = rank[status]
    return {school_id: PLAN_ORDER[i] for school_id, i in best.items()}


def live_alerts(district, semester):
    qs = Alert.objects.filter(district=district, state__in=LIVE_STATES)
    if semester is not None:
        qs = qs.filter(semester=semester)
    return qs


def _rate_css(rate, *, good: float, bad: float, higher_is_better=True) -> str:
    if rate is None:
        return ""
    if higher_is_better:
        return "ok" if rate >= good else ("err" if rate < bad else "warn")
    return "ok" if rate <= good else ("err" if rate > bad else "warn")


def _pct_text(x) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def district_page(*, source, period: Period, names: bool = True) -> DistrictPage:
    district, semester = period.district, period.semester
    page = DistrictPage(period=period)
    schools = list(School.objects.filter(district=district).order_by("code"))
    plans = plan_status_by_school(district, semester)
    ops = source.operation_by_school(district, period.start, period.end, period.today)
    parts = source.participation_by_school(district, semester) if semester else {}
    money = source.money_by_school(district, semester) if semester else {}
    ledgers = source.ledger_by_school(district)
    alerts = live_alerts(district, semester)
    by_school = dict(
        alerts.values_list("school_id").annotate(n=Count("id")).values_list("school_id", "n")
    )
    page.alert_counts = {
        rule_label(r): n
        for r, n in alerts.values_list("rule").annotate(n=Count("id")).values_list("rule", "n")
    }
    page.alerts = list(alerts.select_related("school").order_by("-last_seen_at", "-pk")[:8])
    q = period.query()

    total_op, total_part, total_money = Operation(), Participation(), Money()
    labels = dict(PlanStatus.choices)
    coverage = Table(
        "coverage",
        _("Coverage and participation"),
        [
            Column(_("School")),
            Column(_("Plan")),
            Column(_("On the roll"), True),
            Column(_("Applied"), True),
            Column(_("Participants"), True),
            Column(_("Participation"), True),
            Column(_("May attend"), True),
            Column(_("Course seats"), True),
            Column(_("Priority groups"), True),
        ],
    )
    operation = Table(
        "operation",
        _("Daily operation"),
        [
            Column(_("School")),
            Column(_("Sessions"), True),
            Column(_("Rolls taken"), True),
            Column(_("Attendance"), True),
            Column(_("Absent without leave"), True),
            Column(_("Late pickups"), True),
            Column(_("Handover mismatches"), True),
            Column(_("Days not cleared"), True),
            Column(_("Missed sessions (空堂)"), True),
            Column(_("Early leaves (早退)"), True),
        ],
    )
    finance = Table(
        "money",
        _("Money"),
        [
            Column(_("School")),
            Column(_("Fees charged"), True),
            Column(_("Exempted"), True),
            Column(_("Collected"), True),
            Column(_("Refunded"), True),
            Column(_("Owed by families"), True),
            Column(_("Fund income (net)"), True),
            Column(_("Open alerts"), True),
        ],
    )
    published = 0
    for school in schools:
        url = reverse("reporting_school", args=[school.public_id]) + f"?{q}"
        op = ops.get(school.pk, Operation())
        part = parts.get(school.pk, Participation())
        mon = money.get(school.pk, Money())
        bal = ledger_summary(ledgers.get(school.pk, {}))
        total_op.add(op)
        total_part.add(part)
        total_money.add(mon)
        status = plans.get(school.pk)
        published += status == PlanStatus.PUBLISHED
        coverage.add(
            link(school.name, url),
            link(
                str(labels[status]) if status else _("none"),
                "",
                css="ok" if status == PlanStatus.PUBLISHED else "warn",
            ),
            num(part.enrolled),
            num(part.applied),
            num(part.participants),
            pct(part.rate),
            num(part.active),
            num(part.course_seats),
            num(sum(part.priority.values())),
        )
        operation.add(
            link(school.name, url),
            num(op.sessions),
            num(op.rolls),
            pct(op.attendance_rate, css=_rate_css(op.attendance_rate, good=0.95, bad=0.9)),
            num(op.absent, css="warn" if op.absent else ""),
            num(op.late_pickups),
            num(op.handover_mismatches, css="warn" if op.handovers_open else ""),
            num(op.uncleared_days, css="err" if op.uncleared_days else ""),
            num(op.staff_missed, css="err" if op.staff_missed else ""),
            num(op.staff_early),
        )
        n_alerts = by_school.get(school.pk, 0)
        finance.add(
            link(school.name, url),
            yuan(mon.billed_fen),
            yuan(mon.exempted_fen),
            yuan(mon.collected_fen),
            yuan(mon.refunded_fen),
            yuan(bal["receivable"]),
            yuan(bal["net_income"]),
            num(
                n_alerts,
                url=reverse("reporting_alerts") + f"?{q}&school={school.public_id}",
                css="err" if n_alerts else "",
            ),
        )
    page.tables = [coverage, operation, finance]

    alerts_url = reverse("reporting_alerts") + f"?{q}"
    n_open = sum(by_school.values())
    page.figures = [
        Figure(
            _("Schools with a published plan"),
            f"{published}/{len(schools)}",
            css="ok" if published == len(schools) else "warn",
        ),
        Figure(
            _("Participants"),
            f"{total_part.participants:,}",
            _("%(rate)s of %(n)s on the roll")
            % {"rate": _pct_text(total_part.rate), "n": f"{total_part.enrolled:,}"},
        ),
        Figure(
            _("Attendance"),
            _pct_text(total_op.attendance_rate),
            _("%(n)s marks") % {"n": f"{total_op.marks:,}"},
            css=_rate_css(total_op.attendance_rate, good=0.95, bad=0.9),
        ),
        Figure(
            _("Absent without leave"),
            f"{total_op.absent:,}",
            _("late pickups %(n)s") % {"n": f"{total_op.late_pickups:,}"},
        ),
        Figure(
            _("Handover mismatches"),
            f"{total_op.handover_mismatches:,}",
            _("%(n)d still open") % {"n": total_op.handovers_open},
            css="warn" if total_op.handovers_open else "",
        ),
        Figure(
            _("Days not cleared"),
            f"{total_op.uncleared_days:,}",
            _("missed sessions %(n)s") % {"n": f"{total_op.staff_missed:,}"},
            css="err" if total_op.uncleared_days else "",
        ),
        Figure(
            _("Fees collected"),
            f"{total_money.collected_fen / 100:,.0f}",
            _("of %(billed)s charged (yuan)") % {"billed": f"{total_money.billed_fen / 100:,.0f}"},
        ),
        Figure(_("Open alerts"), f"{n_open:,}", css="err" if n_open else "ok", url=alerts_url),
    ]

    days = source.operation_by_day(district, period.start, period.end)
    page.charts.append(
        (
            _("Attendance by day"),
            line_chart(
                [Series(_("attendance"), [(d, op.attendance_rate) for d, op in days])],
                title=_("Attendance by day"),
                unit="%",
            ),
        )
    )
    weeks = defaultdict(int)
    for d, op in days:
        weeks[d - timedelta(days=d.weekday())] += op.absent
    page.charts.append(
        (
            _("Absences without leave by week"),
            column_chart(sorted(weeks.items()), title=_("Absences without leave by week")),
        )
    )
    page.charts.append(
        (
            _("Participation by school"),
            hbar_chart(
                [(s.name, parts.get(s.pk, Participation()).rate) for s in schools],
                title=_("Participation by school"),
                unit="%",
                hi=1.0,
            ),
        )
    )
    if semester is not None:
        steps = source.participation_steps(district, semester)
        running, points = 0, []
        for day, _applied, approved, withdrawn in steps:
            running += approved - withdrawn
            points.append((day, running))
        page.charts.append(
            (
                _("Participants over the semester"),
                line_chart(
                    [Series("", points, css="s3")], title=_("Participants over the semester"), lo=0
                ),
            )
        )
    page.charts.append(
        (
            _("Share of fees collected"),
            hbar_chart(
                [
                    (
                        s.name,
                        (money[s.pk].collected_fen / money[s.pk].billed_fen)
                        if s.pk in money and money[s.pk].billed_fen
                        else None,
                    )
                    for s in schools
                ],
                title=_("Share of fees collected"),
                unit="%",
                hi=1.0,
                css="s4",
            ),
        )
    )
    return page


def rule_choices() -> list[tuple[str, str]]:
    return [(code, str(rule.label)) for code, rule in RULES.items()]
