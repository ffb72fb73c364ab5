"""Weekly activity records (每周活动记录): the homeroom teacher writes one per class and week;
the school archives a semester's records at term end (read-only afterwards, also in the
database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import School, SchoolClass, Semester, User
from aftercare.tenancy import Scope

from ..access import is_homeroom_teacher, is_manager
from ..models import WeeklyRecord
from ..models.records import TEXT_MAX
from .common import day_label


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@transaction.atomic
def save_weekly_record(
    *,
    actor: User,
    school_class: SchoolClass,
    week_start: date,
    activities: str,
    highlights: str = "",
    safety: str = "",
    now: datetime | None = None,
) -> WeeklyRecord:
    """Write or rewrite the record of a class and week (the homeroom teacher). Errors:
    NotAllowed, InvalidInput (week, texts), Conflict ``archived``."""
    now = now or timezone.now()
    if not is_homeroom_teacher(actor, school_class):
        raise NotAllowed(
            _("Only the homeroom teacher of %(class)s writes its record.")
            % {"class": school_class.name}
        )
    errors: dict[str, list[str]] = {}
    if week_start is None or week_start.weekday() != 0:
        errors["week_start"] = [_("Choose the Monday of the week.")]
    elif week_start > timezone.localdate(now):
        errors["week_start"] = [_("The week has not started yet.")]
    texts = {"activities": activities, "highlights": highlights, "safety": safety}
    for name, text in texts.items():
        texts[name] = (text or "").strip()
        if len(texts[name]) > TEXT_MAX:
            errors[name] = [_("At most %(max)d characters.") % {"max": TEXT_MAX}]
    if not texts["activities"]:
        errors["activities"] = [_("Write what the class did this week.")]
    semester = None
    if not errors:
        semester = (
            Semester.objects.filter(
                district_id=school_class.district_id,
                start_date__lte=week_start + timedelta(days=6),
                end_date__gte=week_start,
            )
            .order_by("-start_date")
            .first()
        )
        if semester is None:
            errors["week_start"] = [
                _("The week of %(date)s lies outside every semester.")
                % {"date": day_label(week_start)}
            ]
    if errors:
        raise InvalidInput(fields=errors)
    record = (
        WeeklyRecord.objects.select_for_update()
        .filter(school_class=school_class, week_start=week_start)
        .first()
    )
    if record is not None and record.archived_at is not None:
        raise Conflict(_("This record is archived and can no longer be changed."), code="archived")
    if record is None:
        try:
            with transaction.atomic():
                record = WeeklyRecord.objects.create(
                    district_id=school_class.district_id,
                    school_id=school_class.school_id,
                    school_class=school_class,
                    semester=semester,
                    week_start=week_start,
                    filled_by=actor,
                    created_at=now,
                    updated_at=now,
                    **texts,
                )
        except IntegrityError as exc:
            raise Conflict(code="changed") from exc
        action = "weekly_record.written"
    else:
        for name, text in texts.items():
            setattr(record, name, text)
        record.filled_by = actor
        record.updated_at = now
        record.save(update_fields=[*texts, "filled_by", "updated_at"])
        action = "weekly_record.changed"
    record_event(
        actor=actor,
        action=action,
        obj=school_class,
        payload={"week": str(week_start), "record": str(record.public_id)},
    )
    return record


@transaction.atomic
def archive_weekly_records(
    *, actor: User, school: School, semester: Semester, now: datetime | None = None
) -> int:
    """Archive every record of ``school`` in ``semester`` (one UPDATE); returns how many.
    Errors: NotAllowed (managers only)."""
    now = now or timezone.now()
    if not is_manager(Scope(actor), school.pk):
        raise NotAllowed(_("Only the school's managers archive the records."))
    n = WeeklyRecord.objects.filter(
        school=school, semester=semester, archived_at__isnull=True
    ).update(archived_at=now, archived_by=actor)
    record_event(
        actor=actor,
        action="weekly_record.archived",
        obj=school,
        payload={"semester": str(semester.public_id), "records": n},
    )
    return n
