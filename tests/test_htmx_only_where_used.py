"""htmx is shipped only to the pages that use it (issue 21), and every page that uses it has it.

base.html loads no htmx; a page whose markup has hx-* requests fills ``{% block htmx %}`` with
``includes/htmx.html``. A fragment (a template that extends nothing) counts through the pages
that include it, directly or through other fragments.
"""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
HX = re.compile(r"\bhx-(?:get|post|put|patch|delete|trigger|boost)\b")
INCLUDE = re.compile(r"""\{%\s*include\s+["']([^"']+)["']""")
EXTENDS = re.compile(r"""\{%\s*extends\s+["']([^"']+)["']""")
LOADS = "includes/htmx.html"


def _templates() -> dict[str, str]:
    return {
        str(p.relative_to(TEMPLATES)): p.read_text(encoding="utf-8")
        for p in TEMPLATES.rglob("*.html")
    }


def test_base_ships_no_htmx():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert "htmx.min.js" not in base
    assert "hx-" not in base.replace("{% block htmx %}", "")


def test_every_page_using_htmx_loads_it():
    templates = _templates()
    includers: dict[str, set[str]] = {}
    for name, text in templates.items():
        for included in INCLUDE.findall(text):
            includers.setdefault(included, set()).add(name)

    def pages_of(name: str, seen: frozenset = frozenset()) -> set[str]:
        if EXTENDS.search(templates.get(name, "")):
            return {name}
        found = set()
        for parent in includers.get(name, ()):
            if parent not in seen:
                found |= pages_of(parent, seen | {name})
        return found

    missing = []
    for name, text in templates.items():
        if name == LOADS or not HX.search(text):
            continue
        for page in sorted(pages_of(name)):
            if LOADS not in templates[page]:
                missing.append(f"{page} (htmx in {name})")
    assert not missing, "pages with hx-* but no {% block htmx %}: " + ", ".join(missing)
