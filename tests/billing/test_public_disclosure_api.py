"""The public disclosure API: a school's published term-end disclosures, anonymous and
read-only like the public page; drafts and versions awaiting publication never visible; in
the OpenAPI schema."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from billing.services import disclosure as disclosures
from tests.billing.disclosure_world import build_disclosure_world

pytestmark = pytest.mark.django_db

AFTER = date(2026, 8, 1)


@pytest.fixture
def dw(world):
    return build_disclosure_world(world)


def url(school):
    return reverse("billing-public-disclosures", args=[school.public_id])


def test_only_published_versions_anonymously(dw):
    api = APIClient()
    first = disclosures.draft_disclosure(actor=dw.principal, school=dw.school, semester=dw.semester)
    assert api.get(url(dw.school)).json() == []  # a draft is never visible
    disclosures.review_disclosure(actor=dw.reviewer, version=first)
    assert api.get(url(dw.school)).json() == []  # nor a confirmed one awaiting publication
    disclosures.publish_disclosure(actor=dw.principal, version=first, today=AFTER)
    second = disclosures.amend_disclosure(
        actor=dw.principal, disclosure=first.disclosure, reason="补记一笔材料费"
    )
    response = api.get(url(dw.school))
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 1
    item = body[0]
    assert (item["id"], item["school"], item["semester"]) == (
        str(first.disclosure.public_id),
        dw.school.name,
        dw.semester.name,
    )
    # Only version 1 (published); the amendment draft (version 2) is not shown.
    assert [v["number"] for v in item["versions"]] == [1]
    v = item["versions"][0]
    first.refresh_from_db()
    assert (v["income_fen"], v["spending_fen"], v["balance_fen"]) == (
        first.income_fen,
        first.spending_fen,
        first.balance_fen,
    )
    assert sum(x["amount_fen"] for x in v["spending"]) == first.spending_fen
    assert v["pdf"] == reverse("billing_public_disclosure_pdf", args=[first.public_id])
    assert "review_note" not in v and "journals" not in v and "reviewed_by" not in v
    assert second.number == 2


def test_unknown_school_404_and_other_schools_empty(dw, world):
    api = APIClient()
    missing = reverse("billing-public-disclosures", args=["00000000-0000-0000-0000-000000000000"])
    assert api.get(missing).status_code == 404
    assert api.get(url(world.schools["b1"])).json() == []
    # Read-only.
    assert api.post(url(dw.school), {}).status_code == 405


def test_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/billing/public/schools/{school_id}/disclosures/" in schema.json()["paths"]
