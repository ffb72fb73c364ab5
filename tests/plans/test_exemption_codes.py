"""Exemption category codes are stable identifiers: never derived from a label on save.

Billing copies a category's code into each exemption granted; a code that changes when an
official edits any policy field (``poverty_registered`` -> ``category-1``, because Chinese
names slugify to nothing) silently detaches the grants from their category.
"""

import re
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils.translation import gettext

from aftercare.errors import InvalidInput
from plans.models import DistrictPolicy
from plans.services import policy as policy_services

pytestmark = pytest.mark.django_db

PRESET_CODES = [
    ("poverty_registered", "建档立卡贫困家庭", 100),
    ("hardship", "家庭经济困难", 50),
]


def codes(policy=None):
    policy = policy or DistrictPolicy.objects.order_by("-version").first()
    return [(e["code"], e["name"], e["reduction_percent"]) for e in policy.exemptions]


def edit_page_data(form_page, **overrides):
    """What the edit page posts when the official changes nothing but ``overrides``."""
    form = form_page.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "on" if value else ""
        elif hasattr(value, "strftime"):
            value = value.strftime("%H:%M")
        data[name] = value
    for prefix in ("season", "exemption"):
        formset = form_page.context.get(f"{prefix}s")
        if formset is None:
            continue
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        for index, row in enumerate(formset.initial or []):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = (
                    value.strftime("%H:%M") if hasattr(value, "strftime") else value
                )
            data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
            data[f"{prefix}-INITIAL_FORMS"] = str(index + 1)
    data.update(overrides)
    return data


def test_changing_another_field_on_the_page_keeps_the_codes(setup, client, login):
    setup.make_policy("shandong")
    login(setup.official)
    edit = reverse("policy_edit", args=[setup.semester.public_id])
    response = client.post(edit, edit_page_data(client.get(edit), latest_end_time="17:45"))
    assert response.status_code == 302
    assert DistrictPolicy.objects.count() == 2
    assert codes() == PRESET_CODES


def test_renaming_a_category_on_the_page_keeps_its_code(setup, client, login):
    setup.make_policy("shandong")
    login(setup.official)
    edit = reverse("policy_edit", args=[setup.semester.public_id])
    data = edit_page_data(client.get(edit))
    data["exemption-1-name"] = "低保家庭"
    data["exemption-1-reduction_percent"] = "60"
    assert client.post(edit, data).status_code == 302
    assert codes() == [PRESET_CODES[0], ("hardship", "低保家庭", 60)]


def test_a_new_category_gets_a_generated_code_once_and_keeps_it(setup):
    setup.make_policy("shandong")
    v2 = policy_services.update_policy(
        actor=setup.official,
        semester=setup.semester,
        changes={
            "exemptions": [
                {
                    "code": "poverty_registered",
                    "name": "建档立卡贫困家庭",
                    "reduction_percent": 100,
                },
                {"name": "家庭经济困难", "reduction_percent": 50},  # no code: same name, same
                {"name": "孤儿", "reduction_percent": 100},  # new
            ]
        },
    )
    new_code = v2.exemptions[2]["code"]
    assert re.fullmatch(r"custom-[0-9a-f]{6}", new_code)
    assert codes(v2) == [*PRESET_CODES, (new_code, "孤儿", 100)]
    v3 = policy_services.update_policy(
        actor=setup.official, semester=setup.semester, changes={"complaint_hotline": "12345"}
    )
    assert codes(v3) == codes(v2)
    v4 = policy_services.update_policy(
        actor=setup.official,
        semester=setup.semester,
        changes={"exemptions": [{"name": "孤儿", "reduction_percent": 100}]},
    )
    assert codes(v4) == [(new_code, "孤儿", 100)]


@pytest.mark.parametrize(
    ("rows", "msgid", "params"),
    [
        (
            [
                {"code": "hardship", "name": "甲", "reduction_percent": 10},
                {"code": "hardship", "name": "乙", "reduction_percent": 20},
            ],
            "Two exemption categories use the same code %(code)s.",
            {"code": "hardship"},
        ),
        (
            [{"code": "低保", "name": "低保", "reduction_percent": 10}],
            "The exemption category code “%(code)s” is not valid: use lower-case letters, "
            "digits, - and _, at most 40 characters.",
            {"code": "低保"},
        ),
    ],
)
def test_bad_codes_are_refused(setup, rows, msgid, params):
    setup.make_policy("shandong")
    with pytest.raises(InvalidInput) as err:
        policy_services.update_policy(
            actor=setup.official, semester=setup.semester, changes={"exemptions": rows}
        )
    assert [str(m) for m in err.value.fields["exemptions"]] == [gettext(msgid) % params]
    assert DistrictPolicy.objects.count() == 1


def test_the_api_keeps_codes_it_is_not_sent(setup, api):
    setup.make_policy("shandong")
    policy = DistrictPolicy.objects.get()
    response = api(setup.official).post(
        f"/api/v1/policies/{policy.public_id}/change/",
        {
            "exemptions": [
                {"name": "建档立卡贫困家庭", "reduction_percent": 100},
                {"name": "家庭经济困难", "reduction_percent": 40},
            ]
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert [e["code"] for e in response.json()["exemptions"]] == ["poverty_registered", "hardship"]


def test_migration_repairs_rewritten_codes(setup):
    """``0004_stable_exemption_codes`` maps ``category-N`` back to the preset's code by name,
    else by position, where the policy names a known preset; other rows are left alone."""
    setup.make_policy("shandong")
    broken = DistrictPolicy.objects.get()
    broken.exemptions = [
        {"code": "category-1", "name": "建档立卡贫困家庭", "reduction_percent": 100},
        {"code": "category-2", "name": "困难家庭", "reduction_percent": 50},  # renamed
        {"code": "category-3", "name": "孤儿", "reduction_percent": 100},  # no preset row
    ]
    broken.save(update_fields=["exemptions"])
    custom = DistrictPolicy.objects.create(
        district=broken.district,
        semester=broken.semester,
        version=2,
        preset="",
        latest_end_time=broken.latest_end_time,
        exemptions=[{"code": "category-1", "name": "低保", "reduction_percent": 100}],
    )
    migration = import_module("plans.migrations.0004_stable_exemption_codes")
    migration.repair_codes(django_apps, None)
    broken.refresh_from_db()
    custom.refresh_from_db()
    assert [e["code"] for e in broken.exemptions] == [
        "poverty_registered",
        "hardship",
        "category-3",
    ]
    assert [e["code"] for e in custom.exemptions] == ["category-1"]  # unknown preset: left
