"""Demo policy and plans for ``seed_demo`` (idempotent: only what is missing is created).

The district starts from the "1+X" preset (seed 001). 实验小学's plan is published (round one
a lottery, three weeks ago) and later amended to a version 2 — approved and published through
the real services — that drops a course and brings round two forward to now; 红旗小学's is
submitted and waiting for the district, 西山小学 has a draft that still breaks the policy
(its grades 5–6 end at 17:50) — so each side of the workflow has something to look at.
Registration times come from ``aftercare.demo.timeline`` (relative to the day of seeding).
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from aftercare.demo import timeline
from aftercare.models import School, User
from plans.checks import current_policy
from plans.models import PlanStatus, SchoolPlan
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


def _summer_time(start: date, end: date) -> tuple[date, date]:
    """夏令时: September in the autumn semester, May to the end in the spring one."""
    if start.month >= 8:
        return start, start.replace(day=30)
    return date(start.year, 5, 1), end


def _build(plan_version, principal, *, now, late_grades=False, courses=COURSES):
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
    summer = _summer_time(v.plan.semester.start_date, v.plan.semester.end_date)
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
                "valid_from": summer[0],
                "valid_until": summer[1],
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
    times = timeline(now)
    for number, mode, opens, closes in (
        (1, "lottery", times["round1_opens"], times["round1_closes"]),
        (2, "fcfs", times["round2_planned_opens"], times["round2_closes"]),
    ):
        plan_services.save_plan_part(
            actor=principal,
            version=v,
            kind="window",
            data={
                "kind": "extended",
                "round": number,
                "mode": mode,
                "opens_at": opens,
                "closes_at": closes,
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
            now=demo.now,
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


def amend_shiyan(demo) -> None:
    """Demo step (after round one was drawn): 实验小学 amends its published plan — 创意美术
    is dropped (its teacher left) and round two is brought forward to now — and the district
    approves version 2, which the school publishes. Skipped once a second version exists."""
    school = demo.school("shiyan")
    plan = SchoolPlan.objects.filter(school=school, semester=demo.semester).first()
    if plan is None or plan.versions.filter(number__gte=2).exists():
        return
    if not plan.versions.filter(status=PlanStatus.PUBLISHED).exists():
        return
    principal = User.objects.get(username="sy-principal")
    draft = plan_services.amend_plan(actor=principal, plan=plan)
    draft = plan_services.update_plan_general(
        actor=principal, version=draft, data={"prohibitions_confirmed": True}
    )
    dropped = draft.courses.filter(name="创意美术").first()
    if dropped is not None:
        plan_services.delete_plan_part(actor=principal, version=draft, kind="course", part=dropped)
    times = timeline(demo.now)
    window = draft.windows.get(kind="extended", round=2)
    plan_services.save_plan_part(
        actor=principal,
        version=draft,
        kind="window",
        part=window,
        data={"opens_at": times["round2_opens"], "closes_at": times["round2_closes"]},
    )
    draft = plan_services.submit_plan(actor=principal, version=draft)
    draft = plan_services.approve_plan(
        actor=demo.official,
        version=draft,
        comment="同意调整：停开创意美术，第二轮报名提前。",
    )
    plan_services.publish_plan(actor=principal, version=draft)
    demo.summary.append("实验小学: plan amended to version 2 (published), round two open now")
