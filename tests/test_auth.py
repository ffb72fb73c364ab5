"""Login (user name or mobile), throttling, role landing pages, language switch."""

import pytest
from django.urls import reverse

from aftercare.models import Role
from tests.factories import PASSWORD, UserFactory, member

pytestmark = pytest.mark.django_db


def post_login(client, login, password=PASSWORD):
    return client.post(reverse("login"), {"username": login, "password": password})


def test_staff_log_in_with_user_name(world, client):
    response = post_login(client, "principal-a1")
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_parent_logs_in_with_mobile_in_any_common_format(world, client):
    parent = world.users["parent_a1"]
    spaced = f"+86 {parent.mobile[:3]} {parent.mobile[3:7]} {parent.mobile[7:]}"
    assert post_login(client, spaced).status_code == 302
    assert client.get(reverse("home")).url == reverse("family_home")


def test_wrong_password_shows_chinese_error(world, client):
    response = post_login(client, "principal-a1", "nope")
    assert response.status_code == 200
    assert "手机号/用户名或密码错误" in response.content.decode()


def test_repeated_failures_lock_the_login(world, client):
    for _ in range(5):
        post_login(client, "principal-a1", "wrong")
    locked = post_login(client, "principal-a1")  # even the right password now
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_api_token_login_and_lockout(world, client):
    ok = client.post("/api/v1/auth/token/", {"username": "official-a", "password": PASSWORD})
    assert ok.status_code == 200 and len(ok.json()["token"]) == 40
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {ok.json()['token']}")
    assert me.json()["memberships"][0]["role"] == Role.DISTRICT_OFFICIAL

    bad = client.post("/api/v1/auth/token/", {"username": "admin-a1", "password": "x"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_credentials"
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": "admin-a1", "password": "x"})
    locked = client.post("/api/v1/auth/token/", {"username": "admin-a1", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"


@pytest.mark.parametrize(
    ("user_key", "landing"),
    [
        ("official_a", "/district/"),
        ("principal_a1", "school_home"),
        ("admin_a2", "school_home"),
        ("teacher_a1", "/teacher/"),
        ("care_a1", "/teacher/"),
        ("parent_a1", "/family/"),
    ],
)
def test_each_role_lands_on_its_home(world, client, login, user_key, landing):
    login(world.users[user_key])
    response = client.get(reverse("home"))
    if landing == "school_home":
        school = world.schools[user_key.split("_")[1]]
        landing = reverse("school_home", args=[school.public_id])
    assert response.status_code == 302 and response.url == landing
    page = client.get(landing)
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in page.content.decode()


def test_user_with_several_roles_gets_both_in_navigation(world, client, login):
    teacher = world.users["teacher_a1"]
    member(teacher, Role.PARENT, school=world.schools["a1"])
    login(teacher)
    page = client.get(reverse("teacher_home"))
    keys = {item["key"] for item in page.context["nav_items"]}
    assert {"teacher", "family"} <= keys


def test_user_without_role_sees_explanation(db, client, login):
    login(UserFactory())
    response = client.get(reverse("home"), follow=True)
    assert "尚未分配角色" in response.content.decode()


def test_anonymous_is_sent_to_login(db, client):
    response = client.get(reverse("district_home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_language_switch_to_english(world, client, login):
    login(world.users["official_a"])
    client.post(reverse("set_language"), {"language": "en", "next": "/district/"})
    page = client.get(reverse("district_home")).content.decode()
    assert '<html lang="en">' in page and "Audit log" in page
    client.post(reverse("set_language"), {"language": "zh-hans"})
    assert "审计日志" in client.get(reverse("district_home")).content.decode()


def test_password_change(world, client, login):
    user = world.users["parent_a1"]
    login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-77",
            "new_password2": "a-new-long-pass-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-pass-77")


def test_logout_requires_post_and_ends_session(world, client, login):
    login(world.users["parent_a1"])
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
