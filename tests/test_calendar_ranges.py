"""The district calendar as ranges (issue 13): 国庆 entered, shown, edited and removed as one
range of seven days while every day stays stored (what ``school_days`` reads); the month view."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from aftercare import services
from aftercare.calendar import month_grid, ranges_of, school_days
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import AuditEvent, CalendarException, CalendarKind

pytestmark = pytest.mark.django_db


def _national_day(world, **kw):
    return services.add_calendar_range(
        actor=world.users["official_a"],
        semester=world.semesters["a"],
        first=date(2026, 10, 1),
        last=date(2026, 10, 7),
        kind=CalendarKind.HOLIDAY,
        note="国庆节",
        **kw,
    )


def _url(world, key="a"):
    return reverse("semester_detail", args=[world.semesters[key].public_id])


def test_a_range_stores_every_day_and_reads_as_one_range(world):
    created = _national_day(world)
    assert [e.date.day for e in created] == [1, 2, 3, 4, 5, 6, 7]
    days = {d.date for d in school_days(world.semesters["a"])}
    assert not any(date(2026, 10, d) in days for d in range(1, 8))
    assert date(2026, 10, 8) in days
    (rng,) = ranges_of(world.semesters["a"].exceptions.all())
    assert (rng.first, rng.last, rng.days, rng.note) == (
        date(2026, 10, 1),
        date(2026, 10, 7),
        7,
        "国庆节",
    )
    assert AuditEvent.objects.filter(action="calendar.exception_added").count() == 7


def test_different_notes_or_gaps_are_separate_ranges(world):
    _national_day(world)
    services.add_calendar_range(
        actor=world.users["official_a"],
        semester=world.semesters["a"],
        first=date(2026, 10, 10),
        last=date(2026, 10, 10),
        kind=CalendarKind.MAKEUP_DAY,
        follows_weekday=3,
    )
    ranges = ranges_of(world.semesters["a"].exceptions.all())
    assert [(r.first.day, r.last.day, r.kind) for r in ranges] == [
        (1, 7, CalendarKind.HOLIDAY),
        (10, 10, CalendarKind.MAKEUP_DAY),
    ]


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (date(2026, 10, 7), date(2026, 10, 1), "end_date"),  # backwards
        (date(2026, 10, 1), date(2026, 11, 15), "end_date"),  # over 31 days
        (date(2027, 1, 20), date(2027, 1, 25), "date"),  # runs past the semester
        (date(2026, 10, 5), date(2026, 10, 9), "date"),  # overlaps 国庆
    ],
)
def test_bad_ranges_change_nothing(world, first, last, field):
    _national_day(world)
    before = CalendarException.objects.count()
    with pytest.raises(InvalidInput) as err:
        services.add_calendar_range(
            actor=world.users["official_a"],
            semester=world.semesters["a"],
            first=first,
            last=last,
            kind=CalendarKind.HOLIDAY,
        )
    assert field in err.value.fields
    assert CalendarException.objects.count() == before


def test_a_principal_cannot_enter_district_ranges(world):
    with pytest.raises(NotAllowed):
        services.add_calendar_range(
            actor=world.users["principal_a1"],
            semester=world.semesters["a"],
            first=date(2026, 10, 1),
            last=date(2026, 10, 3),
            kind=CalendarKind.HOLIDAY,
        )
    assert not CalendarException.objects.exists()


def test_month_grid_marks_holidays_and_weekends(world):
    _national_day(world)
    weeks = month_grid(world.semesters["a"], 2026, 10, CalendarException.objects.all())
    assert weeks[0][0].date == date(2026, 9, 28)  # Monday first
    cells = {d.date: d for week in weeks for d in week}
    assert cells[date(2026, 10, 1)].kind == CalendarKind.HOLIDAY
    assert cells[date(2026, 10, 8)].kind == "school"
    assert cells[date(2026, 10, 10)].kind == "weekend"
    assert not cells[date(2026, 9, 30)].in_month
    assert all(len(week) == 7 for week in weeks)


# --------------------------------------------------------------------------- the page


def test_the_page_shows_one_row_per_range_and_the_month(world, client, login):
    _national_day(world)
    login(world.users["official_a"])
    with translation.override("en"):
        response = client.get(_url(world) + "?month=2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="calendar-range"') == 1
    assert "2026-10-01 – 10-07" in html
    assert 'class="holiday"' in html or "holiday" in html
    assert "2026-10" in html
    # A month outside the semester, or garbage, falls back to a month of the semester.
    for bad in ("2030-01", "x-y", "2026-13"):
        assert client.get(_url(world) + f"?month={bad}").status_code == 200


def test_add_edit_and_remove_a_range_on_the_page(world, client, login):
    login(world.users["official_a"])
    response = client.post(
        _url(world),
        {"date": "2026-10-01", "end_date": "2026-10-07", "kind": "holiday", "note": "国庆节"},
    )
    assert response.status_code == 302
    assert CalendarException.objects.filter(semester=world.semesters["a"]).count() == 7
    first = CalendarException.objects.order_by("date").first()
    # Edit: the range becomes 1–3 October, in one step.
    assert client.get(_url(world) + f"?edit={first.pk}").status_code == 200
    response = client.post(
        _url(world),
        {
            "replace": first.pk,
            "date": "2026-10-01",
            "end_date": "2026-10-03",
            "kind": "holiday",
            "note": "国庆节",
        },
    )
    assert response.status_code == 302
    assert sorted(e.date.day for e in CalendarException.objects.all()) == [1, 2, 3]
    # A bad edit keeps the old range (nothing half-written).
    first = CalendarException.objects.order_by("date").first()
    response = client.post(
        _url(world),
        {"replace": first.pk, "date": "2026-10-05", "end_date": "2026-10-01", "kind": "holiday"},
    )
    assert response.status_code == 200
    assert sorted(e.date.day for e in CalendarException.objects.all()) == [1, 2, 3]
    # Remove: the whole range at once.
    response = client.post(
        reverse("calendar_exception_delete", args=[world.semesters["a"].public_id, first.pk])
    )
    assert response.status_code == 302
    assert not CalendarException.objects.exists()


def test_a_principal_reads_but_cannot_remove_district_ranges(world, client, login):
    (first, *_rest) = _national_day(world)
    login(world.users["principal_a1"])
    assert client.get(_url(world)).status_code == 200
    assert client.get(_url(world) + f"?edit={first.pk}").status_code == 404
    response = client.post(
        reverse("calendar_exception_delete", args=[world.semesters["a"].public_id, first.pk])
    )
    assert response.status_code == 403
    assert CalendarException.objects.count() == 7
    # Their own school's event, as a range of two days.
    response = client.post(
        _url(world),
        {"date": "2026-11-02", "end_date": "2026-11-03", "kind": "event", "note": "运动会"},
    )
    assert response.status_code == 302
    assert CalendarException.objects.filter(school=world.schools["a1"]).count() == 2


def test_another_districts_calendar_is_404(world, client, login):
    login(world.users["official_a"])
    assert client.get(_url(world, "b")).status_code == 404
    assert client.get(_url(world) + "?edit=abc").status_code == 404
