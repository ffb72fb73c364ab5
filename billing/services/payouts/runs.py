"""Starting a payout run, the job that computes a school-month (set-based), and the calendar's
monthly start and stalled-run sweep (see the package docstring for the design)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.calendar import school_days
from aftercare.errors import Conflict
from aftercare.models import School, User
from attendance.models import Clearing, Patrol, StaffAttendance
from attendance.selectors.staff import month_range, staff_month
from billing import jobs, payout_math
from billing.models import (
    Category,
    DeductionKind,
    JournalLine,
    LabourAgreement,
    LedgerGroup,
    PayBasis,
    PayoutAdjustment,
    PayoutDeduction,
    PayoutLine,
    PayoutRun,
    PayoutStatus,
    RateUnit,
    SafetyIncident,
    SchemeKind,
)
from billing.money import fmt, percent_of, share
from billing.services import subsidies
from billing.services.payouts.common import (
    PayoutRefused,
    _approved_message,
    first_of,
    logger,
    month_label,
    refusals,
    require_manager,
)
from feedback.models import Complaint, ComplaintOutcome
from feedback.selectors.complaints import verified_complaints_for
from plans.selectors import current_policy
from scheduling.models import Session, StaffKind, StaffMember


def start_payout_run(
    *, actor: User | None, school: School, month: date, now: datetime | None = None
) -> PayoutRun:
    """Start (or recompute) the payout run of ``school`` for ``month``; the work is a Celery
    task on the billing queue. ``actor`` None: the monthly beat job. A run in review (or one
    that failed) is replaced: marked superseded, the new one carries its adjustments.
    Audited (``billing.payout_started`` / ``billing.payout_refused``, the refusal committed
    although the call fails).

    Errors: NotAllowed; PayoutRefused (409) naming every reason; Conflict ``payout_active``
    (one is computing), ``payout_approved`` (the month is approved and final)."""
    now = now or timezone.now()
    month = first_of(month)
    if actor is not None:
        require_manager(actor, school)
    reasons, semester, rules, _values, applied = refusals(
        school=school, month=month, today=timezone.localdate(now)
    )
    if reasons:
        record_event(
            actor=actor,
            action="billing.payout_refused",
            obj=school,
            payload={"month": str(month), "reasons": reasons},
        )
        raise PayoutRefused(" ".join(reasons))
    try:
        with transaction.atomic():
            previous = (
                PayoutRun.objects.select_for_update()
                .filter(
                    school=school,
                    month=month,
                    status__in=["queued", "running", "review", "approved", "failed"],
                )
                .first()
            )
            if previous is not None:
                if previous.status == PayoutStatus.APPROVED:
                    raise Conflict(_approved_message(previous), code="payout_approved")
                if previous.active:
                    raise Conflict(
                        _("The payout of %(month)s is being computed; wait for it to finish.")
                        % {"month": month_label(month)},
                        code="payout_active",
                    )
                PayoutRun.objects.filter(pk=previous.pk).update(status=PayoutStatus.SUPERSEDED)
            run = PayoutRun.objects.create(
                district_id=school.district_id,
                school=school,
                semester=semester,
                month=month,
                rules=rules,
                applied=applied,
                replaces=previous,
                started_by=actor,
                created_at=now,
            )
            record_event(
                actor=actor,
                action="billing.payout_started",
                obj=run,
                payload={
                    "month": str(month),
                    "rules_version": rules.version,
                    "replaces": str(previous.public_id) if previous else None,
                },
            )
            jobs.later("billing.run_payout", run.pk)
    except IntegrityError as err:
        raise Conflict(
            _("The payout of %(month)s is being computed; wait for it to finish.")
            % {"month": month_label(month)},
            code="payout_active",
        ) from err
    return run


def process_payout_run(*, run_id: int) -> PayoutRun:
    """Compute the run (the task's body). Safe to call again: a run no longer queued or
    running returns at once; a failure marks the run failed with the error (it can be
    recomputed) and is logged."""
    try:
        with transaction.atomic():
            run = (
                PayoutRun.objects.select_for_update(of=("self",))
                .select_related("school", "semester", "rules")
                .get(pk=run_id)
            )
            if not run.active:
                return run
            run.status = PayoutStatus.RUNNING
            run.heartbeat_at = timezone.now()
            compute_and_write(run)
            run.status = PayoutStatus.REVIEW
            run.computed_at = timezone.now()
            run.save(
                update_fields=[
                    "status",
                    "heartbeat_at",
                    "computed_at",
                    "staff_count",
                    "gross_fen",
                    "deduction_fen",
                    "adjustment_fen",
                    "total_fen",
                ]
            )
            record_event(
                actor=None,
                action="billing.payout_computed",
                obj=run,
                payload={"staff": run.staff_count, "total": fmt(run.total_fen)},
            )
            return run
    except Exception as err:  # the run shows what went wrong; the principal recomputes
        logger.exception("payout run %s failed", run_id)
        PayoutRun.objects.filter(pk=run_id, status__in=["queued", "running"]).update(
            status=PayoutStatus.FAILED, error=str(err)[:2000]
        )
        raise


def gather(run: PayoutRun, values: payout_math.Rules) -> tuple[list, dict, int]:
    """The inputs of every staff member of the school-month, in a fixed number of grouped
    queries: (inputs, staff rows by id, the points pool)."""
    school, month = run.school, run.month
    start, end = month_range(month.year, month.month)
    months = staff_month(school=school.pk, year=month.year, month=month.month)
    # The served records' sessions, by the month's range (an index scan), not by a list of
    # thousands of ids; records staff_month did not count as served are simply not looked up.
    details = {
        str(pid): row
        for pid, *row in StaffAttendance.objects.filter(
            school_id=school.pk, date__gte=start, date__lte=end
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
    caps = subsidies.CapsResolver(current_policy(run.semester), school)
    served: dict[int, list] = defaultdict(list)
    for staff_id, m in months.items():
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
    by_user = dict(
        StaffMember.objects.filter(school=school, user__isnull=False).values_list("user_id", "pk")
    )
    safety: dict[int, dict] = defaultdict(dict)
    for user_id, day, pid in (
        Patrol.objects.filter(school=school, date__gte=start, date__lte=end)
        .order_by("date", "at", "pk")
        .values_list("recorded_by_id", "date", "public_id")
    ):
        if user_id in by_user:
            safety[by_user[user_id]].setdefault(day, str(pid))
    leading: dict[int, dict] = defaultdict(dict)
    for user_id, day, pid in Clearing.objects.filter(
        school=school, date__gte=start, date__lte=end
    ).values_list("confirmed_by_id", "date", "public_id"):
        if user_id in by_user:
            leading[by_user[user_id]][day] = str(pid)
    staff_ids = set(months) | set(safety) | set(leading)
    staff = {
        row["pk"]: row
        for row in StaffMember.objects.filter(pk__in=staff_ids).values("pk", "kind", "full_name")
    }
    agreements = {
        row["staff_id"]: row
        for row in LabourAgreement.objects.filter(staff_id__in=staff_ids).values(
            "staff_id", "rate_unit", "rate_fen"
        )
    }
    complaints = complaint_evidence(school_id=school.pk, month=month, staff_ids=staff_ids)
    incidents: dict[int, list] = defaultdict(list)
    for staff_id, pct, pid in SafetyIncident.objects.filter(
        school=school, semester=run.semester, staff_id__in=staff_ids
    ).values_list("staff_id", "percent", "public_id"):
        incidents[staff_id].append((pct, str(pid)))
    approved = Q(
        run__school=school,
        run__semester=run.semester,
        run__status=PayoutStatus.APPROVED,
        run__month__lt=month,
    )
    before = dict(
        PayoutLine.objects.filter(approved, staff_id__in=staff_ids)
        .values("staff_id")
        .annotate(g=Sum("gross_fen"))
        .values_list("staff_id", "g")
    )
    deducted = dict(
        PayoutDeduction.objects.filter(
            line__run__school=school,
            line__run__semester=run.semester,
            line__run__status=PayoutStatus.APPROVED,
            line__run__month__lt=month,
            kind=DeductionKind.INCIDENT,
            line__staff_id__in=staff_ids,
        )
        .values("line__staff_id")
        .annotate(a=Sum("amount_fen"))
        .values_list("line__staff_id", "a")
    )
    inputs = []
    for staff_id in sorted(staff_ids, key=lambda pk: (staff[pk]["full_name"], pk)):
        row = staff[staff_id]
        m = months.get(staff_id)
        if row["kind"] == StaffKind.VOLUNTEER:
            basis = PayBasis.UNPAID
        elif row["kind"] == StaffKind.SCHOOL_TEACHER:
            basis = PayBasis.POINTS if values.scheme == SchemeKind.POINTS else PayBasis.SCHEME
        else:
            basis = PayBasis.AGREEMENT if staff_id in agreements else PayBasis.NO_AGREEMENT
        agreement = agreements.get(staff_id) or {}
        found = incidents.get(staff_id)
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
                complaints=complaints.get(staff_id, []),
                incident=(max(p for p, _e in found), [e for _p, e in found]) if found else None,
                semester_gross_before=before.get(staff_id) or 0,
                incident_deducted_before=deducted.get(staff_id) or 0,
                unrecorded=list(m.unrecorded) if m else [],
            )
        )
    pool = points_pool(run, values) if values.scheme == SchemeKind.POINTS else 0
    return inputs, staff, pool


def complaint_evidence(*, school_id: int, month: date, staff_ids) -> dict[int, list]:
    """Verified parent complaints about the staff in ``month`` with the school's chosen
    deduction: {staff id: [(percent, complaint reference)]}. The evidence of each staff member
    is ``feedback.selectors.complaints.verified_complaints_for`` (one query for the staff
    members who have any, usually none; a complaint verified without a deduction deducts
    nothing)."""
    wanted = set(
        Complaint.objects.filter(
            school_id=school_id,
            staff_id__in=list(staff_ids),
            outcome=ComplaintOutcome.VERIFIED,
            deduction_month=month,
        ).values_list("staff_id", flat=True)
    )
    out: dict[int, list] = {}
    for staff in StaffMember.objects.filter(pk__in=wanted):
        rows = [
            (c.deduction_percent, c.reference)
            for c in verified_complaints_for(staff, month)
            if c.deduction_percent
        ]
        if rows:
            out[staff.pk] = rows
    return out


def points_pool(run: PayoutRun, values: payout_math.Rules) -> int:
    """The month's share of the semester's net fee income (fees − exemptions − refunds, from
    the ledger) by school days, × the teachers' share of the points scheme."""
    totals = dict(
        JournalLine.objects.filter(
            school_id=run.school_id,
            journal__semester_id=run.semester_id,
            category__in=[Category.FEE_INCOME, Category.EXEMPTIONS, Category.REFUNDS],
        )
        .values("category")
        .annotate(t=Sum("amount_fen"))
        .values_list("category", "t")
    )
    net = -(totals.get(Category.FEE_INCOME) or 0) - (totals.get(Category.EXEMPTIONS) or 0)
    net -= totals.get(Category.REFUNDS) or 0
    days = school_days(run.semester, run.school)
    in_month = sum(
        1 for d in days if (d.date.year, d.date.month) == (run.month.year, run.month.month)
    )
    teacher_pool_percent = run.rules.teacher_pool_percent
    return max(0, percent_of(share(net, in_month, len(days)), teacher_pool_percent))


def compute_and_write(run: PayoutRun) -> list:
    """Compute the school-month and write its lines and deductions (two statements)."""
    values = payout_math.Rules(**run.applied["values"])
    inputs, staff, pool = gather(run, values)
    results = payout_math.compute_month(inputs, values, points_pool_fen=pool)
    carried = _carried_adjustments(run, results)
    write_lines(run, results, staff, carried)
    run.staff_count = len(results)
    run.gross_fen = sum(r.gross_fen for r in results)
    run.deduction_fen = sum(r.deduction_fen for r in results)
    run.adjustment_fen = sum(a["amount_fen"] for rows in carried.values() for a in rows)
    run.total_fen = run.gross_fen - run.deduction_fen + run.adjustment_fen
    return results


def _carried_adjustments(run: PayoutRun, results) -> dict[int, list]:
    """The replaced run's adjustments that still fit the recomputed lines, by staff id."""
    if run.replaces_id is None:
        return {}
    by_staff = {r.staff_id: r for r in results}
    out: dict[int, list] = defaultdict(list)
    for a in (
        PayoutAdjustment.objects.filter(line__run_id=run.replaces_id)
        .order_by("created_at", "pk")
        .values("line__staff_id", "amount_fen", "units", "reason", "created_by_id", "created_at")
    ):
        line = by_staff.get(a["line__staff_id"])
        if line is None:
            continue
        total = line.total_fen + sum(x["amount_fen"] for x in out[line.staff_id])
        paid = _paid_units(line) + sum(x["units"] for x in out[line.staff_id])
        if total + a["amount_fen"] < 0 or not 0 <= paid + a["units"] <= _served_units(line):
            continue  # no longer fits: the audit event of the new run lists what stays
        out[line.staff_id].append(a)
    return out


def _paid_units(line) -> int:
    return line.sessions_paid if line.rate_unit == RateUnit.SESSION else line.lessons_paid


def _served_units(line) -> int:
    return line.sessions_served if line.rate_unit == RateUnit.SESSION else line.lessons_served


def write_lines(run: PayoutRun, results, staff: dict, carried: dict) -> None:
    if not results:
        return
    cols: dict[str, list] = defaultdict(list)
    for r in results:
        row = staff[r.staff_id]
        adj = carried.get(r.staff_id, [])
        adj_fen = sum(a["amount_fen"] for a in adj)
        adj_units = sum(a["units"] for a in adj)
        group = (
            LedgerGroup.TEACHER if row["kind"] == StaffKind.SCHOOL_TEACHER else LedgerGroup.EXTERNAL
        )
        cols["staff"].append(r.staff_id)
        cols["name"].append(row["full_name"][:64])
        cols["kind"].append(row["kind"])
        cols["basis"].append(r.basis)
        cols["grp"].append(str(group))
        cols["unit"].append(str(r.rate_unit))
        cols["rate"].append(r.rate_fen)
        cols["s_served"].append(r.sessions_served)
        cols["l_served"].append(r.lessons_served)
        unit_session = r.rate_unit == RateUnit.SESSION
        cols["s_paid"].append(r.sessions_paid + (adj_units if unit_session else 0))
        cols["l_paid"].append(r.lessons_paid + (0 if unit_session else adj_units))
        cols["teaching"].append(r.teaching_fen)
        cols["safety_days"].append(r.safety_days)
        cols["safety"].append(r.safety_fen)
        cols["leader_days"].append(r.leader_days)
        cols["leader"].append(r.leader_fen)
        cols["admin_units"].append(r.admin_units)
        cols["admin"].append(r.admin_fen)
        cols["points"].append(r.points)
        cols["capped"].append(r.capped_fen)
        cols["gross"].append(r.gross_fen)
        cols["deduction"].append(r.deduction_fen)
        cols["adjustment"].append(adj_fen)
        cols["total"].append(r.total_fen + adj_fen)
        cols["evidence"].append(json.dumps(r.evidence, ensure_ascii=False))
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO billing_payoutline
                (public_id, district_id, school_id, run_id, staff_id, staff_name, staff_kind,
                 basis, ledger_group, rate_unit, rate_fen, sessions_served, lessons_served,
                 sessions_paid, lessons_paid, teaching_fen, safety_days, safety_fen,
                 leader_days, leader_fen, admin_units, admin_fen, points, capped_fen,
                 gross_fen, deduction_fen, adjustment_fen, total_fen, evidence)
            SELECT gen_random_uuid(), %(district)s, %(school)s, %(run)s, v.*
              FROM unnest(%(staff)s::bigint[], %(name)s::text[], %(kind)s::text[],
                          %(basis)s::text[], %(grp)s::text[], %(unit)s::text[],
                          %(rate)s::bigint[], %(s_served)s::int[], %(l_served)s::int[],
                          %(s_paid)s::int[], %(l_paid)s::int[], %(teaching)s::bigint[],
                          %(safety_days)s::int[], %(safety)s::bigint[], %(leader_days)s::int[],
                          %(leader)s::bigint[], %(admin_units)s::int[], %(admin)s::bigint[],
                          %(points)s::int[], %(capped)s::bigint[], %(gross)s::bigint[],
                          %(deduction)s::bigint[], %(adjustment)s::bigint[],
                          %(total)s::bigint[], %(evidence)s::jsonb[]) AS v
            RETURNING id, staff_id
            """,
            {"district": run.district_id, "school": run.school_id, "run": run.pk, **cols},
        )
        line_ids = {staff_id: pk for pk, staff_id in cur.fetchall()}
        d: dict[str, list] = defaultdict(list)
        for r in results:
            for x in r.deductions:
                d["line"].append(line_ids[r.staff_id])
                d["kind"].append(x.kind)
                d["count"].append(x.count)
                d["percent"].append(x.percent)
                d["base"].append(x.base)
                d["amount"].append(x.amount_fen)
                d["evidence"].append(json.dumps(x.evidence))
        if d:
            cur.execute(
                """
                INSERT INTO billing_payoutdeduction
                    (district_id, school_id, line_id, kind, count, percent, base, amount_fen,
                     evidence)
                SELECT %(district)s, %(school)s, v.*
                  FROM unnest(%(line)s::bigint[], %(kind)s::text[], %(count)s::int[],
                              %(percent)s::int[], %(base)s::text[], %(amount)s::bigint[],
                              %(evidence)s::jsonb[]) AS v
                """,
                {"district": run.district_id, "school": run.school_id, **d},
            )
    adjustments = [
        PayoutAdjustment(
            district_id=run.district_id,
            school_id=run.school_id,
            line_id=line_ids[staff_id],
            amount_fen=a["amount_fen"],
            units=a["units"],
            reason=a["reason"],
            created_by_id=a["created_by_id"],
            created_at=a["created_at"],
        )
        for staff_id, rows in carried.items()
        for a in rows
    ]
    if adjustments:
        PayoutAdjustment.objects.bulk_create(adjustments)


def start_monthly_runs(*, today: date | None = None) -> list[int]:
    """Beat (daily): for last month, a run for every school that had sessions in it and has
    no run yet (schools refused — no rules, a bound broken — are skipped and audited)."""
    today = today or timezone.localdate()
    month = first_of(first_of(today) - timedelta(days=1))
    start, end = month_range(month.year, month.month)
    with_sessions = set(
        Session.objects.filter(date__gte=start, date__lte=end)
        .values_list("school_id", flat=True)
        .distinct()
    )
    done = set(
        PayoutRun.objects.filter(month=month)
        .exclude(status=PayoutStatus.SUPERSEDED)
        .values_list("school_id", flat=True)
    )
    started = []
    for school in School.objects.filter(pk__in=with_sessions - done).order_by("pk"):
        try:
            started.append(start_payout_run(actor=None, school=school, month=month).pk)
        except Conflict:
            continue
    return started


def resume_stalled_payouts(*, now: datetime | None = None, stale_after=timedelta(minutes=5)):
    """Runs whose worker stopped (queued or computing for ``stale_after``): their ids."""
    now = now or timezone.now()
    limit = now - stale_after
    return list(
        PayoutRun.objects.filter(status__in=[PayoutStatus.QUEUED, PayoutStatus.RUNNING])
        .filter(Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit))
        .values_list("pk", flat=True)
    )
