"""Evaluation charts as server-rendered SVG (no JavaScript, no CDN).

Laid out for a phone first: each row's label sits on its own line above the bar, so a long
Chinese question never squeezes the bar; the viewBox scales to the width. Presentation
attributes and classes only (the content security policy allows no inline styles); colours
come from ``static/feedback/feedback.css``. Every label goes through ``escape``.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .models import SCALE, SCALE_LABELS

W = 600
PAD = 8
FONT = 22  # px in the viewBox; about 13 px on a 390 px phone
LINE = 28
BAR = 24
ROW_GAP = 14
CHARS_PER_LINE = 25  # CJK characters that fit in one line at FONT


def _wrap(text: str, width: int = CHARS_PER_LINE) -> list[str]:
    """Lines of about ``width`` full-width characters (ASCII counts as half)."""
    lines, line, used = [], "", 0.0
    for ch in text:
        cost = 0.55 if ord(ch) < 128 else 1.0
        if used + cost > width and line:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += cost
    if line:
        lines.append(line)
    return lines[:3] if len(lines) <= 3 else [*lines[:2], lines[2][: width - 1] + "…"]


def _svg(body: str, title: str, height: float) -> str:
    return mark_safe(  # noqa: S308 - every label in body is escaped
        f'<svg class="fb-chart" viewBox="0 0 {W} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMin meet">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _label(lines: list[str], y: float) -> tuple[str, float]:
    parts = []
    for line in lines:
        y += LINE
        parts.append(f'<text x="{PAD}" y="{y - 7:.0f}" class="label">{escape(line)}</text>')
    return "".join(parts), y


def distribution_chart(results, *, title: str) -> str:
    """One row per scale question: its text, then a bar split into the shares of 1 to 5
    (很不满意 … 很满意) and the mean. ``results``: ``QuestionResult`` items."""
    parts, y = [], 0.0
    bar_w = W - 2 * PAD - 70
    for result in results:
        text, y = _label(_wrap(result.question.text), y)
        parts.append(text)
        x = float(PAD)
        if result.n:
            for s in SCALE:
                share = result.counts[s] / result.n
                w = bar_w * share
                if w > 0:
                    parts.append(
                        f'<rect x="{x:.1f}" y="{y:.0f}" width="{w:.1f}" height="{BAR}" '
                        f'class="s{s}"><title>{escape(str(SCALE_LABELS[s]))}: '
                        f"{result.counts[s]}</title></rect>"
                    )
                    if w > 34:
                        parts.append(
                            f'<text x="{x + w / 2:.1f}" y="{y + BAR - 6:.0f}" '
                            f'text-anchor="middle" class="in">{share * 100:.0f}%</text>'
                        )
                x += w
            parts.append(
                f'<text x="{W - PAD}" y="{y + BAR - 5:.0f}" text-anchor="end" class="value">'
                f"{result.mean:.2f}</text>"
            )
        else:
            parts.append(
                f'<rect x="{PAD}" y="{y:.0f}" width="{bar_w}" height="{BAR}" class="none"/>'
            )
        y += BAR + ROW_GAP
    # The legend: 1 … 5 in one line.
    x = float(PAD)
    y += 4
    for s in SCALE:
        label = escape(str(SCALE_LABELS[s]))
        parts.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="16" height="16" class="s{s}"/>')
        parts.append(f'<text x="{x + 20:.0f}" y="{y + 15:.0f}" class="legend">{label}</text>')
        x += 24 + 18 * len(str(SCALE_LABELS[s]))
    return _svg("".join(parts), title, y + 26)


def bar_chart(rows: list[tuple[str, float | None, str]], *, title: str, hi: float) -> str:
    """One row per item: its label, then a bar of ``value`` out of ``hi`` with ``text`` at
    the end; a ``None`` value is drawn as a grey bar with ``text`` (e.g. too few answers)."""
    parts, y = [], 0.0
    bar_w = W - 2 * PAD - 90
    for label, value, text in rows:
        line, y = _label(_wrap(label), y)
        parts.append(line)
        parts.append(f'<rect x="{PAD}" y="{y:.0f}" width="{bar_w}" height="{BAR}" class="track"/>')
        if value is not None:
            w = bar_w * max(0.0, min(1.0, value / hi)) if hi else 0
            parts.append(
                f'<rect x="{PAD}" y="{y:.0f}" width="{w:.1f}" height="{BAR}" class="bar"/>'
            )
        parts.append(
            f'<text x="{W - PAD}" y="{y + BAR - 5:.0f}" text-anchor="end" '
            f'class="{"value" if value is not None else "muted"}">{escape(text)}</text>'
        )
        y += BAR + ROW_GAP
    if not rows:
        parts.append(f'<text x="{PAD}" y="{LINE}" class="muted">{escape(_("No data yet."))}</text>')
        y = LINE + ROW_GAP
    return _svg("".join(parts), title, y + 4)
