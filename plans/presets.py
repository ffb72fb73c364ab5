"""Named rule sets reproducing the seeds' plans (../shared/seeds), so a district starts from a
real policy and adjusts it. Each preset is a dict of DistrictPolicy field values plus
``seasons``; the source document is named in ``source``.
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
    "seasons": [],
}


def _preset(**values) -> dict:
    return {**COMMON, **values}


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

PRESET_META_KEYS = ("label", "source", "seasons")


def preset_choices() -> list[tuple[str, str]]:
    return [(key, preset["label"]) for key, preset in PRESETS.items()]


def preset_fields(key: str) -> tuple[dict, list[dict]]:
    """The DistrictPolicy field values and the seasons of a preset."""
    preset = PRESETS[key]
    fields = {k: v for k, v in preset.items() if k not in PRESET_META_KEYS}
    fields["service_weekdays"] = list(fields["service_weekdays"])
    fields["exemptions"] = [dict(e) for e in fields["exemptions"]]
    fields["prohibitions"] = list(fields["prohibitions"])
    return fields, [dict(s) for s in preset["seasons"]]
