"""The duty leader's day: school clearing (清校), patrol records (巡查), open-group alerts.

* ``confirm_clearing`` — once a day and school (a unique constraint): the duty leader
  confirms every group of the day is empty. A group the system still shows open (its roll not
  taken, or children marked present without a recorded departure) needs a note of what the
  duty leader found.
* ``record_patrol`` — any number a day.
* ``alert_open_groups`` — beat, every five minutes: after the day's last period (plus the
  pickup grace) a group still open is an alert to the duty leaders (inbox, once per session:
  keyed) until it is closed or the school cleared.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import MANAGER_ROLES, Membership, School, User
from aftercare.tenancy import Scope
from scheduling.models import Session, SessionStatus

from ..access import duty_leader_users, is_duty_leader
from ..models import AttendanceMark, ClearedGroup, Clearing, Departure, Patrol, RollCall
from ..models.duty import NOTE_MAX
from ..models.roll import HERE_STATUSES
from ..selectors.common import AttendancePolicy, policy_for_session
from .common import clean_text, day_label, inbox


def day_sessions(school: School | int, day: date):
    school_id = school if isinstance(school, int) else school.pk
    return (
        Session.objects.filter(school_id=school_id, date=day, status=SessionStatus.SCHEDULED)
        .select_related("group")
        .order_by("start_time", "group__kind", "group__position", "pk")
    )


def open_state(sessions) -> dict[int, tuple[bool, int]]:
    """Per session id: (open, children not yet gone), in two queries. A session is open
    until its teacher closed it (roll taken and every child present gone)."""
    ids = [s.pk for s in sessions]
    rolls = dict(RollCall.objects.filter(session_id__in=ids).values_list("session_id", "closed_at"))
    gone = Departure.objects.filter(
        session_id=OuterRef("session_id"), student_id=OuterRef("student_id")
    )
    waiting = dict(
        AttendanceMark.objects.filter(session_id__in=ids, status__in=HERE_STATUSES)
        .exclude(Exists(gone))
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    return {s.pk: (rolls.get(s.pk) is None, waiting.get(s.pk, 0)) for s in sessions}


def _require_duty(actor: User, school: School, day: date) -> None:
    if not is_duty_leader(Scope(actor), school.pk, day):
        raise NotAllowed(
            _("Only the duty leader of %(date)s or the school's managers can do this.")
            % {"date": day_label(day)}
        )


def confirm_clearing(
    *,
    actor: User,
    school: School,
    day: date,
    notes: dict[str, str] | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Clearing:
    """Confirm the school is cleared on ``day`` (today). ``notes``: per session public id, what
    was found where the group was still open.

    Errors: NotAllowed, Conflict ``not_today`` / ``running`` (a period not over and its group
    not closed) / ``already_cleared``, InvalidInput (a note missing for an open group)."""
    now = now or timezone.now()
    notes = {str(k): v for k, v in (notes or {}).items()}
    _require_duty(actor, school, day)
    today = timezone.localdate(now)
    if day != today:
        raise Conflict(
            _("The school is cleared on the day itself (%(today)s).") % {"today": day_label(today)},
            code="not_today",
        )
    done = Clearing.objects.filter(school=school, date=day).select_related("confirmed_by").first()
    if done is not None:
        raise _already(done)
    sessions = list(day_sessions(school, day))
    state = open_state(sessions)
    local_now = timezone.localtime(now).time()
    running = [s for s in sessions if state[s.pk][0] and s.end_time > local_now]
    if running:
        last = max(s.end_time for s in running)
        raise Conflict(
            _("%(n)d groups are still running until %(time)s; clear the school after them.")
            % {"n": len(running), "time": last.strftime("%H:%M")},
            code="running",
        )
    errors = {}
    rows = []
    for s in sessions:
        is_open, unaccounted = state[s.pk]
        text = clean_text(notes.get(str(s.public_id), ""), 201)
        if is_open and not text:
            errors[f"notes.{s.public_id}"] = [
                _(
                    "%(group)s is still open in the system (%(n)d children not recorded "
                    "as gone): write what you found."
                )
                % {"group": s.group.name, "n": unaccounted}
            ]
        elif len(text) > 200:
            errors[f"notes.{s.public_id}"] = [_("At most 200 characters.")]
        rows.append((s, is_open, unaccounted, text))
    note = clean_text(note, NOTE_MAX + 1)
    if len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(max)d characters.") % {"max": NOTE_MAX}]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                clearing = Clearing.objects.create(
                    district_id=school.district_id,
                    school=school,
                    date=day,
                    confirmed_by=actor,
                    confirmed_at=now,
                    note=note,
                )
        except IntegrityError as exc:  # cleared concurrently
            done = Clearing.objects.select_related("confirmed_by").get(school=school, date=day)
            raise _already(done) from exc
        ClearedGroup.objects.bulk_create(
            ClearedGroup(
                district_id=school.district_id,
                clearing=clearing,
                session=s,
                was_open=is_open,
                children_unaccounted=unaccounted,
                note=text,
            )
            for s, is_open, unaccounted, text in rows
        )
        record_event(
            actor=actor,
            action="duty.school_cleared",
            obj=school,
            payload={
                "date": str(day),
                "groups": len(rows),
                "open_groups": sum(1 for r in rows if r[1]),
                "note": note,
            },
        )
    return clearing


def _already(done: Clearing) -> Conflict:
    return Conflict(
        _("%(who)s already cleared the school at %(time)s.")
        % {
            "who": done.confirmed_by,
            "time": timezone.localtime(done.confirmed_at).strftime("%H:%M"),
        },
        code="already_cleared",
    )


@transaction.atomic
def record_patrol(
    *,
    actor: User,
    school: School,
    note: str,
    session: Session | None = None,
    place: str = "",
    issue: bool = False,
    now: datetime | None = None,
) -> Patrol:
    """Record a patrol round. Errors: NotAllowed, InvalidInput (note, group of another day)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    _require_duty(actor, school, day)
    note = (note or "").strip()
    errors = {}
    if not note:
        errors["note"] = [_("Write what you saw.")]
    elif len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(max)d characters.") % {"max": NOTE_MAX}]
    if session is not None and (session.school_id != school.pk or session.date != day):
        errors["session"] = [_("Choose a group of today.")]
    place = clean_text(place, 60)
    if errors:
        raise InvalidInput(fields=errors)
    patrol = Patrol.objects.create(
        district_id=school.district_id,
        school=school,
        date=day,
        at=now,
        session=session,
        place=place,
        note=note,
        issue=bool(issue),
        recorded_by=actor,
    )
    record_event(
        actor=actor,
        action="duty.patrol_recorded",
        obj=school,
        payload={"patrol": str(patrol.public_id), "issue": bool(issue)},
    )
    return patrol


