"""School category pages and API (issue 16): the table, assignments, overrides, ceilings;
roles and tenancy; the API's categories, overrides and effective rules."""

from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse

from plans.effective import rules_for
from plans.models import DistrictPolicy
from plans.services import policy as policy_services
from tests.plans.test_categories import assign, plan_for

pytestmark = pytest.mark.django_db


def categories_url(setup, code=None):
    if code is None:
        return reverse("policy_categories", args=[setup.semester.public_id])
    if code == "default":
        return reverse("policy_category_default", args=[setup.semester.public_id])
    return reverse("policy_category", args=[setup.semester.public_id, code])


def current():
    return DistrictPolicy.objects.order_by("-version").first()


def test_the_table_shows_categories_by_rule_with_overrides_highlighted(setup, client, login):
    setup.make_policy("county_tiers")
    assign(setup, a1="xiangzhen")
    login(setup.official)
    page = client.get(categories_url(setup))
    assert page.status_code == 200
    html = page.content.decode()
    rows = {row["code"]: row for row in page.context["rows"]}
    assert list(rows) == [None, "xiancheng", "xiangzhen", "nongcun"]
    cells = {c["rule"]: c["values"] for c in rows["xiangzhen"]["cells"]}
    assert [(v["scope"], v["value"], v["override"]) for v in cells["basic_cap_per_semester"]] == [
        ("小学", "390.00", True),
        ("初中", "450.00", True),
    ]
    default = {c["rule"]: c["values"] for c in rows[None]["cells"]}
    assert default["basic_cap_per_lesson"][0] == {"scope": "", "value": "2.50", "override": False}
    assert {"scope": "初中", "value": "3.00", "override": True} in default["basic_cap_per_lesson"]
    assert html.count('data-testid="override"') == 10  # 8 category values + 2 junior defaults
    assert [
        h["ceiling"] for h in page.context["headers"] if h["rule"] == "basic_cap_per_lesson"
    ] == ["3.50"]
    # 县城 and 农村 have no schools yet; school a2 has no category
    assert [c["name"] for c in page.context["empty_categories"]] == ["县城", "农村"]
    assert [s.code for s in page.context["unassigned"]] == ["s-a2"]
    assert 'data-testid="category-warnings"' in html


def test_official_adds_a_category_assigns_schools_and_sets_its_rules(setup, client, login):
    setup.make_policy("county_tiers")
    login(setup.official)
    response = client.post(
        categories_url(setup), {"action": "add", "name": "民办", "description": "民办学校"}
    )
    assert response.status_code == 302
    added = current().categories.get(name="民办")
    assert added.code.startswith("cat-") and current().version == 2
    a1, a2 = setup.world.schools["a1"], setup.world.schools["a2"]
    response = client.post(
        categories_url(setup),
        {"action": "assign", f"school_{a1.pk}": added.code, f"school_{a2.pk}": "nongcun"},
    )
    assert response.status_code == 302 and current().version == 3
    response = client.post(
        categories_url(setup, added.code),
        {
            "action": "save",
            "name": "民办",
            "description": "民办学校（政府定价）",
            "override-TOTAL_FORMS": "2",
            "override-INITIAL_FORMS": "0",
            "override-0-rule": "basic_cap_per_semester",
            "override-0-stage": "all",
            "override-0-service_class": "all",
            "override-0-value": "1200",
            "override-1-rule": "basic_cap_per_lesson",
            "override-1-stage": "all",
            "override-1-service_class": "all",
            "override-1-value": "",
        },
    )
    assert response.status_code == 302
    policy = current()
    assert policy.version == 4
    rules = rules_for(policy, a1, 2)
    assert (rules.category_name, rules.basic_cap_per_semester) == ("民办", Decimal("1200.00"))
    # an empty cap under the provincial ceiling of 3.50 per lesson is the ceiling
    assert (rules.basic_cap_per_lesson, rules.sources["basic_cap_per_lesson"]) == (
        Decimal("3.50"),
        "ceiling",
    )
    assert policy.categories.get(code=added.code).description == "民办学校（政府定价）"
    detail = client.get(reverse("policy_detail", args=[setup.semester.public_id])).content.decode()
    assert "民办" in detail and "v4" in detail


