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
from attendance.selectors.staff import month_range
from billing import jobs, payout_math
from billing.models import (
    Category,
    JournalLine,
    LedgerGroup,
    PayoutAdjustment,
    PayoutRun,
    PayoutStatus,
    RateUnit,
)
from billing.money import fmt, percent_of, share
from billing.services.payouts.common import (
    PayoutRefused,
    _approved_message,
    first_of,
    logger,
    month_label,
    refusals,
    require_manager,
)
from billing.services.payouts.gathering import complaints_by_staff, gather_many
from scheduling.models import Session, StaffKind


def start_payout_run(
    *,
    actor: User | None,
    school: School,
    month: date,
    now: datetime | None = None,
    dispatch: bool = True,
) -> PayoutRun:
    """Start (or recompute) the payout run of ``school`` for ``month``; the work is a Celery
    task on the billing queue. ``actor`` None: the monthly beat job. A run in review (or one
    that failed) is replaced: marked superseded, the new one carries its adjustments.
    Audited (``billing.payout_started`` / ``billing.payout_refused``, the refusal committed
    although the call fails).

    ``dispatch`` False: the caller sends the run to a batch task (the monthly job).

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
            if dispatch:
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


def process_payout_runs(*, run_ids) -> list[PayoutRun]:
    """Compute many runs together (a district's month: the monthly job's task body): the
    runs locked in pk order, the district's month read once (``gathering``), every line and
    deduction written with one INSERT each, the runs' totals with one UPDATE. Runs no
    longer queued or running are left alone. If the batch fails as a whole, it is rolled
    back and each run is computed on its own (``process_payout_run``), so one school's
    failure marks that run failed and the others still compute."""
    try:
        with transaction.atomic():
            runs = list(
                PayoutRun.objects.select_for_update(of=("self",))
                .select_related("school", "semester", "rules", "district")
                .filter(pk__in=list(run_ids))
                .order_by("pk")
            )
            live = [run for run in runs if run.active]
            if not live:
                return runs
            now = timezone.now()
            compute_and_write_many(live)
            with connection.cursor() as cur:
                cur.execute(
                    """
                    UPDATE billing_payoutrun r
                       SET status = %(status)s, heartbeat_at = %(now)s, computed_at = %(now)s,
                           staff_count = v.staff_count, gross_fen = v.gross,
                           deduction_fen = v.deduction, adjustment_fen = v.adjustment,
                           total_fen = v.total
                      FROM unnest(%(ids)s::bigint[], %(staff)s::int[], %(gross)s::bigint[],
                                  %(deduction)s::bigint[], %(adjustment)s::bigint[],
                                  %(total)s::bigint[])
                           AS v(id, staff_count, gross, deduction, adjustment, total)
                     WHERE r.id = v.id
                    """,
                    {
                        "status": PayoutStatus.REVIEW.value,
                        "now": now,
                        "ids": [r.pk for r in live],
                        "staff": [r.staff_count for r in live],
                        "gross": [r.gross_fen for r in live],
                        "deduction": [r.deduction_fen for r in live],
                        "adjustment": [r.adjustment_fen for r in live],
                        "total": [r.total_fen for r in live],
                    },
                )
            for run in live:
                run.status, run.heartbeat_at, run.computed_at = PayoutStatus.REVIEW, now, now
                record_event(
                    actor=None,
                    action="billing.payout_computed",
                    obj=run,
                    payload={"staff": run.staff_count, "total": fmt(run.total_fen)},
                )
            return runs
    except Exception:
        logger.exception("payout batch %s failed; computing its runs one by one", list(run_ids))
    out = []
    for pk in run_ids:
        try:
            out.append(process_payout_run(run_id=pk))
        except Exception:  # marked failed with the error by process_payout_run
            logger.warning("payout run %s failed on its own too", pk)
    return out


def gather(run: PayoutRun, values: payout_math.Rules) -> tuple[list, dict, int]:
    """The inputs of every staff member of the school-month, in a fixed number of grouped
    queries: (inputs, staff rows by id, the points pool) — ``gather_many`` of one run."""
    return gather_many([run], {run.pk: values}, points_pool)[run.pk]


def complaint_evidence(*, school_id: int, month: date, staff_ids) -> dict[int, list]:
    """Verified parent complaints about the staff in ``month`` with the school's chosen
    deduction: {staff id: [(percent, complaint reference)]}."""
    wanted = set(staff_ids)
    return {
        staff_id: rows
        for (_school, staff_id), rows in complaints_by_staff(
            school_ids=[school_id], month=month
        ).items()
        if staff_id in wanted
    }


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
    return compute_and_write_many([run])[run.pk]


def compute_and_write_many(runs: list[PayoutRun]) -> dict[int, list]:
    """Compute the school-months of ``runs`` (read together, ``gathering``) and write all
    their lines and deductions: two INSERTs whatever the number of runs. Sets each run's
    totals (the caller saves them)."""
    values = {run.pk: payout_math.Rules(**run.applied["values"]) for run in runs}
    gathered = gather_many(runs, values, points_pool)
    carried_all = _carried_many(runs)
    out, batch = {}, []
    for run in runs:
        inputs, staff, pool = gathered[run.pk]
        results = payout_math.compute_month(inputs, values[run.pk], points_pool_fen=pool)
        carried = _fitting(carried_all.get(run.pk, []), results)
        batch.append((run, results, staff, carried))
        run.staff_count = len(results)
        run.gross_fen = sum(r.gross_fen for r in results)
        run.deduction_fen = sum(r.deduction_fen for r in results)
        run.adjustment_fen = sum(a["amount_fen"] for rows in carried.values() for a in rows)
        run.total_fen = run.gross_fen - run.deduction_fen + run.adjustment_fen
        out[run.pk] = results
    write_many(batch)
    return out


def _carried_many(runs) -> dict[int, list]:
    """The replaced runs' adjustments, oldest first, by the replacing run's pk (one query)."""
    replacing = {run.replaces_id: run.pk for run in runs if run.replaces_id is not None}
    if not replacing:
        return {}
    out: dict[int, list] = defaultdict(list)
    for a in (
        PayoutAdjustment.objects.filter(line__run_id__in=list(replacing))
        .order_by("created_at", "pk")
        .values(
            "line__run_id",
            "line__staff_id",
            "amount_fen",
            "units",
            "reason",
            "created_by_id",
            "created_at",
        )
    ):
        out[replacing[a.pop("line__run_id")]].append(a)
    return out


def _fitting(adjustments: list, results) -> dict[int, list]:
    """The replaced run's adjustments that still fit the recomputed lines, by staff id."""
    by_staff = {r.staff_id: r for r in results}
    out: dict[int, list] = defaultdict(list)
    for a in adjustments:
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
    write_many([(run, results, staff, carried)])


