"""Named rule sets reproducing the seeds' plans (../shared/seeds), so a district starts from a
real policy and adjusts it. Each preset is a dict of DistrictPolicy field values plus
``seasons``; the source document is named in ``source``. Tiered presets also carry school
``categories`` and rule ``overrides`` (``plans.models.categories``); schools are assigned to
the categories afterwards (a restart keeps the assignments whose category code it still has).
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from plans.models import ExtendedRefund, RefundBasis

TEN_PROHIBITIONS = [
    "严禁利用课后服务时间讲授新课",
    "严禁组织集体补课、集体教学或考试刷题",
    "严禁强制或变相强制学生参加课后服务",
    "严禁未经公示收取课后服务费用",
    "严禁超标准、超范围收费或跨学期预收费用",
    "严禁聘用未经资格审查、犯罪记录查询的校外人员",
    "严禁引入未经审核备案的校外机构",
    "严禁在课后服务中开展商业营利活动或推销商品",
    "严禁截留、挤占、挪用课后服务经费或提取管理费",
    "严禁在课后服务期间放任学生离校或无人看护",
]

EXEMPTIONS = [
    {"code": "poverty_registered", "name": "建档立卡贫困家庭", "reduction_percent": 100},
    {"code": "hardship", "name": "家庭经济困难", "reduction_percent": 50},
]

MON_FRI = [0, 1, 2, 3, 4]

COMMON = {
    "service_weekdays": MON_FRI,
    "require_every_service_day": True,
    "min_minutes_per_day": None,
    "latest_end_time": time(18, 0),
    "lunch_care_allowed": True,
    "evening_study_allowed": False,
    "evening_latest_end_time": None,
    "evening_max_minutes": None,
    "max_lessons_per_day": None,
    "lesson_minutes": 40,
    "basic_care_must_be_free": False,
    "basic_cap_per_lesson": None,
    "basic_cap_per_hour": None,
    "basic_cap_per_month": None,
    "basic_cap_per_semester": None,
    "extended_cap_per_lesson": None,
    "extended_cap_per_hour": None,
    "extended_cap_per_month": None,
    "extended_cap_per_semester": None,
    "subsidy_per_student_year": None,
    "remote_uplift_percent": 0,
    "teacher_pay_cap_per_lesson": None,
    "teacher_pay_cap_per_hour": None,
    "teacher_paid_lessons_per_day": None,
    "students_per_teacher": 45,
    "teacher_remainder_threshold": 0,
    "groups_per_manager": None,
    "manager_remainder_threshold": 0,
    "max_basic_group_size": 40,
    "min_extended_course_size": 15,
    "exemptions": EXEMPTIONS,
    "refund_basis": RefundBasis.SESSIONS,
    "extended_refund": ExtendedRefund.FORCE_MAJEURE,
    "basic_join_mid_semester": True,
    "extended_withdraw_mid_semester": False,
    "complaint_hotline": "",
    "prohibitions": TEN_PROHIBITIONS,
    "rule_ceilings": {},
    "seasons": [],
    "categories": [],
    "overrides": [],
}


def _preset(**values) -> dict:
    return {**COMMON, **values}


def _o(category, rule, value, stage="all", service_class="all") -> dict:
    return {
        "category": category,
        "stage": stage,
        "service_class": service_class,
        "rule": rule,
        "value": value,
    }


PRESETS: dict[str, dict] = {
    "shandong": _preset(
        label=_("Shandong: basic care ≤ 1.8 yuan per lesson and ≤ 350 per semester"),
        source="000 学校课后服务一校一案实施方案（济南，山东省）",
        min_minutes_per_day=None,
        evening_study_allowed=True,
        evening_latest_end_time=time(20, 30),
        evening_max_minutes=120,
        basic_cap_per_lesson=Decimal("1.80"),
        basic_cap_per_semester=Decimal("350.00"),
        subsidy_per_student_year=Decimal("500.00"),
        remote_uplift_percent=20,
        teacher_pay_cap_per_lesson=Decimal("60.00"),
    ),
    "city_2021": _preset(
        label=_("City plan 2021: until 18:00, 250 yuan subsidy, 1 teacher per 50"),
        source="003 2021XX市小学生课后服务工作实施方案",
        subsidy_per_student_year=Decimal("250.00"),
        teacher_paid_lessons_per_day=2,
        students_per_teacher=50,
        teacher_remainder_threshold=0,
    ),
    "delayed_care": _preset(
        label=_("Delayed care: 2 yuan per hour, 45 per teacher, managers per 5 groups"),
        source="002 小学开展课后延时服务实施方案（试行）",
        basic_cap_per_hour=Decimal("2.00"),
        teacher_pay_cap_per_hour=Decimal("60.00"),
        students_per_teacher=45,
        teacher_remainder_threshold=30,
        groups_per_manager=5,
        manager_remainder_threshold=3,
    ),
    "seasonal_600": _preset(
        label=_("Seasonal end time: 18:00, 18:30 from May Day to National Day; 600 per semester"),
        source="004 学校课后服务补助分配方案 / 小学学校课后服务实施方案",
        basic_cap_per_semester=Decimal("600.00"),
        teacher_pay_cap_per_lesson=Decimal("20.00"),
        seasons=[
            {
                "name": "五一至十一",
                "start_month": 5,
                "start_day": 1,
                "end_month": 10,
                "end_day": 1,
                "latest_end_time": time(18, 30),
            },
        ],
    ),
    "one_plus_x": _preset(
        label=_('"1+X": free basic care until 17:30 (18:00 in summer), X courses ≤ 20 yuan'),
        source="001 小学课后校内托管工作方案及措施",
        latest_end_time=time(17, 30),
        basic_care_must_be_free=True,
        extended_cap_per_lesson=Decimal("20.00"),
        min_extended_course_size=15,
        extended_withdraw_mid_semester=False,
        extended_refund=ExtendedRefund.FORCE_MAJEURE,
        seasons=[
            {
                "name": "夏令时",
                "start_month": 5,
                "start_day": 1,
                "end_month": 9,
                "end_day": 30,
                "latest_end_time": time(18, 0),
            },
        ],
    ),
}

PRESETS["county_tiers"] = _preset(
    label=_(
        "County tiers: 县城 / 乡镇 / 农村 × 小学 / 初中 caps per lesson and per semester, "
        "2 lessons a day"
    ),
    source=(
        "县级课后服务收费标准（分类分档）, as summarized in DOMAIN.md §9: urban schools "
        "2.5 元/课时 and at most 400 元 a semester, rural 2 元 and 320 元; a provincial "
        "ceiling of 3.5 元/课时 for non-rural schools; at most 2 课时 per student per day. "
        "The 乡镇 tier (2.3 元, 390 元) and the 初中 tiers are set between those figures in "
        "the same shape; check them against the county's own document."
    ),
    basic_cap_per_lesson=Decimal("2.50"),
    basic_cap_per_semester=Decimal("400.00"),
    extended_cap_per_lesson=Decimal("20.00"),
    max_lessons_per_day=2,
    rule_ceilings={"basic_cap_per_lesson": "3.50"},
    categories=[
        {"code": "xiancheng", "name": "县城", "description": "县城区学校"},
        {"code": "xiangzhen", "name": "乡镇", "description": "乡镇中心学校"},
        {
            "code": "nongcun",
            "name": "农村",
            "description": "村小、教学点（含农村营养改善计划学校）",
        },
    ],
    overrides=[
        _o(None, "basic_cap_per_lesson", "3.00", stage="junior"),
        _o(None, "basic_cap_per_semester", "480.00", stage="junior"),
        _o("xiangzhen", "basic_cap_per_lesson", "2.30", stage="primary"),
        _o("xiangzhen", "basic_cap_per_semester", "390.00", stage="primary"),
        _o("xiangzhen", "basic_cap_per_lesson", "2.80", stage="junior"),
        _o("xiangzhen", "basic_cap_per_semester", "450.00", stage="junior"),
        _o("nongcun", "basic_cap_per_lesson", "2.00"),
        _o("nongcun", "basic_cap_per_semester", "320.00"),
        _o("nongcun", "basic_cap_per_lesson", "2.50", stage="junior"),
        _o("nongcun", "basic_cap_per_semester", "400.00", stage="junior"),
    ],
)
PRESETS["city_tiers"] = _preset(
    label=_(
        "City tiers: monthly caps for basic supervision and for basic care with activities, "
        "urban and rural"
    ),
    source=(
        "市级课后服务收费标准（城区 / 农村，基础托管 / 基础托管+特色活动）, as summarized in "
        "DOMAIN.md §2 and §9: basic care at 40 元 a month (160 元 for four months), separate "
        "caps for basic supervision and for basic care with activities, rural below urban. "
        "The activities cap (60 元) and the rural caps (30 元 and 45 元, service until 17:30) "
        "are set in that shape; check them against the city's own document."
    ),
    basic_cap_per_month=Decimal("40.00"),
    categories=[
        {"code": "chengqu", "name": "城区", "description": "城区公办学校"},
        {"code": "nongcun", "name": "农村", "description": "农村学校"},
    ],
    overrides=[
        _o(None, "basic_cap_per_month", "60.00", service_class="activities"),
        _o("nongcun", "basic_cap_per_month", "30.00", service_class="supervision"),
        _o("nongcun", "basic_cap_per_month", "45.00", service_class="activities"),
        _o("nongcun", "latest_end_time", "17:30"),
    ],
)

PRESET_META_KEYS = ("label", "source", "seasons", "categories", "overrides")


def preset_choices() -> list[tuple[str, str]]:
    return [(key, preset["label"]) for key, preset in PRESETS.items()]


def preset_fields(key: str) -> tuple[dict, list[dict]]:
    """The DistrictPolicy field values and the seasons of a preset."""
    preset = PRESETS[key]
    fields = {k: v for k, v in preset.items() if k not in PRESET_META_KEYS}
    fields["service_weekdays"] = list(fields["service_weekdays"])
    fields["exemptions"] = [dict(e) for e in fields["exemptions"]]
    fields["prohibitions"] = list(fields["prohibitions"])
    fields["rule_ceilings"] = dict(fields["rule_ceilings"])
    return fields, [dict(s) for s in preset["seasons"]]


def preset_tiers(key: str) -> tuple[list[dict], list[dict]]:
    """The school categories and rule overrides of a preset (empty for the untiered ones)."""
    preset = PRESETS[key]
    return [dict(c) for c in preset["categories"]], [dict(o) for o in preset["overrides"]]