def test_an_override_above_the_ceiling_is_refused_in_place(setup, client, login):
    setup.make_policy("county_tiers")
    login(setup.official)
    response = client.post(
        categories_url(setup, "nongcun"),
        {
            "action": "save",
            "name": "农村",
            "override-TOTAL_FORMS": "1",
            "override-INITIAL_FORMS": "0",
            "override-0-rule": "basic_cap_per_lesson",
            "override-0-stage": "all",
            "override-0-service_class": "all",
            "override-0-value": "3.80",
        },
    )
    assert response.status_code == 200
    [message] = response.context["overrides"].forms[0].errors["value"]
    assert "3.80" in message and "3.50" in message
    assert current().version == 1


def test_removing_a_category_from_its_page(setup, client, login):
    setup.make_policy("county_tiers")
    assign(setup, a1="nongcun")
    login(setup.official)
    response = client.post(categories_url(setup, "nongcun"), {"action": "delete"})
    assert response.status_code == 302
    assert [c.code for c in current().categories.all()] == ["xiancheng", "xiangzhen"]
    assert rules_for(current(), setup.school, 1).category_code is None


def test_district_defaults_per_stage_are_edited_on_their_own_page(setup, client, login):
    setup.make_policy("county_tiers")
    login(setup.official)
    page = client.get(categories_url(setup, "default"))
    assert page.status_code == 200 and page.context["category"] is None
    initial = page.context["overrides"].initial
    assert {(row["stage"], row["rule"], row["value"]) for row in initial} == {
        ("junior", "basic_cap_per_lesson", "3.00"),
        ("junior", "basic_cap_per_semester", "480.00"),
    }


def test_ceilings_are_saved_and_checked(setup, client, login):
    setup.make_policy("county_tiers")
    login(setup.official)
    response = client.post(
        categories_url(setup), {"action": "ceilings", "basic_cap_per_lesson": "2.40"}
    )
    # 县城 (the default) allows 2.50 per lesson: above the new ceiling, refused on the form
    assert response.status_code == 200
    assert "2.40" in str(response.context["ceiling_form"].errors)
    response = client.post(
        categories_url(setup),
        {"action": "ceilings", "basic_cap_per_lesson": "3.20", "max_lessons_per_day": "3"},
    )
    assert response.status_code == 302
    assert current().rule_ceilings == {"basic_cap_per_lesson": "3.20", "max_lessons_per_day": "3"}


def test_principals_read_the_table_but_cannot_change_it(setup, client, login):
    setup.make_policy("county_tiers")
    login(setup.principal)
    page = client.get(categories_url(setup))
    assert page.status_code == 200 and page.context["can_edit"] is False
    assert client.get(categories_url(setup, "nongcun")).status_code == 200
    assert client.post(categories_url(setup), {"action": "add", "name": "x"}).status_code == 403
    assert client.post(categories_url(setup, "nongcun"), {"action": "delete"}).status_code == 403
    assert current().version == 1
    login(setup.world.users["teacher_a1"])
    assert client.get(categories_url(setup)).status_code == 403


def test_another_districts_categories_are_404(setup, client, login):
    setup.make_policy("county_tiers")
    login(setup.world.users["official_b"])
    for url in (
        categories_url(setup),
        categories_url(setup, "nongcun"),
        categories_url(setup, "default"),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "delete"}).status_code == 404, url
    login(setup.official)
    assert client.get(categories_url(setup, "no-such-code")).status_code == 404
    assert current().version == 1


def test_a_frozen_policy_shows_the_table_read_only(setup, client, login):
    from plans.services import plans as plan_services

    setup.make_policy("county_tiers")
    version = plan_for(setup)
    plan_services.submit_plan(actor=setup.principal, version=version)
    plan_services.approve_plan(actor=setup.official, version=version)
    login(setup.official)
    assert client.get(categories_url(setup)).context["can_edit"] is False
    response = client.post(categories_url(setup), {"action": "add", "name": "民办"})
    assert response.status_code in (302, 409)
    assert current().version == 1


def test_the_plan_page_names_the_category_or_the_default(setup, client, login):
    setup.make_policy("county_tiers")
    version = plan_for(setup, end=time(17, 30))
    login(setup.principal)
    url = reverse("plan_detail", args=[version.plan.public_id])
    page = client.get(url).content.decode()
    assert 'data-testid="school-category"' in page
    assert client.get(url).context["evaluation"].figures.category is None
    assign(setup, a1="nongcun")
    response = client.get(url)
    assert response.context["evaluation"].figures.category == "农村"
    assert "农村小学" in response.content.decode()


