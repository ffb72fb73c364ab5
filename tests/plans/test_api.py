"""The policy and plan API: presets, policies, plans, versions, parts, check, workflow."""

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftercare.models import AuditEvent, Notification
from plans.models import (
    Course,
    DistrictPolicy,
    PlanStatus,
    PlanVersion,
    RegistrationWindow,
    SchoolPlan,
    ServicePeriod,
)
from plans.services import plans as plan_services
from plans.services import policy as policy_services

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW_DATA = {
    "kind": "extended",
    "round": 1,
    "opens_at": datetime(2026, 8, 25, 10, 40, tzinfo=SHANGHAI),
    "closes_at": datetime(2026, 8, 26, 10, 40, tzinfo=SHANGHAI),
}
PRESETS = "/api/v1/policy-presets/"
POLICIES = "/api/v1/policies/"
PLANS = "/api/v1/plans/"

GENERAL = {
    "hotline": "0531-12345678",
    "safety_plan": "安全预案……",
    "leadership_group": "组长：校长",
    "prohibitions_confirmed": True,
    "fee_notice": "收费标准公示……",
}
PERIOD = {
    "grades": [1, 2, 3, 4, 5, 6],
    "weekdays": [0, 1, 2, 3, 4],
    "start_time": "15:30",
    "end_time": "17:30",
}
COURSE = {
    "name": "书法",
    "teacher_name": "王老师",
    "room": "美术室",
    "grades": [3, 4],
    "weekdays": [2],
    "start_time": "16:00",
    "end_time": "16:40",
    "capacity": 30,
    "min_size": 15,
    "fee_per_lesson": "10.00",
}
WINDOW = {
    "kind": "extended",
    "round": 1,
    "opens_at": "2026-08-25T10:40:00+08:00",
    "closes_at": "2026-08-26T10:40:00+08:00",
}


def policy_url(policy, action=None):
    pid = policy if isinstance(policy, str) else policy.public_id
    return f"{POLICIES}{pid}/" + (f"{action}/" if action else "")


def plan_url(plan, action=None):
    pid = plan if isinstance(plan, str) else plan.public_id
    return f"{PLANS}{pid}/" + (f"{action}/" if action else "")


def fields_of(response) -> dict:
    return response.json()["error"]["fields"]


