"""Roll call (点名): the whole list in one request, applied once, corrected by resubmitting.

What happens in ``submit_roll``, in one short transaction:

1. One statement: ``INSERT`` the submission (``ON CONFLICT (district, session,
   submission_id) DO NOTHING RETURNING``) and, only when it was new, upsert the session's
   ``RollCall`` (``ON CONFLICT (district, session) DO UPDATE``). No row back means the same
   submission arrived before (a retry, a form posted twice, two deliveries racing: the second
   waits on the unique index until the first commits): nothing more is written and the roll
   as it stands is returned (``duplicate``); the same id with other marks is a 409. The roll
   call's row lock serialises submissions of one session, so the marks read next (a new
   statement, a new snapshot) are current and "newly absent" is exact, while other sessions
   never wait.
3. Read the roll (children, approved leave, current marks, guardians) in one precompiled
   query (``attendance.sql``); refuse a child who is
   not on it, a ``leave`` without approved leave (the whole submission rolls back: nothing is
   written on any error).
4. One ``INSERT … SELECT FROM unnest(…) ON CONFLICT (district, session, student) DO UPDATE …
   WHERE`` the mark changed: resubmitting corrects, never duplicates; unchanged marks are not
   rewritten. An absence covered by approved leave is stored as ``leave``.
5. The audit event (corrections list every change; after the day with the reason), inbox
   messages to the guardians of children newly absent without leave (after the commit, one
   message per child, session and guardian: keyed), follow-up flags, and the comparison with
   handovers into this session.

A roll is for today's session (Asia/Shanghai); a future session is a 409, a past one a 409
unless it is a correction with a reason.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import User
from aftercare.tenancy import Scope
from scheduling.models import GroupKind, Session, SessionStatus

from ..access import SessionAccess, access_of
from ..models import (
    MarkStatus,
    RollCall,
    RollSubmission,
)
from ..models.roll import TAKEN_STATUSES
from ..sql import ROLL_CHILDREN
from .common import clean_text, day_label, inbox
from .followup import flag_absences
from .handover import compare_session

NOTE_MAX = 100
REASON_MAX = 200
SUBMITTED = {*TAKEN_STATUSES, MarkStatus.LEAVE}


@dataclass
class MarkInput:
    student: uuid.UUID
    status: str
    note: str = ""


@dataclass
class RollOutcome:
    duplicate: bool
    counts: dict = field(default_factory=dict)
    changed: int = 0
    newly_absent: int = 0
    roll_id: uuid.UUID | None = None


def parse_marks(raw) -> list[MarkInput]:
    """``[{"student": uuid, "status": ..., "note": ...}]`` -> inputs, or InvalidInput naming
    the bad entries (index and value)."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise InvalidInput(fields={"marks": [_("Send a list of marks.")]})
    out, errors = [], {}
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            errors[f"marks.{index}"] = [_("Each mark needs a student and a status.")]
            continue
        try:
            student = uuid.UUID(str(item.get("student")))
        except ValueError:
            errors[f"marks.{index}.student"] = [
                _("“%(value)s” is not a child's id.") % {"value": item.get("student")}
            ]
            continue
        status = str(item.get("status") or "")
        if status not in SUBMITTED:
            errors[f"marks.{index}.status"] = [
                _("“%(value)s” is not a mark; use present, late or absent.") % {"value": status}
            ]
            continue
        note = str(item.get("note") or "").strip()
        if len(note) > NOTE_MAX:
            errors[f"marks.{index}.note"] = [
                _("A note may have at most %(max)d characters (this one has %(n)d).")
                % {"max": NOTE_MAX, "n": len(note)}
            ]
            continue
        out.append(MarkInput(student, status, note))
    if errors:
        raise InvalidInput(fields=errors)
    return out