def write_many(batch) -> None:
    """Every line and deduction of ``batch`` — [(run, results, staff rows, carried
    adjustments)] — with one INSERT each (columns as arrays, ``unnest``)."""
    cols: dict[str, list] = defaultdict(list)
    for run, results, staff, carried in batch:
        for r in results:
            row = staff[r.staff_id]
            adj = carried.get(r.staff_id, [])
            adj_fen = sum(a["amount_fen"] for a in adj)
            adj_units = sum(a["units"] for a in adj)
            group = (
                LedgerGroup.TEACHER
                if row["kind"] == StaffKind.SCHOOL_TEACHER
                else LedgerGroup.EXTERNAL
            )
            cols["district"].append(run.district_id)
            cols["school"].append(run.school_id)
            cols["run"].append(run.pk)
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
    if not cols:
        return
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO billing_payoutline
                (public_id, district_id, school_id, run_id, staff_id, staff_name, staff_kind,
                 basis, ledger_group, rate_unit, rate_fen, sessions_served, lessons_served,
                 sessions_paid, lessons_paid, teaching_fen, safety_days, safety_fen,
                 leader_days, leader_fen, admin_units, admin_fen, points, capped_fen,
                 gross_fen, deduction_fen, adjustment_fen, total_fen, evidence)
            SELECT gen_random_uuid(), v.*
              FROM unnest(%(district)s::bigint[], %(school)s::bigint[], %(run)s::bigint[],
                          %(staff)s::bigint[], %(name)s::text[], %(kind)s::text[],
                          %(basis)s::text[], %(grp)s::text[], %(unit)s::text[],
                          %(rate)s::bigint[], %(s_served)s::int[], %(l_served)s::int[],
                          %(s_paid)s::int[], %(l_paid)s::int[], %(teaching)s::bigint[],
                          %(safety_days)s::int[], %(safety)s::bigint[], %(leader_days)s::int[],
                          %(leader)s::bigint[], %(admin_units)s::int[], %(admin)s::bigint[],
                          %(points)s::int[], %(capped)s::bigint[], %(gross)s::bigint[],
                          %(deduction)s::bigint[], %(adjustment)s::bigint[],
                          %(total)s::bigint[], %(evidence)s::jsonb[]) AS v
            RETURNING id, run_id, staff_id
            """,
            cols,
        )
        line_ids = {(run_id, staff_id): pk for pk, run_id, staff_id in cur.fetchall()}
        d: dict[str, list] = defaultdict(list)
        for run, results, _staff, _carried in batch:
            for r in results:
                for x in r.deductions:
                    d["district"].append(run.district_id)
                    d["school"].append(run.school_id)
                    d["line"].append(line_ids[(run.pk, r.staff_id)])
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
                SELECT v.*
                  FROM unnest(%(district)s::bigint[], %(school)s::bigint[], %(line)s::bigint[],
                              %(kind)s::text[], %(count)s::int[], %(percent)s::int[],
                              %(base)s::text[], %(amount)s::bigint[], %(evidence)s::jsonb[]) AS v
                """,
                d,
            )
    adjustments = [
        PayoutAdjustment(
            district_id=run.district_id,
            school_id=run.school_id,
            line_id=line_ids[(run.pk, staff_id)],
            amount_fen=a["amount_fen"],
            units=a["units"],
            reason=a["reason"],
            created_by_id=a["created_by_id"],
            created_at=a["created_at"],
        )
        for run, _results, _staff, carried in batch
        for staff_id, rows in carried.items()
        for a in rows
    ]
    if adjustments:
        PayoutAdjustment.objects.bulk_create(adjustments)


