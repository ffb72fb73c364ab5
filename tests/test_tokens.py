"""API tokens that die (issue 14): one per device, listed and revoked by their owner (another
user's token is 404), dead after a password change, "log out everywhere", the loss of a role,
or their expiry — and purged by beat (``aftercare.services.tokens``)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from aftercare.models import ApiToken, AuditEvent, Membership, Role
from aftercare.services import tokens
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db


def _login(username: str, device: str = "") -> str:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": PASSWORD, "device": device},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "id", "expires_at"}
    return body["token"]


def _as(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _works(key: str) -> bool:
    status = _as(key).get("/api/v1/me/").status_code
    assert status in (200, 401), status
    return status == 200


def test_each_device_gets_its_own_token_stored_as_a_digest_only(world):
    phone, tablet = _login("teacher-a1", "iPhone"), _login("teacher-a1", "iPad")
    assert phone != tablet and _works(phone) and _works(tablet)
    rows = ApiToken.objects.filter(user=world.users["teacher_a1"])
    assert sorted(rows.values_list("name", flat=True)) == ["iPad", "iPhone"]
    stored = {v for row in rows.values() for v in row.values() if isinstance(v, str)}
    assert phone not in stored and tablet not in stored
    assert tokens.digest(phone) in stored


def test_owner_lists_and_revokes_own_tokens_another_users_token_is_404(world):
    phone, tablet = _login("teacher-a1", "iPhone"), _login("teacher-a1", "iPad")
    other = _login("principal-a1", "phone")
    listed = _as(phone).get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    body = listed.json()
    assert [t["name"] for t in body] == ["iPad", "iPhone"]  # newest first
    assert [t["current"] for t in body] == [False, True]
    assert all(
        set(t) == {"id", "name", "prefix", "created_at", "expires_at", "last_used_at", "current"}
        for t in body
    )
    assert phone not in listed.content.decode() and tablet not in listed.content.decode()

    others_id = ApiToken.objects.get(user=world.users["principal_a1"]).public_id
    refused = _as(phone).delete(f"/api/v1/auth/tokens/{others_id}/")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert _works(other)

    tablet_id = body[0]["id"]
    assert _as(phone).delete(f"/api/v1/auth/tokens/{tablet_id}/").status_code == 204
    assert not _works(tablet) and _works(phone)
    assert [t["name"] for t in _as(phone).get("/api/v1/auth/tokens/").json()] == ["iPhone"]
    event = AuditEvent.objects.get(action="token.revoked")
    assert event.actor == world.users["teacher_a1"] and event.payload["name"] == "iPad"
    assert _as(phone).delete(f"/api/v1/auth/tokens/{tablet_id}/").status_code == 404


def test_a_password_change_kills_every_token_but_keeps_the_session(world, client):
    key = _login(world.users["parent_a1"].mobile, "phone")
    client.force_login(world.users["parent_a1"], backend="aftercare.auth.MobileOrUsernameBackend")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "an0ther-Secret!",
            "new_password2": "an0ther-Secret!",
        },
    )
    assert response.status_code == 302, response.content
    assert not _works(key)
    assert not ApiToken.objects.filter(user=world.users["parent_a1"]).exists()  # deleted on use
    assert client.get(reverse("account_security")).status_code == 200  # this session lives on


def test_set_password_anywhere_kills_the_tokens(world):
    key = _login("admin-a1")
    user = world.users["admin_a1"]
    user.set_password("changed-in-the-admin-1")
    user.save()
    assert not _works(key)


def test_log_out_everywhere_kills_tokens_and_sessions(world, client):
    user = world.users["principal_a1"]
    first, second = _login("principal-a1", "a"), _login("principal-a1", "b")
    other_user = _login("teacher-a1")
    client.force_login(user, backend="aftercare.auth.MobileOrUsernameBackend")
    response = _as(first).post("/api/v1/auth/logout-everywhere/")
    assert response.status_code == 200 and response.json() == {"tokens": 2}
    assert not _works(first) and not _works(second) and _works(other_user)
    # The browser session of before is gone too (the auth hash changed).
    assert client.get(reverse("account_security")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.logged_out_everywhere", actor=user).exists()
    # A fresh login works again.
    assert _works(_login("principal-a1"))


def test_log_out_everywhere_from_the_page(world, client):
    key = _login("teacher-a1")
    client.force_login(world.users["teacher_a1"], backend="aftercare.auth.MobileOrUsernameBackend")
    response = client.post(reverse("logout_everywhere"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not _works(key)
    assert client.get(reverse("account_security")).status_code == 302


@pytest.mark.parametrize("change", ["delete", "role"])
def test_a_staff_member_losing_a_role_loses_the_tokens(world, change):
    user = world.users["teacher_a1"]
    key = _login("teacher-a1")
    bystander = _login("principal-a1")
    membership = Membership.objects.get(user=user, role=Role.HOMEROOM_TEACHER)
    if change == "delete":
        membership.delete()
    else:
        Membership.objects.filter(pk=membership.pk).update(role=Role.CARE_TEACHER)
    assert not ApiToken.objects.filter(user=user).exists()
    assert not _works(key) and _works(bystander)


def test_gaining_a_role_keeps_the_tokens(world):
    user = world.users["teacher_a1"]
    key = _login("teacher-a1")
    member(user, Role.CARE_TEACHER, school=world.schools["a1"])
    assert _works(key)


def test_tokens_expire(world, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    key = _login("official-a")
    token = ApiToken.objects.get(user=world.users["official_a"])
    assert token.expires_at - token.created_at == timedelta(days=7)
    assert _works(key)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=8), expires_at=timezone.now() - timedelta(1)
    )
    assert not _works(key)
    assert _as(key).get("/api/v1/me/").json()["error"]["code"] == "authentication_failed"


def test_beat_purges_expired_and_dead_tokens_only(world):
    live, expired = _login("official-a"), _login("teacher-a1")
    dead = _login("admin-a1")
    ApiToken.objects.filter(user=world.users["teacher_a1"]).update(
        created_at=timezone.now() - timedelta(days=40), expires_at=timezone.now()
    )
    world.users["admin_a1"].set_password("another-one-22")
    world.users["admin_a1"].save()
    assert tokens.purge_dead_tokens(batch=1) == 2
    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["official-a"]
    assert _works(live) and not _works(expired) and not _works(dead)


def test_security_page_lists_and_revokes_own_devices_only(world, client):
    user = world.users["parent_a1"]
    _login(user.mobile, "华为手机")
    other = _login("teacher-a1", "teacher phone")
    client.force_login(user, backend="aftercare.auth.MobileOrUsernameBackend")
    page = client.get(reverse("account_security"))
    html = page.content.decode()
    assert page.status_code == 200 and "华为手机" in html and "teacher phone" not in html
    others_id = ApiToken.objects.get(user=world.users["teacher_a1"]).public_id
    assert client.post(reverse("token_revoke", args=[others_id])).status_code == 404
    assert _works(other)
    mine = ApiToken.objects.get(user=user)
    response = client.post(reverse("token_revoke", args=[mine.public_id]), follow=True)
    assert response.status_code == 200
    assert not ApiToken.objects.filter(user=user).exists()
    assert "华为手机" in response.content.decode()  # the flash names the device
