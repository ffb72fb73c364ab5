"""``/`` for a newcomer: a public landing page (what the platform is, each district's public
pages, log in); the login page's demo logins fill the form when tapped, in demo mode only."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_sees_the_landing_page(world, client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="landing"' in body
    assert reverse("login") in body and reverse("signup") in body
    for district in (world.a, world.b):
        assert reverse("public_district", args=[district.code]) in body


def test_signed_in_user_still_lands_on_their_home(world, client, login):
    login(world.users["parent_a1"])
    assert client.get(reverse("home")).url == reverse("family_home")


def test_demo_logins_fill_the_form_only_in_demo_mode(db, client, settings):
    settings.DEMO_MODE = True
    body = client.get(reverse("login")).content.decode()
    assert 'data-testid="demo-fill"' in body and 'data-login="official"' in body
    assert "aftercare/demo-login.js" in body
    settings.DEMO_MODE = False
    body = client.get(reverse("login")).content.decode()
    assert "demo-fill" not in body and "kehou2026" not in body