def start_monthly_runs(*, today: date | None = None, now: datetime | None = None) -> list[int]:
    """Beat (daily): for last month, a run for every school that had sessions in it and has
    no run yet (schools refused — no rules, a bound broken — are skipped and audited). Each
    district's new runs go to ONE task (``billing.run_payouts``) that computes them
    together (``process_payout_runs``)."""
    today = today or timezone.localdate(now)
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
    started: dict[int, list[int]] = defaultdict(list)
    for school in School.objects.filter(pk__in=with_sessions - done).order_by("pk"):
        try:
            run = start_payout_run(actor=None, school=school, month=month, now=now, dispatch=False)
        except Conflict:
            continue
        started[school.district_id].append(run.pk)
    for run_ids in started.values():
        jobs.later("billing.run_payouts", run_ids)
    return [pk for run_ids in started.values() for pk in run_ids]


def resume_stalled_payouts(*, now: datetime | None = None, stale_after=timedelta(minutes=5)):
    """Runs whose worker stopped (queued or computing for ``stale_after``): their ids."""
    now = now or timezone.now()
    limit = now - stale_after
    return list(
        PayoutRun.objects.filter(status__in=[PayoutStatus.QUEUED, PayoutStatus.RUNNING])
        .filter(Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit))
        .values_list("pk", flat=True)
    )
