"""School categories (issue 16): caps and rules per category, stage and class of service.

The cases come from the tiered presets (``county_tiers``: 县城 / 乡镇 / 农村 × 小学 / 初中 per
课时 and per semester, 2 课时 a day; ``city_tiers``: monthly caps for supervision and for
basic care with activities, urban vs rural), each case beside its near miss.

The semester (conftest ``setup``): 1 Sep 2026 – 22 Jan 2027 without National Day week, 99
school days in 5 months. School a1 has grades 1–6; school a2 gets grades 7 and 8 beside its
grade-3 class (a 九年一贯制 school with both stages).
"""

from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from aftercare.errors import InvalidInput
from aftercare.models import AuditEvent, SchoolClass
from plans.calendar import plan_calendar
from plans.checks import evaluate
from plans.effective import PolicyRules, rules_for
from plans.models import DistrictPolicy, RuleOverride, SchoolCategory
from plans.services import plans as plan_services
from plans.services import policy as policy_services

pytestmark = pytest.mark.django_db

ALL_PRIMARY = "一年级、二年级、三年级、四年级、五年级、六年级"


def assign(setup, **codes):
    """Assign schools (by world key) to categories (by code) as a new policy version."""
    return policy_services.update_policy(
        actor=setup.official,
        semester=setup.semester,
        changes={},
        assignments={setup.world.schools[key].pk: code for key, code in codes.items()},
    )


def plan_for(setup, school_key="a1", *, end=time(16, 50), grades=None, **general):
    """A complete plan of the school, basic care 15:30–``end`` on school days."""
    world = setup.world
    school = world.schools[school_key]
    principal = world.users[f"principal_{school_key}"]
    plan = plan_services.create_plan(actor=principal, school=school, semester=setup.semester)
    version = plan_services.update_plan_general(
        actor=principal,
        version=plan.versions.get(),
        data={
            "hotline": "0531-12345678",
            "safety_plan": "安全预案",
            "leadership_group": "组长：校长",
            "prohibitions_confirmed": True,
            "fee_notice": "收费标准公示",
            **general,
        },
    )
    plan_services.save_plan_part(
        actor=principal,
        version=version,
        kind="period",
        data={
            "grades": grades or sorted(set(school.classes.values_list("grade", flat=True))),
            "weekdays": [0, 1, 2, 3, 4],
            "start_time": time(15, 30),
            "end_time": end,
        },
    )
    return version


def fee_messages(version):
    return [v.message for v in evaluate(version).violations if v.code == "basic_fee_over_cap"]


def junior_classes(setup):
    for grade in (7, 8):
        SchoolClass.objects.create(
            district=setup.world.a, school=setup.world.schools["a2"], grade=grade, number=1
        )


# --------------------------------------------------------------------------- the county


COUNTY_SEMESTER = [
    # (category, amount, expected) — 80 minutes a day = 2 课时, 198 课时 in the semester
    ("xiangzhen", "390.00", []),
    (
        "xiangzhen",
        "390.01",
        [f"乡镇小学 基础托管每学期收费 390.01 元（{ALL_PRIMARY}），超过区政策上限 390.00 元"],
    ),
    (
        "xiangzhen",
        "410.00",
        [f"乡镇小学 基础托管每学期收费 410.00 元（{ALL_PRIMARY}），超过区政策上限 390.00 元"],
    ),
    ("nongcun", "320.00", []),
    (
        "nongcun",
        "320.01",
        [f"农村小学 基础托管每学期收费 320.01 元（{ALL_PRIMARY}），超过区政策上限 320.00 元"],
    ),
    ("xiancheng", "400.00", []),  # 县城 sets nothing: the district default
    (
        "xiancheng",
        "400.01",
        [f"县城小学 基础托管每学期收费 400.01 元（{ALL_PRIMARY}），超过区政策上限 400.00 元"],
    ),
    (None, "400.00", []),
    (None, "400.01", [f"基础托管每学期收费 400.01 元（{ALL_PRIMARY}），超过区政策上限 400.00 元"]),
]


