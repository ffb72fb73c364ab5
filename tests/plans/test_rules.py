"""Validation against policy, table-driven from the seeds' numbers (../shared/seeds)."""

from datetime import date, time
from decimal import Decimal

import pytest

from plans.checks import evaluate
from plans.services import plans as plan_services

pytestmark = pytest.mark.django_db


def messages(version):
    return [v.message for v in evaluate(version).violations]


def add_period(setup, version, grades, end, start=time(15, 30), weekdays=(0, 1, 2, 3, 4), **kw):
    return plan_services.save_plan_part(
        actor=setup.principal,
        version=version,
        kind="period",
        data={
            "grades": grades,
            "weekdays": list(weekdays),
            "start_time": start,
            "end_time": end,
            **kw,
        },
    )


def add_course(setup, version, **kw):
    data = {
        "name": "书法",
        "grades": [3, 4],
        "weekdays": [1, 3],
        "start_time": time(16, 40),
        "end_time": time(17, 20),
        "capacity": 30,
        "min_size": 15,
        "fee_per_lesson": Decimal("20.00"),
        **kw,
    }
    return plan_services.save_plan_part(
        actor=setup.principal, version=version, kind="course", data=data
    )


def set_general(setup, version, **data):
    return plan_services.update_plan_general(actor=setup.principal, version=version, data=data)


@pytest.mark.parametrize(
    ("preset", "end", "expected"),
    [
        # seed 003: 放学起至18:00
        ("city_2021", time(18, 0), []),
        (
            "city_2021",
            time(18, 10),
            ["一年级、二年级、三年级、四年级、五年级、六年级 结束时间 18:10 晚于区政策上限 18:00"],
        ),
        # seed 004: 十一到五一 18:00, 五一到十一 18:30 — September is in the 18:30 season
        (
            "seasonal_600",
            time(18, 30),
            ["一年级、二年级、三年级、四年级、五年级、六年级 结束时间 18:30 晚于区政策上限 18:00"],
        ),
        # seed 001: 17:30, 夏令时 18:00 (to 30 September)
        ("one_plus_x", time(17, 30), []),
        (
            "one_plus_x",
            time(18, 0),
            ["一年级、二年级、三年级、四年级、五年级、六年级 结束时间 18:00 晚于区政策上限 17:30"],
        ),
    ],
)
def test_latest_end_time_with_seasons(setup, preset, end, expected):
    setup.make_policy(preset)
    _plan, version = setup.make_plan(end=end)
    assert [m for m in messages(version) if "结束时间" in m] == expected


def test_seasonal_variant_may_end_later_inside_its_season(setup):
    setup.make_policy("one_plus_x")
    _plan, version = setup.make_plan(end=time(17, 30))
    add_period(
        setup,
        version,
        [1, 2, 3, 4, 5, 6],
        time(18, 0),
        valid_from=date(2026, 9, 1),
        valid_until=date(2026, 9, 30),
    )
    assert messages(version) == []
    add_period(
        setup,
        version,
        [1, 2, 3, 4, 5, 6],
        time(18, 0),
        valid_from=date(2026, 10, 8),
        valid_until=date(2026, 10, 31),
    )
    assert messages(version) == [
        "一年级、二年级、三年级、四年级、五年级、六年级 结束时间 18:00 晚于区政策上限 17:30"
    ]


@pytest.mark.parametrize(
    ("preset", "unit", "amount", "expected"),
    [
        # seed 000 (Shandong): ≤ 1.8 元/课时 and ≤ 350 元/学期. 15:30–17:30 = 3 课时 a day,
        # 99 days: 1.80 × 297 = 534.60 > 350.
        (
            "shandong",
            "per_lesson",
            "1.80",
            [
                "基础托管每学期收费 534.60 元（一年级、二年级、三年级、"
                "四年级、五年级、六年级），超过区政策上限 350.00 元"
            ],
        ),
        ("shandong", "per_lesson", "1.00", []),  # 297.00 ≤ 350, 1.00 ≤ 1.80
        (
            "shandong",
            "per_semester",
            "360.00",
            [
                "基础托管每学期收费 360.00 元（一年级、二年级、三年级、四年级、五年级、六年级），"
                "超过区政策上限 350.00 元"
            ],
        ),
        # seed 002: 2 元/小时
        ("delayed_care", "per_hour", "2.00", []),
        (
            "delayed_care",
            "per_hour",
            "2.50",
            [
                "基础托管每小时收费 2.50 元（一年级、二年级、三年级、"
                "四年级、五年级、六年级），超过区政策上限 2.00 元"
            ],
        ),
        # seed 004: 600 元/学期
        ("seasonal_600", "per_semester", "600.00", []),
        # seed 001: "1" is free
        (
            "one_plus_x",
            "per_lesson",
            "1.00",
            ["区政策规定基础托管免费，本方案收费 1.00 元（按课时）"],
        ),
    ],
)
def test_basic_fee_caps(setup, preset, unit, amount, expected):
    setup.make_policy(preset)
    _plan, version = setup.make_plan()
    version = set_general(setup, version, basic_fee_unit=unit, basic_fee_amount=Decimal(amount))
    assert [m for m in messages(version) if "基础托管" in m] == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        # seed 001: X 类 20 元/课时, 原则上报名人数达到15人将开设
        (
            {"fee_per_lesson": Decimal("25.00")},
            ["课程“书法”每课时收费 25.00 元，超过区政策上限 20.00 元"],
        ),
        ({"min_size": 10}, ["课程“书法”最低开班人数 10 少于区政策要求的 15"]),
        ({"capacity": 12}, ["课程“书法”名额 12 少于最低开班人数 15"]),
        ({"end_time": time(17, 50)}, ["课程“书法” 结束时间 17:50 晚于区政策上限 17:30"]),
        (
            {"weekdays": [5]},
            ["课程“书法”：星期六 不是区政策规定的服务日", "课程“书法”在本学期没有对应的上课日"],
        ),
    ],
)
def test_course_rules(setup, changes, expected):
    setup.make_policy("one_plus_x")
    _plan, version = setup.make_plan()
    add_course(setup, version, **changes)
    plan_services.save_plan_part(
        actor=setup.principal,
        version=version,
        kind="window",
        data={
            "kind": "extended",
            "round": 1,
            "opens_at": _dt(2026, 9, 7, 10, 40),
            "closes_at": _dt(2026, 9, 8, 10, 40),
        },
    )
    assert messages(version) == expected


