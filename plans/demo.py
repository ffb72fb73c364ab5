"""Demo policy and plans for ``seed_demo`` (idempotent: only what is missing is created).

The district starts from the "1+X" preset (seed 001). 实验小学's plan is published, 红旗小学's
is submitted and waiting for the district, 西山小学 has a draft that still breaks the policy
(its grades 5–6 end at 17:50) — so each side of the workflow has something to look at.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone

from aftercare.models import School, User
from plans.checks import current_policy
from plans.models import SchoolPlan
from plans.services import plans as plan_services
from plans.services import policy as policy_services

HOTLINE = "0531-86120000"

COURSES = [
    # name, category, grades, weekdays, start, end, capacity, fee
    ("硬笔书法", "艺术", [1, 2, 3], [1, 3], time(16, 40), time(17, 20), 30, "20.00"),
    ("围棋", "益智", [2, 3, 4], [0, 2], time(16, 40), time(17, 20), 24, "20.00"),
    ("合唱团", "艺术", [3, 4, 5, 6], [1, 3], time(16, 40), time(17, 20), 40, "15.00"),
    ("校园足球", "体育", [3, 4, 5, 6], [0, 2, 4], time(16, 40), time(17, 20), 30, "10.00"),
    ("科技小制作", "科技", [4, 5, 6], [4], time(16, 40), time(17, 20), 20, "20.00"),
    ("创意美术", "艺术", [1, 2], [0, 4], time(16, 40), time(17, 20), 25, "18.00"),
]

SAFETY = (
    "1. 课后服务期间实行班主任、看护教师交接签字制度，逐一清点人数。\n"
    "2. 值班领导每日巡查，17:30后清校。\n"
    "3. 发生突发事件立即启动应急预案，第一时间通知家长并报告区教育局。"
)
LEADERS = "组长：校长\n副组长：分管副校长\n成员：教导处、总务处、各年级组长"
FEE_NOTICE = (
    "基础托管（“1”）免费。拓展课程（“X”）按课时收费，标准见各课程说明，"
    "期初一次性收取，学期末按实结算、多退少补；建档立卡家庭免收。"
)


def _aware(year, month, day, hour, minute):
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def _build(plan_version, principal, *, late_grades=False, courses=COURSES):
    v = plan_services.update_plan_general(
        actor=principal,
        version=plan_version,
        data={
            "hotline": HOTLINE,
            "safety_plan": SAFETY,
            "leadership_group": LEADERS,
            "fee_notice": FEE_NOTICE,
            "prohibitions_confirmed": True,
        },
    )
    for grades, start in (([1, 2], time(15, 5)), ([3, 4], time(15, 50)), ([5, 6], time(16, 0))):
        end = time(17, 50) if late_grades and grades == [5, 6] else time(17, 30)
        plan_services.save_plan_part(
            actor=principal,
            version=v,
            kind="period",
            data={
                "grades": grades,
                "weekdays": [0, 1, 2, 3, 4],
                "start_time": start,
                "end_time": end,
            },
        )
        # Summer time (夏令时) in September: until 18:00.
        plan_services.save_plan_part(
            actor=principal,
            version=v,
            kind="period",
            data={
                "grades": grades,
                "weekdays": [0, 1, 2, 3, 4],
                "start_time": start,
                "end_time": time(18, 0),
                "valid_from": v.plan.semester.start_date,
                "valid_until": v.plan.semester.start_date.replace(day=30),
            },
        )
    for name, category, grades, weekdays, start, end, capacity, fee in courses:
        plan_services.save_plan_part(
            actor=principal,
            version=v,
            kind="course",
            data={
                "name": name,
                "category": category,
                "grades": grades,
                "weekdays": weekdays,
                "start_time": start,
                "end_time": end,
                "capacity": capacity,
                "min_size": 15,
                "fee_per_lesson": Decimal(fee),
                "room": f"{category}活动室",
                "description": f"{name}兴趣课程，每次1课时（40分钟）。",
            },
        )
    start = v.plan.semester.start_date
    plan_services.save_plan_part(
        actor=principal,
        version=v,
        kind="window",
        data={
            "kind": "extended",
            "round": 1,
            "opens_at": _aware(start.year, start.month, 7, 10, 40),
            "closes_at": _aware(start.year, start.month, 8, 10, 40),
        },
    )
    plan_services.save_plan_part(
        actor=principal,
        version=v,
        kind="window",
        data={
            "kind": "extended",
            "round": 2,
            "opens_at": _aware(start.year, start.month, 10, 10, 40),
            "closes_at": _aware(start.year, start.month, 11, 10, 40),
        },
    )
    return v


def seed_plans(demo) -> None:
    """Demo step: the district policy and three plans (published, submitted, draft)."""
    district, semester, official = demo.district, demo.semester, demo.official
    if current_policy(semester) is None:
        policy_services.create_policy_from_preset(
            actor=official, semester=semester, preset="one_plus_x"
        )
        policy_services.update_policy(
            actor=official,
            semester=semester,
            changes={"complaint_hotline": "0531-12345"},
            note="公布区教育局投诉电话",
        )
    schools = {s.code: s for s in School.objects.filter(district=district)}
    for code, target in (("shiyan", "published"), ("hongqi", "submitted"), ("xishan", "draft")):
        school = schools[code]
        if SchoolPlan.objects.filter(school=school, semester=semester).exists():
            continue
        principal = User.objects.get(username=f"{_short(code)}-principal")
        plan = plan_services.create_plan(actor=principal, school=school, semester=semester)
        version = _build(
            plan.versions.get(),
            principal,
            late_grades=(target == "draft"),
            courses=COURSES if code != "xishan" else COURSES[:2],
        )
        if target in ("submitted", "published"):
            version = plan_services.submit_plan(actor=principal, version=version)
        if target == "published":
            version = plan_services.approve_plan(
                actor=official, version=version, comment="方案符合要求，同意备案。"
            )
            plan_services.publish_plan(actor=principal, version=version)


def _short(code: str) -> str:
    return {"shiyan": "sy", "hongqi": "hq", "xishan": "xs"}[code]
