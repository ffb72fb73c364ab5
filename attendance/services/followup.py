"""Follow-up of a child's attendance: flags, warnings, dismissal (劝退).

* ``flag_absences`` / ``flag_late_pickups`` — called by the roll and pickup services inside
  their transaction: count the children's unexcused absent days (late pickups) within the
  policy's window ending on the session's day (each kind has its own count and window in the
  district policy); at the policy's count, one ``INSERT … ON
  CONFLICT DO NOTHING`` opens a flag (a partial unique index keeps one open flag per child
  and kind, whatever runs concurrently) and the homeroom teacher is told.
* ``issue_warning`` — a recorded warning to the guardians (homeroom teacher or school).
* ``dismiss_student`` — the school's decision; refused until the semester holds the
  policy's number of recorded warnings for the child. In the same transaction the child's
  participating application(s) of the semester are withdrawn by the school
  (``enrollment.services.applications.withdraw_by_school``): seats go to the waiting lists
  and billing's withdrawal sweep refunds as for a family's withdrawal.
* ``close_follow_up`` — the school closes a flag with a note.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import Semester, User
from aftercare.tenancy import Scope
from enrollment.models import Application, ApplicationStatus, Guardianship, Student
from enrollment.services.applications import withdraw_by_school
from scheduling.models import Session

from ..access import is_homeroom_teacher, is_manager
from ..models import (
    AttendanceMark,
    AttendanceWarning,
    Departure,
    Dismissal,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    MarkStatus,
)
from ..selectors.common import policy_for_semester, policy_for_session
from .common import clean_text, day_label, inbox

TEXT_MAX = 500

OPEN_FLAGS = """
INSERT INTO attendance_followup
    (public_id, district_id, school_id, student_id, kind, count, window_days, opened_at,
     status, close_note)
SELECT gen_random_uuid(), %(district)s, %(school)s, v.student_id, %(kind)s, v.n, %(window)s,
       %(now)s, 'open', ''
FROM unnest(%(students)s::bigint[], %(counts)s::int[]) AS v(student_id, n)
ON CONFLICT (district_id, student_id, kind) WHERE status = 'open' DO NOTHING
RETURNING student_id, count
"""


def _window(day: date, days: int) -> tuple[date, date]:
    return day - timedelta(days=days - 1), day


def flag_absences(*, session: Session, student_ids: list[int], now: datetime | None = None) -> int:
    """Open an absence flag for each child among ``student_ids`` whose unexcused absent days
    in the policy's window reach its count. Returns the number of flags opened."""
    policy = policy_for_session(session)
    start, end = _window(session.date, policy.unexcused_absence_window_days)
    rows = (
        AttendanceMark.objects.filter(
            student_id__in=student_ids,
            status=MarkStatus.ABSENT,
            date__gte=start,
            date__lte=end,
        )
        .values("student_id")
        .annotate(n=Count("date", distinct=True))
    )
    due = {r["student_id"]: r["n"] for r in rows if r["n"] >= policy.unexcused_absence_flag_count}
    return _open(session, FollowUpKind.ABSENCES, due, policy.unexcused_absence_window_days, now=now)


def flag_late_pickups(
    *, session: Session, student_ids: list[int], now: datetime | None = None
) -> int:
    """As ``flag_absences``, for late pickups, with the policy's own late-pickup count and
    window (``late_pickup_flag_count`` within ``late_pickup_window_days``)."""
    policy = policy_for_session(session)
    start, end = _window(session.date, policy.late_pickup_window_days)
    rows = (
        Departure.objects.filter(
            student_id__in=student_ids, is_late=True, date__gte=start, date__lte=end
        )
        .values("student_id")
        .annotate(n=Count("date", distinct=True))
    )
    due = {r["student_id"]: r["n"] for r in rows if r["n"] >= policy.late_pickup_flag_count}
    return _open(session, FollowUpKind.LATE_PICKUPS, due, policy.late_pickup_window_days, now=now)