@pytest.mark.parametrize(("category", "amount", "expected"), COUNTY_SEMESTER)
def test_county_semester_caps_by_category(setup, category, amount, expected):
    setup.make_policy("county_tiers")
    if category:
        assign(setup, a1=category)
    version = plan_for(setup, basic_fee_unit="per_semester", basic_fee_amount=Decimal(amount))
    assert fee_messages(version) == expected


COUNTY_LESSON = [
    # 40 minutes a day = 1 课时: 99 课时, so the semester caps stay out of the way
    ("xiangzhen", "2.30", []),
    (
        "xiangzhen",
        "2.31",
        [f"乡镇小学 基础托管每课时收费 2.31 元（{ALL_PRIMARY}），超过区政策上限 2.30 元"],
    ),
    ("nongcun", "2.00", []),
    (
        "nongcun",
        "2.01",
        [f"农村小学 基础托管每课时收费 2.01 元（{ALL_PRIMARY}），超过区政策上限 2.00 元"],
    ),
    (None, "2.50", []),
    (None, "2.51", [f"基础托管每课时收费 2.51 元（{ALL_PRIMARY}），超过区政策上限 2.50 元"]),
]


@pytest.mark.parametrize(("category", "amount", "expected"), COUNTY_LESSON)
def test_county_lesson_caps_by_category(setup, category, amount, expected):
    setup.make_policy("county_tiers")
    if category:
        assign(setup, a1=category)
    version = plan_for(
        setup, end=time(16, 10), basic_fee_unit="per_lesson", basic_fee_amount=Decimal(amount)
    )
    assert fee_messages(version) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("390.00", []),
        ("450.00", ["乡镇小学 基础托管每学期收费 450.00 元（三年级），超过区政策上限 390.00 元"]),
        (
            "450.01",
            [
                "乡镇小学 基础托管每学期收费 450.01 元（三年级），超过区政策上限 390.00 元",
                "乡镇初中 基础托管每学期收费 450.01 元（七年级、八年级），超过区政策上限 450.00 元",
            ],
        ),
    ],
)
def test_a_school_with_both_stages_uses_the_stage_of_each_grade(setup, amount, expected):
    junior_classes(setup)
    setup.make_policy("county_tiers")
    assign(setup, a2="xiangzhen")
    version = plan_for(setup, "a2", basic_fee_unit="per_semester", basic_fee_amount=Decimal(amount))
    assert fee_messages(version) == expected
    figures = {g.grade: g for g in evaluate(version).figures.grades}
    assert (figures[3].rules_label, figures[7].rules_label) == ("乡镇小学", "乡镇初中")


@pytest.mark.parametrize(
    ("end", "lessons", "category"),
    [(time(16, 50), None, "xiangzhen"), (time(17, 30), 3, "xiangzhen"), (time(17, 30), 3, None)],
)
def test_county_daily_lesson_limit(setup, end, lessons, category):
    setup.make_policy("county_tiers")
    if category:
        assign(setup, a1=category)
    version = plan_for(setup, end=end)
    found = [v for v in evaluate(version).violations if v.code == "lessons_per_day_over_limit"]
    if lessons is None:
        assert found == []
        return
    message = gettext(
        "%(grades)s: %(value)s lessons (课时) of basic care a day, more than the district "
        "limit of %(limit)s a day"
    ) % {"grades": ALL_PRIMARY, "value": lessons, "limit": 2}
    prefix = "乡镇小学 " if category else ""
    assert [(v.message, v.value, v.limit, v.scope) for v in found] == [
        (prefix + message, "3", "2", prefix.strip())
    ]


def test_a_course_longer_than_the_daily_limit(setup):
    setup.make_policy("county_tiers")
    version = plan_for(setup)
    plan_services.save_plan_part(
        actor=setup.principal,
        version=version,
        kind="course",
        data={
            "name": "足球",
            "grades": [4, 5],
            "weekdays": [2],
            "start_time": time(15, 30),
            "end_time": time(17, 30),  # 3 课时
            "capacity": 30,
            "min_size": 15,
            "fee_per_lesson": Decimal("10.00"),
        },
    )
    [found] = [v for v in evaluate(version).violations if v.code == "lessons_per_day_over_limit"]
    assert (found.section, found.value, found.limit) == ("courses", "3", "2")


