"""The pages domain errors become, on a phone: the 403 page names the rule, a wrong state is
a message on the page the action came from (aftercare.views.errors)."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_wrong_role_sees_the_reason_and_a_way_home(bworld, log_in, live_server):
    page = log_in("teacher-a1", PASSWORD)
    page.goto(f"{live_server.url}/semesters/{bworld.semesters['a'].public_id}/")
    assert page.locator("h1").inner_text() == "无权访问"
    text = page.inner_text("main")
    assert "校历" in text or "calendar" in text  # the rule, not "your role does not allow"
    assert page.get_by_role("link", name="首页").last.is_visible()
    # Nothing wider than the phone: the reason wraps.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