def _digest(marks: list[MarkInput], all_present: bool, reason: str) -> str:
    body = json.dumps(
        {
            "marks": sorted([str(m.student), m.status, m.note] for m in marks),
            "all_present": bool(all_present),
            "reason": reason,
        },
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


SUBMIT = """
WITH submission AS (
    INSERT INTO attendance_rollsubmission
        (district_id, school_id, session_id, submission_id, submitted_by_id, received_at,
         marks, digest, reason)
    VALUES (%(district)s, %(school)s, %(session)s, %(sid)s, %(user)s, %(now)s, %(n)s,
            %(digest)s, %(reason)s)
    ON CONFLICT (district_id, session_id, submission_id) DO NOTHING
    RETURNING id
)
INSERT INTO attendance_rollcall
    (public_id, district_id, school_id, session_id, group_id, date, taken_by_id,
     first_taken_at, last_submitted_at, submissions)
SELECT gen_random_uuid(), %(district)s, %(school)s, %(session)s, %(group)s, %(date)s,
       %(user)s, %(now)s, %(now)s, 1
  FROM submission
ON CONFLICT (district_id, session_id) DO UPDATE
    SET last_submitted_at = EXCLUDED.last_submitted_at,
        submissions = attendance_rollcall.submissions + 1
RETURNING public_id, (xmax = 0) AS created
"""

UPSERT_MARKS = """
INSERT INTO attendance_attendancemark AS m
    (district_id, school_id, session_id, student_id, date, status, leave_id, note,
     marked_by_id, first_marked_at, marked_at, revision)
SELECT %(district)s, %(school)s, %(session)s, v.student_id, %(date)s, v.status, v.leave_id,
       v.note, %(user)s, %(now)s, %(now)s, 0
FROM unnest(%(students)s::bigint[], %(statuses)s::varchar[], %(leaves)s::bigint[],
            %(notes)s::varchar[]) AS v(student_id, status, leave_id, note)
ON CONFLICT (district_id, session_id, student_id) DO UPDATE
    SET status = EXCLUDED.status, leave_id = EXCLUDED.leave_id, note = EXCLUDED.note,
        marked_by_id = EXCLUDED.marked_by_id, marked_at = EXCLUDED.marked_at,
        revision = m.revision + 1
    WHERE (m.status, m.leave_id, m.note) IS DISTINCT FROM
          (EXCLUDED.status, EXCLUDED.leave_id, EXCLUDED.note)
"""


@dataclass(eq=False)
class _Child:
    pk: int
    public_id: uuid.UUID
    name: str
    leave_id: int | None
    status: str | None
    note: str
    guardians: list


def _roll_rows(session: Session) -> dict[uuid.UUID, _Child]:
    """The children on the roll with their approved leave, current mark and guardians, in one
    precompiled query (``attendance.sql.ROLL_CHILDREN``)."""
    group = session.group
    with connection.cursor() as cursor:
        cursor.execute(
            ROLL_CHILDREN,
            {
                "plan": session.plan_id,
                "group": group.pk,
                "basic": group.kind == GroupKind.BASIC,
                "lineage": group.lineage,
                "date": session.date,
                "session": session.pk,
            },
        )
        rows = cursor.fetchall()
    return {r[1]: _Child(r[0], r[1], r[2], r[3], r[4], r[5] or "", list(r[6] or [])) for r in rows}


def check_roll_time(session: Session, *, now: datetime, reason: str) -> bool:
    """Raise unless a roll may be submitted for ``session`` now; True after the day."""
    if session.status == SessionStatus.CANCELLED:
        raise Conflict(
            _("The session of %(date)s was cancelled (%(reason)s): there is no roll to take.")
            % {"date": day_label(session.date), "reason": session.cancel_reason},
            code="session_cancelled",
        )
    today = timezone.localdate(now)
    if session.date > today:
        raise Conflict(
            _("The roll of %(date)s can be taken on that day, not before (today is %(today)s).")
            % {"date": day_label(session.date), "today": day_label(today)},
            code="not_today",
        )
    if session.date < today and not reason:
        raise Conflict(
            _(
                "The roll is taken on the day of the session; correcting the roll of %(date)s "
                "afterwards needs a reason."
            )
            % {"date": day_label(session.date)},
            code="not_today",
        )
    return session.date < today


def submit_roll(
    *,
    actor: User,
    session: Session,
    marks: list[MarkInput],
    submission_id: uuid.UUID,
    all_present: bool = False,
    reason: str = "",
    access: SessionAccess | None = None,
    now: datetime | None = None,
) -> RollOutcome:
    """Apply a submitted roll list (see the module docstring). ``all_present``: every child of
    the roll not in ``marks`` is present (or on leave when approved leave covers the day).

    Errors: NotAllowed (not the group's teacher on that weekday, nor a substitute, nor a
    manager of the school), Conflict ``not_today`` / ``session_cancelled`` /
    ``submission_reused``, InvalidInput (a child not on the roll, the same child twice, a
    ``leave`` without approved leave, a reason too long). Nothing is written on any error.
    """
    now = now or timezone.now()
    access = access or access_of(Scope(actor), session)
    if not access.can_take_roll:
        raise NotAllowed(
            _("Only the teacher of %(group)s on this day or the school's managers take its roll.")
            % {"group": session.group.name},
            code="not_group_teacher",
        )
    reason = clean_text(reason, REASON_MAX + 1)
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            fields={
                "reason": [_("A reason may have at most %(max)d characters.") % {"max": REASON_MAX}]
            }
        )
    after_day = check_roll_time(session, now=now, reason=reason)
    seen: set[uuid.UUID] = set()
    for index, m in enumerate(marks):
        if m.student in seen:
            raise InvalidInput(
                fields={f"marks.{index}.student": [_("This child is marked twice in the list.")]}
            )
        seen.add(m.student)
    digest = _digest(marks, all_present, reason)
    params = {
        "district": session.district_id,
        "school": session.school_id,
        "session": session.pk,
        "group": session.group_id,
        "date": session.date,
        "user": actor.pk,
        "now": now,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # The submission, once, and the roll's row lock (one statement; see the docstring).
        cursor.execute(
            SUBMIT,
            {**params, "sid": submission_id, "n": len(marks), "digest": digest, "reason": reason},
        )
        row = cursor.fetchone()
        if row is None:
            return _duplicate(session, submission_id, digest)
        roll_public_id, created = row
        children = _roll_rows(session)
        final = _final_marks(children, marks, all_present, session)
        changes = [
            (child, status, note)
            for child, (status, note) in final.items()
            if (child.status, child.note) != (status, note)
        ]
        if changes:
            cursor.execute(
                UPSERT_MARKS,
                {
                    **params,
                    "students": [c.pk for c, _s, _n in changes],
                    "statuses": [s for _c, s, _n in changes],
                    "leaves": [
                        c.leave_id if s == MarkStatus.LEAVE else None for c, s, _n in changes
                    ],
                    "notes": [n for _c, _s, n in changes],
                },
            )
        counts = _counts(children, final)
        corrected = [
            {"student": str(c.public_id), "name": c.name, "from": c.status, "to": s}
            for c, s, _n in changes
            if c.status is not None
        ]
        action = (
            "roll.corrected_after_day"
            if after_day
            else (
                "roll.taken" if created else ("roll.corrected" if corrected else "roll.resubmitted")
            )
        )
        payload = {
            "submission": str(submission_id),
            "counts": counts,
            "changed": len(changes),
        }
        if corrected:
            payload["corrections"] = corrected
        if reason:
            payload["reason"] = reason
        record_event(actor=actor, action=action, obj=session, payload=payload)
        newly_absent = [c for c, s, _n in changes if s == MarkStatus.ABSENT]
        no_longer_absent = [
            c for c, s, _n in changes if c.status == MarkStatus.ABSENT and s != MarkStatus.ABSENT
        ]
        if newly_absent or no_longer_absent:
            _tell_guardians(session, newly_absent, no_longer_absent, submission_id)
        if newly_absent:
            flag_absences(session=session, student_ids=[c.pk for c in newly_absent])
        if changes and getattr(session, "_has_handovers", True):
            compare_session(session=session, now=now)
    return RollOutcome(
        duplicate=False,
        counts=counts,
        changed=len(changes),
        newly_absent=len(newly_absent),
        roll_id=roll_public_id,
    )


def _final_marks(children, marks, all_present, session) -> dict:
    final: dict[_Child, tuple[str, str]] = {}
    errors: dict[str, list[str]] = {}
    for index, m in enumerate(marks):
        child = children.get(m.student)
        if child is None:
            errors[f"marks.{index}.student"] = [
                _("This child is not on the roll of %(group)s on %(date)s.")
                % {"group": session.group.name, "date": day_label(session.date)}
            ]
            continue
        status = m.status
        if status in (MarkStatus.ABSENT, MarkStatus.LEAVE) and child.leave_id is not None:
            status = MarkStatus.LEAVE
        elif status == MarkStatus.LEAVE:
            errors[f"marks.{index}.status"] = [
                _("%(name)s has no approved leave on %(date)s; mark present, late or absent.")
                % {"name": child.name, "date": day_label(session.date)}
            ]
            continue
        final[child] = (status, m.note)
    if errors:
        raise InvalidInput(fields=errors)
    if all_present:
        for child in children.values():
            if child not in final:
                status = MarkStatus.LEAVE if child.leave_id is not None else MarkStatus.PRESENT
                final[child] = (status, "")
    return final


def _counts(children, final) -> dict:
    states = Counter()
    for child in children.values():
        status = final[child][0] if child in final else child.status
        states[status or "unmarked"] += 1
    return {
        "total": len(children),
        **{s: states.get(s, 0) for s in [*MarkStatus.values, "unmarked"]},
    }


def current_counts(session: Session) -> dict:
    children = _roll_rows(session)
    return _counts(children, {})


def _duplicate(session: Session, submission_id, digest: str) -> RollOutcome:
    stored = (
        RollSubmission.objects.filter(
            district_id=session.district_id, session_id=session.pk, submission_id=submission_id
        )
        .values_list("digest", flat=True)
        .first()
    )
    if stored is not None and stored != digest:
        raise Conflict(
            _("This submission id was already used for a different list; send it with a new id."),
            code="submission_reused",
        )
    roll = (
        RollCall.objects.filter(session_id=session.pk).values_list("public_id", flat=True).first()
    )
    return RollOutcome(duplicate=True, counts=current_counts(session), roll_id=roll)


def _tell_guardians(session, absent, back, submission_id) -> None:
    """Inbox messages to the guardians: an unexcused absence (once per child, session and
    guardian), and a correction when an absence is taken back."""
    day = day_label(session.date)
    time = timezone.localtime().strftime("%H:%M")
    messages = []
    for child in absent:
        url = reverse("attendance_child", args=[child.public_id])
        for user_id in child.guardians:
            messages.append(
                {
                    "district": session.district_id,
                    "recipient": user_id,
                    "key": f"absent:{session.pk}:{child.pk}:{user_id}",
                    "title": _("%(name)s is absent from after-school service (%(date)s)")
                    % {"name": child.name, "date": day},
                    "body": _(
                        "%(name)s was marked absent in %(group)s on %(date)s at %(time)s "
                        "without approved leave. If this is a mistake, please tell the teacher; "
                        "request leave in advance next time."
                    )
                    % {"name": child.name, "group": session.group.name, "date": day, "time": time},
                    "url": url,
                }
            )
    for child in back:
        url = reverse("attendance_child", args=[child.public_id])
        for user_id in child.guardians:
            messages.append(
                {
                    "district": session.district_id,
                    "recipient": user_id,
                    "key": f"absent-corrected:{session.pk}:{child.pk}:{user_id}:{submission_id}",
                    "title": _("Correction: %(name)s was not absent (%(date)s)")
                    % {"name": child.name, "date": day},
                    "body": _("The teacher corrected the roll of %(group)s: %(name)s is there.")
                    % {"name": child.name, "group": session.group.name},
                    "url": url,
                }
            )
    inbox(messages)
