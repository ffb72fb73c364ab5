"""The rollups equal the raw rows they summarise, on random data (hypothesis).

Each example writes a random day-to-day history on two schools (marks of every status,
pickups on time and late, handovers matching or not, clearings, staff attendance with
corrections, cancelled sessions, application steps, ledger journals with and without an
invoice), refreshes the rollups and compares every rollup table with the same figures computed
here in Python from the raw rows. Then it changes the history (marks corrected or removed,
statuses moved) and refreshes again: the rollups follow, stale keys included.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftercare.models import SchoolClass
from attendance.models import (
    AttendanceMark,
    Clearing,
    Departure,
    Handover,
    RollCall,
    StaffAttendance,
)
from billing.models import Invoice, JournalLine
from billing.services import ledger
from enrollment.models import Application, ApplicationTransition, CourseRegistration, Student
from reporting.models import (
    ClassDay,
    GroupDay,
    LedgerBalance,
    MoneyDay,
    ParticipationClass,
    ParticipationDay,
    SchoolDay,
    StaffDay,
    StudentMonth,
)
from reporting.rollups import refresh_rollups
from reporting.sources import RawSource, RollupSource
from scheduling.models import Assignment, Session
from tests.attendance.world import at
from tests.reporting.world import DAYS, build_operation

pytestmark = pytest.mark.django_db

MARK = st.sampled_from([None, "present", "present", "late", "absent", "leave"])
STAFF = st.sampled_from([None, "present", "late", "early", "missed", "substituted", "corrected"])
APP_STATUS = st.sampled_from(
    [
        "applied",
        "class_approved",
        "flagged",
        "rejected",
        "approved",
        "withdrawal_requested",
        "withdrawn",
    ]
)
PRIORITY = ["disabled", "left_behind", "migrant", "single_parent", "hardship"]


@pytest.fixture
def op(world):
    return build_operation(world)


def _now(day, hour=12):
    return at(hour, 0, day)


# --------------------------------------------------------------------------- writing history


def write_history(op, data):
    """Random facts on ``op`` (drawn from ``data``)."""
    for session in op.sessions:
        if data.draw(st.integers(0, 9), label="cancel") == 0:
            Session.objects.filter(pk=session.pk).update(
                status="cancelled", cancel_reason="雨", cancelled_at=_now(session.date)
            )
            continue
        daily = op.schools["a1" if session.school_id == op.world.schools["a1"].pk else "a2"]
        taker = daily.user("care")
        if data.draw(st.booleans(), label="roll"):
            RollCall.objects.create(
                district=session.district,
                school_id=session.school_id,
                session=session,
                group_id=session.group_id,
                date=session.date,
                taken_by=taker,
                first_taken_at=_now(session.date, 16),
                last_submitted_at=_now(session.date, 16),
            )
        for d, student, group in op.children:
            if group.pk != session.group_id:
                continue
            status = data.draw(MARK, label="mark")
            if status is None:
                continue
            AttendanceMark.objects.create(
                district=session.district,
                school_id=session.school_id,
                session=session,
                student=student,
                date=session.date,
                status=status,
                leave=op.leaves[student.pk] if status == "leave" else None,
                marked_by=taker,
                first_marked_at=_now(session.date, 16),
                marked_at=_now(session.date, 16),
            )
            if status in ("present", "late") and data.draw(st.booleans(), label="pickup"):
                late = data.draw(st.booleans(), label="late")
                Departure.objects.create(
                    district=session.district,
                    school_id=session.school_id,
                    session=session,
                    student=student,
                    date=session.date,
                    kind="picked_up",
                    guardian=d.parents[student.pk],
                    at=_now(session.date, 18),
                    minutes_late=25 if late else 0,
                    is_late=late,
                    recorded_by=taker,
                    recorded_at=_now(session.date, 18),
                )
        if data.draw(st.integers(0, 3), label="handover") == 0:
            state = data.draw(st.sampled_from(["matched", "mismatch", "resolved"]))
            Handover.objects.create(
                district=session.district,
                school_id=session.school_id,
                session=session,
                date=session.date,
                from_class=op.world.classes["a1"]
                if session.school_id == op.world.schools["a1"].pk
                else op.world.classes["a2"],
                handed_by=taker,
                handed_at=_now(session.date, 15),
                count=3,
                status=state,
                mismatch_at=None if state == "matched" else _now(session.date, 16),
                resolved_at=_now(session.date, 17) if state == "resolved" else None,
                resolution_note="已核实" if state == "resolved" else "",
                fault="none" if state == "resolved" else "",
            )
        kind = data.draw(STAFF, label="staff")
        if kind is not None:
            staff = (
                Assignment.objects.filter(
                    group_id=session.group_id, weekday=session.weekday, role="teacher"
                )
                .first()
                .staff
            )
            fields = {"status": "present", "checked_in_at": _now(session.date, 15)}
            if kind == "late":
                fields["minutes_late"] = 7
            elif kind == "early":
                fields["minutes_early"] = 12
            elif kind == "missed":
                fields = {"status": "missed"}
            elif kind == "substituted":
                fields = {"status": "substituted", "substitute": daily.staff["teacher"]}
            row = StaffAttendance.objects.create(
                district=session.district,
                school_id=session.school_id,
                session=session,
                staff=staff,
                date=session.date,
                source="check_in",
                recorded_by=taker,
                recorded_at=_now(session.date, 15),
                **fields,
            )
            if kind == "corrected":  # the head says missed; the superseded row said present
                StaffAttendance.objects.create(
                    district=session.district,
                    school_id=session.school_id,
                    session=session,
                    staff=staff,
                    date=session.date,
                    status="missed",
                    source="correction",
                    note="补录",
                    recorded_by=taker,
                    recorded_at=_now(session.date, 19),
                    supersedes=row,
                )
    for daily in op.schools.values():
        for day in DAYS:
            if data.draw(st.booleans(), label="cleared"):
                Clearing.objects.create(
                    district=daily.school.district,
                    school=daily.school,
                    date=day,
                    confirmed_by=daily.user("principal"),
                    confirmed_at=_now(day, 19),
                )
    write_applications(op, data)
    write_money(op, data)


def write_applications(op, data):
    for daily, student, _group in op.children:
        app = Application.objects.get(student=student, semester=daily.semester)
        status = data.draw(APP_STATUS, label="app")
        groups = data.draw(st.lists(st.sampled_from(PRIORITY), unique=True, max_size=2))
        verified = [g for g in groups if data.draw(st.booleans())]
        Application.objects.filter(pk=app.pk).update(
            status=status,
            rejection_reason="不符合" if status == "rejected" else "",
            withdrawn_at=_now(DAYS[0]) if status == "withdrawn" else None,
            withdrawal_effective_date=DAYS[0] if status == "withdrawn" else None,
            basic_care=data.draw(st.booleans()),
            priority_groups=groups,
            priority_verified=verified,
            priority_verified_by=daily.user("principal") if verified else None,
            priority_verified_at=_now(DAYS[0]) if verified else None,
            signed_at=None if data.draw(st.integers(0, 3)) == 0 else app.signed_at,
        )
        for event in data.draw(
            st.lists(st.sampled_from(["submitted", "approved", "withdrawn", "listed"]), max_size=3)
        ):
            day = data.draw(st.sampled_from(DAYS))
            ApplicationTransition.objects.create(
                district=daily.school.district,
                school=daily.school,
                application=app,
                event=event,
                to_status="approved",
                at=at(data.draw(st.integers(0, 23)), 30, day),
            )
        if data.draw(st.booleans(), label="seat"):
            CourseRegistration.objects.create(
                district=daily.school.district,
                school=daily.school,
                course=daily.course,
                student=student,
                application=app,
                status=data.draw(st.sampled_from(["confirmed", "waitlisted", "cancelled"])),
                created_by=daily.parents[student.pk],
            )


def write_money(op, data):
    for key, daily in op.schools.items():
        school = daily.school
        for _d, student, _g in (c for c in op.children if c[0] is daily):
            if not data.draw(st.booleans(), label="invoice"):
                continue
            gross = data.draw(st.integers(100, 50000))
            reduction = data.draw(st.integers(0, gross))
            invoice = Invoice.objects.create(
                district=school.district,
                school=school,
                semester=daily.semester,
                plan_version=daily.version,
                application=Application.objects.get(student=student, semester=daily.semester),
                student=student,
                gross_fen=gross,
                reduction_fen=reduction,
                amount_fen=gross - reduction,
                status="open",
                from_date=DAYS[0],
                until=DAYS[-1],
            )
            movements = [
                ledger.Movement(
                    "charge",
                    f"c{invoice.pk}",
                    ledger.charge_lines(gross, reduction),
                    invoice_id=invoice.pk,
                )
            ]
            if gross - reduction and data.draw(st.booleans(), label="paid"):
                movements.append(
                    ledger.Movement(
                        "payment",
                        f"p{invoice.pk}",
                        ledger.payment_lines(gross - reduction),
                        invoice_id=invoice.pk,
                    )
                )
                if data.draw(st.booleans(), label="refund"):
                    movements.append(
                        ledger.Movement(
                            "refund",
                            f"r{invoice.pk}",
                            ledger.refund_lines(1),
                            invoice_id=invoice.pk,
                        )
                    )
            _post_on(data.draw(st.sampled_from(DAYS)), school, movements)
        if data.draw(st.booleans(), label="subsidy"):
            amount = data.draw(st.integers(1, 10**6))
            _post_on(
                data.draw(st.sampled_from(DAYS)),
                school,
                [
                    ledger.Movement(
                        "subsidy", f"s{key}", [("bank", amount), ("subsidy_income", -amount)]
                    ),
                    ledger.Movement(
                        "expense", f"e{key}", [("expenses", amount // 2), ("bank", -(amount // 2))]
                    ),
                ],
            )


def _post_on(day, school, movements):
    """Post at 23:50 local time on ``day`` (UTC's date is the day before: the rollup must date
    journals in Asia/Shanghai)."""
    with mock.patch.object(timezone, "now", lambda: at(23, 50, day)):
        ledger.post(district_id=school.district_id, school_id=school.pk, movements=movements)


# --------------------------------------------------------------------------- the oracle


def _marks_by(key):
    out = defaultdict(Counter)
    for m in AttendanceMark.objects.select_related("student", "session"):
        c = out[key(m)]
        c["marks"] += 1
        c[m.status] += 1
    return out


def _mark_fields(c):
    return {k: c[k] for k in ("marks", "present", "late", "absent", "leave")}


def _heads():
    superseded = set(
        StaffAttendance.objects.exclude(supersedes=None).values_list("supersedes_id", flat=True)
    )
    return [s for s in StaffAttendance.objects.select_related("session") if s.pk not in superseded]


def expected_school_days(district, today):
    out = defaultdict(Counter)
    cleared = {(c.school_id, c.date) for c in Clearing.objects.all()}
    for (school, day), c in _marks_by(lambda m: (m.school_id, m.date)).items():
        out[(school, day)].update(_mark_fields(c))
    for s in Session.objects.filter(district=district):
        out[(s.school_id, s.date)][
            "sessions" if s.status == "scheduled" else "sessions_cancelled"
        ] += 1
    for r in RollCall.objects.all():
        out[(r.school_id, r.date)]["rolls"] += 1
    for p in Departure.objects.all():
        out[(p.school_id, p.date)]["pickups"] += 1
        out[(p.school_id, p.date)]["late_pickups"] += p.is_late
    for h in Handover.objects.all():
        c = out[(h.school_id, h.date)]
        c["handovers"] += 1
        c["handover_mismatches"] += h.mismatch_at is not None
        c["handovers_open"] += h.status == "mismatch"
    for key in cleared:
        out[key]["cleared"] = 1
    for s in _heads():
        c = out[(s.school_id, s.date)]
        c["staff_records"] += 1
        c["staff_missed"] += s.status == "missed"
        c["staff_early"] += s.status == "present" and s.minutes_early > 0
        c["staff_late"] += s.status == "present" and s.minutes_late > 0
    return {k: {f: v[f] for f in SCHOOL_DAY_FIELDS} for k, v in out.items()}


SCHOOL_DAY_FIELDS = [
    "marks",
    "present",
    "late",
    "absent",
    "leave",
    "sessions",
    "sessions_cancelled",
    "rolls",
    "pickups",
    "late_pickups",
    "handovers",
    "handover_mismatches",
    "handovers_open",
    "cleared",
    "staff_records",
    "staff_missed",
    "staff_early",
    "staff_late",
]


def actual(model, key, fields):
    return {key(r): {f: int(getattr(r, f)) for f in fields} for r in model.objects.all()}


def check_everything(op):
    district = op.district
    assert actual(SchoolDay, lambda r: (r.school_id, r.date), SCHOOL_DAY_FIELDS) == (
        expected_school_days(district, DAYS[-1])
    )

    # classes: the child's class; late pickups by the child's class
    exp = defaultdict(Counter)
    for (klass, day), c in _marks_by(lambda m: (m.student.school_class_id, m.date)).items():
        exp[(klass, day)].update(_mark_fields(c))
    for p in Departure.objects.select_related("student"):
        exp[(p.student.school_class_id, p.date)]["late_pickups"] += p.is_late
    fields = ["marks", "present", "late", "absent", "leave", "late_pickups"]
    assert actual(ClassDay, lambda r: (r.school_class_id, r.date), fields) == {
        k: {f: v[f] for f in fields} for k, v in exp.items()
    }

    # groups
    exp = defaultdict(Counter)
    for (group, day), c in _marks_by(lambda m: (m.session.group_id, m.date)).items():
        exp[(group, day)].update(_mark_fields(c))
    for s in Session.objects.filter(district=district):
        exp[(s.group_id, s.date)][
            "sessions" if s.status == "scheduled" else "sessions_cancelled"
        ] += 1
    for r in RollCall.objects.all():
        exp[(r.group_id, r.date)]["rolls"] += 1
    for p in Departure.objects.select_related("session"):
        exp[(p.session.group_id, p.date)]["late_pickups"] += p.is_late
    for s in _heads():
        exp[(s.session.group_id, s.date)]["staff_missed"] += s.status == "missed"
    fields = [*fields, "sessions", "sessions_cancelled", "rolls", "staff_missed"]
    assert actual(GroupDay, lambda r: (r.group_id, r.date), fields) == {
        k: {f: v[f] for f in fields} for k, v in exp.items()
    }

    # children by month
    exp = defaultdict(Counter)
    for (student, month), c in _marks_by(lambda m: (m.student_id, m.date.replace(day=1))).items():
        exp[(student, month)].update(_mark_fields(c))
    for p in Departure.objects.all():
        exp[(p.student_id, p.date.replace(day=1))]["late_pickups"] += p.is_late
    fields = ["marks", "present", "late", "absent", "leave", "late_pickups"]
    assert actual(StudentMonth, lambda r: (r.student_id, r.month), fields) == {
        k: {f: v[f] for f in fields} for k, v in exp.items()
    }

    # staff: assigned scheduled sessions (lessons) and their attendance
    exp = defaultdict(Counter)
    for s in Session.objects.filter(district=district, status="scheduled"):
        for a in Assignment.objects.filter(
            plan_id=s.plan_id, group_id=s.group_id, weekday=s.weekday, role="teacher"
        ):
            exp[(a.staff_id, s.date)]["sessions"] += 1
            exp[(a.staff_id, s.date)]["lessons"] += s.lessons
    for s in _heads():
        c = exp[(s.staff_id, s.date)]
        c["missed"] += s.status == "missed"
        c["early"] += s.status == "present" and s.minutes_early > 0
        c["late"] += s.status == "present" and s.minutes_late > 0
        c["substituted"] += s.status == "substituted"
    fields = ["sessions", "lessons", "missed", "early", "late", "substituted"]
    assert actual(StaffDay, lambda r: (r.staff_id, r.date), fields) == {
        k: {f: v[f] for f in fields} for k, v in exp.items()
    }

    # participation per class and semester (every class of the district has a row)
    for daily in op.schools.values():
        exp = defaultdict(Counter)
        for st_ in Student.objects.filter(district=district, is_active=True):
            exp[st_.school_class_id]["enrolled"] += 1
        for a in Application.objects.filter(semester=daily.semester).select_related("student"):
            c = exp[a.student.school_class_id]
            part = a.status in ("approved", "withdrawal_requested")
            c["applied"] += a.status not in ("rejected", "withdrawn")
            c["participants"] += part
            c["active"] += part and a.signed_at is not None and a.insurance_confirmed_at is not None
            c["withdrawn"] += a.status == "withdrawn"
            c["rejected"] += a.status == "rejected"
            c["basic_care"] += part and a.basic_care
            for p in PRIORITY:
                c[f"priority_{p}"] += part and p in a.priority_verified
        for r in CourseRegistration.objects.filter(
            application__semester=daily.semester, status="confirmed"
        ).select_related("student"):
            exp[r.student.school_class_id]["course_seats"] += 1
        fields = [
            "enrolled",
            "applied",
            "participants",
            "active",
            "withdrawn",
            "rejected",
            "basic_care",
            "course_seats",
            *[f"priority_{p}" for p in PRIORITY],
        ]
        classes = SchoolClass.objects.filter(district=district).values_list("pk", flat=True)
        got = {
            r.school_class_id: {f: getattr(r, f) for f in fields}
            for r in ParticipationClass.objects.filter(semester=daily.semester)
        }
        assert got == {k: {f: exp[k][f] for f in fields} for k in classes}

        steps = defaultdict(Counter)
        for t in ApplicationTransition.objects.filter(application__semester=daily.semester):
            day = timezone.localtime(t.at).date()
            if t.event == "submitted":
                steps[(t.school_id, day)]["applied"] += 1
            elif t.event in ("approved", "withdrawn"):
                steps[(t.school_id, day)][t.event] += 1
            else:
                continue
        got = {
            (r.school_id, r.date): {
                "applied": r.applied,
                "approved": r.approved,
                "withdrawn": r.withdrawn,
            }
            for r in ParticipationDay.objects.filter(semester=daily.semester)
        }
        assert got == {
            k: {f: v[f] for f in ("applied", "approved", "withdrawn")} for k, v in steps.items()
        }

    # money by day (local date) and semester of the invoice; ledger balances
    exp = defaultdict(Counter)
    for line in JournalLine.objects.select_related("journal", "journal__invoice"):
        j = line.journal
        key = (
            j.school_id,
            j.invoice.semester_id if j.invoice else None,
            timezone.localtime(j.created_at).date(),
        )
        c = exp[key]
        if line.category == "fee_income":
            c["billed_fen"] -= line.amount_fen
        elif line.category == "exemptions":
            c["exempted_fen"] += line.amount_fen
        elif line.category == "gateway_clearing" and j.kind == "payment":
            c["collected_fen"] += line.amount_fen
        elif line.category == "refunds":
            c["refunded_fen"] += line.amount_fen
        elif line.category == "subsidy_income":
            c["subsidy_fen"] -= line.amount_fen
        elif line.category == "expenses":
            c["expenses_fen"] += line.amount_fen
        else:
            c["_touched"] += 0
    fields = [
        "billed_fen",
        "exempted_fen",
        "collected_fen",
        "refunded_fen",
        "subsidy_fen",
        "expenses_fen",
    ]
    assert actual(MoneyDay, lambda r: (r.school_id, r.semester_id, r.date), fields) == {
        k: {f: v[f] for f in fields} for k, v in exp.items()
    }
    exp = Counter()
    for line in JournalLine.objects.all():
        exp[(line.school_id, line.category)] += line.amount_fen
    assert {(r.school_id, r.category): r.balance_fen for r in LedgerBalance.objects.all()} == dict(
        exp
    )

    # The district page's figures: the rollup source equals the raw source.
    for daily in op.schools.values():
        rollup, raw = RollupSource(), RawSource()
        args = (district, DAYS[0], DAYS[-1], DAYS[-1])
        assert rollup.operation_by_school(*args) == raw.operation_by_school(*args)
        assert rollup.operation_by_day(*args[:3]) == raw.operation_by_day(*args[:3])
        assert rollup.participation_by_school(district, daily.semester) == (
            raw.participation_by_school(district, daily.semester)
        )
        assert rollup.participation_steps(district, daily.semester) == (
            raw.participation_steps(district, daily.semester)
        )
        assert rollup.money_by_school(district, daily.semester) == raw.money_by_school(
            district, daily.semester
        )
        assert rollup.ledger_by_school(district) == raw.ledger_by_school(district)


def refresh(op):
    return refresh_rollups(
        district=op.district,
        start=DAYS[0],
        end=DAYS[-1],
        semesters=[d.semester for d in op.schools.values()],
    )


def change_history(op, data):
    """Corrections after the first refresh: marks changed or removed, a class emptied of one
    child (moved to another class), sessions cancelled, clearings removed."""
    marks = list(AttendanceMark.objects.order_by("pk"))
    for mark in marks:
        action = data.draw(st.sampled_from(["keep", "keep", "absent", "drop"]), label="change")
        if action == "absent":
            AttendanceMark.objects.filter(pk=mark.pk).update(status="absent", leave=None)
        elif action == "drop":
            Departure.objects.filter(session=mark.session_id, student=mark.student_id).delete()
            AttendanceMark.objects.filter(pk=mark.pk).delete()
    if data.draw(st.booleans(), label="drop clearings"):
        Clearing.objects.all().delete()
    if data.draw(st.booleans(), label="move child"):
        daily, student, _g = op.children[0]  # to the other class of the same school
        Student.objects.filter(pk=student.pk).update(school_class=daily.second_class)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_rollups_equal_the_raw_rows(op, data):
    with transaction.atomic():
        write_history(op, data)
        refresh(op)
        check_everything(op)
        refresh(op)  # idempotent
        check_everything(op)
        change_history(op, data)
        refresh(op)
        check_everything(op)
        transaction.set_rollback(True)


def test_a_refresh_rewrites_only_changed_rows(op):
    """Unchanged figures are not rewritten (no WAL for the replica, no bloat): the second
    refresh leaves ``refreshed_at`` alone; a changed day gets a new one."""
    session = op.sessions[0]
    d, student, _g = next(c for c in op.children if c[2].pk == session.group_id)
    AttendanceMark.objects.create(
        district=session.district,
        school_id=session.school_id,
        session=session,
        student=student,
        date=session.date,
        status="present",
        marked_by=d.user("care"),
        first_marked_at=_now(session.date),
        marked_at=_now(session.date),
    )
    refresh(op)
    first = {r.pk: r.refreshed_at for r in SchoolDay.objects.all()}
    refresh(op)
    assert {r.pk: r.refreshed_at for r in SchoolDay.objects.all()} == first
    AttendanceMark.objects.filter(session=session).update(status="absent")
    refresh(op)
    changed = {r.pk for r in SchoolDay.objects.all() if r.refreshed_at != first[r.pk]}
    assert changed == {SchoolDay.objects.get(school_id=session.school_id, date=session.date).pk}


def test_a_refresh_outside_the_range_keeps_other_days(op):
    session = op.sessions[-1]
    refresh(op)
    before = SchoolDay.objects.count()
    Session.objects.filter(pk=session.pk).update(
        status="cancelled", cancel_reason="雨", cancelled_at=_now(session.date)
    )
    refresh_rollups(district=op.district, start=DAYS[0], end=DAYS[0] + timedelta(days=1))
    row = SchoolDay.objects.get(school_id=session.school_id, date=session.date)
    assert row.sessions_cancelled == 0  # not in the range: untouched
    assert SchoolDay.objects.count() == before
