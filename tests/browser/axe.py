"""axe-core in a Playwright page: the vendored engine (tests/browser/vendor), never fetched.

``axe_violations(page)`` runs axe on the page as it is and returns the violations of the
WCAG 2.0/2.1 A and AA rules and axe's best practices, each as a dict (rule id, impact, help,
the first offending nodes). ``serious(violations)`` keeps those that fail a sweep.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_FILE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING = {"serious", "critical"}

_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    nodes: v.nodes.slice(0, 5).map(n => ({
      target: n.target.join(' '),
      html: n.html.slice(0, 160),
      summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 240),
    })),
  }));
}"""


@cache
def axe_source() -> str:
    data = AXE_FILE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise RuntimeError(f"{AXE_FILE} is not axe-core {AXE_VERSION} (sha256 {digest})")
    return data.decode()


def axe_violations(page) -> list[dict]:
    """axe's violations on the page (injected through the debugger: no CSP change needed)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(_RUN, TAGS)


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in FAILING]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  {v['impact']} {v['id']} ×{v['count']}: {v['help']}")
        for node in v["nodes"]:
            lines.append(f"      {node['target']}  {node['html']}")
            if node["summary"]:
                lines.append(f"        {node['summary']}")
    return "\n".join(lines)
