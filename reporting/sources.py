"""Where the dashboard's figures come from: the rollups (``RollupSource``, what every page
uses) or the raw rows (``RawSource``: the same figures aggregated from marks, sessions,
pickups, handovers, staff attendance, applications and ledger lines).

Both answer the same questions with the same shapes, so the district page can be rendered
from either: the benchmark (bench/dashboard.py) measures the page both ways in one run, and the
tests check that both agree on random data. Only the rollup source is reachable from a page
outside DEBUG and the benchmark (``REPORTING_RAW_SOURCE``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncDate

from attendance.models import (
    AttendanceMark,
    Clearing,
    Departure,
    Handover,
    RollCall,
    StaffAttendance,
)
from billing.models import JournalLine
from enrollment.models import Application, ApplicationTransition, CourseRegistration, Student
from reporting.models import (
    LedgerBalance,
    MoneyDay,
    ParticipationClass,
    ParticipationDay,
    SchoolDay,
)
from scheduling.models import Session

LOCAL_TZ = "Asia/Shanghai"


@dataclass
class Operation:
    """A school's (or the district's) daily operation summed over a period."""

    days: int = 0  # days with any activity
    sessions: int = 0
    sessions_cancelled: int = 0
    rolls: int = 0
    marks: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    leave: int = 0
    pickups: int = 0
    late_pickups: int = 0
    handover_mismatches: int = 0
    handovers_open: int = 0
    uncleared_days: int = 0
    staff_missed: int = 0
    staff_early: int = 0

    @property
    def attendance_rate(self) -> float | None:
        expected = self.marks - self.leave
        return (self.present + self.late) / expected if expected else None

    @property
    def absence_rate(self) -> float | None:
        expected = self.marks - self.leave
        return self.absent / expected if expected else None

    def add(self, other: Operation) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Participation:
    enrolled: int = 0
    applied: int = 0
    participants: int = 0
    active: int = 0
    withdrawn: int = 0
    basic_care: int = 0
    course_seats: int = 0
    priority: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.participants / self.enrolled if self.enrolled else None

    def add(self, other: Participation) -> None:
        for name in (
            "enrolled",
            "applied",
            "participants",
            "active",
            "withdrawn",
            "basic_care",
            "course_seats",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, n in other.priority.items():
            self.priority[key] = self.priority.get(key, 0) + n


@dataclass
class Money:
    billed_fen: int = 0
    exempted_fen: int = 0
    collected_fen: int = 0
    refunded_fen: int = 0
    subsidy_fen: int = 0
    expenses_fen: int = 0

    def add(self, other: Money) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


PRIORITY = ["disabled", "left_behind", "migrant", "single_parent", "hardship"]
OPERATION_SUMS = [
    "sessions",
    "sessions_cancelled",
    "rolls",
    "marks",
    "present",
    "late",
    "absent",
    "leave",
    "pickups",
    "late_pickups",
    "handover_mismatches",
    "handovers_open",
]
MONEY_SUMS = [f.name for f in fields(Money)]


def _operation(row: dict) -> Operation:
    return Operation(**{k: int(row.get(k) or 0) for k in (f.name for f in fields(Operation))})


class RollupSource:
    """Figures read from the rollup tables (a few thousand rows for a district's year)."""

    name = "rollup"

    def operation_by_school(self, district, start: date, end: date, today: date):
        # Annotations get names of their own: a filter on ``sessions`` must see the column,
        # not the sum.
        rows = (
            SchoolDay.objects.filter(district=district, date__range=(start, end))
            .values("school_id")
            .annotate(
                n_days=Count("id"),
                n_uncleared=Count("id", filter=Q(sessions__gt=0, cleared=False, date__lt=today)),
                **{f"sum_{k}": Sum(k) for k in [*OPERATION_SUMS, "staff_missed", "staff_early"]},
            )
        )
        return {
            r["school_id"]: Operation(
                days=r["n_days"],
                uncleared_days=r["n_uncleared"],
                **{
                    k: int(r[f"sum_{k}"] or 0)
                    for k in [*OPERATION_SUMS, "staff_missed", "staff_early"]
                },
            )
            for r in rows
        }

    def operation_by_day(self, district, start: date, end: date, school=None):
        qs = SchoolDay.objects.filter(district=district, date__range=(start, end)).filter(
            Q(marks__gt=0) | Q(late_pickups__gt=0)
        )
        if school is not None:
            qs = qs.filter(school=school)
        rows = (
            qs.values("date")
            .annotate(
                **{
                    k: Sum(k)
                    for k in ("marks", "present", "late", "absent", "leave", "late_pickups")
                }
            )
            .order_by("date")
        )
        return [(r["date"], _operation(r)) for r in rows]

    def participation_by_school(self, district, semester):
        rows = (
            ParticipationClass.objects.filter(district=district, semester=semester)
            .values("school_id")
            .annotate(
                enrolled=Sum("enrolled"),
                applied=Sum("applied"),
                participants=Sum("participants"),
                active=Sum("active"),
                withdrawn=Sum("withdrawn"),
                basic_care=Sum("basic_care"),
                course_seats=Sum("course_seats"),
                **{f"priority_{p}": Sum(f"priority_{p}") for p in PRIORITY},
            )
        )
        out = {}
        for r in rows:
            out[r["school_id"]] = Participation(
                enrolled=r["enrolled"] or 0,
                applied=r["applied"] or 0,
                participants=r["participants"] or 0,
                active=r["active"] or 0,
                withdrawn=r["withdrawn"] or 0,
                basic_care=r["basic_care"] or 0,
                course_seats=r["course_seats"] or 0,
                priority={p: r[f"priority_{p}"] or 0 for p in PRIORITY},
            )
        return out

    def participation_steps(self, district, semester):
        """Per day: (date, applied, approved, withdrawn) of the semester's applications."""
        rows = (
            ParticipationDay.objects.filter(district=district, semester=semester)
            .values("date")
            .annotate(a=Sum("applied"), b=Sum("approved"), c=Sum("withdrawn"))
            .order_by("date")
        )
        return [(r["date"], r["a"] or 0, r["b"] or 0, r["c"] or 0) for r in rows]

    def money_by_school(self, district, semester):
        rows = (
            MoneyDay.objects.filter(district=district, semester=semester)
            .values("school_id")
            .annotate(**{k: Sum(k) for k in MONEY_SUMS})
        )
        return {r["school_id"]: Money(**{k: int(r[k] or 0) for k in MONEY_SUMS}) for r in rows}

    def ledger_by_school(self, district):
        out: dict[int, dict[str, int]] = defaultdict(dict)
        for r in LedgerBalance.objects.filter(district=district).values(
            "school_id", "category", "balance_fen"
        ):
            out[r["school_id"]][r["category"]] = r["balance_fen"]
        return dict(out)


class RawSource:
    """The same figures aggregated from the raw rows on every call (what the rollups save)."""

    name = "raw"

    def operation_by_school(self, district, start: date, end: date, today: date):
        out: dict[int, Operation] = defaultdict(Operation)
        days: dict[int, set] = defaultdict(set)
        cleared: dict[int, set] = defaultdict(set)
        scheduled: dict[int, set] = defaultdict(set)

        def merge(rows, keymap):
            for r in rows:
                op = out[r["school_id"]]
                for src, dst in keymap.items():
                    setattr(op, dst, getattr(op, dst) + (r[src] or 0))

        window = {"district": district, "date__range": (start, end)}
        marks = AttendanceMark.objects.filter(**window)
        merge(
            marks.values("school_id").annotate(
                marks=Count("id"),
                present=Count("id", filter=Q(status="present")),
                late=Count("id", filter=Q(status="late")),
                absent=Count("id", filter=Q(status="absent")),
                leave=Count("id", filter=Q(status="leave")),
            ),
            {k: k for k in ("marks", "present", "late", "absent", "leave")},
        )
        sessions = Session.objects.filter(**window)
        merge(
            sessions.values("school_id").annotate(
                sessions=Count("id", filter=Q(status="scheduled")),
                sessions_cancelled=Count("id", filter=Q(status="cancelled")),
            ),
            {"sessions": "sessions", "sessions_cancelled": "sessions_cancelled"},
        )
        merge(
            RollCall.objects.filter(**window).values("school_id").annotate(rolls=Count("id")),
            {"rolls": "rolls"},
        )
        merge(
            Departure.objects.filter(**window)
            .values("school_id")
            .annotate(
                pickups=Count("id", filter=Q(kind="picked_up")),
                late_pickups=Count("id", filter=Q(is_late=True)),
            ),
            {"pickups": "pickups", "late_pickups": "late_pickups"},
        )
        merge(
            Handover.objects.filter(**window)
            .values("school_id")
            .annotate(
                mismatches=Count("id", filter=Q(mismatch_at__isnull=False)),
                open=Count("id", filter=Q(status="mismatch")),
            ),
            {"mismatches": "handover_mismatches", "open": "handovers_open"},
        )
        heads = StaffAttendance.objects.filter(**window).exclude(
            Exists(StaffAttendance.objects.filter(supersedes=OuterRef("pk")))
        )
        merge(
            heads.values("school_id").annotate(
                missed=Count("id", filter=Q(status="missed")),
                early=Count("id", filter=Q(status="present", minutes_early__gt=0)),
            ),
            {"missed": "staff_missed", "early": "staff_early"},
        )
        # Days with any activity, and school days with sessions not cleared.
        for model in (AttendanceMark, Session, RollCall, Departure, Handover, Clearing):
            for r in model.objects.filter(**window).values("school_id", "date").distinct():
                days[r["school_id"]].add(r["date"])
        for r in heads.values("school_id", "date").distinct():
            days[r["school_id"]].add(r["date"])
        for r in Clearing.objects.filter(**window).values("school_id", "date"):
            cleared[r["school_id"]].add(r["date"])
        for r in (
            sessions.filter(status="scheduled", date__lt=today)
            .values("school_id", "date")
            .distinct()
        ):
            scheduled[r["school_id"]].add(r["date"])
        for school_id, dates in days.items():
            out[school_id].days = len(dates)
        for school_id, dates in scheduled.items():
            out[school_id].uncleared_days = len(dates - cleared[school_id])
        return dict(out)

    def operation_by_day(self, district, start: date, end: date, school=None):
        marks = AttendanceMark.objects.filter(district=district, date__range=(start, end))
        pickups = Departure.objects.filter(district=district, date__range=(start, end))
        if school is not None:
            marks, pickups = marks.filter(school=school), pickups.filter(school=school)
        out: dict[date, Operation] = defaultdict(Operation)
        for r in marks.values("date").annotate(
            marks=Count("id"),
            present=Count("id", filter=Q(status="present")),
            late=Count("id", filter=Q(status="late")),
            absent=Count("id", filter=Q(status="absent")),
            leave=Count("id", filter=Q(status="leave")),
        ):
            op = out[r["date"]]
            for k in ("marks", "present", "late", "absent", "leave"):
                setattr(op, k, r[k])
        for r in pickups.values("date").annotate(n=Count("id", filter=Q(is_late=True))):
            out[r["date"]].late_pickups = r["n"]
        return sorted(out.items())

    def participation_by_school(self, district, semester):
        out: dict[int, Participation] = defaultdict(Participation)
        for r in (
            Student.objects.filter(district=district, is_active=True)
            .values("school_id")
            .annotate(n=Count("id"))
        ):
            out[r["school_id"]].enrolled = r["n"]
        participant = Q(status__in=["approved", "withdrawal_requested"])
        apps = Application.objects.filter(district=district, semester=semester)
        for r in apps.values("school_id").annotate(
            applied=Count(
                "id",
                filter=Q(
                    status__in=[
                        "applied",
                        "class_approved",
                        "flagged",
                        "approved",
                        "withdrawal_requested",
                    ]
                ),
            ),
            participants=Count("id", filter=participant),
            active=Count(
                "id",
                filter=participant
                & Q(signed_at__isnull=False, insurance_confirmed_at__isnull=False),
            ),
            withdrawn=Count("id", filter=Q(status="withdrawn")),
            basic_care=Count("id", filter=participant & Q(basic_care=True)),
            **{
                f"priority_{p}": Count(
                    "id", filter=participant & Q(priority_verified__contains=[p])
                )
                for p in PRIORITY
            },
        ):
            part = out[r["school_id"]]
            for k in ("applied", "participants", "active", "withdrawn", "basic_care"):
                setattr(part, k, r[k])
            part.priority = {p: r[f"priority_{p}"] for p in PRIORITY}
        for r in (
            CourseRegistration.objects.filter(
                district=district, application__semester=semester, status="confirmed"
            )
            .values("school_id")
            .annotate(n=Count("id"))
        ):
            out[r["school_id"]].course_seats = r["n"]
        for part in out.values():
            for p in PRIORITY:
                part.priority.setdefault(p, 0)
        return dict(out)

    def participation_steps(self, district, semester):
        rows = (
            ApplicationTransition.objects.filter(
                district=district,
                application__semester=semester,
                event__in=["submitted", "approved", "withdrawn"],
            )
            .annotate(day=TruncDate("at", tzinfo=_tz()))
            .values("day")
            .annotate(
                a=Count("id", filter=Q(event="submitted")),
                b=Count("id", filter=Q(event="approved")),
                c=Count("id", filter=Q(event="withdrawn")),
            )
            .order_by("day")
        )
        return [(r["day"], r["a"], r["b"], r["c"]) for r in rows]

    def money_by_school(self, district, semester):
        lines = JournalLine.objects.filter(district=district, journal__invoice__semester=semester)
        rows = lines.values("school_id").annotate(
            fee=Sum("amount_fen", filter=Q(category="fee_income")),
            exempted=Sum("amount_fen", filter=Q(category="exemptions")),
            collected=Sum(
                "amount_fen", filter=Q(category="gateway_clearing", journal__kind="payment")
            ),
            refunded=Sum("amount_fen", filter=Q(category="refunds")),
            subsidy=Sum("amount_fen", filter=Q(category="subsidy_income")),
            expenses=Sum("amount_fen", filter=Q(category="expenses")),
        )
        return {
            r["school_id"]: Money(
                billed_fen=-(r["fee"] or 0),
                exempted_fen=r["exempted"] or 0,
                collected_fen=r["collected"] or 0,
                refunded_fen=r["refunded"] or 0,
                subsidy_fen=-(r["subsidy"] or 0),
                expenses_fen=r["expenses"] or 0,
            )
            for r in rows
        }

    def ledger_by_school(self, district):
        out: dict[int, dict[str, int]] = defaultdict(dict)
        for r in (
            JournalLine.objects.filter(district=district)
            .values("school_id", "category")
            .annotate(total=Sum("amount_fen"))
        ):
            out[r["school_id"]][r["category"]] = r["total"]
        return dict(out)


def _tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo(LOCAL_TZ)


SOURCES = {"rollup": RollupSource, "raw": RawSource}