def alert_open_groups(*, now: datetime | None = None) -> int:
    """Alert the duty leaders about groups still open after the day's last period plus the
    pickup grace (schools not cleared yet). Returns the number of sessions alerted."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    local_now = timezone.localtime(now)
    cleared = Clearing.objects.filter(school_id=OuterRef("school_id"), date=today)
    days = (
        Session.objects.filter(date=today, status=SessionStatus.SCHEDULED)
        .annotate(cleared=Exists(cleared))
        .filter(cleared=False)
        .values("school_id", "district_id")
        .annotate(last_end=Max("end_time"))
    )
    count = 0
    for row in days:
        sessions = list(day_sessions(row["school_id"], today))
        policy = policy_for_session(sessions[0]) if sessions else AttendancePolicy()
        last = timezone.make_aware(datetime.combine(today, row["last_end"])) + timedelta(
            minutes=policy.late_pickup_grace_minutes
        )
        if local_now < last:
            continue
        state = open_state(sessions)
        still_open = [s for s in sessions if state[s.pk][0]]
        if not still_open:
            continue
        users = duty_leader_users(row["school_id"], today, sessions[0].weekday) or list(
            Membership.objects.filter(
                school_id=row["school_id"], role__in=sorted(MANAGER_ROLES)
            ).values_list("user_id", flat=True)
        )
        school_public = School.objects.values_list("public_id", flat=True).get(pk=row["school_id"])
        messages = [
            {
                "district": row["district_id"],
                "recipient": user_id,
                "key": f"open-group:{s.pk}:{user_id}",
                "title": _("%(group)s is still open after the last period")
                % {"group": s.group.name},
                "body": _(
                    "The last period ended at %(time)s; %(n)d children are not recorded as gone. "
                    "Check the group and clear the school."
                )
                % {"time": row["last_end"].strftime("%H:%M"), "n": state[s.pk][1]},
                "url": reverse("attendance_duty", args=[school_public]),
            }
            for s in still_open
            for user_id in set(users)
        ]
        inbox(messages)
        count += len(still_open)
    return count