# --------------------------------------------------------------------------- the city


CITY_MONTH = [
    # (category, class of basic care, amount per month, expected)
    ("nongcun", "activities", "45.00", []),
    (
        "nongcun",
        "activities",
        "45.01",
        [f"农村小学 基础托管每月收费 45.01 元（{ALL_PRIMARY}），超过区政策上限 45.00 元"],
    ),
    ("nongcun", "supervision", "30.00", []),
    (
        "nongcun",
        "supervision",
        "30.01",
        [f"农村小学 基础托管每月收费 30.01 元（{ALL_PRIMARY}），超过区政策上限 30.00 元"],
    ),
    ("chengqu", "activities", "60.00", []),
    (
        "chengqu",
        "activities",
        "60.01",
        [f"城区小学 基础托管每月收费 60.01 元（{ALL_PRIMARY}），超过区政策上限 60.00 元"],
    ),
    ("chengqu", "supervision", "40.00", []),
    (
        "chengqu",
        "supervision",
        "40.01",
        [f"城区小学 基础托管每月收费 40.01 元（{ALL_PRIMARY}），超过区政策上限 40.00 元"],
    ),
    (None, "activities", "60.00", []),
    (
        None,
        "activities",
        "60.01",
        [f"基础托管每月收费 60.01 元（{ALL_PRIMARY}），超过区政策上限 60.00 元"],
    ),
    (
        None,
        "supervision",
        "40.01",
        [f"基础托管每月收费 40.01 元（{ALL_PRIMARY}），超过区政策上限 40.00 元"],
    ),
]


@pytest.mark.parametrize(("category", "service_class", "amount", "expected"), CITY_MONTH)
def test_city_monthly_caps_by_category_and_class_of_service(
    setup, category, service_class, amount, expected
):
    setup.make_policy("city_tiers")
    if category:
        assign(setup, a1=category)
    version = plan_for(
        setup,
        basic_service_class=service_class,
        basic_fee_unit="per_month",
        basic_fee_amount=Decimal(amount),
    )
    assert fee_messages(version) == expected


@pytest.mark.parametrize(
    ("category", "end", "expected"),
    [
        ("nongcun", time(17, 30), []),
        ("nongcun", time(17, 45), [f"农村小学 {ALL_PRIMARY} 结束时间 17:45 晚于区政策上限 17:30"]),
        ("chengqu", time(17, 45), []),
        (None, time(18, 0), []),
    ],
)
def test_city_end_time_by_category(setup, category, end, expected):
    setup.make_policy("city_tiers")
    if category:
        assign(setup, a1=category)
    version = plan_for(setup, end=end)
    found = [v.message for v in evaluate(version).violations if v.code == "end_time_after_limit"]
    assert found == expected


# --------------------------------------------------------------------------- resolution


