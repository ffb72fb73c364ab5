"""The plan calendar (plans/calendar.py): properties over generated plans and calendars.

The property tests build everything in memory (no ``django_db`` mark: a database access would
fail them, which is how they show that ``build_calendar`` and ``check_plan`` are pure). The
last tests load a real plan from the database and compare the loader with the check.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aftercare.calendar import school_days
from aftercare.models import CalendarException, CalendarKind, Semester
from plans.calendar import build_calendar, plan_calendar, yuan
from plans.checks import check_plan, evaluate
from plans.models import Course, DistrictPolicy, PlanVersion, ServicePeriod
from plans.presets import preset_fields

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNITS = ["free", "per_lesson", "per_hour", "per_month", "per_semester"]
GRADES = [1, 2, 3, 4, 5, 6]


def _time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


@st.composite
def semesters(draw):
    start = draw(st.dates(min_value=date(2026, 8, 20), max_value=date(2027, 3, 1)))
    length = draw(st.integers(min_value=1, max_value=140))
    return Semester(name="s", start_date=start, end_date=start + timedelta(days=length))


@st.composite
def calendars(draw, semester):
    """Holidays, school events and 调休 make-up days (a weekend day following a weekday)."""
    span = (semester.end_date - semester.start_date).days
    offsets = draw(st.lists(st.integers(0, span), max_size=12, unique=True))
    out = []
    for offset in offsets:
        day = semester.start_date + timedelta(days=offset)
        if day.weekday() >= 5:
            follows = draw(st.one_of(st.none(), st.integers(0, 4)))
            out.append(
                CalendarException(date=day, kind=CalendarKind.MAKEUP_DAY, follows_weekday=follows)
            )
        else:
            kind = draw(st.sampled_from([CalendarKind.HOLIDAY, CalendarKind.EVENT]))
            out.append(CalendarException(date=day, kind=kind))
    return out


@st.composite
def periods(draw, semester):
    rows = []
    count = draw(st.integers(0, 5))
    for pk in range(1, count + 1):
        start = draw(st.integers(11 * 12, 17 * 12)) * 5  # 11:00–17:00 in 5-minute steps
        length = draw(st.integers(2, 36)) * 5  # 10 minutes to 3 hours
        seasonal = draw(st.booleans()) and pk > 1
        valid_from = valid_until = None
        if seasonal:
            span = (semester.end_date - semester.start_date).days
            a, b = sorted(draw(st.lists(st.integers(-10, span + 10), min_size=2, max_size=2)))
            valid_from = semester.start_date + timedelta(days=a)
            valid_until = semester.start_date + timedelta(days=b)
        rows.append(
            ServicePeriod(
                pk=pk,
                grades=sorted(draw(st.sets(st.sampled_from(GRADES), min_size=1))),
                weekdays=sorted(draw(st.sets(st.integers(0, 6), min_size=1))),
                start_time=_time(start),
                end_time=_time(start + length),
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )
    return rows


@st.composite
def courses(draw):
    rows = []
    for pk in range(1, draw(st.integers(0, 3)) + 1):
        start = draw(st.integers(15 * 12, 17 * 12)) * 5
        rows.append(
            Course(
                pk=100 + pk,
                name=f"c{pk}",
                grades=[3, 4],
                weekdays=sorted(draw(st.sets(st.integers(0, 6), min_size=1))),
                start_time=_time(start),
                end_time=_time(start + draw(st.integers(4, 24)) * 5),
                capacity=30,
                min_size=15,
                fee_per_lesson=Decimal(draw(st.integers(0, 3000))) / 100,
            )
        )
    return rows


@st.composite
def plans(draw):
    semester = draw(semesters())
    exceptions = draw(calendars(semester))
    days = school_days(semester, None, exceptions=exceptions)
    unit = draw(st.sampled_from(UNITS))
    amount = Decimal(0) if unit == "free" else Decimal(draw(st.integers(1, 80000))) / 100
    version = PlanVersion(basic_fee_unit=unit, basic_fee_amount=amount)
    return {
        "semester": semester,
        "exceptions": exceptions,
        "days": days,
        "version": version,
        "periods": draw(periods(semester)),
        "courses": draw(courses()),
        "lesson_minutes": draw(st.sampled_from([30, 35, 40, 45, 60])),
    }


def build(p):
    return build_calendar(
        version=p["version"],
        periods=p["periods"],
        courses=p["courses"],
        lesson_minutes=p["lesson_minutes"],
        days=p["days"],
    )


def dates_between(semester):
    day = semester.start_date - timedelta(days=1)
    while day <= semester.end_date + timedelta(days=1):
        yield day
        day += timedelta(days=1)


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(plans())
def test_the_check_reports_the_sums_of_the_dated_slots(p):
    policy = DistrictPolicy(
        **{**preset_fields("city_2021")[0], "lesson_minutes": p["lesson_minutes"]}
    )
    evaluation = check_plan(
        version=p["version"],
        semester=p["semester"],
        policy=policy,
        seasons=[],
        grades=GRADES,
        periods=p["periods"],
        courses=p["courses"],
        windows=[],
        days=p["days"],
    )
    cal = build(p)
    amount = p["version"].basic_fee_amount
    assert evaluation.figures.school_days == len(p["days"])
    for fig in evaluation.figures.grades:
        slots = cal.grade_slots(fig.grade)
        assert fig.sessions == len(slots)
        assert fig.minutes == sum(s.minutes for s in slots)
        assert fig.lessons == sum(s.lessons for s in slots)
        assert fig.lessons == sum(s.minutes // p["lesson_minutes"] for s in slots)
        months = {(s.date.year, s.date.month) for s in slots}
        expected = {
            "free": Decimal("0.00"),
            "per_lesson": yuan(amount * fig.lessons),
            "per_hour": yuan(amount * fig.minutes / 60),
            "per_month": yuan(amount * len(months)),
            "per_semester": yuan(amount),
        }[p["version"].basic_fee_unit]
        assert fig.fee == (expected if slots else Decimal("0.00"))
    for fig in evaluation.figures.courses:
        slots = cal.course_slots(fig.course.pk)
        assert fig.sessions == len(slots)
        assert all(s.lessons >= 1 and s.lessons == fig.lessons_per_session for s in slots)
        assert fig.fee == yuan(fig.course.fee_per_lesson * sum(s.lessons for s in slots))


@PROPERTY
@given(plans())
def test_slots_fall_on_school_days_and_follow_the_timetable_weekday(p):
    cal = build(p)
    by_date = {d.date: d for d in p["days"]}
    closed = {e.date for e in p["exceptions"] if e.kind != CalendarKind.MAKEUP_DAY}
    makeup = {e.date: e for e in p["exceptions"] if e.kind == CalendarKind.MAKEUP_DAY}
    periods = {x.pk: x for x in p["periods"]}
    courses = {c.pk: c for c in p["courses"]}
    for slot in [s for g in GRADES for s in cal.grade_slots(g)] + [
        s for c in courses for s in cal.course_slots(c)
    ]:
        assert slot.date in by_date and slot.date not in closed
        assert p["semester"].start_date <= slot.date <= p["semester"].end_date
        assert slot.weekday == by_date[slot.date].weekday
        if slot.date in makeup and makeup[slot.date].follows_weekday is not None:
            assert slot.weekday == makeup[slot.date].follows_weekday  # a Saturday on Friday's
        elif slot.date.weekday() >= 5 and slot.date not in makeup:
            pytest.fail("a weekend slot without a make-up day")
        part = periods[slot.period_id] if slot.course_id is None else courses[slot.course_id]
        assert slot.weekday in part.weekdays
        assert (slot.start, slot.end) == (part.start_time, part.end_time)
    for course in courses:
        expected = [d.date for d in p["days"] if d.weekday in courses[course].weekdays]
        assert [s.date for s in cal.course_slots(course)] == expected


@PROPERTY
@given(plans())
def test_seasonal_variants_replace_the_regular_periods_on_their_dates(p):
    cal = build(p)
    for grade in GRADES:
        got = {}
        for slot in cal.grade_slots(grade):
            got.setdefault(slot.date, []).append(slot.period_id)
        for day in p["days"]:

            def applies(x, day=day, grade=grade):
                return grade in x.grades and day.weekday in x.weekdays

            seasonal = [
                x.pk
                for x in p["periods"]
                if x.valid_from and applies(x) and x.valid_from <= day.date <= x.valid_until
            ]
            regular = [x.pk for x in p["periods"] if not x.valid_from and applies(x)]
            assert sorted(got.get(day.date, [])) == sorted(seasonal or regular)
        slots = cal.grade_slots(grade)
        assert slots == sorted(slots, key=lambda s: (s.date, s.start, s.period_id))


@PROPERTY
@given(plans(), st.data())
def test_fees_of_a_split_range_add_up_to_the_whole(p, data):
    cal = build(p)
    semester = p["semester"]
    day = data.draw(st.sampled_from(list(dates_between(semester))))
    unit = p["version"].basic_fee_unit
    for grade in GRADES:
        whole = cal.basic_fee(grade)
        before = cal.basic_fee(grade, until=day)
        after = cal.basic_fee(grade, from_date=day + timedelta(days=1))
        assert before >= 0 and after >= 0
        assert before == cal.basic_fee(grade, from_date=semester.start_date, until=day)
        if unit == "per_month":
            # A split inside a month charges that month on both sides (documented rule).
            month_end = (day + timedelta(days=1)).day == 1
            if month_end or not cal.grade_slots(grade):
                assert before + after == whole
            else:
                assert whole <= before + after <= whole + p["version"].basic_fee_amount
        else:
            assert before + after == whole
        if unit in ("per_lesson", "per_hour", "per_semester"):
            # The parts are within a cent of their exact share.
            totals = cal.grade_totals(grade, until=day)
            if cal.grade_slots(grade) and unit != "per_semester":
                exact = p["version"].basic_fee_amount * (
                    totals.lessons if unit == "per_lesson" else Decimal(totals.minutes) / 60
                )
                assert abs(before - exact) <= Decimal("0.01")
    for course in p["courses"]:
        whole = cal.course_fee(course.pk)
        assert (
            cal.course_fee(course.pk, until=day)
            + cal.course_fee(course.pk, from_date=day + timedelta(days=1))
            == whole
        )


@PROPERTY
@given(plans(), st.data())
def test_any_partition_adds_up_exactly_for_lesson_hour_and_semester_units(p, data):
    assume(p["version"].basic_fee_unit in ("per_lesson", "per_hour", "per_semester"))
    cal = build(p)
    cuts = sorted(
        data.draw(st.lists(st.sampled_from(list(dates_between(p["semester"]))), max_size=6))
    )
    edges = [None, *cuts]
    for grade in GRADES:
        parts = []
        for lo, hi in zip(edges, [*cuts, None], strict=True):
            start = None if lo is None else lo + timedelta(days=1)
            if start is not None and hi is not None and start > hi:
                continue
            parts.append(cal.basic_fee(grade, from_date=start, until=hi))
        assert sum(parts, Decimal(0)) == cal.basic_fee(grade)


@PROPERTY
@given(plans())
def test_a_whole_semester_fee_is_the_amount_when_there_is_service(p):
    p["version"].basic_fee_unit = "per_semester"
    p["version"].basic_fee_amount = Decimal("390.00")
    cal = build(p)
    for grade in GRADES:
        expected = Decimal("390.00") if cal.grade_slots(grade) else Decimal("0.00")
        assert cal.basic_fee(grade) == expected
        assert (
            cal.basic_fee(grade, from_date=p["semester"].start_date, until=p["semester"].end_date)
            == expected
        )


# --------------------------------------------------------------------------- examples


def _period(pk, grades, weekdays, start, end, valid=(None, None)):
    return ServicePeriod(
        pk=pk,
        grades=grades,
        weekdays=weekdays,
        start_time=start,
        end_time=end,
        valid_from=valid[0],
        valid_until=valid[1],
    )


def test_a_makeup_saturday_follows_fridays_timetable_and_holidays_have_none():
    # 28 Sep – 11 Oct 2026: National Day week off, Saturday 10 Oct follows Friday (调休).
    semester = Semester(start_date=date(2026, 9, 28), end_date=date(2026, 10, 11))
    exceptions = [
        CalendarException(date=date(2026, 10, d), kind=CalendarKind.HOLIDAY) for d in range(1, 8)
    ]
    exceptions.append(CalendarException(date=date(2026, 10, 8), kind=CalendarKind.EVENT))
    exceptions.append(
        CalendarException(date=date(2026, 10, 10), kind=CalendarKind.MAKEUP_DAY, follows_weekday=4)
    )
    days = school_days(semester, None, exceptions=exceptions)
    cal = build_calendar(
        version=PlanVersion(basic_fee_unit="per_lesson", basic_fee_amount=Decimal("1.80")),
        periods=[
            _period(1, [1, 2], [0, 1, 2, 3, 4], time(15, 30), time(17, 30)),
            _period(2, [1, 2], [4], time(12, 0), time(12, 40)),  # Friday lunch reading
        ],
        courses=[
            Course(
                pk=9,
                weekdays=[4],
                start_time=time(16, 0),
                end_time=time(16, 30),
                fee_per_lesson=Decimal("20.00"),
            )
        ],
        lesson_minutes=40,
        days=days,
    )
    slots = cal.grade_slots(1)
    assert [(s.date.day, s.weekday, s.period_id, s.lessons) for s in slots] == [
        (28, 0, 1, 3),
        (29, 1, 1, 3),
        (30, 2, 1, 3),
        (9, 4, 2, 1),  # Friday: lunch first, then the afternoon
        (9, 4, 1, 3),
        (10, 4, 2, 1),  # the make-up Saturday follows Friday's timetable
        (10, 4, 1, 3),
    ]
    assert cal.grade_totals(1).sessions == 7 and cal.grade_totals(1).days == 5
    assert cal.basic_fee(1) == Decimal("1.80") * 17
    assert [s.date for s in cal.course_slots(9)] == [date(2026, 10, 9), date(2026, 10, 10)]
    assert cal.course_fee(9) == Decimal("40.00")  # 30 minutes still count one 课时
    assert cal.basic_fee(3) == Decimal("0.00") and cal.grade_slots(3) == []


def test_per_hour_and_per_semester_ranges_round_cumulatively():
    semester = Semester(start_date=date(2026, 9, 7), end_date=date(2026, 9, 11))  # Mon–Fri
    days = school_days(semester, None, exceptions=[])
    periods = [_period(1, [1], [0, 1, 2, 3, 4], time(15, 30), time(16, 10))]  # 40 minutes
    hourly = build_calendar(
        version=PlanVersion(basic_fee_unit="per_hour", basic_fee_amount=Decimal("2.00")),
        periods=periods,
        courses=[],
        lesson_minutes=40,
        days=days,
    )
    # 1.333… a day: the days cost 1.33, 1.34, 1.33, 1.33, 1.34 and the week 6.67.
    daily = [hourly.basic_fee(1, from_date=d.date, until=d.date) for d in days]
    assert daily == [Decimal(x) for x in ("1.33", "1.34", "1.33", "1.33", "1.34")]
    assert sum(daily) == hourly.basic_fee(1) == Decimal("6.67")
    semesterly = build_calendar(
        version=PlanVersion(basic_fee_unit="per_semester", basic_fee_amount=Decimal("100.00")),
        periods=periods,
        courses=[],
        lesson_minutes=40,
        days=days,
    )
    assert semesterly.basic_fee(1, until=date(2026, 9, 8)) == Decimal("40.00")
    assert semesterly.basic_fee(1, from_date=date(2026, 9, 9)) == Decimal("60.00")
    monthly = build_calendar(
        version=PlanVersion(basic_fee_unit="per_month", basic_fee_amount=Decimal("40.00")),
        periods=periods,
        courses=[],
        lesson_minutes=40,
        days=school_days(
            Semester(start_date=date(2026, 9, 1), end_date=date(2027, 1, 22)), None, exceptions=[]
        ),
    )
    assert monthly.basic_fee(1) == Decimal("200.00")  # September to January
    assert monthly.basic_fee(1, from_date=date(2026, 11, 15)) == Decimal("120.00")


@pytest.mark.django_db
def test_the_loader_and_the_check_agree_on_a_stored_plan(setup):
    from tests.plans.test_rules import add_course, add_period, set_general

    setup.make_policy("shandong")
    _plan, version = setup.make_plan()  # grades 1–6, 15:30–17:30 on school days
    add_period(
        setup,
        version,
        [1, 2],
        time(18, 0),
        valid_from=date(2026, 9, 1),
        valid_until=date(2026, 9, 30),
    )
    course = add_course(setup, version, weekdays=[4])
    set_general(setup, version, basic_fee_unit="per_lesson", basic_fee_amount=Decimal("1.00"))
    from aftercare.services import add_calendar_exception

    add_calendar_exception(
        actor=setup.official,
        semester=setup.semester,
        day=date(2026, 10, 10),
        kind=CalendarKind.MAKEUP_DAY,
        follows_weekday=4,
    )
    version.refresh_from_db()
    cal = plan_calendar(version)
    evaluation = evaluate(version)
    grades = {f.grade: f for f in evaluation.figures.grades}
    # 99 school days + the make-up Saturday; September's 22 days run 15:30–18:00 for 1–2.
    assert len(cal.days) == 100
    assert grades[1].sessions == len(cal.grade_slots(1)) == 100
    assert grades[1].lessons == 22 * 3 + 78 * 3 == sum(s.lessons for s in cal.grade_slots(1))
    assert grades[1].minutes == 22 * 150 + 78 * 120
    assert grades[3].minutes == 100 * 120
    assert grades[1].fee == cal.basic_fee(1) == Decimal("300.00")
    [course_fig] = evaluation.figures.courses
    assert course_fig.sessions == len(cal.course_slots(course.pk)) == 21  # 20 Fridays + 10 Oct
    assert course_fig.fee == cal.course_fee(course.pk) == Decimal("420.00")