def new_plan(setup, api):
    """A plan of school a1 created through the API; returns its id."""
    response = api(setup.principal).post(
        PLANS,
        {"school": str(setup.school.public_id), "semester": str(setup.semester.public_id)},
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def frozen_semester(setup):
    """Approve a valid plan of the semester: its policy is frozen from then on."""
    setup.make_policy()
    _plan, version = setup.make_plan()
    plan_services.submit_plan(actor=setup.principal, version=version)
    plan_services.approve_plan(actor=setup.official, version=version)


# --------------------------------------------------------------------------- presets


def test_presets_list_every_preset_with_its_values(setup, api):
    response = api(setup.official).get(PRESETS)
    assert response.status_code == 200
    by_key = {p["key"]: p for p in response.json()}
    assert set(by_key) == {
        "shandong",
        "city_2021",
        "delayed_care",
        "seasonal_600",
        "one_plus_x",
        "county_tiers",
        "city_tiers",
    }
    county = by_key["county_tiers"]["values"]
    assert [c["name"] for c in county["categories"]] == ["县城", "乡镇", "农村"]
    assert county["max_lessons_per_day"] == 2
    assert county["rule_ceilings"] == {"basic_cap_per_lesson": "3.50"}
    assert {
        "category": "xiangzhen",
        "stage": "primary",
        "service_class": "all",
        "rule": "basic_cap_per_semester",
        "value": "390.00",
    } in county["overrides"]
    one_plus_x = by_key["one_plus_x"]
    assert one_plus_x["source"] == "001 小学课后校内托管工作方案及措施"
    assert one_plus_x["label"]
    values = one_plus_x["values"]
    assert values["latest_end_time"] == "17:30"
    assert values["basic_care_must_be_free"] is True
    assert values["extended_cap_per_lesson"] == "20.00"
    assert values["basic_cap_per_lesson"] is None
    assert values["service_weekdays"] == [0, 1, 2, 3, 4]
    assert values["seasons"] == [
        {
            "name": "夏令时",
            "start_month": 5,
            "start_day": 1,
            "end_month": 9,
            "end_day": 30,
            "latest_end_time": "18:00",
        },
    ]


def test_presets_are_for_staff_only(setup, api):
    assert api(setup.principal).get(PRESETS).status_code == 200
    response = api(setup.world.users["parent_a1"]).get(PRESETS)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"


# --------------------------------------------------------------------------- policies


def test_official_starts_policy_from_preset(setup, api):
    client = api(setup.official)
    response = client.post(
        POLICIES, {"semester": str(setup.semester.public_id), "preset": "shandong"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1
    assert body["semester"] == str(setup.semester.public_id)
    assert body["district"] == str(setup.world.a.public_id)
    assert (body["is_current"], body["frozen"], body["preset"]) == (True, False, "shandong")
    assert (body["basic_cap_per_lesson"], body["basic_cap_per_semester"]) == ("1.80", "350.00")
    assert body["evening_latest_end_time"] == "20:30"
    assert body["created_by"] == setup.official.full_name
    assert AuditEvent.objects.filter(action="policy.created", district=setup.world.a).count() == 1
    again = client.post(
        POLICIES, {"semester": str(setup.semester.public_id), "preset": "one_plus_x"}
    )
    assert again.status_code == 201 and again.json()["version"] == 2


def test_principal_cannot_start_policy(setup, api):
    response = api(setup.principal).post(
        POLICIES, {"semester": str(setup.semester.public_id), "preset": "shandong"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"
    assert not DistrictPolicy.objects.exists()


def test_policy_create_malformed_input(setup, api):
    response = api(setup.official).post(
        POLICIES, {"semester": str(setup.world.semesters["b"].public_id), "preset": "nope"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"semester", "preset"}
    assert error["fields"]["semester"][0]["code"] == "does_not_exist"
    assert error["fields"]["preset"][0]["code"] == "invalid_choice"
    assert not DistrictPolicy.objects.exists()


def test_policy_list_filters_and_roles(setup, api):
    setup.make_policy("city_2021", latest_end_time=time(17, 30))  # versions 1 and 2
    semester = str(setup.semester.public_id)
    client = api(setup.official)
    every = client.get(POLICIES, {"semester": semester}).json()
    assert [p["version"] for p in every["results"]] == [2, 1]
    assert [p["is_current"] for p in every["results"]] == [True, False]
    current = client.get(POLICIES, {"semester": semester, "current": "true"}).json()
    assert [p["version"] for p in current["results"]] == [2]
    assert current["results"][0]["latest_end_time"] == "17:30"
    # School leaders read their district's policy; teachers and parents may not.
    principal = api(setup.principal).get(POLICIES).json()
    assert [p["version"] for p in principal["results"]] == [2, 1]
    for key in ("teacher_a1", "parent_a1"):
        response = api(setup.world.users[key]).get(POLICIES)
        assert response.status_code == 403, key
    policy = DistrictPolicy.objects.get(version=2)
    assert api(setup.world.users["teacher_a1"]).get(policy_url(policy)).status_code == 403
    # Another district's official sees none of it.
    other = api(setup.world.users["official_b"])
    assert other.get(POLICIES).json()["results"] == []
    assert other.get(policy_url(policy)).status_code == 404


def test_policy_change_writes_a_new_version_and_an_audit_event(setup, api):
    setup.make_policy("city_2021")
    v1 = DistrictPolicy.objects.get()
    response = api(setup.official).post(
        policy_url(v1, "change"),
        {
            "latest_end_time": "18:30",
            "basic_cap_per_lesson": "2.00",
            "service_weekdays": [4, 3, 2, 1, 0, 0],
            "seasons": [
                {
                    "name": "冬令时",
                    "start_month": 11,
                    "start_day": 1,
                    "end_month": 2,
                    "end_day": 28,
                    "latest_end_time": "17:30",
                }
            ],
            "note": "延长到18:30",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["version"], body["is_current"], body["change_note"]) == (2, True, "延长到18:30")
    assert body["latest_end_time"] == "18:30"
    assert body["basic_cap_per_lesson"] == "2.00"
    assert body["service_weekdays"] == [0, 1, 2, 3, 4]
    assert body["seasons"][0]["name"] == "冬令时"
    assert body["subsidy_per_student_year"] == "250.00"  # untouched rules carry over
    v1.refresh_from_db()
    assert v1.latest_end_time == time(18, 0) and v1.basic_cap_per_lesson is None
    event = AuditEvent.objects.get(action="policy.changed")
    assert event.payload["version"] == 2
    assert event.payload["changes"]["latest_end_time"] == ["18:00", "18:30"]
    assert event.payload["changes"]["basic_cap_per_lesson"] == [None, "2.00"]
    assert "seasons" in event.payload["changes"]
    assert "service_weekdays" not in event.payload["changes"]
    assert event.actor == setup.official


def test_policy_change_without_difference_returns_the_current_version(setup, api):
    setup.make_policy("city_2021")
    v1 = DistrictPolicy.objects.get()
    response = api(setup.official).post(policy_url(v1, "change"), {"latest_end_time": "18:00"})
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert DistrictPolicy.objects.count() == 1
    assert not AuditEvent.objects.filter(action="policy.changed").exists()


def test_policy_change_malformed_input_gets_field_messages(setup, api):
    setup.make_policy("city_2021")
    v1 = DistrictPolicy.objects.get()
    response = api(setup.official).post(
        policy_url(v1, "change"),
        {
            "latest_end_time": "25:00",
            "basic_cap_per_lesson": "1.234",
            "service_weekdays": [0, 7],
            "students_per_teacher": 0,
            "refund_basis": "weekly",
            "exemptions": [{"name": "困难", "reduction_percent": 150}],
            "seasons": [{"name": "夏", "start_month": 13}],
        },
    )
    assert response.status_code == 400
    fields = fields_of(response)
    assert set(fields) == {
        "latest_end_time",
        "basic_cap_per_lesson",
        "service_weekdays.1",
        "students_per_teacher",
        "refund_basis",
        "exemptions.0.reduction_percent",
        "seasons.0.start_month",
        "seasons.0.start_day",
        "seasons.0.end_month",
        "seasons.0.end_day",
        "seasons.0.latest_end_time",
    }
    assert fields["basic_cap_per_lesson"][0]["code"] == "max_decimal_places"
    assert fields["latest_end_time"][0]["code"] == "invalid"
    assert all(item["message"] for items in fields.values() for item in items)
    assert DistrictPolicy.objects.count() == 1


def test_policy_change_rule_errors_come_from_the_service(setup, api):
    setup.make_policy("city_2021")
    v1 = DistrictPolicy.objects.get()
    response = api(setup.official).post(
        policy_url(v1, "change"),
        {
            "service_weekdays": [],
            "seasons": [
                {
                    "name": "夏",
                    "start_month": 2,
                    "start_day": 30,
                    "end_month": 3,
                    "end_day": 1,
                    "latest_end_time": "18:00",
                }
            ],
        },
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"service_weekdays", "seasons.0"}
    assert DistrictPolicy.objects.count() == 1


def test_principal_cannot_change_policy(setup, api):
    setup.make_policy()
    response = api(setup.principal).post(
        policy_url(DistrictPolicy.objects.get(), "change"), {"latest_end_time": "17:00"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"
    assert DistrictPolicy.objects.count() == 1


def test_frozen_policy_refuses_changes(setup, api):
    frozen_semester(setup)
    policy = DistrictPolicy.objects.get()
    client = api(setup.official)
    assert client.get(policy_url(policy)).json()["frozen"] is True
    response = client.post(policy_url(policy, "change"), {"latest_end_time": "17:00"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "policy_frozen"
    restart = client.post(
        POLICIES, {"semester": str(setup.semester.public_id), "preset": "shandong"}
    )
    assert restart.status_code == 409
    assert restart.json()["error"]["code"] == "policy_frozen"
    assert DistrictPolicy.objects.count() == 1


def test_policy_diff_against_predecessor(setup, api):
    setup.make_policy("city_2021")
    policy_services.update_policy(
        actor=setup.official,
        semester=setup.semester,
        changes={"latest_end_time": time(17, 30), "extended_cap_per_lesson": Decimal("20.00")},
        note="调整",
    )
    client = api(setup.official)
    v1, v2 = DistrictPolicy.objects.order_by("version")
    diff = client.get(policy_url(v2, "diff")).json()
    assert (diff["version"], diff["previous_version"], diff["change_note"]) == (2, 1, "调整")
    changes = {c["field"]: c for c in diff["changes"]}
    assert set(changes) == {"latest_end_time", "extended_cap_per_lesson"}
    assert (changes["latest_end_time"]["old"], changes["latest_end_time"]["new"]) == (
        "18:00",
        "17:30",
    )
    assert changes["extended_cap_per_lesson"]["old"] is None
    assert changes["extended_cap_per_lesson"]["new"] == "20.00"
    assert changes["latest_end_time"]["label"] == "最晚结束时间"
    first = client.get(policy_url(v1, "diff")).json()
    assert (first["previous_version"], first["changes"]) == (None, [])


# --------------------------------------------------------------------------- plans


def test_principal_creates_plan_and_reads_it(setup, api):
    setup.make_policy()
    plan_id = new_plan(setup, api)
    plan = SchoolPlan.objects.get(public_id=plan_id)
    body = api(setup.principal).get(plan_url(plan)).json()
    assert body["school"] == str(setup.school.public_id)
    assert body["semester"] == str(setup.semester.public_id)
    assert body["working_version"]["number"] == 1
    assert body["working_version"]["status"] == "draft"
    assert body["working_version"]["id"] == str(plan.versions.get().public_id)
    assert body["published_version"] is None
    assert [v["number"] for v in body["versions"]] == [1]
    draft = api(setup.principal).get(plan_url(plan, "draft")).json()
    assert draft["hotline"] == ""  # city_2021 has no district hotline
    assert (draft["periods"], draft["courses"], draft["windows"]) == ([], [], [])
    assert AuditEvent.objects.filter(action="plan.created").count() == 1


def test_plan_create_refusals(setup, api):
    client = api(setup.principal)
    plan_id = new_plan(setup, api)
    again = client.post(
        PLANS, {"school": str(setup.school.public_id), "semester": str(setup.semester.public_id)}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "plan_exists"
    assert set(fields_of(again)) == {"semester"}
    copy = api(setup.world.users["principal_a2"]).post(
        PLANS,
        {
            "school": str(setup.world.schools["a2"].public_id),
            "semester": str(setup.semester.public_id),
            "copy_from_last": True,
        },
    )
    assert copy.status_code == 400 and set(fields_of(copy)) == {"copy_from_last"}
    malformed = client.post(
        PLANS,
        {
            "school": "not-a-uuid",
            "semester": str(setup.world.semesters["b"].public_id),
            "copy_from_last": "maybe",
        },
    )
    assert malformed.status_code == 400
    assert set(fields_of(malformed)) == {"school", "semester", "copy_from_last"}
    official = api(setup.official).post(
        PLANS,
        {
            "school": str(setup.world.schools["a2"].public_id),
            "semester": str(setup.semester.public_id),
        },
    )
    assert official.status_code == 403 and official.json()["error"]["code"] == "not_allowed"
    assert list(SchoolPlan.objects.values_list("public_id", flat=True)) == [
        SchoolPlan.objects.get(public_id=plan_id).public_id
    ]


def test_plan_list_by_role(setup, api):
    setup.make_policy()
    plan_a1, _ = setup.make_plan()
    world = setup.world
    plan_a2 = plan_services.create_plan(
        actor=world.users["principal_a2"], school=world.schools["a2"], semester=setup.semester
    )
    plan_b1 = plan_services.create_plan(
        actor=world.users["principal_b1"],
        school=world.schools["b1"],
        semester=world.semesters["b"],
    )

    def ids(user, **params):
        response = api(user).get(PLANS, params)
        assert response.status_code == 200
        return {p["id"] for p in response.json()["results"]}

    assert ids(setup.official) == {str(plan_a1.public_id), str(plan_a2.public_id)}
    assert ids(setup.principal) == {str(plan_a1.public_id)}
    assert ids(world.users["admin_a2"]) == {str(plan_a2.public_id)}
    assert ids(world.users["official_b"]) == {str(plan_b1.public_id)}
    assert ids(setup.official, school=str(world.schools["a2"].public_id)) == {
        str(plan_a2.public_id)
    }
    plan_services.submit_plan(actor=setup.principal, version=plan_a1.versions.get())
    assert ids(setup.official, status="submitted") == {str(plan_a1.public_id)}
    assert ids(setup.official, status="published") == set()
    # Teachers and parents have no business with plans: 403, list and detail alike.
    for key in ("teacher_a1", "care_a1", "parent_a1"):
        response = api(world.users[key]).get(PLANS)
        assert response.status_code == 403, key
        assert response.json()["error"]["code"] == "not_allowed"
    assert api(world.users["teacher_a1"]).get(plan_url(plan_a1)).status_code == 403
    assert api(world.users["teacher_a1"]).get(plan_url(plan_a1, "check")).status_code == 403
    assert api(world.users["teacher_a1"]).get(f"{plan_url(plan_a1)}periods/").status_code == 403
    # Another school of the same district is not the principal's: 404.
    assert api(world.users["principal_a2"]).get(plan_url(plan_a1)).status_code == 404


def test_parts_create_change_delete(setup, api):
    setup.make_policy("city_2021", min_extended_course_size=12)
    plan_id = new_plan(setup, api)
    client = api(setup.principal)
    base = plan_url(plan_id)

    period = client.post(f"{base}periods/", {**PERIOD, "grades": [2, 1, 1]})
    assert period.status_code == 201, period.json()
    assert period.json()["grades"] == [1, 2]
    pid = period.json()["id"]
    patched = client.patch(f"{base}periods/{pid}/", {"end_time": "17:00"})
    assert patched.status_code == 200
    assert (patched.json()["start_time"], patched.json()["end_time"]) == ("15:30", "17:00")
    put = client.put(
        f"{base}periods/{pid}/",
        {**PERIOD, "valid_from": "2026-09-01", "valid_until": "2026-09-30"},
    )
    assert put.status_code == 200 and put.json()["valid_from"] == "2026-09-01"
    assert client.get(f"{base}periods/{pid}/").json()["valid_until"] == "2026-09-30"

    course = client.post(f"{base}courses/", {k: v for k, v in COURSE.items() if k != "min_size"})
    assert course.status_code == 201, course.json()
    assert course.json()["min_size"] == 12  # the district's minimum, as on the page
    assert course.json()["fee_per_lesson"] == "10.00"
    cid = course.json()["id"]
    assert client.patch(f"{base}courses/{cid}/", {"capacity": 25}).json()["capacity"] == 25

    window = client.post(f"{base}windows/", WINDOW)
    assert window.status_code == 201, window.json()
    assert window.json()["opens_at"] == "2026-08-25T10:40:00+08:00"
    duplicate = client.post(f"{base}windows/", WINDOW)
    assert duplicate.status_code == 400 and set(fields_of(duplicate)) == {"round"}

    draft = client.get(f"{base}draft/").json()
    assert [p["id"] for p in draft["periods"]] == [pid]
    assert [c["name"] for c in draft["courses"]] == ["书法"]
    assert [w["kind"] for w in draft["windows"]] == ["extended"]
    assert [c["id"] for c in client.get(f"{base}courses/").json()] == [cid]

    assert client.delete(f"{base}courses/{cid}/").status_code == 204
    assert not Course.objects.exists()
    assert client.get(f"{base}courses/{cid}/").status_code == 404
    assert AuditEvent.objects.filter(action="plan.edited").count() == 7


def test_parts_malformed_input_gets_field_messages(setup, api):
    plan_id = new_plan(setup, api)
    client = api(setup.principal)
    base = plan_url(plan_id)
    period = client.post(
        f"{base}periods/",
        {
            "grades": [0, 10],
            "weekdays": [7],
            "start_time": "3pm",
            "end_time": "17:30:00",
            "valid_from": "2026-02-30",
        },
    )
    assert period.status_code == 400
    assert set(fields_of(period)) == {
        "grades.0",
        "grades.1",
        "weekdays.0",
        "start_time",
        "end_time",
        "valid_from",
    }
    course = client.post(
        f"{base}courses/",
        {**COURSE, "name": "", "capacity": 0, "fee_per_lesson": "1.234", "weekdays": "Mon"},
    )
    assert course.status_code == 400
    assert set(fields_of(course)) == {"name", "capacity", "fee_per_lesson", "weekdays"}
    assert fields_of(course)["fee_per_lesson"][0]["code"] == "max_decimal_places"
    window = client.post(f"{base}windows/", {"kind": "lunch", "round": 3, "opens_at": "tomorrow"})
    assert window.status_code == 400
    assert set(fields_of(window)) == {"kind", "round", "opens_at", "closes_at"}
    # Shape is fine, the rule is not: the service answers with its field message.
    backwards = client.post(f"{base}periods/", {**PERIOD, "end_time": "15:00"})
    assert backwards.status_code == 400
    assert backwards.json()["error"]["code"] == "invalid"
    assert set(fields_of(backwards)) == {"end_time"}
    general = client.patch(
        f"{base}draft/",
        {"basic_fee_unit": "per_week", "basic_fee_amount": "-1", "lunch_start_time": "noon"},
    )
    assert general.status_code == 400
    assert set(fields_of(general)) == {"basic_fee_unit", "basic_fee_amount", "lunch_start_time"}
    assert not ServicePeriod.objects.exists()
    assert not Course.objects.exists()
    assert not RegistrationWindow.objects.exists()
    assert not AuditEvent.objects.filter(action="plan.edited").exists()


def test_part_of_another_version_is_not_found(setup, api):
    setup.make_policy()
    plan, version = setup.make_plan()
    plan_services.submit_plan(actor=setup.principal, version=version)
    plan_services.approve_plan(actor=setup.official, version=version)
    plan_services.publish_plan(actor=setup.principal, version=version)
    old_period = version.periods.get()
    plan_services.amend_plan(actor=setup.principal, plan=plan)
    client = api(setup.principal)
    # The working version is now v2: v1's period is not among its parts.
    response = client.patch(f"{plan_url(plan)}periods/{old_period.pk}/", {"end_time": "17:00"})
    assert response.status_code == 404
    assert client.delete(f"{plan_url(plan)}periods/{old_period.pk}/").status_code == 404
    assert ServicePeriod.objects.filter(pk=old_period.pk, end_time=time(17, 30)).exists()


def test_check_lists_violations_and_figures(setup, api):
    setup.make_policy("shandong")
    plan, version = setup.make_plan(
        end=time(18, 10), basic_fee_unit="per_lesson", basic_fee_amount=Decimal("2.00")
    )
    course = plan_services.save_plan_part(
        actor=setup.principal,
        version=version,
        kind="course",
        data={
            "name": "围棋",
            "grades": [3],
            "weekdays": [2],
            "start_time": time(16, 0),
            "end_time": time(16, 40),
            "capacity": 30,
            "min_size": 15,
            "fee_per_lesson": Decimal("5.00"),
        },
    )
    response = api(setup.official).get(plan_url(plan, "check"))
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["status"], body["ok"]) == (1, "draft", False)
    assert body["policy_version"] == 1
    codes = {v["code"] for v in body["violations"]}
    assert {"end_time_after_limit", "basic_fee_over_cap", "window_missing"} <= codes
    late = next(v for v in body["violations"] if v["code"] == "end_time_after_limit")
    assert late == {
        "code": "end_time_after_limit",
        "section": "periods",
        "kind": "policy",
        "item_id": version.periods.get().pk,
        "field": "end_time",
        "message": late["message"],
        "value": "18:10",
        "limit": "18:00",
        "scope": "",  # no school category: the district default
    }
    figures = body["figures"]
    assert figures["category"] is None
    assert figures["school_days"] == 99
    grade1 = figures["grades"][0]
    assert (grade1["grade"], grade1["sessions"], grade1["minutes"]) == (1, 99, 99 * 160)
    assert grade1["lessons"] == 99 * 4
    assert grade1["fee"] == "792.00"
    caps = {c["limit"]: c for c in grade1["caps"]}
    assert caps["1.80"]["value"] == "2.00" and caps["1.80"]["exceeded"] is True
    assert caps["350.00"]["value"] == "792.00" and caps["350.00"]["exceeded"] is True
    assert grade1["exceeds_cap"] is True
    (weiqi,) = figures["courses"]
    assert (weiqi["course"], weiqi["name"], weiqi["sessions"]) == (course.pk, "围棋", 20)
    assert weiqi["fee"] == "100.00" and weiqi["caps"] == []
    # A version number that is not a number is a field error, an unknown one a 404.
    assert api(setup.official).get(plan_url(plan, "check"), {"version": "x"}).status_code == 400
    assert api(setup.official).get(plan_url(plan, "check"), {"version": 9}).status_code == 404


def test_full_workflow_through_the_api(setup, api):
    official, principal = api(setup.official), api(setup.principal)
    policy = official.post(
        POLICIES, {"semester": str(setup.semester.public_id), "preset": "city_2021"}
    )
    assert policy.status_code == 201
    plan_id = new_plan(setup, api)
    base = plan_url(plan_id)
    assert principal.patch(f"{base}draft/", GENERAL).status_code == 200
    period = principal.post(f"{base}periods/", {**PERIOD, "end_time": "18:30"}).json()
    assert principal.post(f"{base}courses/", COURSE).status_code == 201
    assert principal.post(f"{base}windows/", WINDOW).status_code == 201

    # Refused at submit, with the violation listed machine-readably.
    refused = principal.post(f"{base}submit/")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "plan_violations"
    assert [
        (v["code"], v["section"], v["item_id"], v["field"]) for v in error["fields"]["plan"]
    ] == [("end_time_after_limit", "periods", period["id"], "end_time")]
    assert error["fields"]["plan"][0]["limit"] == "18:00"
    assert PlanVersion.objects.get().status == PlanStatus.DRAFT

    # Fixed, submitted.
    assert (
        principal.patch(f"{base}periods/{period['id']}/", {"end_time": "17:30"}).status_code == 200
    )
    assert principal.get(f"{base}check/").json()["ok"] is True
    submitted = principal.post(f"{base}submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["policy_version"] == 1
    assert Notification.objects.filter(recipient=setup.official).count() == 1

    # The principal cannot approve; the official returns it with a comment.
    denied = principal.post(f"{base}approve/")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "not_allowed"
    no_comment = official.post(f"{base}return/", {"comment": " "})
    assert no_comment.status_code == 400 and set(fields_of(no_comment)) == {"comment"}
    returned = official.post(f"{base}return/", {"comment": "请补充书法课材料"})
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["review_comment"]) == (
        "returned",
        "请补充书法课材料",
    )
    assert principal.get(base).json()["working_version"]["review_comment"] == "请补充书法课材料"

    # Resubmitted after an edit, approved, then locked.
    course_id = principal.get(f"{base}courses/").json()[0]["id"]
    assert (
        principal.patch(f"{base}courses/{course_id}/", {"materials": "毛笔、墨汁"}).status_code
        == 200
    )
    assert principal.post(f"{base}submit/").json()["status"] == "submitted"
    approved = official.post(f"{base}approve/", {"comment": "同意"})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["is_editable"]) == ("approved", False)
    assert approved.json()["decided_by"] == setup.official.full_name
    for method, url, data in (
        ("patch", f"{base}draft/", {"hotline": "12345"}),
        ("post", f"{base}periods/", PERIOD),
        ("patch", f"{base}periods/{period['id']}/", {"end_time": "17:00"}),
        ("delete", f"{base}courses/{course_id}/", None),
    ):
        locked = getattr(principal, method)(url, data)
        assert locked.status_code == 409, (method, url)
        assert locked.json()["error"]["code"] == "version_locked"
    assert ServicePeriod.objects.get().end_time == time(17, 30)
    assert official.post(f"{base}approve/").status_code == 409  # not waiting for review

    # Published, then amended into version 2.
    published = principal.post(f"{base}publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    amended = principal.post(f"{base}amend/")
    assert amended.status_code == 201
    assert (amended.json()["number"], amended.json()["status"]) == (2, "draft")
    assert amended.json()["prohibitions_confirmed"] is False
    assert [p["end_time"] for p in amended.json()["periods"]] == ["17:30"]
    plan = principal.get(base).json()
    assert plan["working_version"]["number"] == 2
    assert plan["published_version"]["number"] == 1
    assert [(v["number"], v["status"]) for v in plan["versions"]] == [
        (2, "draft"),
        (1, "published"),
    ]
    versions = principal.get(f"{base}versions/").json()
    assert [v["number"] for v in versions] == [2, 1]
    v1 = principal.get(f"{base}versions/1/").json()
    assert (v1["status"], v1["review_comment"], v1["policy_version"]) == ("published", "同意", 1)
    assert [c["materials"] for c in v1["courses"]] == ["毛笔、墨汁"]
    assert principal.get(f"{base}versions/3/").status_code == 404
    actions = list(
        AuditEvent.objects.filter(action__startswith="plan.")
        .exclude(action="plan.edited")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "plan.created",
        "plan.submitted",
        "plan.returned",
        "plan.submitted",
        "plan.approved",
        "plan.published",
        "plan.amendment_started",
    ]


def test_workflow_steps_out_of_order_are_conflicts(setup, api):
    setup.make_policy()
    plan, _version = setup.make_plan()
    publish = api(setup.principal).post(plan_url(plan, "publish"))
    assert publish.status_code == 409 and publish.json()["error"]["code"] == "not_approved"
    approve = api(setup.official).post(plan_url(plan, "approve"))
    assert approve.status_code == 409 and approve.json()["error"]["code"] == "not_submitted"
    amend = api(setup.principal).post(plan_url(plan, "amend"))
    assert amend.status_code == 409 and amend.json()["error"]["code"] == "open_version"


# --------------------------------------------------------------------------- tenancy


def _plan_routes(plan, period, course, window):
    base = plan_url(plan)
    routes = [
        ("get", base),
        ("get", f"{base}versions/"),
        ("get", f"{base}versions/1/"),
        ("get", f"{base}check/"),
    ]
    routes += [(m, f"{base}draft/") for m in ("get", "patch")]
    routes += [("post", f"{base}{a}/") for a in ("submit", "approve", "return", "publish", "amend")]
    for name, part in (("periods", period), ("courses", course), ("windows", window)):
        routes += [(m, f"{base}{name}/") for m in ("get", "post")]
        routes += [(m, f"{base}{name}/{part.pk}/") for m in ("get", "put", "patch", "delete")]
    return routes


def test_other_district_gets_404_for_the_plan_and_every_sub_route(setup, api):
    setup.make_policy()
    plan, version = setup.make_plan()
    period = version.periods.get()
    course = plan_services.save_plan_part(
        actor=setup.principal,
        version=version,
        kind="course",
        data={k: v for k, v in COURSE.items() if k in ("name", "grades", "weekdays", "capacity")}
        | {"start_time": time(16, 0), "end_time": time(16, 40)},
    )
    window = plan_services.save_plan_part(
        actor=setup.principal, version=version, kind="window", data=WINDOW_DATA
    )
    policy = DistrictPolicy.objects.get()
    events_before = AuditEvent.objects.count()
    for user in (setup.world.users["official_b"], setup.world.users["principal_b1"]):
        client = api(user)
        for method, url in [
            *_plan_routes(plan, period, course, window),
            ("get", policy_url(policy)),
            ("post", policy_url(policy, "change")),
            ("get", policy_url(policy, "diff")),
        ]:
            response = getattr(client, method)(url, {})
            assert response.status_code == 404, (user, method, url, response.status_code)
            assert response.json()["error"]["code"] == "not_found"
    assert AuditEvent.objects.count() == events_before
    assert PlanVersion.objects.get().status == PlanStatus.DRAFT


# --------------------------------------------------------------------------- query counts


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_counts_do_not_grow_with_rows(setup, api):
    world = setup.world
    setup.make_policy("seasonal_600")
    plan, version = setup.make_plan()
    course = {
        "grades": [1],
        "weekdays": [0],
        "start_time": time(16, 0),
        "end_time": time(16, 40),
        "capacity": 20,
    }
    plan_services.save_plan_part(
        actor=setup.principal, version=version, kind="course", data={"name": "合唱", **course}
    )
    plan_services.save_plan_part(
        actor=setup.principal, version=version, kind="window", data=WINDOW_DATA
    )
    client = api(setup.official)
    urls = [
        PLANS,
        POLICIES,
        f"{plan_url(plan)}versions/",
        f"{plan_url(plan)}periods/",
        f"{plan_url(plan)}courses/",
    ]
    before = {url: _count(client, url) for url in urls}

    plan_services.create_plan(
        actor=world.users["principal_a2"], school=world.schools["a2"], semester=setup.semester
    )
    for n in range(2):
        policy_services.update_policy(
            actor=setup.official,
            semester=setup.semester,
            changes={"students_per_teacher": 41 + n},
        )
        plan_services.save_plan_part(
            actor=setup.principal,
            version=version,
            kind="period",
            data={
                **PERIOD,
                "grades": [1],
                "start_time": time(12 + n, 0),
                "end_time": time(12 + n, 30),
            },
        )
        plan_services.save_plan_part(
            actor=setup.principal,
            version=version,
            kind="course",
            data={"name": f"舞蹈{n}", **course},
        )
    plan_services.submit_plan(actor=setup.principal, version=version)
    plan_services.approve_plan(actor=setup.official, version=version)
    plan_services.publish_plan(actor=setup.principal, version=version)
    plan_services.amend_plan(actor=setup.principal, plan=plan)

    after = {url: _count(client, url) for url in urls}
    assert after == before
    assert client.get(PLANS).json()["count"] == 2
    assert len(client.get(POLICIES).json()["results"]) == 3
    assert len(client.get(f"{plan_url(plan)}versions/").json()) == 2
    assert len(client.get(f"{plan_url(plan)}courses/").json()) == 3
