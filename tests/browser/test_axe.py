"""Accessibility held by axe-core (issue 21): every page of every role, Chinese and English.

The sweep walks tests/browser/pages.py (the list the phone sweep walks) on a 390 px phone and
runs the vendored axe-core (tests/browser/axe.py) on each page in zh-hans and in English; any
serious or critical violation of the WCAG 2.0/2.1 A/AA rules or axe's best practices fails,
with every offending page listed together. One test for the whole sweep: the demo district is
seeded once (the live server's transactional database would flush it between tests).

The smaller tests hold what axe cannot see: the skip link and the focus ring by keyboard, the
menu's accessible name, the wide tables as scrollable regions — and that the engine does
find a violation when there is one.
"""

from __future__ import annotations

import os

import pytest

from tests.browser.axe import axe_violations, describe, serious
from tests.browser.conftest import PHONE
from tests.browser.pages import PAGES, ROLES, DemoWorld, login_as, resolve
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

LANGUAGES = ("zh-hans", "en")


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return DemoWorld()


def test_every_page_of_every_role_passes_axe_in_both_languages(demo, live_server, browser):
    base = live_server.url
    failures: list[str] = []
    checked = 0
    for role in ROLES:
        context = browser.new_context(
            viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
        )
        page = context.new_page()
        try:
            login_as(page, base, role)
            entries = [(p, resolve(p, demo)) for p in PAGES if p.role == role]
            for language in LANGUAGES:
                context.add_cookies([{"name": "django_language", "value": language, "url": base}])
                for entry, path in entries:
                    if path is None:
                        continue
                    response = page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    where = f"{entry.id} [{language}] ({path})"
                    if response is None or response.status != 200:
                        failures.append(f"{where}: answered {response and response.status}")
                        continue
                    lang = page.locator("html").get_attribute("lang")
                    if lang != language:
                        failures.append(f"{where}: html lang is {lang}")
                    bad = serious(axe_violations(page))
                    checked += 1
                    if bad:
                        failures.append(f"{where}:\n{describe(bad)}")
        finally:
            context.close()
    assert checked >= len(PAGES), f"only {checked} pages checked"
    assert not failures, f"{len(failures)} of {checked} pages fail axe:\n" + "\n".join(failures)


def test_axe_finds_what_it_should(page):
    """The engine is live: low contrast, an unnamed button and a dangling reference fail."""
    page.set_content(
        """<!doctype html><html lang="en"><head><title>t</title></head><body><main>
        <h1>t</h1><p style="color:#b9770e;background:#fdf2e0">warning flash of old</p>
        <button></button><input id="x" aria-label="x" aria-describedby="missing">
        </main></body></html>"""
    )
    ids = {v["id"] for v in serious(axe_violations(page))}
    assert {"color-contrast", "button-name"} <= ids


def test_keyboard_skip_link_focus_ring_and_table_regions(bworld, log_in, live_server):
    from django.urls import reverse

    page = log_in(bworld.users["official_a"].username, PASSWORD)
    page.goto(live_server.url + reverse("audit_log"))
    page.wait_for_load_state("networkidle")

    # The first Tab reaches the skip link, shown on screen; Enter moves focus to <main>.
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # Every wide table is a named, focusable region (arrow keys scroll it).
    wraps = page.locator(".table-wrap")
    assert wraps.count() >= 1
    for i in range(wraps.count()):
        wrap = wraps.nth(i)
        assert wrap.get_attribute("role") == "region"
        assert wrap.get_attribute("tabindex") == "0"
        assert (wrap.get_attribute("aria-label") or "").strip()

    # Tabbing on reaches the region, with a visible focus ring.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('table-wrap')"):
            break
    else:
        pytest.fail("Tab never reached the table region")
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2


def test_menu_keeps_the_users_name_and_unread_count(bworld, log_in):
    from aftercare.models import Notification

    parent = bworld.users["parent_a1"]
    for n in range(3):
        Notification.objects.create(district=bworld.a, recipient=parent, title=f"通知{n}")
    page = log_in(parent.mobile, PASSWORD)
    summary = page.locator("details.menu summary")
    assert summary.get_attribute("aria-label") is None
    name = summary.aria_snapshot()
    assert str(parent) in name
    # 「3 条未读消息」 once the catalog has the string (its msgid until then).
    assert "3" in name and ("未读消息" in name or "unread messages" in name)