def test_rules_for_takes_the_most_specific_value_then_the_ceiling(setup):
    setup.make_policy("county_tiers")
    policy = policy_services.update_policy(
        actor=setup.official,
        semester=setup.semester,
        changes={"rule_ceilings": {"basic_cap_per_lesson": "3.50", "basic_cap_per_month": "50"}},
        overrides=[
            *_county_overrides(setup),
            {
                "category": "xiangzhen",
                "rule": "basic_cap_per_lesson",
                "value": "2.20",
                "stage": "primary",
                "service_class": "activities",
            },
            {"category": "xiangzhen", "rule": "students_per_teacher", "value": "40"},
            {"category": None, "rule": "students_per_teacher", "value": "35", "stage": "junior"},
        ],
        assignments={setup.world.schools["a1"].pk: "xiangzhen"},
    )
    a1, a2 = setup.world.schools["a1"], setup.world.schools["a2"]
    primary = rules_for(policy, a1, 3, "supervision")
    assert (primary.basic_cap_per_lesson, primary.sources["basic_cap_per_lesson"]) == (
        Decimal("2.30"),
        "category",
    )
    activities = rules_for(policy, a1, 3, "activities")
    assert activities.basic_cap_per_lesson == Decimal("2.20")  # stage + class beats stage
    assert activities.basic_cap_per_semester == Decimal("390.00")
    assert rules_for(policy, a1, 8, "supervision").basic_cap_per_lesson == Decimal("2.80")
    # a category's own value beats a district default for the stage
    assert rules_for(policy, a1, 8, "supervision").students_per_teacher == 40
    # no category: the district default for the stage, then the policy's field
    default_junior = rules_for(policy, a2, 8, "supervision")
    assert default_junior.label == "" and default_junior.display_label
    assert (default_junior.students_per_teacher, default_junior.basic_cap_per_lesson) == (
        35,
        Decimal("3.00"),
    )
    assert default_junior.sources["students_per_teacher"] == "scoped default"
    assert rules_for(policy, a2, 3).students_per_teacher == policy.students_per_teacher
    assert rules_for(policy, a2, 3).sources["students_per_teacher"] == "default"
    # an empty cap under a provincial ceiling is the ceiling
    assert (primary.basic_cap_per_month, primary.sources["basic_cap_per_month"]) == (
        Decimal("50.00"),
        "ceiling",
    )
    assert rules_for(policy, None, 3).max_lessons_per_day == 2
    assert primary.label == "乡镇小学" and rules_for(policy, a1, 9).label == "乡镇初中"


def _county_overrides(setup):
    policy = DistrictPolicy.objects.filter(semester=setup.semester).order_by("-version").first()
    codes = {c.pk: c.code for c in policy.categories.all()}
    return [
        {
            "category": codes.get(o.category_id),
            "stage": o.stage,
            "service_class": o.service_class,
            "rule": o.rule,
            "value": o.value,
        }
        for o in policy.overrides.all()
    ]


def test_resolution_is_pure_and_cached(setup, django_assert_num_queries):
    setup.make_policy("county_tiers")
    policy = assign(setup, a1="nongcun")
    categories = list(policy.categories.all())
    assignments = list(policy.assignments.all())
    overrides = list(policy.overrides.all())
    with django_assert_num_queries(0):
        resolver = PolicyRules.build(
            policy=policy, categories=categories, assignments=assignments, overrides=overrides
        )
        for grade in range(1, 10):
            resolver.for_school(setup.school.pk, grade, "supervision")
        assert resolver.for_school(setup.school.pk, 2).basic_cap_per_semester == Decimal("320.00")


# --------------------------------------------------------------------------- one district


def test_plan_check_and_fee_per_student_for_schools_of_different_categories(setup):
    """Two schools of one district charge the same 350 元 a semester: the 乡镇 school is
    within its cap (390), the 农村 school is not (320)."""
    setup.make_policy("county_tiers")
    assign(setup, a1="xiangzhen", a2="nongcun")
    v1 = plan_for(setup, "a1", basic_fee_unit="per_semester", basic_fee_amount=Decimal("350"))
    v2 = plan_for(setup, "a2", basic_fee_unit="per_semester", basic_fee_amount=Decimal("350"))
    assert fee_messages(v1) == []
    assert fee_messages(v2) == [
        "农村小学 基础托管每学期收费 350.00 元（三年级），超过区政策上限 320.00 元"
    ]
    c1, c2 = plan_calendar(v1), plan_calendar(v2)
    assert c1.basic_fee(3) == c2.basic_fee(3) == Decimal("350.00")
    assert (c1.basic_fee_limit(3), c2.basic_fee_limit(3)) == (Decimal("390.00"), Decimal("320.00"))
    # the first half of the semester: the fee and the limit shared by sessions alike
    half = plan_calendar(v2).grade_slots(3)[47].date  # the 48th of 99 sessions
    assert c2.basic_fee(3, until=half) == Decimal("169.70")  # 350 × 48/99
    assert c2.basic_fee_limit(3, until=half) == Decimal("155.15")  # 320 × 48/99
    assert evaluate(v2).figures.category == "农村"
    assert evaluate(v1).figures.grades[0].caps[-1].scope == "乡镇小学"
    with pytest.raises(plan_services.PlanViolations):
        plan_services.submit_plan(actor=setup.world.users["principal_a2"], version=v2)
    assert plan_services.submit_plan(actor=setup.principal, version=v1).status == "submitted"


