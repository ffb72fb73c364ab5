#!/usr/bin/env python
"""Teacher subsidy payouts and the term-end disclosure, timed.

    make bench-payouts            # or: python bench/payouts.py [--schools 30] [--teachers 80]

On a database of its own (``<DATABASE_URL's db>_payoutbench``, dropped and recreated): a
district of ``--schools`` schools with ``--teachers`` teachers each; every teacher leads one
basic-care group with a session on every weekday of last month and a staff attendance record
for it (one in 53 left early, one in 211 missed, one in 97 never recorded), a break-time
patrol on some days and the duty leader's clearing on each school day; the seed-004 rule set.

1. The payout run of the month for the whole district. Ours: ``process_payout_runs`` over
   every school's run (the monthly Celery job's body: the district's month read in a fixed
   number of district-wide queries — ``school_id IN (…)``, grouped per school in the result —
   computed in memory school by school, every line and deduction of the district written
   with one INSERT each); ``--repeat`` times (the runs are superseded in between), median
   with min and max, and the rate in teachers per second. Baseline, in the same run: a
   per-teacher loop — each teacher's attendance, handovers, patrols and clearings queried
   on their own, their line and each deduction saved with the ORM — over
   ``--baseline-schools`` schools, as a rate.
2. Approving every school's run (the ledger's payout journals), once.
3. The term-end disclosure: drafted from the ledger per school, and its PDF rendered
   (WeasyPrint, Chinese font) for ``--pdf-schools`` schools: seconds per school.

Targets (issue 11): the run ≤ 10 s for 30 × 80, ≥ 10× the per-teacher loop; a disclosure PDF
≤ 1 s per school.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rush import bench_database_url, recreate_database  # noqa: E402


def payout_url() -> str:
    return bench_database_url().removesuffix("_bench") + "_payoutbench"


def setup(url: str, private: str) -> None:
    os.environ.update(
        BENCH_DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        BILLING_PRIVATE_ROOT=private,
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # No broker round trips from the timed code: statements are rendered by tasks later.
    from billing import jobs

    jobs.send_now = lambda name, *args: None


def span(values, digits=2) -> str:
    return (
        f"median {statistics.median(values):.{digits}f} "
        f"(min {min(values):.{digits}f}, max {max(values):.{digits}f})"
    )


# --------------------------------------------------------------------------- data


def build(n_schools: int, n_teachers: int, month: date):
    """The district, set-based (module doc). Returns (district, semester, schools, official)."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from aftercare.models import District, Membership, Role, School, Semester, User
    from billing.services import subsidies
    from plans.models import DistrictPolicy, PlanStatus, PlanVersion, SchoolPlan
    from plans.presets import preset_fields
    from scheduling.models import (
        Assignment,
        CareGroup,
        DutyRole,
        Grouping,
        GroupingStatus,
        GroupKind,
        StaffKind,
        StaffMember,
    )

    password = make_password("bench")
    now = timezone.now()
    with transaction.atomic():
        district = District.objects.create(code="paybench", name="基准区教育局")
        official = User.objects.create(
            username="bench-official", password=password, full_name="区教育局"
        )
        Membership.objects.create(user=official, district=district, role=Role.DISTRICT_OFFICIAL)
        semester = Semester.objects.create(
            district=district,
            name="基准学期",
            start_date=month - timedelta(days=20),
            end_date=month + timedelta(days=120),
        )
        values, _seasons = preset_fields("one_plus_x")
        DistrictPolicy.objects.create(district=district, semester=semester, version=1, **values)
        schools = School.objects.bulk_create(
            School(district=district, code=f"p{n:02d}", name=f"基准第{n}小学")
            for n in range(1, n_schools + 1)
        )
        principals = User.objects.bulk_create(
            User(username=f"bench-p{s.pk}", password=password, full_name=f"校长{s.pk}")
            for s in schools
        )
        Membership.objects.bulk_create(
            Membership(user=u, district=district, school=s, role=Role.PRINCIPAL)
            for s, u in zip(schools, principals, strict=True)
        )
        teachers = User.objects.bulk_create(
            User(username=f"bench-t{s.pk}-{t}", password=password, full_name=f"教师{s.pk}-{t}")
            for s in schools
            for t in range(n_teachers)
        )
        staff = StaffMember.objects.bulk_create(
            StaffMember(
                district=district,
                school=schools[i // n_teachers],
                kind=StaffKind.SCHOOL_TEACHER,
                full_name=u.full_name,
                user=u,
            )
            for i, u in enumerate(teachers)
        )
        published = timezone.make_aware(
            timezone.datetime.combine(
                semester.start_date - timedelta(days=10), timezone.datetime.min.time()
            )
        )
        for index, school in enumerate(schools):
            plan = SchoolPlan.objects.create(district=district, school=school, semester=semester)
            version = PlanVersion.objects.create(
                district=district,
                school=school,
                plan=plan,
                number=1,
                status=PlanStatus.DRAFT,
                prohibitions_confirmed=True,
            )
            PlanVersion.objects.filter(pk=version.pk).update(
                status=PlanStatus.PUBLISHED,
                decided_at=published - timedelta(days=1),
                decided_by=official,
                published_at=published,
            )
            grouping = Grouping.objects.create(
                district=district,
                school=school,
                plan=plan,
                status=GroupingStatus.CONFIRMED,
                proposed_at=published,
                proposed_by=official,
                confirmed_at=published,
                confirmed_by=official,
            )
            groups = CareGroup.objects.bulk_create(
                CareGroup(
                    district=district,
                    school=school,
                    plan=plan,
                    grouping=grouping,
                    kind=GroupKind.BASIC,
                    name=f"托管{g + 1}组",
                    position=g,
                    grades=[1, 2, 3, 4, 5, 6],
                )
                for g in range(n_teachers)
            )
            mine = staff[index * n_teachers : (index + 1) * n_teachers]
            Assignment.objects.bulk_create(
                Assignment(
                    district=district,
                    school=school,
                    plan=plan,
                    weekday=w,
                    role=DutyRole.TEACHER,
                    staff=mine[g.position],
                    group=g,
                    created_by=official,
                )
                for g in groups
                for w in range(5)
            )
        params = {
            "district": district.pk,
            "start": month,
            "end": (month + timedelta(days=32)).replace(day=1) - timedelta(days=1),
            "now": now,
        }
        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO scheduling_session (public_id, district_id, school_id, plan_id,
                    version_id, group_id, date, weekday, start_time, end_time, minutes, lessons,
                    status, cancel_reason)
                SELECT gen_random_uuid(), %(district)s, g.school_id, g.plan_id, v.id, g.id,
                       d::date, extract(isodow FROM d)::int - 1, '15:30', '17:00', 90, 2,
                       'scheduled', ''
                FROM scheduling_caregroup g
                JOIN aftercare_planversion v ON v.plan_id = g.plan_id
                CROSS JOIN generate_series(%(start)s::date, %(end)s::date, interval '1 day') d
                WHERE g.district_id = %(district)s AND extract(isodow FROM d) < 6
                """,
                params,
            )
            cur.execute(
                """
                INSERT INTO attendance_staffattendance (public_id, district_id, school_id,
                    session_id, staff_id, date, status, checked_in_at, checked_out_at,
                    minutes_late, minutes_early, note, source, recorded_by_id, recorded_at)
                SELECT gen_random_uuid(), s.district_id, s.school_id, s.id, a.staff_id, s.date,
                       CASE WHEN s.id %% 211 = 0 THEN 'missed' ELSE 'present' END,
                       CASE WHEN s.id %% 211 = 0 THEN NULL ELSE s.date + time '15:28' END,
                       CASE WHEN s.id %% 211 = 0 THEN NULL ELSE s.date + time '16:55' END,
                       0,
                       CASE WHEN s.id %% 211 <> 0 AND s.id %% 53 = 0 THEN 15 ELSE 0 END,
                       '', 'check_in', t.user_id, %(now)s
                FROM scheduling_session s
                JOIN scheduling_assignment a ON a.group_id = s.group_id AND a.weekday = s.weekday
                 AND a.role = 'teacher'
                JOIN scheduling_staffmember t ON t.id = a.staff_id
                WHERE s.district_id = %(district)s AND s.id %% 97 <> 0
                """,
                params,
            )
            # The duty leader (the school's first teacher) clears the school each day; some
            # teachers patrol at break time.
            cur.execute(
                """
                INSERT INTO attendance_clearing (public_id, district_id, school_id, date,
                    confirmed_by_id, confirmed_at, note)
                SELECT gen_random_uuid(), %(district)s, x.school_id, x.date, m.user_id,
                       x.date + time '17:45', ''
                FROM (SELECT DISTINCT school_id, date FROM scheduling_session
                      WHERE district_id = %(district)s) x
                JOIN LATERAL (SELECT user_id FROM scheduling_staffmember
                              WHERE school_id = x.school_id ORDER BY id LIMIT 1) m ON TRUE
                """,
                params,
            )
            cur.execute(
                """
                INSERT INTO attendance_patrol (public_id, district_id, school_id, date, at,
                    place, note, issue, recorded_by_id)
                SELECT gen_random_uuid(), %(district)s, s.school_id, s.date,
                       s.date + time '16:10', '', '课间巡查', FALSE, t.user_id
                FROM scheduling_session s
                JOIN scheduling_assignment a ON a.group_id = s.group_id AND a.weekday = s.weekday
                JOIN scheduling_staffmember t ON t.id = a.staff_id
                WHERE s.district_id = %(district)s AND s.id %% 7 = 0
                """,
                params,
            )
        subsidies.save_rules(actor=official, semester=semester, preset="per_session")
    return district, semester, schools


# --------------------------------------------------------------------------- ours


def create_runs(schools, month, today):
    from billing.models import PayoutRun
    from billing.services import payouts

    runs = []
    for school in schools:
        reasons, semester, rules, _values, applied = payouts.refusals(
            school=school, month=month, today=today
        )
        assert not reasons, reasons
        runs.append(
            PayoutRun.objects.create(
                district_id=school.district_id,
                school=school,
                semester=semester,
                month=month,
                rules=rules,
                applied=applied,
            ).pk
        )
    return runs


def ours(run_ids) -> float:
    from billing.services import payouts

    t0 = time.perf_counter()
    payouts.process_payout_runs(run_ids=run_ids)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- the baseline


def per_teacher_loop(school, month, semester, values) -> tuple[float, int]:
    """Each teacher on their own: their records queried one by one, their line and each
    deduction saved with the ORM (what a straightforward per-teacher loop does)."""
    from django.db import transaction

    from attendance.models import Clearing, Handover, Patrol, StaffAttendance, StaffStatus
    from attendance.selectors.staff import month_range
    from billing import payout_math
    from billing.models import PayoutDeduction, PayoutLine, PayoutRun
    from billing.services import subsidies
    from plans.selectors import current_policy
    from scheduling.models import StaffMember

    start, end = month_range(month.year, month.month)
    t0 = time.perf_counter()
    with transaction.atomic():
        rules = subsidies.current_rules(semester)
        run = PayoutRun.objects.create(
            district_id=school.district_id,
            school=school,
            semester=semester,
            month=month,
            rules=rules,
            applied={},
            status="superseded",
        )
        caps = subsidies.CapsResolver(current_policy(semester), school)
        staff = list(StaffMember.objects.filter(school=school).order_by("pk"))
        for member in staff:
            served, early, missed = [], [], []
            for rec in StaffAttendance.objects.filter(
                staff=member, date__gte=start, date__lte=end, superseded_by__isnull=True
            ).select_related("session__group", "session__version"):
                evidence = str(rec.public_id)
                if rec.status == StaffStatus.PRESENT:
                    s = rec.session
                    served.append(
                        payout_math.Served(
                            evidence=evidence,
                            day=rec.date,
                            lessons=s.lessons,
                            minutes=s.minutes,
                            kind="basic",
                            caps=caps.caps(
                                s.group.grades, s.group.kind, s.version.basic_service_class
                            ),
                        )
                    )
                    if rec.minutes_early:
                        early.append(evidence)
                elif rec.status == StaffStatus.MISSED:
                    missed.append(evidence)
            handovers = [
                str(h.public_id)
                for h in Handover.objects.filter(fault_staff=member, date__gte=start, date__lte=end)
            ]
            safety = sorted(
                {
                    p.date: str(p.public_id)
                    for p in Patrol.objects.filter(
                        recorded_by=member.user, date__gte=start, date__lte=end
                    )
                }.items()
            )
            leading = sorted(
                {
                    c.date: str(c.public_id)
                    for c in Clearing.objects.filter(
                        confirmed_by=member.user, date__gte=start, date__lte=end
                    )
                }.items()
            )
            result = payout_math.compute_month(
                [
                    payout_math.StaffInput(
                        staff_id=member.pk,
                        basis="scheme",
                        rate_unit="session",
                        rate_fen=0,
                        served=served,
                        early=early,
                        missed=missed,
                        handovers=handovers,
                        safety_days=safety,
                        leader_days=leading,
                    )
                ],
                values,
            )[0]
            line = PayoutLine.objects.create(
                district_id=school.district_id,
                school=school,
                run=run,
                staff=member,
                staff_name=member.full_name,
                staff_kind=member.kind,
                basis=result.basis,
                ledger_group="teacher",
                rate_unit=result.rate_unit,
                rate_fen=result.rate_fen,
                sessions_served=result.sessions_served,
                lessons_served=result.lessons_served,
                sessions_paid=result.sessions_paid,
                lessons_paid=result.lessons_paid,
                teaching_fen=result.teaching_fen,
                safety_days=result.safety_days,
                safety_fen=result.safety_fen,
                leader_days=result.leader_days,
                leader_fen=result.leader_fen,
                admin_units=result.admin_units,
                admin_fen=result.admin_fen,
                gross_fen=result.gross_fen,
                deduction_fen=result.deduction_fen,
                total_fen=result.total_fen,
                evidence=result.evidence,
            )
            for d in result.deductions:
                PayoutDeduction.objects.create(
                    district_id=school.district_id,
                    school=school,
                    line=line,
                    kind=d.kind,
                    count=d.count,
                    percent=d.percent,
                    base=d.base,
                    amount_fen=d.amount_fen,
                    evidence=d.evidence,
                )
    return time.perf_counter() - t0, len(staff)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--teachers", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline-schools", type=int, default=3)
    parser.add_argument("--pdf-schools", type=int, default=10)
    args = parser.parse_args()

    url = payout_url()
    print(f"database: {url.rsplit('/', 1)[-1]} (recreated)", flush=True)
    recreate_database(url)
    private = tempfile.mkdtemp(prefix="payoutbench-")
    setup(url, private)

    from django.db import transaction
    from django.utils import timezone

    from billing import payout_math
    from billing.models import DisclosureVersion, PayoutLine, PayoutRun, PayoutStatus
    from billing.services import disclosure, payouts

    today = timezone.localdate()
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    t0 = time.perf_counter()
    district, semester, schools = build(args.schools, args.teachers, month)
    from attendance.models import StaffAttendance

    records = StaffAttendance.objects.filter(district=district).count()
    print(
        f"built {args.schools} schools × {args.teachers} teachers, {month:%Y-%m}: "
        f"{records:,} staff attendance records in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    teachers = args.schools * args.teachers

    print(
        f"\n1. payout run of {month:%Y-%m}, the whole district, {args.repeat} times; each "
        f"followed at once by the per-teacher loop over {args.baseline_schools} schools (the "
        f"machine's load drifts: each pair is compared)",
        flush=True,
    )
    times, ratios, base_rates = [], [], []
    run_ids: list[int] = []
    values = None
    base_schools = schools[: args.baseline_schools]
    for rep in range(1, args.repeat + 1):
        if run_ids:
            PayoutRun.objects.filter(pk__in=run_ids).update(status=PayoutStatus.SUPERSEDED)
        run_ids = create_runs(schools, month, today)
        seconds = ours(run_ids)
        lines = PayoutLine.objects.filter(run_id__in=run_ids).count()
        failed = PayoutRun.objects.filter(pk__in=run_ids, status=PayoutStatus.FAILED).count()
        assert failed == 0 and lines == teachers, (failed, lines)
        times.append(seconds)
        if values is None:
            values = payout_math.Rules(**PayoutRun.objects.get(pk=run_ids[0]).applied["values"])
        base_time, base_n = 0.0, 0
        for school in base_schools:
            took, n = per_teacher_loop(school, month, semester, values)
            base_time += took
            base_n += n
        base_rate = base_n / base_time
        base_rates.append(base_rate)
        ratios.append((teachers / seconds) / base_rate)
        print(
            f"   run {rep}: ours {seconds:.2f} s, {lines:,} lines ({lines / seconds:,.0f} "
            f"teachers/s); per-teacher loop {base_n} teachers in {base_time:.2f} s "
            f"({base_rate:,.0f} teachers/s, the district would take {teachers / base_rate:.1f} s)"
            f": {ratios[-1]:.1f}×",
            flush=True,
        )
    print(f"   ours: {span(times)} s for {teachers:,} teachers", flush=True)
    print(
        f"   per-teacher loop, the district extrapolated: "
        f"{span([teachers / r for r in base_rates], 1)} s",
        flush=True,
    )
    print(
        f"   speed-up: {span(ratios, 1)}× (target ≥ 10×); district run target ≤ 10 s: "
        f"{'met' if statistics.median(times) <= 10 else 'NOT met'}",
        flush=True,
    )

    print("\n2. approving every school's run (payout journals into the ledger)", flush=True)
    principal_of = {
        m.school_id: m.user
        for m in __import__("aftercare.models", fromlist=["Membership"])
        .Membership.objects.filter(school__in=schools, role="principal")
        .select_related("user")
    }
    t0 = time.perf_counter()
    for run in PayoutRun.objects.filter(pk__in=run_ids).select_related("school"):
        payouts.approve_run(actor=principal_of[run.school_id], run=run)
    print(f"   {len(run_ids)} runs approved in {time.perf_counter() - t0:.2f} s", flush=True)

    print(f"\n3. disclosure PDF, {args.pdf_schools} schools", flush=True)
    t0 = time.perf_counter()
    with transaction.atomic():
        for school in schools:
            disclosure.draft_disclosure(actor=None, school=school, semester=semester)
    print(
        f"   drafted from the ledger for {len(schools)} schools in "
        f"{time.perf_counter() - t0:.2f} s",
        flush=True,
    )
    pdf_times = []
    disclosure.pdf_bytes(DisclosureVersion.objects.first())  # fonts and Pango loaded once
    for version in DisclosureVersion.objects.select_related(
        "disclosure__school", "disclosure__semester"
    ).order_by("pk")[: args.pdf_schools]:
        t0 = time.perf_counter()
        data = disclosure.pdf_bytes(version)
        pdf_times.append(time.perf_counter() - t0)
        assert data[:4] == b"%PDF"
    print(
        f"   PDF per school: {span(pdf_times, 3)} s (target ≤ 1 s: "
        f"{'met' if max(pdf_times) <= 1 else 'NOT met'})",
        flush=True,
    )
    print(f"\nload average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
