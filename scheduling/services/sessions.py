"""Generating the semester's sessions, set-based, and cancelling days.

Generation (``generate_sessions``; ``generate_district_sessions`` for every school of a
district, the Celery job): the sessions of a plan are the blocks of its groups
(``scheduling.timetable``: the one plan calendar's slots, so holidays, school events, 调休
make-up days with the timetable they follow, and seasonal times are already applied), one row
per group, date and start time. They are written by ONE insert statement per school:

    INSERT … SELECT … FROM unnest(arrays)          -- the rows the plan gives now
    ON CONFLICT (group, date, start, district) DO UPDATE … WHERE something changed

after a read of the keys already there and one DELETE by id of the scheduled rows in range
that the plan no longer gives (e.g. times an amendment moved). A second run inserts, updates
and deletes nothing (idempotent by the unique key, not by hope), cancelled rows are never
touched, and the whole semester of a school is three round trips, whatever its size.
The first generation writes the whole semester; later ones (a published amendment, groups
opened for latecomers, a click on "generate") only dates after today: what happened stays as it
happened. Cancelled days recorded before the sessions existed are applied to them.

Cancelling a day (``cancel_day``) marks its scheduled sessions cancelled with the reason (rows
stay: refunds count them) and, after commit (the kernel's outbox), tells the families of the
children in those groups and the teachers.

Locks: each school's plan row, then its grouping row (``services.common``), for the length of
that school's writes; the district job takes them school by school, one transaction each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import District, Semester, User
from aftercare.notifications import notify_many
from aftercare.rules import require_school_manager
from aftercare.tenancy import Scope
from plans.models import PlanStatus, SchoolPlan
from scheduling import rules as access
from scheduling.models import (
    Assignment,
    DayCancellation,
    DutyRole,
    Grouping,
    GroupingStatus,
    Session,
    SessionStatus,
)
from scheduling.selectors import Board, attach_calendar, guardians_of_groups, load_board
from scheduling.services.common import (
    lock_plan,
    not_published,
    require_grouping,
)
from scheduling.services.sections import sync_sections
from scheduling.sql import array_literal


@dataclass
class GenerationResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    cancelled: int = 0
    schools: int = 0
    skipped: list[str] = field(default_factory=list)

    def add(self, other: GenerationResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted
        self.cancelled += other.cancelled
        self.schools += other.schools

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "cancelled": self.cancelled,
            "schools": self.schools,
            "skipped": self.skipped,
        }


def session_rows(board: Board, from_date: date | None = None) -> list[tuple]:
    """(group id, date, weekday, start, end, minutes, 课时) of every session the plan gives."""
    lesson_minutes = board.calendar.lesson_minutes
    rows = []
    for group in board.groups:
        time = board.times[group.pk]
        least = 1 if time.at_least_one_lesson else 0
        for b in time.blocks:
            if from_date is not None and b.date < from_date:
                continue
            minutes = b.minutes
            rows.append(
                (
                    group.pk,
                    b.date,
                    b.weekday,
                    b.start,
                    b.end,
                    minutes,
                    max(least, minutes // lesson_minutes),
                )
            )
    return rows


EXISTING = """
SELECT id, group_id, date, start_time FROM scheduling_session
 WHERE plan_id = %(plan)s AND status = 'scheduled' AND date >= %(from)s
"""

UPSERT = """
WITH new (group_id, date, weekday, start_time, end_time, minutes, lessons) AS (
    SELECT * FROM unnest(%(g)s::bigint[], %(d)s::date[], %(w)s::smallint[], %(s)s::time[],
                         %(e)s::time[], %(m)s::smallint[], %(l)s::smallint[])
)
INSERT INTO scheduling_session AS cur
       (public_id, district_id, school_id, plan_id, version_id, group_id, date, weekday,
        start_time, end_time, minutes, lessons, status, cancel_reason)
SELECT gen_random_uuid(), %(district)s, %(school)s, %(plan)s, %(version)s, new.group_id,
       new.date, new.weekday, new.start_time, new.end_time, new.minutes, new.lessons,
       'scheduled', ''
  FROM new
ON CONFLICT (group_id, date, start_time, district_id) DO UPDATE
   SET weekday = EXCLUDED.weekday, end_time = EXCLUDED.end_time,
       minutes = EXCLUDED.minutes, lessons = EXCLUDED.lessons,
       version_id = EXCLUDED.version_id
 WHERE cur.status = 'scheduled'
   AND (cur.weekday, cur.end_time, cur.minutes, cur.lessons, cur.version_id)
       IS DISTINCT FROM
       (EXCLUDED.weekday, EXCLUDED.end_time, EXCLUDED.minutes, EXCLUDED.lessons,
        EXCLUDED.version_id)
RETURNING (xmax = 0) AS inserted
"""

APPLY_CANCELLATIONS = """
UPDATE scheduling_session AS s
   SET status = 'cancelled', cancel_reason = c.reason, cancelled_at = c.created_at,
       cancellation_id = c.id
  FROM scheduling_daycancellation AS c
 WHERE c.plan_id = %(plan)s AND s.plan_id = c.plan_id AND s.date = c.date
   AND s.status = 'scheduled'
