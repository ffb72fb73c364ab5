"""Writes of the core domain. Keyword-only, one transaction each, audited.

Every function authorizes its actor against the tenant (``NotAllowed`` for a wrong role in
the right tenant; callers have already looked objects up through ``visible_to`` so foreign
objects never reach here) and raises ``InvalidInput`` with field messages for bad data.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare import rules
from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import (
    DISTRICT_ROLES,
    CalendarException,
    CalendarKind,
    District,
    Membership,
    Notification,
    Role,
    School,
    Semester,
    User,
)
from aftercare.tenancy import Scope


@transaction.atomic
def create_semester(
    *, actor: User, district: District, name: str, start_date: date, end_date: date
) -> Semester:
    """Create a semester of ``district``.

    Errors: NotAllowed; InvalidInput (name, dates); Conflict ``semester_exists`` when the
    district has a semester of that name. The unique constraint (district, name) decides, not
    a look beforehand, so two officials creating the same semester at once get one semester
    and one 409, never a 500.
    """
    rules.require(
        rules.can_create_semester(Scope(actor), district.pk),
        _("Only district officials can do this."),
    )
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    if start_date and end_date and end_date <= start_date:
        errors["end_date"] = [_("The last day must be after the first day.")]
    if errors:
        raise InvalidInput(fields=errors)
    try:
        with transaction.atomic():
            semester = Semester.objects.create(
                district=district, name=name, start_date=start_date, end_date=end_date
            )
    except IntegrityError as err:
        if getattr(getattr(err.__cause__, "diag", None), "constraint_name", None) != (
            "semester_name_unique"
        ):
            raise
        message = _("A semester named %(name)s already exists.") % {"name": name}
        raise Conflict(message, code="semester_exists", fields={"name": [message]}) from err
    record_event(
        actor=actor,
        action="semester.created",
        obj=semester,
        payload={"start_date": str(start_date), "end_date": str(end_date)},
    )
    return semester


@transaction.atomic
def add_calendar_exception(
    *,
    actor: User,
    semester: Semester,
    day: date,
    kind: str,
    school: School | None = None,
    note: str = "",
    follows_weekday: int | None = None,
) -> CalendarException:
    """Mark a date as a holiday, a make-up school day or a school event.

    District officials set district-wide dates and any school's; principals and school admins
    set their own school's events. Errors: NotAllowed, InvalidInput (date, kind, school).
    """
    rules.require(rules.can_edit_school_calendar(Scope(actor), semester.district_id, school))
    errors: dict[str, list[str]] = {}
    if kind not in CalendarKind.values:
        errors["kind"] = [_("Choose a valid kind.")]
    if not (semester.start_date <= day <= semester.end_date):
        errors["date"] = [
            _("The date must lie within the semester (%(start)s to %(end)s).")
            % {"start": semester.start_date, "end": semester.end_date}
        ]
    if school is not None and school.district_id != semester.district_id:
        errors["school"] = [_("Choose a school of this district.")]
    if follows_weekday is not None and kind != CalendarKind.MAKEUP_DAY:
        errors["follows_weekday"] = [_("Only a make-up day follows another day's timetable.")]
    if errors:
        raise InvalidInput(fields=errors)
    try:
        with transaction.atomic():
            exc = CalendarException.objects.create(
                district_id=semester.district_id,
                semester=semester,
                school=school,
                date=day,
                kind=kind,
                note=(note or "").strip()[:100],
                follows_weekday=follows_weekday,
            )
    except IntegrityError as err:
        raise InvalidInput(
            fields={"date": [_("This date already has an entry; remove it first.")]}
        ) from err
    record_event(
        actor=actor,
        action="calendar.exception_added",
        obj=semester,
        school=school,
        payload={"date": str(day), "kind": kind, "note": exc.note},
    )
    return exc


@transaction.atomic
def remove_calendar_exception(*, actor: User, exception: CalendarException) -> None:
    rules.require(
        rules.can_edit_school_calendar(Scope(actor), exception.district_id, exception.school)
    )
    semester = exception.semester
    payload = {"date": str(exception.date), "kind": exception.kind}
    exception.delete()
    record_event(
        actor=actor,
        action="calendar.exception_removed",
        obj=semester,
        school=exception.school,
        payload=payload,
    )


@transaction.atomic
def grant_role(
    *, actor: User | None, user: User, role: str, district: District, school: School | None = None
) -> Membership:
    """Give ``user`` a role (idempotent). ``actor`` None means the system (seeding, imports)."""
    if role not in Role.values:
        raise InvalidInput(fields={"role": [_("Choose a valid role.")]})
    if school is not None and school.district_id != district.pk:
        raise InvalidInput(fields={"school": [_("Choose a school of this district.")]})
    if role in DISTRICT_ROLES:
        school = None
    elif school is None:
        raise InvalidInput(fields={"school": [_("This role belongs to a school.")]})
    if actor is not None:
        rules.require(rules.can_grant_role(Scope(actor), district.pk, school))
    membership, created = Membership.objects.get_or_create(
        user=user, district=district, school=school, role=role
    )
    if created:
        record_event(
            actor=actor,
            action="membership.granted",
            obj=user,
            district=district,
            school=school,
            payload={"role": role},
        )
    return membership


def mark_notifications_read(*, user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


MAX_RANGE_DAYS = 31


@transaction.atomic
def add_calendar_range(
    *,
    actor: User,
    semester: Semester,
    first: date,
    last: date,
    kind: str,
    school: School | None = None,
    note: str = "",
    follows_weekday: int | None = None,
    replacing: list[CalendarException] | None = None,
) -> list[CalendarException]:
    """Mark every day from ``first`` to ``last`` (国庆: 1–7 October) at once, one entry per day
    (what ``school_days`` and the plans' calendar read). ``replacing``: the entries of the
    range being edited, removed in the same transaction. All or nothing: a bad date, a day
    already taken or a range over 31 days changes nothing. Errors: NotAllowed, InvalidInput."""
    if last is None:
        last = first
    if last < first:
        raise InvalidInput(fields={"end_date": [_("The end must be after the start.")]})
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            fields={"end_date": [_("A range covers at most %(n)d days.") % {"n": MAX_RANGE_DAYS}]}
        )
    for exc in replacing or ():
        remove_calendar_exception(actor=actor, exception=exc)
    created = []
    day = first
    try:
        while day <= last:
            created.append(
                add_calendar_exception(
                    actor=actor,
                    semester=semester,
                    day=day,
                    kind=kind,
                    school=school,
                    note=note,
                    follows_weekday=follows_weekday,
                )
            )
            day += timedelta(days=1)
    except InvalidInput as err:
        fields = dict(err.fields or {})
        if "date" in fields:
            fields["date"] = [f"{day:%Y-%m-%d}: {m}" for m in fields["date"]]
        raise InvalidInput(fields=fields) from err
    return created


@transaction.atomic
def remove_calendar_range(*, actor: User, exceptions: list[CalendarException]) -> None:
    """Remove every day of a range (each removal authorized and audited)."""
    for exc in exceptions:
        remove_calendar_exception(actor=actor, exception=exc)