# --------------------------------------------------------------------------- versions


def test_categories_are_versioned_and_diffed(setup, api):
    setup.make_policy("county_tiers")
    v2 = assign(setup, a1="xiangzhen")
    v3 = policy_services.update_policy(
        actor=setup.official,
        semester=setup.semester,
        changes={},
        overrides=[
            {**o, "value": "380.00"}
            if (o["category"], o["stage"], o["rule"])
            == ("xiangzhen", "primary", "basic_cap_per_semester")
            else o
            for o in _county_overrides(setup)
        ],
        note="乡镇小学下调",
    )
    assert [p.version for p in DistrictPolicy.objects.order_by("version")] == [1, 2, 3]
    # every version keeps its own rows: v2 still says 390, v3 says 380
    assert rules_for(v2, setup.school, 1).basic_cap_per_semester == Decimal("390.00")
    assert rules_for(v3, setup.school, 1).basic_cap_per_semester == Decimal("380.00")
    assert SchoolCategory.objects.filter(policy=v3).count() == 3
    assert [c.code for c in v3.categories.all()] == ["xiancheng", "xiangzhen", "nongcun"]
    assert (
        RuleOverride.objects.filter(policy=v2).count()
        == RuleOverride.objects.filter(policy=v3).count()
    )
    diff = policy_services.policy_diff(v2, v3)
    assert diff == {
        "overrides": (
            {"xiangzhen/primary/all/basic_cap_per_semester": "390.00"},
            {"xiangzhen/primary/all/basic_cap_per_semester": "380.00"},
        )
    }
    assigned = policy_services.policy_diff(DistrictPolicy.objects.get(version=1), v2)["assignments"]
    assert assigned == (
        {str(setup.school.public_id): None},
        {str(setup.school.public_id): "xiangzhen"},
    )
    event = AuditEvent.objects.filter(action="policy.changed").order_by("-id").first()
    assert event.payload["changes"]["overrides"][1] == {
        "xiangzhen/primary/all/basic_cap_per_semester": "380.00"
    }
    body = api(setup.official).get(f"/api/v1/policies/{v3.public_id}/diff/").json()
    assert [c["field"] for c in body["changes"]] == ["overrides"]
    # the page's history names the category, the stage and the rule
    from django.test import Client

    client = Client()
    client.force_login(setup.official, backend="aftercare.auth.MobileOrUsernameBackend")
    page = client.get(reverse("policy_detail", args=[setup.semester.public_id])).content.decode()
    assert "乡镇小学 · 基础托管每学期收费上限：390.00 → 380.00" in page
    assert "县城" in page and "乡镇" in page