# --------------------------------------------------------------------------- API


def test_the_api_reads_and_changes_categories_assignments_and_overrides(setup, api):
    setup.make_policy("county_tiers")
    client = api(setup.official)
    policy = current()
    body = client.get(f"/api/v1/policies/{policy.public_id}/").json()
    assert [c["code"] for c in body["categories"]] == ["xiancheng", "xiangzhen", "nongcun"]
    assert body["assignments"] == [] and len(body["overrides"]) == 10
    a1 = setup.world.schools["a1"]
    response = client.post(
        f"/api/v1/policies/{policy.public_id}/change/",
        {
            "categories": [*body["categories"], {"name": "民办"}],
            "assignments": [{"school": str(a1.public_id), "category": "nongcun"}],
            "overrides": [
                *body["overrides"],
                {"category": "nongcun", "rule": "max_lessons_per_day", "value": "1"},
            ],
            "note": "农村每天1课时",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    new = response.json()
    assert [c["name"] for c in new["categories"]] == ["县城", "乡镇", "农村", "民办"]
    assert new["assignments"] == [
        {"school": str(a1.public_id), "school_name": a1.name, "category": "nongcun"}
    ]
    rules = client.get(
        f"/api/v1/policies/{new['id']}/rules/",
        {"school": str(a1.public_id), "grade": 2, "service_class": "supervision"},
    ).json()
    assert rules["label"] == "农村小学" and rules["category"] == "nongcun"
    assert rules["rules"]["max_lessons_per_day"] == "1"
    assert rules["rules"]["basic_cap_per_semester"] == "320.00"
    assert rules["sources"]["max_lessons_per_day"] == "category"
    default = client.get(f"/api/v1/policies/{new['id']}/rules/", {"grade": 8}).json()
    assert default["category"] is None and default["rules"]["basic_cap_per_lesson"] == "3.00"
    bad = client.get(f"/api/v1/policies/{new['id']}/rules/", {"grade": 10, "service_class": "x"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"grade", "service_class"}


def test_the_api_refuses_another_districts_school_and_bad_overrides(setup, api):
    setup.make_policy("county_tiers")
    client = api(setup.official)
    policy = current()
    response = client.post(
        f"/api/v1/policies/{policy.public_id}/change/",
        {
            "assignments": [
                {"school": str(setup.world.schools["b1"].public_id), "category": "nongcun"}
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["assignments"]
    response = client.post(
        f"/api/v1/policies/{policy.public_id}/change/",
        {"overrides": [{"category": "nongcun", "rule": "basic_cap_per_lesson", "value": "9.99"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "3.50" in response.json()["error"]["fields"]["overrides.0"][0]["message"]
    assert DistrictPolicy.objects.count() == 1


def test_the_api_rules_of_another_district_are_404(setup, api):
    setup.make_policy("county_tiers")
    policy = current()
    outsider = api(setup.world.users["official_b"])
    assert (
        outsider.get(f"/api/v1/policies/{policy.public_id}/rules/", {"grade": 1}).status_code == 404
    )
    own = api(setup.official)
    foreign_school = setup.world.schools["b1"].public_id
    response = own.get(
        f"/api/v1/policies/{policy.public_id}/rules/", {"grade": 1, "school": str(foreign_school)}
    )
    assert response.status_code == 404
    teacher = api(setup.world.users["teacher_a1"])
    assert (
        teacher.get(f"/api/v1/policies/{policy.public_id}/rules/", {"grade": 1}).status_code == 403
    )


def test_policy_list_queries_do_not_grow_with_categories(setup, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    setup.make_policy("county_tiers")
    client = api(setup.official)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/policies/").status_code == 200
    assign(setup, a1="nongcun", a2="xiangzhen")
    policy_services.create_policy_from_preset(
        actor=setup.official, semester=setup.semester, preset="city_tiers"
    )
    with CaptureQueriesContext(connection) as three:
        body = client.get("/api/v1/policies/").json()
    assert body["count"] == 3
    assert len(three) == len(one)
