"""Browser tests: Playwright driving Debian's Chromium against the live server."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": PHONE,
        "locale": "zh-CN",
        "is_mobile": True,
        "has_touch": True,
    }


@pytest.fixture
def bworld(transactional_db):
    """The tenant matrix, committed so the live server's thread sees it."""
    from tests.conftest import build_world

    return build_world()


@pytest.fixture
def log_in(page, live_server):
    def _log_in(login: str, password: str):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("手机号或用户名").fill(login)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")
        return page

    return _log_in