def _dt(*args):
    from datetime import datetime

    from django.utils import timezone

    return timezone.make_aware(datetime(*args))


def test_course_figures_from_calendar(setup):
    setup.make_policy("one_plus_x")
    _plan, version = setup.make_plan()
    course = add_course(setup, version)  # Tuesdays and Thursdays, 1 lesson, 20 元
    figures = {f.course.pk: f for f in evaluate(version).figures.courses}[course.pk]
    # Tue/Thu from 1 Sep 2026 to 22 Jan 2027: 42 days, minus Thu 1 and Tue 6 Oct (National Day).
    assert figures.sessions == 40
    assert figures.fee == Decimal("800.00")


def test_every_service_day_and_minimum_minutes(setup):
    setup.make_policy("city_2021", min_minutes_per_day=120)
    plan = plan_services.create_plan(
        actor=setup.principal, school=setup.school, semester=setup.semester
    )
    version = plan.versions.get()
    # seed 001: grades 1–2 only Monday, Wednesday, Friday; grades 5–6 16:00–17:30 (90 min)
    add_period(setup, version, [1, 2], time(17, 30), start=time(15, 5), weekdays=(0, 2, 4))
    add_period(setup, version, [3, 4], time(17, 30), start=time(15, 20))
    add_period(setup, version, [5, 6], time(17, 30), start=time(16, 0))
    found = messages(version)
    assert "一年级 星期二、星期四 没有课后服务（区政策要求每个服务日都开展）" in found
    assert "二年级 星期二、星期四 没有课后服务（区政策要求每个服务日都开展）" in found
    assert "五年级 每天服务 90 分钟，少于区政策要求的 120 分钟" in found
    assert not any("三年级" in m for m in found if "分钟" in m)


def test_grade_without_period_and_overlap(setup):
    setup.make_policy("city_2021")
    plan = plan_services.create_plan(
        actor=setup.principal, school=setup.school, semester=setup.semester
    )
    version = plan.versions.get()
    add_period(setup, version, [1, 2, 3, 4, 5], time(17, 30))
    add_period(setup, version, [1], time(17, 45), start=time(17, 0))
    found = messages(version)
    assert "六年级 没有课后服务时段" in found
    assert "一年级：星期二 有两个时段重叠" in found  # 1 September 2026 is a Tuesday


def test_fee_needs_a_published_notice(setup):
    setup.make_policy("shandong")
    _plan, version = setup.make_plan(fee_notice="")
    version = set_general(
        setup, version, basic_fee_unit="per_lesson", basic_fee_amount=Decimal("1.00")
    )
    assert "未经公示不得收费：请填写收费标准公示。" in messages(version)


def test_lunch_care_not_allowed(setup):
    setup.make_policy("city_2021", lunch_care_allowed=False)
    _plan, version = setup.make_plan()
    version = set_general(
        setup,
        version,
        lunch_care_offered=True,
        lunch_start_time=time(11, 20),
        lunch_end_time=time(13, 30),
    )
    assert messages(version) == ["区政策不允许开展午间托管。"]


def test_incomplete_plan_lists_what_is_missing(setup):
    setup.make_policy("one_plus_x")
    plan = plan_services.create_plan(
        actor=setup.principal, school=setup.school, semester=setup.semester
    )
    found = {v.code for v in evaluate(plan.versions.get()).violations}
    assert {
        "grade_not_served",
        "safety_plan_missing",
        "leadership_missing",
        "prohibitions_not_confirmed",
    } <= found
    assert "hotline_missing" in found  # the preset has no hotline and neither has the plan