def test_restarting_from_a_preset_keeps_the_schools_categories(setup):
    setup.make_policy("county_tiers")
    assign(setup, a1="nongcun", a2="xiangzhen")
    restarted = policy_services.create_policy_from_preset(
        actor=setup.official, semester=setup.semester, preset="county_tiers"
    )
    assert rules_for(restarted, setup.school, 1).category_code == "nongcun"
    city = policy_services.create_policy_from_preset(
        actor=setup.official, semester=setup.semester, preset="city_tiers"
    )
    assert rules_for(city, setup.school, 1).category_code == "nongcun"  # same code in both
    assert rules_for(city, setup.world.schools["a2"], 3).category_code is None  # no 乡镇 here


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "field", "msgid", "params"),
    [
        (
            {
                "overrides": [
                    {"category": "nongcun", "rule": "basic_cap_per_lesson", "value": "3.80"}
                ]
            },
            "overrides.0",
            "%(scope)s: %(rule)s %(value)s is above the provincial ceiling of %(limit)s.",
            {
                "scope": "农村",
                "rule": "basic care cap per lesson",
                "value": "3.80",
                "limit": "3.50",
            },
        ),
        (
            {"changes": {"basic_cap_per_lesson": Decimal("3.60")}},
            "basic_cap_per_lesson",
            "%(scope)s: %(rule)s %(value)s is above the provincial ceiling of %(limit)s.",
            {
                "scope": "District default",
                "rule": "basic care cap per lesson",
                "value": "3.60",
                "limit": "3.50",
            },
        ),
        (
            {"overrides": [{"category": "nongcun", "rule": "latest_end_time", "value": "25:00"}]},
            "overrides.0",
            "%(scope)s: %(value)s is not a valid value for %(rule)s.",
            {"scope": "农村", "value": "25:00", "rule": "latest end time"},
        ),
        (
            {"overrides": [{"category": None, "rule": "basic_cap_per_lesson", "value": "2.00"}]},
            "overrides.0",
            "A value for every school is the policy's own rule: change it there, or choose a "
            "category, a stage or a class of service.",
            {},
        ),
        (
            {"categories": [{"name": "乡镇"}, {"name": "乡镇"}]},
            "categories.1",
            "Two categories are named %(name)s.",
            {"name": "乡镇"},
        ),
        (
            {"categories": [{"name": "民办", "code": "default"}]},
            "categories.0",
            "The category code “%(code)s” is not valid: use lower-case letters, digits, - and "
            "_, at most 40 characters.",
            {"code": "default"},
        ),
    ],
)
def test_bad_input_gets_a_message_naming_the_value_and_the_limit(
    setup, kwargs, field, msgid, params
):
    setup.make_policy("county_tiers")
    kwargs = {"changes": {}, **kwargs}
    # a code is data, never translated; names and labels are
    translated = {k: (v if k == "code" else gettext(v)) for k, v in params.items()}
    with pytest.raises(InvalidInput) as err:
        policy_services.update_policy(actor=setup.official, semester=setup.semester, **kwargs)
    assert [str(m) for m in err.value.fields[field]] == [gettext(msgid) % translated]
    assert DistrictPolicy.objects.count() == 1


def test_a_school_of_another_district_cannot_be_assigned(setup):
    setup.make_policy("county_tiers")
    with pytest.raises(InvalidInput) as err:
        policy_services.update_policy(
            actor=setup.official,
            semester=setup.semester,
            changes={},
            assignments={setup.world.schools["b1"].pk: "nongcun"},
        )
    assert list(err.value.fields) == ["assignments"]


def test_removing_a_category_removes_its_rules_and_its_schools_fall_back(setup):
    setup.make_policy("county_tiers")
    before = assign(setup, a1="nongcun")
    after = policy_services.update_policy(
        actor=setup.official,
        semester=setup.semester,
        changes={},
        categories=[c for c in _categories(before) if c["code"] != "nongcun"],
    )
    assert not after.overrides.filter(category__code="nongcun").exists()
    assert rules_for(after, setup.school, 1).category_code is None
    assert rules_for(after, setup.school, 1).basic_cap_per_semester == Decimal("400.00")


def _categories(policy):
    return [{"code": c.code, "name": c.name} for c in policy.categories.all()]


def test_the_database_keeps_a_category_in_its_own_policy_version(setup):
    from django.db import IntegrityError, connection, transaction

    setup.make_policy("county_tiers")
    v1 = DistrictPolicy.objects.get()
    v2 = assign(setup, a1="nongcun")
    foreign = v1.categories.get(code="nongcun")
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleOverride.objects.create(
            district=v2.district,
            policy=v2,
            category=foreign,
            rule="basic_cap_per_lesson",
            value="1.00",
        )
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
