"""The annual assessment (绩效评估): who sees which sheet, and the scores computed from the data.

Each computable criterion gives every school a score from 0 to 100, the figure it comes from
and the evidence rows behind it, over the semesters of the school year (those starting from
1 August of ``year`` to 31 July of the next):

    coverage        children taking part / children on the roll (the dashboard's rollups of
                    class participation), × 100
    participation   attendance of those taking part: present or late / marks not excused by
                    leave (the school-day rollups), × 100
    alerts          100 − 20 per high-severity compliance alert − 10 per other alert raised for
                    the school in those semesters (whatever became of it), at least 0
    complaints      100 − 20 per verified complaint − 10 per complaint whose deadline the school
                    missed (acknowledged or closed late, or open past it now), at least 0
                    ("零投诉": a school without a verified complaint and always on time has 100)
    evaluation      share of the service questions' answers 满意 or 很满意 (4–5) in the year's
                    evaluations, × 100 — none where no evaluation reached its minimum of answers
    disclosure      per semester whose term-end disclosure is due (or published): 100 published
                    on time, 50 late, 0 missing; the mean — none when none is due yet
    inspection      never computed: the inspector's findings

Nothing about a family is read or shown: complaints are cited by reference, evaluations only
in aggregate (``feedback.selectors.evaluations.evaluation_scores``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.models import Semester
from aftercare.tenancy import Scope
from feedback.models import Complaint, ComplaintOutcome
from feedback.selectors.evaluations import evaluation_scores
from plans.models import PlanStatus, PlanVersion
from reporting.compliance import RULES
from reporting.models import (
    Alert,
    Criterion,
    ParticipationClass,
    SchoolAssessment,
    SchoolDay,
    ScoreSheet,
    SheetStatus,
)

HUNDRED = Decimal(100)
ALERT_HIGH, ALERT_OTHER = 20, 10
COMPLAINT_VERIFIED, COMPLAINT_LATE = 20, 10
DISCLOSURE_ON_TIME, DISCLOSURE_LATE, DISCLOSURE_MISSING = 100, 50, 0


# --------------------------------------------------------------------------- who sees what


def sheets_for(*, scope: Scope):
    """Officials and inspectors: their districts' sheets; a school's managers: the published
    sheets of their district (each showing them their own school only)."""
    oversight = scope.official_districts | scope.inspector_districts
    managed = Q(status=SheetStatus.PUBLISHED, schools__school_id__in=scope.manager_schools)
    return ScoreSheet.objects.filter(Q(district_id__in=oversight) | managed).distinct()


def assessments_for(*, scope: Scope):
    oversight = scope.official_districts | scope.inspector_districts
    return SchoolAssessment.objects.filter(
        Q(district_id__in=oversight)
        | Q(school_id__in=scope.manager_schools, sheet__status=SheetStatus.PUBLISHED)
    )


# --------------------------------------------------------------------------- computation


@dataclass
class Computed:
    score: Decimal | None
    value: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def evidence(self) -> dict:
        return {"columns": [str(c) for c in self.columns], "rows": self.rows}


def year_semesters(district, year: int) -> list[Semester]:
    return list(
        Semester.objects.filter(
            district=district,
            start_date__gte=date(year, 8, 1),
            start_date__lt=date(year + 1, 8, 1),
        ).order_by("start_date")
    )


def _round(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _pct(num: int, den: int) -> Decimal | None:
    return _round(Decimal(num) * HUNDRED / Decimal(den)) if den else None


def _floor0(value: int) -> Decimal:
    return _round(max(0, value))


def coverage(district, semesters, school_ids) -> dict[int, Computed]:
    rows = (
        ParticipationClass.objects.filter(
            district=district, semester__in=semesters, school_id__in=school_ids
        )
        .values("school_id", "semester_id")
        .annotate(enrolled=Sum("enrolled"), participants=Sum("participants"))
    )
    names = {s.pk: s.name for s in semesters}
    per: dict[int, list] = defaultdict(list)
    for r in rows:
        per[r["school_id"]].append(r)
    out = {}
    for school_id in school_ids:
        found = sorted(per.get(school_id, []), key=lambda r: r["semester_id"])
        enrolled = sum(r["enrolled"] for r in found)
        taking = sum(r["participants"] for r in found)
        score = _pct(taking, enrolled)
        out[school_id] = Computed(
            score,
            f"{taking} / {enrolled}" if enrolled else _("no class roll figures yet"),
            [_("Semester"), _("Children on the roll"), _("Taking part"), _("Coverage (%)")],
            [
                [
                    names[r["semester_id"]],
                    r["enrolled"],
                    r["participants"],
                    str(_pct(r["participants"], r["enrolled"]) or "—"),
                ]
                for r in found
            ],
        )
    return out


def participation(district, semesters, school_ids) -> dict[int, Computed]:
    if not semesters:
        return {s: Computed(None, _("no semester"), []) for s in school_ids}
    days = SchoolDay.objects.filter(
        district=district,
        school_id__in=school_ids,
        date__gte=min(s.start_date for s in semesters),
        date__lte=max(s.end_date for s in semesters),
    )
    months = (
        days.annotate(month=TruncMonth("date"))
        .values("school_id", "month")
        .annotate(marks=Sum("marks"), present=Sum("present"), late=Sum("late"), leave=Sum("leave"))
        .order_by("school_id", "month")
    )
    per: dict[int, list] = defaultdict(list)
    for r in months:
        per[r["school_id"]].append(r)
    out = {}
    columns = [_("Month"), _("Marks"), _("Present or late"), _("On leave"), _("Attendance (%)")]
    for school_id in school_ids:
        found = per.get(school_id, [])
        attended = sum(r["present"] + r["late"] for r in found)
        expected = sum(r["marks"] - r["leave"] for r in found)
        out[school_id] = Computed(
            _pct(attended, expected),
            f"{attended} / {expected}" if expected else _("no roll taken"),
            columns,
            [
                [
                    r["month"].strftime("%Y-%m"),
                    r["marks"],
                    r["present"] + r["late"],
                    r["leave"],
                    str(_pct(r["present"] + r["late"], r["marks"] - r["leave"]) or "—"),
                ]
                for r in found
            ],
        )
    return out


def alerts(district, semesters, school_ids) -> dict[int, Computed]:
    found: dict[int, list[Alert]] = defaultdict(list)
    for a in Alert.objects.filter(
        district=district, semester__in=semesters, school_id__in=school_ids
    ).order_by("first_seen_at", "pk"):
        found[a.school_id].append(a)
    out = {}
    for school_id in school_ids:
        rows, high, other = [], 0, 0
        for a in found.get(school_id, []):
            rule = RULES.get(a.rule)
            if rule is not None and rule.severity == "high":
                high += 1
            else:
                other += 1
            rows.append(
                [
                    str(rule.label) if rule else a.rule,
                    a.message,
                    a.get_state_display(),
                    timezone.localtime(a.first_seen_at).strftime("%Y-%m-%d"),
                ]
            )
        out[school_id] = Computed(
            _floor0(100 - ALERT_HIGH * high - ALERT_OTHER * other),
            _("%(high)d high, %(other)d other") % {"high": high, "other": other},
            [_("Rule"), _("Finding"), _("State"), _("First seen")],
            rows,
        )
    return out


def complaints(district, semesters, school_ids, *, now=None) -> dict[int, Computed]:
    now = now or timezone.now()
    found: dict[int, list] = defaultdict(list)
    for c in Complaint.objects.filter(
        district=district, semester__in=semesters, school_id__in=school_ids
    ).order_by("submitted_at", "pk"):
        c.late = c.missed_deadline or c.is_overdue(now)
        found[c.school_id].append(c)
    out = {}
    for school_id in school_ids:
        rows, verified, late = [], 0, 0
        for c in found.get(school_id, []):
            verified += c.outcome == ComplaintOutcome.VERIFIED
            late += bool(c.late)
            rows.append(
                [
                    c.reference,
                    c.get_category_display(),
                    timezone.localtime(c.submitted_at).strftime("%Y-%m-%d"),
                    c.get_status_display(),
                    c.get_outcome_display() if c.outcome else "—",
                    _("yes") if c.late else _("no"),
                ]
            )
        out[school_id] = Computed(
            _floor0(100 - COMPLAINT_VERIFIED * verified - COMPLAINT_LATE * late),
            _("%(n)d complaints, %(verified)d verified, %(late)d late")
            % {"n": len(rows), "verified": verified, "late": late},
            [_("Complaint"), _("About"), _("Filed"), _("Status"), _("Outcome"), _("Late")],
            rows,
        )
    return out


def evaluation(district, semesters, school_ids) -> dict[int, Computed]:
    per: dict[int, list] = defaultdict(list)
    for semester in semesters:
        for school_id, s in evaluation_scores(district=district, semester=semester).items():
            per[school_id].append((semester, s))
    out = {}
    columns = [
        _("Semester"),
        _("Invited"),
        _("Answered"),
        _("Response rate (%)"),
        _("Mean (1–5)"),
        _("Satisfied (%)"),
    ]
    for school_id in school_ids:
        rows, scored, happy = [], 0, 0
        for semester, s in per.get(school_id, []):
            if s.shown and s.scored:
                scored += s.scored
                happy += s.satisfied_answers
            rows.append(
                [
                    semester.name,
                    s.invited,
                    s.answered,
                    str(_pct(s.answered, s.invited) or "—"),
                    f"{s.mean:.2f}" if s.mean is not None else _("too few answers"),
                    str(_round(s.satisfied * 100)) if s.satisfied is not None else "—",
                ]
            )
        score = _pct(happy, scored)
        out[school_id] = Computed(
            score,
            f"{happy} / {scored}" if scored else _("no results shown yet"),
            columns,
            rows,
        )
    return out


def disclosure(district, semesters, school_ids, *, today=None) -> dict[int, Computed]:
    today = today or timezone.localdate()
    rule = RULES["disclosure_late"]
    with_plan: dict[int, set[int]] = defaultdict(set)
    for semester_id, school_id in PlanVersion.objects.filter(
        district=district,
        plan__semester__in=semesters,
        status__in=[PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED],
    ).values_list("plan__semester_id", "school_id"):
        with_plan[semester_id].add(school_id)
    marks: dict[int, list] = defaultdict(list)
    rows: dict[int, list] = defaultdict(list)
    for semester in semesters:
        published = rule.published_at(district, semester)
        if published is None:
            return {s: Computed(None, _("disclosures not available"), []) for s in school_ids}
        for school_id in with_plan.get(semester.pk, ()):
            at, due = published.get(school_id, (None, None))
            deadline = rule.deadline(semester, due)
            if at is None and today <= deadline:
                continue  # not due yet
            if at is None:
                mark, shown = DISCLOSURE_MISSING, _("missing")
            elif timezone.localtime(at).date() <= deadline:
                mark, shown = DISCLOSURE_ON_TIME, str(timezone.localtime(at).date())
            else:
                mark, shown = DISCLOSURE_LATE, str(timezone.localtime(at).date())
            marks[school_id].append(mark)
            rows[school_id].append([semester.name, str(deadline), shown, mark])
    out = {}
    for school_id in school_ids:
        got = marks.get(school_id, [])
        out[school_id] = Computed(
            _round(Decimal(sum(got)) / len(got)) if got else None,
            _("%(n)d due") % {"n": len(got)} if got else _("none due yet"),
            [_("Semester"), _("Due"), _("Published"), _("Score")],
            rows.get(school_id, []),
        )
    return out


COMPUTERS = {
    Criterion.COVERAGE: coverage,
    Criterion.PARTICIPATION: participation,
    Criterion.ALERTS: alerts,
    Criterion.COMPLAINTS: complaints,
    Criterion.EVALUATION: evaluation,
    Criterion.DISCLOSURE: disclosure,
}


def compute(district, year: int, school_ids, *, now=None) -> dict[str, dict[int, Computed]]:
    """criterion -> school id -> what the data gives (inspection: nothing)."""
    now = now or timezone.now()
    semesters = year_semesters(district, year)
    school_ids = list(school_ids)
    out = {
        code: fn(district, semesters, school_ids)
        for code, fn in COMPUTERS.items()
        if code not in (Criterion.COMPLAINTS, Criterion.DISCLOSURE)
    }
    out[Criterion.COMPLAINTS] = complaints(district, semesters, school_ids, now=now)
    out[Criterion.DISCLOSURE] = disclosure(
        district, semesters, school_ids, today=timezone.localdate(now)
    )
    out[Criterion.INSPECTION] = {
        s: Computed(None, _("entered by the inspector"), []) for s in school_ids
    }
    return out


def points(weight: int, score: Decimal | None) -> Decimal | None:
    if score is None:
        return None
    return (Decimal(weight) * score / HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ranks(totals: dict[int, Decimal]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4): equal totals share a rank."""
    ordered = sorted(totals.values(), reverse=True)
    return {key: 1 + sum(1 for t in ordered if t > total) for key, total in totals.items()}