"""


def write_sessions(board: Board, rows: list[tuple], *, from_date: date) -> GenerationResult:
    """Upsert ``rows`` (dates from ``from_date``) and drop the plan's scheduled sessions in
    that range that the rows no longer contain (module doc): one read of the existing keys,
    one DELETE by id when some are gone, one INSERT … ON CONFLICT for all the rows.

    The stale keys are found in Python, not with ``NOT EXISTS`` against the unnested
    arrays: PostgreSQL cannot estimate an ``unnest`` of parameters and picks a nested-loop
    anti join, quadratic in the semester (measured: 10 s for one school's re-run)."""
    columns = list(zip(*rows, strict=True)) if rows else [[]] * 7
    plan = board.plan
    params = {
        "g": array_literal(columns[0]),
        "d": array_literal(columns[1]),
        "w": array_literal(columns[2]),
        "s": array_literal(columns[3]),
        "e": array_literal(columns[4]),
        "m": array_literal(columns[5]),
        "l": array_literal(columns[6]),
        "plan": plan.pk,
        "from": from_date,
        "district": plan.district_id,
        "school": plan.school_id,
        "version": board.version.pk,
    }
    keys = {(g, d, s) for g, d, _w, s, _e, _m, _l in rows}
    with connection.cursor() as cursor:
        cursor.execute(EXISTING, params)
        stale = [pk for pk, g, d, s in cursor.fetchall() if (g, d, s) not in keys]
        if stale:
            cursor.execute("DELETE FROM scheduling_session WHERE id = ANY(%s)", [stale])
        created = updated = 0
        if rows:
            cursor.execute(UPSERT, params)
            for (inserted,) in cursor.fetchall():
                created += inserted
                updated += not inserted
        cursor.execute(APPLY_CANCELLATIONS, {"plan": plan.pk})
        cancelled = cursor.rowcount
    return GenerationResult(
        created=created, updated=updated, deleted=len(stale), cancelled=cancelled, schools=1
    )


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def regenerate_locked(
    *, actor: User | None, plan: SchoolPlan, future_only: bool, board: Board | None = None
) -> GenerationResult:
    """Generate the plan's sessions; the caller holds the plan's lock (``lock_plan``)."""
    if board is None:
        board = load_board(plan, with_calendar=False, groups_only=True)
    grouping = require_grouping(board.grouping)
    if board.version is None:
        raise not_published()
    if not grouping.is_confirmed:
        raise Conflict(
            _("Confirm the groups before generating their sessions."), code="not_confirmed"
        )
    sync_sections(board)
    attach_calendar(board)
    first = grouping.sessions_generated_at is None and not future_only
    start = board.plan.semester.start_date if first else tomorrow()
    rows = session_rows(board, None if first else start)
    result = write_sessions(board, rows, from_date=start)
    Grouping.objects.filter(pk=grouping.pk).update(
        sessions_generated_at=timezone.now(), sessions_version=board.version
    )
    grouping.sessions_generated_at = timezone.now()
    record_event(
        actor=actor,
        action="sessions.generated",
        obj=plan,
        payload={
            "version": board.version.number,
            "from": start.isoformat(),
            **{k: v for k, v in result.as_dict().items() if k not in ("schools", "skipped")},
        },
    )
    return result


def _require_generator(actor: User | None, plan: SchoolPlan) -> None:
    if actor is None:
        return  # the system: the publication hook, a scheduled job
    scope = Scope(actor)
    if not (access.can_manage_school(scope, plan.school) or scope.is_official(plan.district_id)):
        raise NotAllowed(_("Only the school's principal or administrators can do this."))


@transaction.atomic
def generate_sessions(*, actor: User | None, plan: SchoolPlan) -> GenerationResult:
    """Generate (or bring up to date) the sessions of a plan whose groups are confirmed.

    The first run writes the whole semester; later runs rewrite only dates after today.
    Idempotent: a second run changes nothing. Errors: NotAllowed, Conflict
    (``plan_not_published``, ``no_grouping``, ``not_confirmed``)."""
    _require_generator(actor, plan)
    lock_plan(plan)
    return regenerate_locked(actor=actor, plan=plan, future_only=False)


def generate_district_sessions(
    *, actor: User | None, district: District, semester: Semester
) -> GenerationResult:
    """Generate the sessions of every school of ``district`` whose plan for ``semester`` is
    published with confirmed groups, one transaction per school; the others are listed in
    ``skipped`` with the reason. Errors: NotAllowed (not an official of the district)."""
    if actor is not None and not Scope(actor).is_official(district.pk):
        raise NotAllowed(_("Only district officials can do this."))
    total = GenerationResult()
    plans = (
        SchoolPlan.objects.filter(district=district, semester=semester)
        .select_related("school", "semester")
        .order_by("school__code")
    )
    ready = set(
        Grouping.objects.filter(plan__in=plans, status=GroupingStatus.CONFIRMED).values_list(
            "plan_id", flat=True
        )
    )
    published = set(
        plans.filter(versions__status=PlanStatus.PUBLISHED).values_list("pk", flat=True)
    )
    for plan in plans:
        if plan.pk not in published:
            total.skipped.append(f"{plan.school.name}: {_('no published plan')}")
            continue
        if plan.pk not in ready:
            total.skipped.append(f"{plan.school.name}: {_('groups not confirmed')}")
            continue
        with transaction.atomic():
            lock_plan(plan)
            total.add(regenerate_locked(actor=actor, plan=plan, future_only=False))
    record_event(
        actor=actor,
        action="sessions.generated_for_district",
        obj=district,
        payload={"semester": semester.name, **total.as_dict()},
    )
    return total


def regenerate_on_publish(*, actor, previous, published) -> None:
    """``plans.services.plans.PUBLISH_HOOKS``: a published amendment rewrites the future
    sessions of a plan that has sessions already (inside the publication's transaction)."""
    if previous is None:
        return
    grouping = Grouping.objects.filter(plan_id=published.plan_id).first()
    if grouping is None or grouping.sessions_generated_at is None:
        return
    plan = published.plan
    lock_plan(plan)
    regenerate_locked(actor=actor, plan=plan, future_only=True)


# --------------------------------------------------------------------------- cancelling


@transaction.atomic
def cancel_day(*, actor: User, plan: SchoolPlan, day: date, reason: str) -> DayCancellation:
    """Cancel every scheduled session of the plan on ``day`` with ``reason`` (weather, a
    sports day); the families of the children in those groups and their teachers are told
    after commit. Errors: NotAllowed, InvalidInput (reason, a day without sessions),
    Conflict ``already_cancelled``."""
    require_school_manager(actor, plan.school)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason: families are told it.")]})
    lock_plan(plan)
    if DayCancellation.objects.filter(plan=plan, date=day).exists():
        raise Conflict(
            _("%(date)s is cancelled already.") % {"date": day.isoformat()},
            code="already_cancelled",
        )
    if not Session.objects.filter(plan=plan, date=day, status=SessionStatus.SCHEDULED).exists():
        raise InvalidInput(
            fields={
                "date": [
                    _("There are no scheduled sessions on %(date)s.") % {"date": day.isoformat()}
                ]
            },
            code="no_sessions",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            cancellation = DayCancellation.objects.create(
                district_id=plan.district_id,
                school_id=plan.school_id,
                plan=plan,
                date=day,
                reason=reason[:200],
                created_by=actor,
                created_at=now,
            )
    except IntegrityError as err:
        raise Conflict(
            _("%(date)s is cancelled already.") % {"date": day.isoformat()},
            code="already_cancelled",
        ) from err
    n = Session.objects.filter(plan=plan, date=day, status=SessionStatus.SCHEDULED).update(
        status=SessionStatus.CANCELLED,
        cancel_reason=cancellation.reason,
        cancelled_at=now,
        cancellation=cancellation,
    )
    DayCancellation.objects.filter(pk=cancellation.pk).update(sessions_cancelled=n)
    cancellation.sessions_cancelled = n
    record_event(
        actor=actor,
        action="sessions.day_cancelled",
        obj=plan,
        payload={"date": day.isoformat(), "reason": cancellation.reason, "sessions": n},
    )
    cancellation.notified_at = now
    notify_families(cancellation)
    return cancellation


def notify_families(cancellation: DayCancellation) -> int:
    """Tell the families of the children in the cancelled groups, and the groups' teachers of
    that day. The messages go through the kernel's outbox (``aftercare.notifications``): they
    are recorded in this transaction and delivered after commit, once each (keyed by
    cancellation and recipient). Returns the number of messages."""
    sessions = Session.objects.filter(cancellation=cancellation)
    group_ids = list(sessions.values_list("group_id", flat=True).distinct())
    weekday = sessions.values_list("weekday", flat=True).first()
    recipients = set(guardians_of_groups(group_ids, cancellation.plan))
    recipients |= set(
        Assignment.objects.filter(
            group_id__in=group_ids,
            role=DutyRole.TEACHER,
            weekday=weekday,
            staff__user__isnull=False,
        ).values_list("staff__user_id", flat=True)
    )
    title = _("%(school)s: no after-school service on %(date)s") % {
        "school": cancellation.school.name,
        "date": cancellation.date.strftime("%m-%d"),
    }
    body = _("Reason: %(reason)s. Please pick your child up at the end of the school day.") % {
        "reason": cancellation.reason
    }
    users = {u.pk: u for u in User.objects.filter(pk__in=recipients)}
    n = notify_many(
        {
            "key": f"scheduling.cancelled:{cancellation.public_id}:{user_id}",
            "district": cancellation.district,
            "recipient": users[user_id],
            "title": title,
            "body": body,
            "url": reverse("scheduling_family_sessions"),
        }
        for user_id in sorted(users)
    )
    DayCancellation.objects.filter(pk=cancellation.pk).update(notified_at=timezone.now())
    return n
