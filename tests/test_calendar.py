from datetime import date

import pytest

from aftercare import services
from aftercare.calendar import school_days
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import CalendarKind, Semester

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(world):
    # Mon 2026-09-28 … Sun 2026-10-11: two weeks = 10 weekdays.
    return Semester.objects.create(
        district=world.a,
        name="two weeks",
        start_date=date(2026, 9, 28),
        end_date=date(2026, 10, 11),
    )


def add(world, semester, day, kind, **kw):
    return services.add_calendar_exception(
        actor=world.users["official_a"], semester=semester, day=day, kind=kind, **kw
    )


def test_plain_weeks_are_monday_to_friday(world, week):
    days = school_days(week)
    assert len(days) == 10
    assert all(d.date.weekday() < 5 for d in days)


def test_holidays_and_makeup_days(world, week):
    for d in range(1, 8):
        add(world, week, date(2026, 10, d), CalendarKind.HOLIDAY)
    add(world, week, date(2026, 10, 10), CalendarKind.MAKEUP_DAY, follows_weekday=3)
    days = school_days(week)
    # Mon 28, Tue 29, Wed 30 Sept; Thu 8, Fri 9 Oct; make-up Sat 10 Oct.
    assert [d.date.day for d in days] == [28, 29, 30, 8, 9, 10]
    assert days[-1].weekday == 3  # Saturday follows Thursday's timetable


def test_school_event_only_affects_that_school(world, week):
    services.add_calendar_exception(
        actor=world.users["principal_a1"],
        semester=week,
        day=date(2026, 9, 29),
        kind=CalendarKind.EVENT,
        school=world.schools["a1"],
        note="运动会",
    )
    assert len(school_days(week, world.schools["a1"])) == 9
    assert len(school_days(week, world.schools["a2"])) == 10
    assert len(school_days(week)) == 10


def test_principal_cannot_set_district_holidays(world, week):
    with pytest.raises(NotAllowed):
        services.add_calendar_exception(
            actor=world.users["principal_a1"],
            semester=week,
            day=date(2026, 9, 29),
            kind=CalendarKind.HOLIDAY,
        )


@pytest.mark.parametrize(
    ("day", "kind", "kwargs", "field"),
    [
        (date(2026, 12, 1), CalendarKind.HOLIDAY, {}, "date"),
        (date(2026, 9, 29), "vacation", {}, "kind"),
        (date(2026, 9, 29), CalendarKind.HOLIDAY, {"follows_weekday": 1}, "follows_weekday"),
    ],
)
def test_bad_exceptions_are_rejected_with_field_errors(world, week, day, kind, kwargs, field):
    with pytest.raises(InvalidInput) as err:
        add(world, week, day, kind, **kwargs)
    assert field in err.value.fields
    assert not week.exceptions.exists()


def test_duplicate_date_is_a_field_error_not_a_crash(world, week):
    add(world, week, date(2026, 9, 29), CalendarKind.HOLIDAY)
    with pytest.raises(InvalidInput) as err:
        add(world, week, date(2026, 9, 29), CalendarKind.EVENT)
    assert "date" in err.value.fields
