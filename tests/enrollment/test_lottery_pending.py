"""A lottery not yet drawn answers "not drawn yet, entries close at …", not a bare 404; a
course without a lottery stays 404."""

import pytest
from django.urls import reverse

from enrollment.models import LotteryCommitment
from tests.registration_world import build_rush

pytestmark = pytest.mark.django_db


def test_undrawn_lottery_says_when(world, client):
    rush = build_rush(world, mode="lottery")
    course = rush.courses["书法"]
    LotteryCommitment.objects.filter(course=course).delete()  # nothing public yet
    response = client.get(reverse("public_lottery", args=[course.public_id]))
    assert response.status_code == 200
    assert 'data-testid="lottery-pending"' in response.content.decode()
    assert rush.closes_at.astimezone().strftime("%Y") in response.content.decode()


def test_course_without_lottery_is_404(world, client):
    rush = build_rush(world, mode="fcfs", round_two=False)
    course = rush.courses["书法"]
    assert client.get(reverse("public_lottery", args=[course.public_id])).status_code == 404
