"""The phone sweep: every page of every role (tests/browser/pages.py) on a 390 px phone.

Each page must answer 200, fit the screen (no sideways scroll), show no untranslated msgid
or field name on the Chinese page, give its buttons a tap target of at least 44×44 px, and
every link on it must answer 200 or a redirect. Each role's home page is written to
``docs/screenshots/<role>.png`` for a reviewer who does not run anything.

One test for the whole sweep: the demo district is seeded once (about half a minute) and the
live server's transactional database would flush it between tests. One browser, one context
per role; links are checked once per URL shape (ids replaced), through the context's cookies.
Failures are collected and reported together, page by page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver

from tests.browser.conftest import PHONE
from tests.browser.pages import (
    HOME,
    NOT_PAGES,
    PAGES,
    ROLES,
    UNSWEPT,
    DemoWorld,
    login_as,
    resolve,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# ASCII words that may appear on a Chinese page: names of formats, products and the language
# switch, units. Anything else of three letters or more is an untranslated string.
ALLOWED_ASCII = {
    "English",
    "PDF",
    "CSV",
    "xlsx",
    "csv",
    "Excel",
    "API",
    "ID",
    "SMS",
    "WeChat",
    "HTML",
    "UTC",
    "htmx",
    "JPG",
    "JPEG",
    "PNG",
    "ZIP",
}
# Data, not strings: the demo logins and password (the login page lists them), usernames like
# sy-t11, ids and hashes (never read as words: "3f2dec9…" holds no word "dec"), the demo
# district's codes.
DATA = re.compile(
    r"\b(?:[a-z]{2}-[a-z0-9-]+|[0-9a-f]{8}-[0-9a-f-]{27,}|[0-9a-f]{32}|official|inspector|"
    r"kehou2026|qingshan|shiyan|hongqi|xishan|[A-Z]{2}\d{6}\w*|"
    # registration numbers such as the supervision platform's JGPT-140105-0001
    r"[A-Z]{2,}-\d+(?:-\d+)*|"
    # ids, order numbers, hashes (lottery seeds and commitments): letters and digits mixed
    r"(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{6,})\b|(?<![\w])/[\w/.-]+"
)
WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}(?:[ _][A-Za-z]{2,})*")
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")

TAP_TARGETS = """() => {
  const small = [];
  const sel = 'button:not(.link), input[type=submit], input[type=button], .button-link, a.primary';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!r.width || !r.height || style.visibility === 'hidden') continue;
    if (el.closest('details:not([open])') && el.tagName !== 'SUMMARY') continue;
    if (r.width < 43.5 || r.height < 43.5) {
      small.push(`${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim()} `
        + `${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return small;
}"""

LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
  .map(a => a.href).filter(h => h.startsWith(location.origin))"""


def untranslated(text: str) -> list[str]:
    """ASCII words on a Chinese page that are neither data nor allowed names."""
    text = DATA.sub(" ", text)
    found = []
    for match in WORD.finditer(text):
        words = [w for w in re.split(r"[ _]", match.group()) if w]
        if all(w in ALLOWED_ASCII for w in words):
            continue
        found.append(match.group())
    return sorted(set(found))


def shape(url: str) -> str:
    """A URL with its ids replaced: links of the same shape are checked once."""
    return ID.sub("#", url.split("#")[0])


def test_every_page_route_is_listed():
    """A new page route must join the sweep's list (or be named as not a page)."""
    listed = {page.name for page in PAGES}

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p.name

    missing = [
        name
        for path, name in walk(get_resolver().url_patterns)
        if name
        and not path.startswith(("api/", "admin/", "static/", "__"))
        and name not in listed | NOT_PAGES | UNSWEPT
    ]
    assert not missing, f"pages missing from tests/browser/pages.py: {missing}"


@pytest.fixture
def demo(transactional_db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return DemoWorld()


@pytest.mark.browser
def test_every_page_of_every_role_on_a_phone(demo, live_server, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    problems: list[str] = []
    seen_links: set[str] = set()
    for role in ROLES:
        context = browser.new_context(
            viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
        )
        page = context.new_page()
        try:
            login_as(page, base, role)
            for entry in [p for p in PAGES if p.role == role]:
                path = resolve(entry, demo)
                if path is None:
                    continue
                problems += _check_page(page, context, base, entry, path, seen_links)
                if HOME.get(role) == entry.name and not entry.query:
                    page.screenshot(path=str(SCREENSHOTS / f"{role}.png"), full_page=True)
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def _check_page(page, context, base, entry, path, seen_links) -> list[str]:
    where = f"{entry.id} ({path})"
    response = page.goto(base + path)
    page.wait_for_load_state("networkidle")
    if response is None or response.status != 200:
        return [f"{where}: answered {response and response.status}"]
    problems = []
    if page.locator("html").get_attribute("lang") != "zh-hans":
        problems.append(f"{where}: not a zh-hans page")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 1:
        problems.append(f"{where}: scrolls sideways by {overflow}px")
    words = untranslated(page.locator("body").inner_text())
    if words:
        problems.append(f"{where}: untranslated {words}")
    small = page.evaluate(TAP_TARGETS)
    if small:
        problems.append(f"{where}: tap targets under 44px {small}")
    for url in page.evaluate(LINKS):
        key = shape(url)
        if key in seen_links or "/logout" in url:
            continue
        seen_links.add(key)
        status = context.request.get(url, max_redirects=0).status
        if status not in (200, 301, 302):
            problems.append(f"{where}: link {url[len(base) :]} answered {status}")
    return problems
