import pytest
from django.urls import reverse

from tests.feedback.helpers import complaint

pytestmark = pytest.mark.django_db


def test_pages_render(daily, client, login, world):
    c = complaint(daily)
    for user, url in [
        (daily.parents[daily.children[0].pk], reverse("feedback_family")),
        (daily.parents[daily.children[0].pk], reverse("complaint_new")),
        (daily.parents[daily.children[0].pk], reverse("complaint_detail", args=[c.public_id])),
        (world.users["principal_a1"], reverse("complaint_detail", args=[c.public_id])),
        (
            world.users["principal_a1"],
            reverse("school_feedback", args=[world.schools["a1"].public_id]),
        ),
        (world.users["official_a"], reverse("district_feedback")),
        (world.users["official_a"], reverse("complaint_detail", args=[c.public_id])),
        (world.users["official_a"], reverse("hotline_complaint_new")),
        (world.users["official_a"], reverse("district_evaluation_new")),
        (
            world.users["principal_a1"],
            reverse("school_evaluation_new", args=[world.schools["a1"].public_id]),
        ),
        (world.users["care_a1"], reverse("teacher_evaluations")),
        (world.users["official_a"], reverse("district_home")),
        (world.users["principal_a1"], reverse("school_home", args=[world.schools["a1"].public_id])),
        (world.users["care_a1"], reverse("teacher_home")),
        (daily.parents[daily.children[0].pk], reverse("family_home")),
    ]:
        login(user)
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:3000])
