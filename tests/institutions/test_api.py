"""The API of the institutions lifecycle: apply, review, the published list, errors."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from institutions.models import Application

pytestmark = pytest.mark.django_db


def payload(inst, **over):
    today = timezone.localdate()
    data = {
        "batch": str(inst.batch.public_id),
        "licence_number": "L-9",
        "licence_valid_until": (today + timedelta(days=90)).isoformat(),
        "supervision_platform_no": "P-9",
        "courses": [{"name": "书法", "content": "楷书", "price_fen": 7000}],
        "staff": [str(inst.instructor.public_id)],
    }
    data.update(over)
    return data


def test_apply_review_and_publish_through_the_api(inst, api):
    client = api(inst.account.user)
    response = client.post(reverse("institution-application-list"), payload(inst), format="json")
    assert response.status_code == 201, response.json()
    app_id = response.json()["id"]
    assert response.json()["courses"][0]["price_fen"] == 7000
    # The institution cannot review its own application.
    review = reverse("institution-application-review", args=[app_id])
    assert client.post(review, {"approve": True, "score": 90}, format="json").status_code == 403
    official = api(inst.world.users["official_a"])
    response = official.post(review, {"approve": True, "score": 90}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert official.post(review, {"approve": True, "score": 90}, format="json").status_code == 409
    public = api().get(reverse("institutions-public", args=[inst.world.a.code]))
    assert public.status_code == 200
    [row] = public.json()
    assert row["name"] == "青山书画培训中心" and row["courses"][0]["price_fen"] == 7000


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"licence_valid_until": "2020-01-01"}, "licence_valid_until"),
        ({"courses": [{"name": "书法", "content": "楷书", "price_fen": 9000}]}, "courses"),
    ],
)
def test_bad_input_is_400_with_the_field(inst, api, over, field):
    response = api(inst.account.user).post(
        reverse("institution-application-list"), payload(inst, **over), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Application.objects.exists()


def test_duplicate_is_400(inst, api):
    client = api(inst.account.user)
    url = reverse("institution-application-list")
    assert client.post(url, payload(inst), format="json").status_code == 201
    response = client.post(url, payload(inst), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "duplicate_application"


def test_an_institution_sees_only_its_own(inst, api):
    application = inst.apply()
    url = reverse("institution-application-detail", args=[application.public_id])
    assert api(inst.account.user).get(url).status_code == 200
    for user in (inst.other.user, inst.account_b.user, inst.world.users["principal_a1"]):
        assert api(user).get(url).status_code == 404
    listing = api(inst.other.user).get(reverse("institution-application-list")).json()
    assert listing["count"] == 0 if isinstance(listing, dict) else listing == []
    # Another institution's instructors cannot be put on one's staff list.
    response = api(inst.other.user).post(
        reverse("institution-application-list"), payload(inst), format="json"
    )
    assert response.status_code == 400


def test_batches_and_policy(inst, api):
    official = api(inst.world.users["official_a"])
    today = timezone.localdate()
    response = official.post(
        reverse("institution-batch-list"),
        {"title": "春季批次", "opens_on": today.isoformat(), "closes_on": today.isoformat()},
        format="json",
    )
    assert response.status_code == 201
    assert (
        api(inst.world.users["principal_a1"])
        .post(
            reverse("institution-batch-list"),
            {"title": "x", "opens_on": today.isoformat(), "closes_on": today.isoformat()},
            format="json",
        )
        .status_code
        == 403
    )
    titles = [
        b["title"]
        for b in api(inst.account_b.user).get(reverse("institution-batch-list")).json()["results"]
    ]
    assert "春季批次" not in titles
    policy = official.get(reverse("institution-policy"))
    assert policy.status_code == 200 and policy.json()["price_ceiling_fen"] == 8000
    response = official.put(
        reverse("institution-policy"),
        {"price_ceiling_fen": 0, "families_may_pay": False, "satisfaction_threshold": 80},
        format="json",
    )
    assert response.status_code == 400