def _open(session: Session, kind: str, due: dict[int, int], window: int, *, now=None) -> int:
    if not due:
        return 0
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            OPEN_FLAGS,
            {
                "district": session.district_id,
                "school": session.school_id,
                "kind": kind,
                "window": window,
                "now": now,
                "students": list(due),
                "counts": list(due.values()),
            },
        )
        opened = dict(cursor.fetchall())
    if not opened:
        return 0
    students = Student.objects.filter(pk__in=opened).select_related("school_class")
    label = dict(FollowUpKind.choices)[kind]
    messages = []
    for student in students:
        record_event(
            actor=None,
            action="followup.opened",
            obj=student,
            payload={"kind": kind, "count": opened[student.pk], "window_days": window},
        )
        teacher = student.school_class.homeroom_teacher_id
        if teacher is None:
            continue
        messages.append(
            {
                "district": session.district_id,
                "recipient": teacher,
                "key": f"followup:{kind}:{student.pk}:{session.date}",
                "title": _("%(name)s needs follow-up: %(what)s")
                % {"name": student.name, "what": label},
                "body": _("%(n)d times within %(days)d days (up to %(date)s).")
                % {"n": opened[student.pk], "days": window, "date": day_label(session.date)},
                "url": reverse("attendance_followups"),
            }
        )
    inbox(messages)
    return len(opened)


# --------------------------------------------------------------------------- school's steps


def semester_of(student: Student, day: date | None = None) -> Semester:
    """The semester of the child's latest application (the one running on ``day`` first)."""
    day = day or timezone.localdate()
    apps = Application.objects.filter(student=student).select_related("semester")
    running = apps.filter(semester__start_date__lte=day, semester__end_date__gte=day).first()
    app = running or apps.order_by("-semester__start_date").first()
    if app is None:
        raise Conflict(
            _("%(name)s has no application for after-school service.") % {"name": student.name},
            code="no_application",
        )
    return app.semester


def _require_class_or_school(actor: User, student: Student) -> None:
    scope = Scope(actor)
    if not (
        is_manager(scope, student.school_id) or is_homeroom_teacher(actor, student.school_class)
    ):
        raise NotAllowed(
            _("Only the homeroom teacher of %(name)s or the school's managers can do this.")
            % {"name": student.name}
        )


def _guardian_messages(student, *, title, body, key, url=None) -> list[dict]:
    url = url or reverse("attendance_child", args=[student.public_id])
    return [
        {
            "district": student.district_id,
            "recipient": user_id,
            "key": f"{key}:{user_id}",
            "title": title,
            "body": body,
            "url": url,
        }
        for user_id in Guardianship.objects.filter(student=student).values_list(
            "user_id", flat=True
        )
    ]


@transaction.atomic
def issue_warning(
    *,
    actor: User,
    student: Student,
    text: str,
    follow_up: FollowUp | None = None,
    now: datetime | None = None,
) -> AttendanceWarning:
    """Record a warning and send it to the guardians. Errors: NotAllowed, InvalidInput (text),
    Conflict ``no_application``."""
    now = now or timezone.now()
    _require_class_or_school(actor, student)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(fields={"text": [_("Write the warning to the family.")]})
    if len(text) > TEXT_MAX:
        raise InvalidInput(fields={"text": [_("At most %(max)d characters.") % {"max": TEXT_MAX}]})
    if follow_up is not None and follow_up.student_id != student.pk:
        raise InvalidInput(fields={"follow_up": [_("This flag is about another child.")]})
    semester = semester_of(student, timezone.localdate(now))
    warning = AttendanceWarning.objects.create(
        district_id=student.district_id,
        school_id=student.school_id,
        semester=semester,
        student=student,
        follow_up=follow_up,
        text=text,
        issued_by=actor,
        issued_at=now,
    )
    n = AttendanceWarning.objects.filter(student=student, semester=semester).count()
    record_event(
        actor=actor,
        action="attendance.warning_issued",
        obj=student,
        payload={"warning": str(warning.public_id), "number": n},
    )
    inbox(
        _guardian_messages(
            student,
            title=_("Warning about %(name)s's after-school attendance (%(n)d)")
            % {"name": student.name, "n": n},
            body=text,
            key=f"warning:{warning.pk}",
        )
    )
    return warning


