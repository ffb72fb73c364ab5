"""A parent's sign-ins and devices on a phone: the app signed in through the API is listed
with its device name, signing it out there kills its token; a tap target of 44 px at least."""

import os

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_parent_signs_out_an_app_on_a_phone(bworld, page, live_server, log_in):
    parent = bworld.users["parent_a1"]
    issued = APIClient().post(
        "/api/v1/auth/token/",
        {"username": parent.mobile, "password": PASSWORD, "device": "家里的平板"},
        format="json",
    )
    key = issued.json()["token"]
    log_in(parent.mobile, PASSWORD)
    page.goto(f"{live_server.url}/accounts/security/")
    token = page.get_by_test_id("token")
    expect(token).to_have_count(1)
    expect(token).to_contain_text("家里的平板")
    button = token.locator("button")  # 退出登录 (sign out this device)
    box = button.bounding_box()
    assert box["height"] >= 43.5 and box["width"] >= 43.5, box
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/account-security.png", full_page=True)
    button.click()
    expect(page.get_by_role("status")).to_contain_text("家里的平板")
    expect(page.get_by_test_id("token")).to_have_count(0)
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert me.get("/api/v1/me/").status_code == 401
