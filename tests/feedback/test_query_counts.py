"""List pages and API lists of feedback, and the assessment sheet: one item or three, the same
number of queries (nothing is read per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.feedback.helpers import complaint

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("user_key", "url_name", "school_arg"),
    [
        ("principal_a1", "school_feedback", True),
        ("official_a", "district_feedback", False),
        ("principal_a1", "api-complaints", False),
        ("official_a", "api-complaints", False),
    ],
)
def test_complaint_lists_do_not_grow_with_rows(
    daily, world, client, login, user_key, url_name, school_arg
):
    url = reverse(url_name, args=[world.schools["a1"].public_id] if school_arg else [])
    login(world.users[user_key])
    complaint(daily, child=daily.children[0])
    one = _count(client, url)
    complaint(daily, child=daily.children[1], category="fee", staff=None)
    complaint(daily, child=daily.children[2], category="safety", anonymous=True)
    assert _count(client, url) == one


def test_a_familys_list_does_not_grow_with_rows(daily, client, login):
    child = daily.children[0]
    login(daily.parents[child.pk])
    url = reverse("feedback_family")
    complaint(daily, child=child)
    one = _count(client, url)
    complaint(daily, child=child, category="fee", staff=None)
    complaint(daily, child=child, category="other", staff=None)
    assert _count(client, url) == one