@transaction.atomic
def dismiss_student(
    *,
    actor: User,
    student: Student,
    last_day: date,
    reason: str,
    now: datetime | None = None,
) -> Dismissal:
    """The school ends a child's after-school service (劝退) after its last day. Refused
    (Conflict ``warnings_missing``) until the semester holds the policy's number of recorded
    warnings. The child's participating applications of the semester are withdrawn by the
    school with the same last day and reason (see the module doc). Errors: NotAllowed
    (managers only), InvalidInput (last day, reason), Conflict ``already_dismissed``."""
    now = now or timezone.now()
    if not is_manager(Scope(actor), student.school_id):
        raise NotAllowed(_("Only the school's principal or administrators can dismiss a child."))
    reason = clean_text(reason, TEXT_MAX + 1)
    errors = {}
    if not reason:
        errors["reason"] = [_("Give the reason for the dismissal.")]
    elif len(reason) > TEXT_MAX:
        errors["reason"] = [_("At most %(max)d characters.") % {"max": TEXT_MAX}]
    today = timezone.localdate(now)
    if last_day is None or last_day < today:
        errors["last_day"] = [
            _("The last day cannot be before today (%(today)s).") % {"today": day_label(today)}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    semester = semester_of(student, today)
    if last_day > semester.end_date:
        raise InvalidInput(
            fields={
                "last_day": [
                    _("The semester ends on %(date)s.") % {"date": day_label(semester.end_date)}
                ]
            }
        )
    policy = policy_for_semester(semester)
    warnings = AttendanceWarning.objects.filter(student=student, semester=semester).count()
    if warnings < policy.warnings_before_dismissal:
        raise Conflict(
            _(
                "%(name)s has %(n)d recorded warning(s) this semester; the district policy "
                "requires %(min)d before a dismissal."
            )
            % {"name": student.name, "n": warnings, "min": policy.warnings_before_dismissal},
            code="warnings_missing",
        )
    try:
        with transaction.atomic():
            dismissal = Dismissal.objects.create(
                district_id=student.district_id,
                school_id=student.school_id,
                semester=semester,
                student=student,
                last_day=last_day,
                reason=reason,
                warnings=warnings,
                decided_by=actor,
                decided_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("%(name)s was already dismissed this semester.") % {"name": student.name},
            code="already_dismissed",
        ) from exc
    withdrawn = [
        withdraw_by_school(
            actor=actor,
            application=app,
            last_day=last_day,
            reason=reason,
            source=f"dismissal:{dismissal.public_id}",
            tell_family=False,
            now=now,
        )
        for app in Application.objects.filter(
            student=student,
            semester=semester,
            status__in=[ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWAL_REQUESTED],
        ).order_by("pk")
    ]
    FollowUp.objects.filter(student=student, status=FollowUpStatus.OPEN).update(
        status=FollowUpStatus.CLOSED,
        closed_by=actor,
        closed_at=now,
        close_note=_("Dismissed (劝退) after %(n)d warnings.") % {"n": warnings},
    )
    record_event(
        actor=actor,
        action="attendance.dismissed",
        obj=student,
        payload={
            "dismissal": str(dismissal.public_id),
            "last_day": str(last_day),
            "warnings": warnings,
            "applications_withdrawn": [str(a.public_id) for a in withdrawn],
        },
    )
    inbox(
        _guardian_messages(
            student,
            title=_("After-school service of %(name)s ends on %(date)s")
            % {"name": student.name, "date": day_label(last_day)},
            body=reason,
            key=f"dismissal:{dismissal.pk}",
        )
    )
    return dismissal


@transaction.atomic
def close_follow_up(*, actor: User, follow_up: FollowUp, note: str, now=None) -> FollowUp:
    """Close an open flag with a note. Errors: NotAllowed, InvalidInput, Conflict."""
    now = now or timezone.now()
    follow_up = (
        FollowUp.objects.select_for_update()
        .select_related("student__school_class")
        .get(pk=follow_up.pk)
    )
    _require_class_or_school(actor, follow_up.student)
    if follow_up.status != FollowUpStatus.OPEN:
        raise Conflict(_("This flag is already closed."), code="closed")
    note = clean_text(note, 301)
    if not note or len(note) > 300:
        raise InvalidInput(fields={"note": [_("Write what was done (at most 300 characters).")]})
    follow_up.status = FollowUpStatus.CLOSED
    follow_up.closed_by = actor
    follow_up.closed_at = now
    follow_up.close_note = note
    follow_up.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
    record_event(
        actor=actor,
        action="followup.closed",
        obj=follow_up.student,
        payload={"kind": follow_up.kind, "note": note},
    )
    return follow_up
