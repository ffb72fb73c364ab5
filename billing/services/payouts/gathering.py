"""The inputs of payout runs, read set-based for many school-months at once.

A district's monthly job computes every school's run of the month in one pass: each source
below is ONE query for all the runs' schools (filtered by ``school_id IN (…)`` and the
month's date range, grouped per school in the result), so the number of queries does not
grow with the number of schools:

* staff attendance (``attendance.selectors.staff.staff_months``: three queries), the served
  records' sessions (one), patrols and clearings (two), the schools' staff (one), labour
  agreements (one), verified complaints (one, plus one per staff member who has any),
  safety incidents of the semester (one), the semester's approved months (two: gross and
  incident deductions already taken);
* per school only what is pure arithmetic (the caps resolver is cached per stage and class
  of service) and, for the workload-points scheme only, the month's fee pool.

``gather_many`` returns, per run, the same (inputs, staff rows, points pool) a single-run
``gather`` returns; the two cannot drift because ``gather`` is ``gather_many`` of one run.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum

from attendance.models import Clearing, Patrol, StaffAttendance
from attendance.selectors.staff import month_range, staff_months
from billing import payout_math
from billing.models import (
    DeductionKind,
    LabourAgreement,
    PayBasis,
    PayoutDeduction,
    PayoutLine,
    PayoutRun,
    PayoutStatus,
    RateUnit,
    SafetyIncident,
    SchemeKind,
)
from billing.services import subsidies
from feedback.models import Complaint, ComplaintOutcome
from feedback.selectors.complaints import verified_complaints_for
from plans.selectors import current_policy
from scheduling.models import StaffKind, StaffMember


def gather_many(runs: list[PayoutRun], values: dict[int, payout_math.Rules], pool_of) -> dict:
    """{run pk: (inputs, staff rows by id, points pool)} for ``runs`` (all of one month;
    ``values`` the effective rules by run pk; ``pool_of(run, rules)`` the points pool)."""
    if not runs:
        return {}
    months = {r.month for r in runs}
    if len(months) != 1:
        out = {}
        for month in months:
            out.update(gather_many([r for r in runs if r.month == month], values, pool_of))
        return out
    month = runs[0].month
    start, end = month_range(month.year, month.month)
    school_ids = sorted({r.school_id for r in runs})
    semester_ids = sorted({r.semester_id for r in runs})
    figures = staff_months(schools=school_ids, year=month.year, month=month.month)
    details = {
        str(pid): row
        for pid, *row in StaffAttendance.objects.filter(
            school_id__in=school_ids, date__gte=start, date__lte=end
        ).values_list(
            "public_id",
            "date",
            "session__lessons",
            "session__minutes",
            "session__group__kind",
            "session__group__grades",
            "session__version__basic_service_class",
        )
    }
    people = list(
        StaffMember.objects.filter(school_id__in=school_ids).values(
            "pk", "school_id", "user_id", "kind", "full_name"
        )
    )
    staff_rows = {p["pk"]: p for p in people}
    by_user: dict[tuple[int, int], int] = {
        (p["school_id"], p["user_id"]): p["pk"] for p in people if p["user_id"] is not None
    }
    safety: dict[int, dict] = defaultdict(dict)
    for school_id, user_id, day, pid in (
        Patrol.objects.filter(school_id__in=school_ids, date__gte=start, date__lte=end)
        .order_by("date", "at", "pk")
        .values_list("school_id", "recorded_by_id", "date", "public_id")
    ):
        staff_id = by_user.get((school_id, user_id))
        if staff_id is not None:
            safety[staff_id].setdefault(day, str(pid))
    leading: dict[int, dict] = defaultdict(dict)
    for school_id, user_id, day, pid in Clearing.objects.filter(
        school_id__in=school_ids, date__gte=start, date__lte=end
    ).values_list("school_id", "confirmed_by_id", "date", "public_id"):
        staff_id = by_user.get((school_id, user_id))
        if staff_id is not None:
            leading[staff_id][day] = str(pid)
    agreements = {
        row["staff_id"]: row
        for row in LabourAgreement.objects.filter(
            staff_id__in={pk for mine in figures.values() for pk in mine}
            | set(safety)
            | set(leading)
        ).values("staff_id", "rate_unit", "rate_fen")
    }
    complaints = complaints_by_staff(school_ids=school_ids, month=month)
    incidents: dict[tuple[int, int, int], list] = defaultdict(list)
    for school_id, semester_id, staff_id, pct, pid in SafetyIncident.objects.filter(
        school_id__in=school_ids, semester_id__in=semester_ids
    ).values_list("school_id", "semester_id", "staff_id", "percent", "public_id"):
        incidents[(school_id, semester_id, staff_id)].append((pct, str(pid)))
    before = {
        (school, sem, staff): g
        for school, sem, staff, g in PayoutLine.objects.filter(
            run__school_id__in=school_ids,
            run__semester_id__in=semester_ids,
            run__status=PayoutStatus.APPROVED,
            run__month__lt=month,
        )
        .values("run__school_id", "run__semester_id", "staff_id")
        .annotate(g=Sum("gross_fen"))
        .values_list("run__school_id", "run__semester_id", "staff_id", "g")
    }
    deducted = {
        (school, sem, staff): a
        for school, sem, staff, a in PayoutDeduction.objects.filter(
            line__run__school_id__in=school_ids,
            line__run__semester_id__in=semester_ids,
            line__run__status=PayoutStatus.APPROVED,
            line__run__month__lt=month,
            kind=DeductionKind.INCIDENT,
        )
        .values("line__run__school_id", "line__run__semester_id", "line__staff_id")
        .annotate(a=Sum("amount_fen"))
        .values_list("line__run__school_id", "line__run__semester_id", "line__staff_id", "a")
    }
    policies: dict[int, object] = {}
    out = {}
    for run in runs:
        if run.semester_id not in policies:
            policies[run.semester_id] = current_policy(run.semester)
        caps = subsidies.CapsResolver(policies[run.semester_id], run.school)
        rules = values[run.pk]
        months_ = figures.get(run.school_id, {})
        served: dict[int, list] = defaultdict(list)
        for staff_id, m in months_.items():
            for evidence in m.served:
                day, lessons, minutes, kind, grades, basic = details[evidence]
                served[staff_id].append(
                    payout_math.Served(
                        evidence=evidence,
                        day=day,
                        lessons=lessons,
                        minutes=minutes,
                        kind="course" if kind == "course" else "basic",
                        caps=caps.caps(grades, kind, basic),
                    )
                )
        of_school = {pk for pk, p in staff_rows.items() if p["school_id"] == run.school_id}
        staff_ids = set(months_) | (of_school & (set(safety) | set(leading)))
        staff = {}
        for pk in staff_ids:
            row = staff_rows.get(pk)
            if row is None:  # a substitute from another school of the district
                row = StaffMember.objects.filter(pk=pk).values("pk", "kind", "full_name").get()
            staff[pk] = row
        inputs = []
        for staff_id in sorted(staff_ids, key=lambda pk: (staff[pk]["full_name"], pk)):
            row = staff[staff_id]
            m = months_.get(staff_id)
            if row["kind"] == StaffKind.VOLUNTEER:
                basis = PayBasis.UNPAID
            elif row["kind"] == StaffKind.SCHOOL_TEACHER:
                basis = PayBasis.POINTS if rules.scheme == SchemeKind.POINTS else PayBasis.SCHEME
            else:
                basis = PayBasis.AGREEMENT if staff_id in agreements else PayBasis.NO_AGREEMENT
            agreement = agreements.get(staff_id) or {}
            key = (run.school_id, run.semester_id, staff_id)
            found = incidents.get(key)
            inputs.append(
                payout_math.StaffInput(
                    staff_id=staff_id,
                    basis=str(basis),
                    rate_unit=agreement.get("rate_unit", RateUnit.SESSION),
                    rate_fen=agreement.get("rate_fen", 0),
                    served=served.get(staff_id, []),
                    early=list(m.early) if m else [],
                    missed=list(m.missed) if m else [],
                    handovers=list(m.handovers) if m else [],
                    safety_days=sorted(safety.get(staff_id, {}).items()),
                    leader_days=sorted(leading.get(staff_id, {}).items()),
                    complaints=complaints.get((run.school_id, staff_id), []),
                    incident=(max(p for p, _e in found), [e for _p, e in found]) if found else None,
                    semester_gross_before=before.get(key) or 0,
                    incident_deducted_before=deducted.get(key) or 0,
                    unrecorded=list(m.unrecorded) if m else [],
                )
            )
        pool = pool_of(run, rules) if rules.scheme == SchemeKind.POINTS else 0
        out[run.pk] = (inputs, staff, pool)
    return out


def complaints_by_staff(*, school_ids, month) -> dict[tuple[int, int], list]:
    """Verified parent complaints of ``month`` with the school's chosen deduction:
    {(school id, staff id): [(percent, complaint reference)]}, from
    ``feedback.selectors.complaints.verified_complaints_for`` (one query for who has any,
    usually nobody; a complaint verified without a deduction deducts nothing)."""
    wanted = set(
        Complaint.objects.filter(
            school_id__in=list(school_ids),
            outcome=ComplaintOutcome.VERIFIED,
            deduction_month=month,
            staff__isnull=False,
        ).values_list("school_id", "staff_id")
    )
    out: dict[tuple[int, int], list] = {}
    staff_by_pk = StaffMember.objects.in_bulk({staff_id for _s, staff_id in wanted})
    for school_id, staff_id in sorted(wanted):
        rows = [
            (c.deduction_percent, c.reference)
            for c in verified_complaints_for(staff_by_pk[staff_id], month)
            if c.deduction_percent
        ]
        if rows:
            out[(school_id, staff_id)] = rows
    return out
