"""Maintaining the rollups (``reporting.models.rollups``) from the raw rows, set-based.

``refresh_rollups(district=…, start=…, end=…)`` rewrites one district's rollups for a range of
days in one transaction. Per table, ONE statement:

    WITH <per-source aggregates over the range>, keys AS (<union of their keys>),
         upserted AS (INSERT INTO rollup SELECT … FROM keys LEFT JOIN …
                      ON CONFLICT (key) DO UPDATE SET … WHERE <a figure changed>)
    DELETE FROM rollup WHERE <in the range> AND <key not in keys>

so the range ends up exactly equal to the aggregate of the raw rows: new keys inserted,
changed figures updated (unchanged rows are not rewritten: no WAL, no bloat, nothing for the
replica to replay), keys whose source vanished deleted. The statement's sub-queries share one
snapshot, so a row is never both upserted and deleted.

Grains and ranges: the day tables (school, class, group, staff) take ``start``–``end``; the
child-month table takes the whole months that range touches; participation and money are per
semester (the semesters the range touches: fees are charged before the term starts), money
not tied to an invoice (subsidies, expenses) by its date; ledger balances are the whole fund
(a balance has no range).

Concurrency: a refresh holds a transaction-level advisory lock for its district
(``pg_advisory_xact_lock(LOCK_SPACE, district_id)``): the nightly run and an official's
on-demand run of the same district queue one behind the other instead of upserting the same
keys in different orders (a deadlock), and two districts refresh in parallel. Readers are
never blocked (MVCC) and see the old figures until the commit.

Which day a row belongs to: marks, sessions, rolls, pickups, handovers, clearings and staff
attendance carry their local school date; ledger journals are dated by their local time in
Asia/Shanghai (``created_at AT TIME ZONE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from aftercare.models import School, Semester

LOCK_SPACE = 0x5245_504F  # "REPO": the advisory lock namespace of rollup refreshes
LOCAL_TZ = "Asia/Shanghai"

# --------------------------------------------------------------------------- SQL

_MARKS = """
    SELECT {cols}, count(*) AS marks,
           count(*) FILTER (WHERE m.status = 'present') AS present,
           count(*) FILTER (WHERE m.status = 'late') AS late,
           count(*) FILTER (WHERE m.status = 'absent') AS absent,
           count(*) FILTER (WHERE m.status = 'leave') AS leave
    FROM attendance_attendancemark m {joins}
    WHERE m.district_id = %(district)s AND m.school_id = ANY(%(schools)s)
      AND m.date BETWEEN %(start)s AND %(end)s
    GROUP BY 1, 2
"""

_LATE_PICKUPS = """
    SELECT {cols}, count(*) FILTER (WHERE p.kind = 'picked_up') AS pickups,
           count(*) FILTER (WHERE p.is_late) AS late_pickups
    FROM attendance_departure p {joins}
    WHERE p.district_id = %(district)s AND p.school_id = ANY(%(schools)s)
      AND p.date BETWEEN %(start)s AND %(end)s
    GROUP BY 1, 2
"""

# The current record of each (session, staff member): the head of its append-only chain.
_STAFF_HEADS = """
    SELECT h.* FROM attendance_staffattendance h
    WHERE h.district_id = %(district)s AND h.school_id = ANY(%(schools)s)
      AND h.date BETWEEN %(start)s AND %(end)s
      AND NOT EXISTS (SELECT 1 FROM attendance_staffattendance n WHERE n.supersedes_id = h.id)
"""


def _changed(table: str, columns: list[str]) -> str:
    own = ", ".join(f"{table}.{c}" for c in columns)
    new = ", ".join(f"EXCLUDED.{c}" for c in columns)
    return f"({own}) IS DISTINCT FROM ({new})"


def _upsert(
    *, table: str, key: list[str], columns: list[str], ctes: str, select: str, stale: str
) -> str:
    """The one statement of a table (module doc): ``select`` yields ``key + columns``."""
    cols = ", ".join(["district_id", *key, *columns, "refreshed_at"])
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*columns, "refreshed_at"])
    conflict = ", ".join(["district_id", *key])
    values, _from, source = select.partition("FROM ")  # the list of values, then FROM …
    return f"""
        WITH {ctes},
        upserted AS (
            INSERT INTO {table} ({cols})
            SELECT %(district)s, {values.rstrip().rstrip(",")}, %(now)s FROM {source}
            ON CONFLICT ({conflict}) DO UPDATE SET {sets}
            WHERE {_changed(table, columns)}
            RETURNING 1
        )
        DELETE FROM {table} r
        WHERE r.district_id = %(district)s AND {stale}
    """  # noqa: S608 - every piece is a constant of this module


MARK_COLS = ["marks", "present", "late", "absent", "leave"]


def _mark_values(alias: str = "m") -> str:
    return ", ".join(f"coalesce({alias}.{c}, 0)" for c in MARK_COLS)


SCHOOL_DAY_COLS = [
    *MARK_COLS,
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

SCHOOL_DAY = _upsert(
    table="reporting_schoolday",
    key=["school_id", "date"],
    columns=SCHOOL_DAY_COLS,
    ctes=f"""
        m AS ({_MARKS.format(cols="m.school_id, m.date", joins="")}),
        s AS (
            SELECT s.school_id, s.date,
                   count(*) FILTER (WHERE s.status = 'scheduled') AS sessions,
                   count(*) FILTER (WHERE s.status = 'cancelled') AS sessions_cancelled
            FROM scheduling_session s
            WHERE s.district_id = %(district)s AND s.school_id = ANY(%(schools)s)
              AND s.date BETWEEN %(start)s AND %(end)s
            GROUP BY s.school_id, s.date
        ),
        r AS (
            SELECT r.school_id, r.date, count(*) AS rolls FROM attendance_rollcall r
            WHERE r.district_id = %(district)s AND r.school_id = ANY(%(schools)s)
              AND r.date BETWEEN %(start)s AND %(end)s
            GROUP BY r.school_id, r.date
        ),
        p AS ({_LATE_PICKUPS.format(cols="p.school_id, p.date", joins="")}),
        h AS (
            SELECT h.school_id, h.date, count(*) AS handovers,
                   count(*) FILTER (WHERE h.mismatch_at IS NOT NULL) AS handover_mismatches,
                   count(*) FILTER (WHERE h.status = 'mismatch') AS handovers_open
            FROM attendance_handover h
            WHERE h.district_id = %(district)s AND h.school_id = ANY(%(schools)s)
              AND h.date BETWEEN %(start)s AND %(end)s
            GROUP BY h.school_id, h.date
        ),
        c AS (
            SELECT DISTINCT c.school_id, c.date FROM attendance_clearing c
            WHERE c.district_id = %(district)s AND c.school_id = ANY(%(schools)s)
              AND c.date BETWEEN %(start)s AND %(end)s
        ),
        t AS (
            SELECT t.school_id, t.date, count(*) AS staff_records,
                   count(*) FILTER (WHERE t.status = 'missed') AS staff_missed,
                   count(*) FILTER (WHERE t.status = 'present' AND t.minutes_early > 0)
                       AS staff_early,
                   count(*) FILTER (WHERE t.status = 'present' AND t.minutes_late > 0)
                       AS staff_late
            FROM ({_STAFF_HEADS}) t
            GROUP BY t.school_id, t.date
        ),
        keys AS (
            SELECT school_id, date FROM m UNION SELECT school_id, date FROM s
            UNION SELECT school_id, date FROM r UNION SELECT school_id, date FROM p
            UNION SELECT school_id, date FROM h UNION SELECT school_id, date FROM c
            UNION SELECT school_id, date FROM t
        )""",  # noqa: S608
    select=f"""k.school_id, k.date, {_mark_values()},
            coalesce(s.sessions, 0), coalesce(s.sessions_cancelled, 0), coalesce(r.rolls, 0),
            coalesce(p.pickups, 0), coalesce(p.late_pickups, 0), coalesce(h.handovers, 0),
            coalesce(h.handover_mismatches, 0), coalesce(h.handovers_open, 0),
            c.school_id IS NOT NULL, coalesce(t.staff_records, 0), coalesce(t.staff_missed, 0),
            coalesce(t.staff_early, 0), coalesce(t.staff_late, 0)
        FROM keys k
        LEFT JOIN m USING (school_id, date) LEFT JOIN s USING (school_id, date)
        LEFT JOIN r USING (school_id, date) LEFT JOIN p USING (school_id, date)
        LEFT JOIN h USING (school_id, date) LEFT JOIN c USING (school_id, date)
        LEFT JOIN t USING (school_id, date)""",
    stale="""r.date BETWEEN %(start)s AND %(end)s AND r.school_id = ANY(%(schools)s)
        AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.school_id = r.school_id
                        AND k.date = r.date)""",
)

_STUDENT = "JOIN enrollment_student st ON st.id = {alias}.student_id"

CLASS_DAY = _upsert(
    table="reporting_classday",
    key=["school_class_id", "date"],
    columns=["school_id", "grade", *MARK_COLS, "late_pickups"],
    ctes=f"""
        m AS ({_MARKS.format(cols="st.school_class_id, m.date", joins=_STUDENT.format(alias="m"))}),
        p AS ({
        _LATE_PICKUPS.format(cols="st.school_class_id, p.date", joins=_STUDENT.format(alias="p"))
    }),
        keys AS (SELECT school_class_id, date FROM m UNION SELECT school_class_id, date FROM p)""",  # noqa: S608
    select=f"""k.school_class_id, k.date, sc.school_id, sc.grade, {_mark_values()},
            coalesce(p.late_pickups, 0)
        FROM keys k JOIN aftercare_schoolclass sc ON sc.id = k.school_class_id
        LEFT JOIN m USING (school_class_id, date) LEFT JOIN p USING (school_class_id, date)""",
    stale="""r.date BETWEEN %(start)s AND %(end)s AND r.school_id = ANY(%(schools)s)
        AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.school_class_id = r.school_class_id
                        AND k.date = r.date)""",
)

_SESSION = "JOIN scheduling_session se ON se.id = {alias}.session_id"

GROUP_DAY = _upsert(
    table="reporting_groupday",
    key=["group_id", "date"],
    columns=[
        "school_id",
        *MARK_COLS,
        "sessions",
        "sessions_cancelled",
        "rolls",
        "late_pickups",
        "staff_missed",
    ],
    ctes=f"""
        m AS ({_MARKS.format(cols="se.group_id, m.date", joins=_SESSION.format(alias="m"))}),
        s AS (
            SELECT s.group_id, s.date, min(s.school_id) AS school_id,
                   count(*) FILTER (WHERE s.status = 'scheduled') AS sessions,
                   count(*) FILTER (WHERE s.status = 'cancelled') AS sessions_cancelled
            FROM scheduling_session s
            WHERE s.district_id = %(district)s AND s.school_id = ANY(%(schools)s)
              AND s.date BETWEEN %(start)s AND %(end)s
            GROUP BY s.group_id, s.date
        ),
        r AS (
            SELECT r.group_id, r.date, count(*) AS rolls FROM attendance_rollcall r
            WHERE r.district_id = %(district)s AND r.school_id = ANY(%(schools)s)
              AND r.date BETWEEN %(start)s AND %(end)s
            GROUP BY r.group_id, r.date
        ),
        p AS ({_LATE_PICKUPS.format(cols="se.group_id, p.date", joins=_SESSION.format(alias="p"))}),
        t AS (
            SELECT se.group_id, t.date, count(*) FILTER (WHERE t.status = 'missed') AS staff_missed
            FROM ({_STAFF_HEADS}) t JOIN scheduling_session se ON se.id = t.session_id
            GROUP BY se.group_id, t.date
        ),
        keys AS (
            SELECT group_id, date FROM m UNION SELECT group_id, date FROM s
            UNION SELECT group_id, date FROM r UNION SELECT group_id, date FROM p
            UNION SELECT group_id, date FROM t
        )""",  # noqa: S608
    select=f"""k.group_id, k.date, g.school_id, {_mark_values()},
            coalesce(s.sessions, 0), coalesce(s.sessions_cancelled, 0), coalesce(r.rolls, 0),
            coalesce(p.late_pickups, 0), coalesce(t.staff_missed, 0)
        FROM keys k JOIN scheduling_caregroup g ON g.id = k.group_id
        LEFT JOIN m USING (group_id, date) LEFT JOIN s USING (group_id, date)
        LEFT JOIN r USING (group_id, date) LEFT JOIN p USING (group_id, date)
        LEFT JOIN t USING (group_id, date)""",
    stale="""r.date BETWEEN %(start)s AND %(end)s AND r.school_id = ANY(%(schools)s)
        AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.group_id = r.group_id AND k.date = r.date)""",
)

# Months: the caller widens start/end to whole months.
_MONTH = "date_trunc('month', {alias}.date)::date AS month"
STUDENT_MONTH = _upsert(
    table="reporting_studentmonth",
    key=["student_id", "month"],
    columns=["school_id", "school_class_id", *MARK_COLS, "late_pickups"],
    ctes=f"""
        m AS ({_MARKS.format(cols=f"m.student_id, {_MONTH.format(alias='m')}", joins="")}),
        p AS ({_LATE_PICKUPS.format(cols=f"p.student_id, {_MONTH.format(alias='p')}", joins="")}),
        keys AS (SELECT student_id, month FROM m UNION SELECT student_id, month FROM p)""",  # noqa: S608
    select=f"""k.student_id, k.month, st.school_id, st.school_class_id, {_mark_values()},
            coalesce(p.late_pickups, 0)
        FROM keys k JOIN enrollment_student st ON st.id = k.student_id
        LEFT JOIN m USING (student_id, month) LEFT JOIN p USING (student_id, month)""",
    stale="""r.month BETWEEN %(start)s AND %(end)s AND r.school_id = ANY(%(schools)s)
        AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.student_id = r.student_id
                        AND k.month = r.month)""",
)

# Who teaches a session: the group's teacher assignments on the session's timetable weekday.
STAFF_DAY = _upsert(
    table="reporting_staffday",
    key=["staff_id", "date"],
    columns=["school_id", "paid", "sessions", "lessons", "missed", "early", "late", "substituted"],
    ctes=f"""
        a AS (
            SELECT a.staff_id, s.date, count(*) AS sessions, sum(s.lessons) AS lessons
            FROM scheduling_session s
            JOIN scheduling_assignment a
              ON a.group_id = s.group_id AND a.weekday = s.weekday AND a.role = 'teacher'
             AND a.plan_id = s.plan_id AND a.district_id = s.district_id
            WHERE s.district_id = %(district)s AND s.school_id = ANY(%(schools)s)
              AND s.date BETWEEN %(start)s AND %(end)s AND s.status = 'scheduled'
            GROUP BY a.staff_id, s.date
        ),
        t AS (
            SELECT t.staff_id, t.date,
                   count(*) FILTER (WHERE t.status = 'missed') AS missed,
                   count(*) FILTER (WHERE t.status = 'present' AND t.minutes_early > 0) AS early,
                   count(*) FILTER (WHERE t.status = 'present' AND t.minutes_late > 0) AS late,
                   count(*) FILTER (WHERE t.status = 'substituted') AS substituted
            FROM ({_STAFF_HEADS}) t
            GROUP BY t.staff_id, t.date
        ),
        keys AS (SELECT staff_id, date FROM a UNION SELECT staff_id, date FROM t)""",  # noqa: S608
    select="""k.staff_id, k.date, sm.school_id, sm.kind <> 'volunteer',
            coalesce(a.sessions, 0), coalesce(a.lessons, 0), coalesce(t.missed, 0),
            coalesce(t.early, 0), coalesce(t.late, 0), coalesce(t.substituted, 0)
        FROM keys k JOIN scheduling_staffmember sm ON sm.id = k.staff_id
        LEFT JOIN a USING (staff_id, date) LEFT JOIN t USING (staff_id, date)""",
    stale="""r.date BETWEEN %(start)s AND %(end)s AND r.school_id = ANY(%(schools)s)
        AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.staff_id = r.staff_id AND k.date = r.date)""",
)

MONEY_COLS = [
    "billed_fen",
    "exempted_fen",
    "collected_fen",
    "refunded_fen",
    "subsidy_fen",
    "expenses_fen",
]

MONEY_DAY = _upsert(
    table="reporting_moneyday",
    key=["school_id", "semester_id", "date"],
    columns=MONEY_COLS,
    ctes=f"""
        l AS (
            SELECT j.school_id, i.semester_id,
                   (j.created_at AT TIME ZONE '{LOCAL_TZ}')::date AS date,
                   -sum(l.amount_fen) FILTER (WHERE l.category = 'fee_income') AS billed_fen,
                   sum(l.amount_fen) FILTER (WHERE l.category = 'exemptions') AS exempted_fen,
                   sum(l.amount_fen) FILTER (WHERE l.category = 'gateway_clearing'
                                             AND j.kind = 'payment') AS collected_fen,
                   sum(l.amount_fen) FILTER (WHERE l.category = 'refunds') AS refunded_fen,
                   -sum(l.amount_fen) FILTER (WHERE l.category = 'subsidy_income') AS subsidy_fen,
                   sum(l.amount_fen) FILTER (WHERE l.category = 'expenses') AS expenses_fen
            FROM billing_journal j
            JOIN billing_journalline l ON l.journal_id = j.id
            LEFT JOIN billing_invoice i ON i.id = j.invoice_id
            WHERE j.district_id = %(district)s AND j.school_id = ANY(%(schools)s)
              AND (i.semester_id = ANY(%(semesters)s)
                   OR (j.invoice_id IS NULL AND j.created_at >= %(start_at)s
                       AND j.created_at < %(end_at)s))
            GROUP BY 1, 2, 3
        ),
        keys AS (SELECT school_id, semester_id, date FROM l)""",  # noqa: S608
    select=f"""l.school_id, l.semester_id, l.date,
            {", ".join(f"coalesce(l.{c}, 0)" for c in MONEY_COLS)}
        FROM l""",
    stale="""r.school_id = ANY(%(schools)s)
        AND (r.semester_id = ANY(%(semesters)s)
             OR (r.semester_id IS NULL AND r.date BETWEEN %(start)s AND %(end)s))
        AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.school_id = r.school_id
                        AND k.semester_id IS NOT DISTINCT FROM r.semester_id
                        AND k.date = r.date)""",
)

LEDGER = _upsert(
    table="reporting_ledgerbalance",
    key=["school_id", "category"],
    columns=["balance_fen"],
    ctes="""
        l AS (
            SELECT l.school_id, l.category, sum(l.amount_fen) AS balance_fen
            FROM billing_journalline l
            WHERE l.district_id = %(district)s AND l.school_id = ANY(%(schools)s)
            GROUP BY 1, 2
        ),
        keys AS (SELECT school_id, category FROM l)""",
    select="l.school_id, l.category, l.balance_fen FROM l",
    stale="""r.school_id = ANY(%(schools)s) AND NOT EXISTS (
        SELECT 1 FROM keys k WHERE k.school_id = r.school_id AND k.category = r.category)""",
)

PRIORITY = ["disabled", "left_behind", "migrant", "single_parent", "hardship"]
PARTICIPATION_COLS = [
    "school_id",
    "grade",
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
_PARTICIPANT = "a.status IN ('approved', 'withdrawal_requested')"

PARTICIPATION_CLASS = _upsert(
    table="reporting_participationclass",
    key=["semester_id", "school_class_id"],
    columns=PARTICIPATION_COLS,
    ctes=f"""
        e AS (
            SELECT st.school_class_id, count(*) AS enrolled FROM enrollment_student st
            WHERE st.district_id = %(district)s AND st.school_id = ANY(%(schools)s)
              AND st.is_active
            GROUP BY 1
        ),
        a AS (
            SELECT st.school_class_id,
                   count(*) FILTER (WHERE a.status IN ('applied', 'class_approved', 'flagged',
                                    'approved', 'withdrawal_requested')) AS applied,
                   count(*) FILTER (WHERE {_PARTICIPANT}) AS participants,
                   count(*) FILTER (WHERE {_PARTICIPANT} AND a.signed_at IS NOT NULL
                                    AND a.insurance_confirmed_at IS NOT NULL) AS active,
                   count(*) FILTER (WHERE a.status = 'withdrawn') AS withdrawn,
                   count(*) FILTER (WHERE a.status = 'rejected') AS rejected,
                   count(*) FILTER (WHERE {_PARTICIPANT} AND a.basic_care) AS basic_care,
                   {
        ", ".join(
            f"count(*) FILTER (WHERE {_PARTICIPANT} AND '{p}' = ANY(a.priority_verified))"
            f" AS priority_{p}"
            for p in PRIORITY
        )
    }
            FROM enrollment_application a JOIN enrollment_student st ON st.id = a.student_id
            WHERE a.district_id = %(district)s AND a.school_id = ANY(%(schools)s)
              AND a.semester_id = %(semester)s
            GROUP BY 1
        ),
        seats AS (
            SELECT st.school_class_id, count(*) AS course_seats
            FROM enrollment_courseregistration cr
            JOIN enrollment_application a ON a.id = cr.application_id
            JOIN enrollment_student st ON st.id = cr.student_id
            WHERE cr.district_id = %(district)s AND cr.school_id = ANY(%(schools)s)
              AND a.semester_id = %(semester)s AND cr.status = 'confirmed'
            GROUP BY 1
        ),
        keys AS (
            SELECT sc.id AS school_class_id, sc.school_id, sc.grade FROM aftercare_schoolclass sc
            WHERE sc.district_id = %(district)s AND sc.school_id = ANY(%(schools)s)
        )""",  # noqa: S608
    select=f"""%(semester)s, k.school_class_id, k.school_id, k.grade, coalesce(e.enrolled, 0),
            coalesce(a.applied, 0), coalesce(a.participants, 0), coalesce(a.active, 0),
            coalesce(a.withdrawn, 0), coalesce(a.rejected, 0), coalesce(a.basic_care, 0),
            coalesce(seats.course_seats, 0),
            {", ".join(f"coalesce(a.priority_{p}, 0)" for p in PRIORITY)}
        FROM keys k LEFT JOIN e USING (school_class_id) LEFT JOIN a USING (school_class_id)
        LEFT JOIN seats USING (school_class_id)""",
    stale="""r.semester_id = %(semester)s AND r.school_id = ANY(%(schools)s)
        AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.school_class_id = r.school_class_id)""",
)

PARTICIPATION_DAY = _upsert(
    table="reporting_participationday",
    key=["semester_id", "school_id", "date"],
    columns=["applied", "approved", "withdrawn"],
    ctes=f"""
        t AS (
            SELECT t.school_id, (t.at AT TIME ZONE '{LOCAL_TZ}')::date AS date,
                   count(*) FILTER (WHERE t.event = 'submitted') AS applied,
                   count(*) FILTER (WHERE t.event = 'approved') AS approved,
                   count(*) FILTER (WHERE t.event = 'withdrawn') AS withdrawn
            FROM enrollment_applicationtransition t
            JOIN enrollment_application a ON a.id = t.application_id
            WHERE t.district_id = %(district)s AND t.school_id = ANY(%(schools)s)
              AND a.semester_id = %(semester)s
              AND t.event IN ('submitted', 'approved', 'withdrawn')
            GROUP BY 1, 2
        ),
        keys AS (SELECT school_id, date FROM t)""",  # noqa: S608
    select="%(semester)s, t.school_id, t.date, t.applied, t.approved, t.withdrawn FROM t",
    stale="""r.semester_id = %(semester)s AND r.school_id = ANY(%(schools)s)
        AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.school_id = r.school_id
                        AND k.date = r.date)""",
)

DAY_TABLES = {
    "school_day": SCHOOL_DAY,
    "class_day": CLASS_DAY,
    "group_day": GROUP_DAY,
    "staff_day": STAFF_DAY,
    "money_day": MONEY_DAY,
}
SEMESTER_TABLES = {
    "participation_class": PARTICIPATION_CLASS,
    "participation_day": PARTICIPATION_DAY,
}


# --------------------------------------------------------------------------- refresh


@dataclass
class RefreshResult:
    start: date
    end: date
    deleted: dict[str, int]
    semesters: list[int]


def month_range(start: date, end: date) -> tuple[date, date]:
    """The first day of ``start``'s month and the last day of ``end``'s month."""
    following = (end.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start.replace(day=1), following - timedelta(days=1)


def local_midnight(day: date):
    return timezone.make_aware(
        timezone.datetime.combine(day, timezone.datetime.min.time()),
        timezone.get_fixed_timezone(8 * 60),
    )


def refresh_rollups(*, district, start: date, end: date, semesters=None) -> RefreshResult:
    """Make the district's rollups for ``start``–``end`` equal to the raw rows (module doc).
    ``semesters``: the semesters whose participation is rebuilt (default: those overlapping
    the range). Idempotent; returns the rows deleted per table (stale keys)."""
    if end < start:
        raise ValueError("end before start")
    schools = list(School.objects.filter(district=district).values_list("pk", flat=True))
    if semesters is None:
        semesters = list(
            Semester.objects.filter(
                district=district, start_date__lte=end, end_date__gte=start
            ).values_list("pk", flat=True)
        )
    else:
        semesters = [getattr(s, "pk", s) for s in semesters]
    params = {
        "district": district.pk,
        "schools": schools,
        "start": start,
        "end": end,
        "start_at": local_midnight(start),
        "end_at": local_midnight(end + timedelta(days=1)),
        "now": timezone.now(),
        "semesters": semesters,
    }
    deleted: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, district.pk])
        for name, sql in DAY_TABLES.items():
            cur.execute(sql, params)
            deleted[name] = cur.rowcount
        first, last = month_range(start, end)
        cur.execute(STUDENT_MONTH, {**params, "start": first, "end": last})
        deleted["student_month"] = cur.rowcount
        cur.execute(LEDGER, params)
        deleted["ledger"] = cur.rowcount
        for semester_id in semesters:
            for name, sql in SEMESTER_TABLES.items():
                cur.execute(sql, {**params, "semester": semester_id})
                deleted[name] = deleted.get(name, 0) + cur.rowcount
    return RefreshResult(start=start, end=end, deleted=deleted, semesters=semesters)
