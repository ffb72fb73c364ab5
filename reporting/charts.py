"""Charts as server-rendered SVG: no JavaScript, no CDN, nothing to vendor, readable on a
projector (large labels, thick lines, few ticks) and on a phone (the viewBox scales to the
width). Presentation attributes and classes only — the content security policy allows no
inline styles; colours come from static/reporting/reporting.css.

Each function returns markup marked safe; every label goes through ``escape``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import mark_safe

W, H = 800, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 44


@dataclass
class Series:
    label: str
    points: list[tuple[object, float | None]]  # (x label or date, y)
    css: str = "s1"


def _fmt(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value * 100:.0f}%"
    if abs(value) >= 10000:
        return f"{value / 10000:.1f}万"
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.1f}"


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """About ``n`` round steps covering ``lo``–``hi`` (1, 2, 2.5 or 5 times a power of ten)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    magnitude = 10 ** math.floor(math.log10(raw))
    size = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    v = math.floor(lo / size) * size
    out = [round(v, 6)]
    while out[-1] < hi - size * 0.001:
        v += size
        out.append(round(v, 6))
    return out


def _svg(body: str, title: str, height: int = H) -> str:
    return mark_safe(  # noqa: S308 - every label in body is escaped
        f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _x_label(x) -> str:
    if isinstance(x, date):
        return f"{x.month}/{x.day}"
    return str(x)


def line_chart(
    series: list[Series],
    *,
    title: str,
    unit: str = "",
    lo: float | None = None,
    hi: float | None = None,
) -> str:
    """Lines over a shared x axis (the first series' x values), with a legend."""
    xs = [x for x, _y in series[0].points] if series else []
    values = [y for s in series for _x, y in s.points if y is not None]
    if not xs or not values:
        return _svg(
            f'<text x="{W / 2}" y="{H / 2}" class="chart-empty" text-anchor="middle">'
            f"{escape(title)} —</text>",
            title,
        )
    vmin = min(values) if lo is None else lo
    vmax = max(values) if hi is None else hi
    if unit == "%" and lo is None:
        vmin = max(0.0, min(values) - 0.05)
        vmax = 1.0 if hi is None else hi
    ticks = _ticks(vmin, vmax)
    vmin, vmax = min(ticks[0], vmin), max(ticks[-1], vmax)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(i):
        return LEFT + (plot_w * i / max(1, len(xs) - 1))

    def py(v):
        return TOP + plot_h * (1 - (v - vmin) / ((vmax - vmin) or 1))

    parts = []
    for t in ticks:
        y = py(t)
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end" class="tick">'
            f"{escape(_fmt(t, unit))}</text>"
        )
    step = max(1, len(xs) // 6)
    for i in range(0, len(xs), step):
        parts.append(
            f'<text x="{px(i):.1f}" y="{H - BOTTOM + 24}" text-anchor="middle" class="tick">'
            f"{escape(_x_label(xs[i]))}</text>"
        )
    for s in series:
        coords = [f"{px(i):.1f},{py(y):.1f}" for i, (_x, y) in enumerate(s.points) if y is not None]
        if len(coords) == 1:
            x, y = coords[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="5" class="dot {s.css}"/>')
        elif coords:
            parts.append(f'<polyline points="{" ".join(coords)}" class="line {s.css}"/>')
    if len(series) > 1 or series[0].label:
        x = LEFT
        for s in series:
            parts.append(f'<rect x="{x}" y="{H - 14}" width="14" height="10" class="key {s.css}"/>')
            parts.append(f'<text x="{x + 20}" y="{H - 4}" class="legend">{escape(s.label)}</text>')
            x += 40 + 16 * len(s.label)
    return _svg("".join(parts), title)


def hbar_chart(
    items: list[tuple[str, float | None]],
    *,
    title: str,
    unit: str = "",
    hi: float | None = None,
    mark: float | None = None,
    css: str = "s1",
) -> str:
    """Horizontal bars, one per item (label, value), largest scale ``hi``; ``mark`` draws a
    reference line (e.g. a target or a cap)."""
    rows = len(items)
    row_h = 30
    label_w = 200
    height = TOP + rows * row_h + 30
    if not rows:
        return _svg(
            f'<text x="{W / 2}" y="40" class="chart-empty" text-anchor="middle">'
            f"{escape(title)} —</text>",
            title,
            height=80,
        )
    top = hi if hi is not None else max((v or 0) for _l, v in items) or 1
    plot_w = W - label_w - RIGHT - 70
    parts = []
    for i, (label, value) in enumerate(items):
        y = TOP + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 20}" text-anchor="end" class="label">'
            f"{escape(label)}</text>"
        )
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 20}" class="tick">—</text>')
            continue
        w = plot_w * min(1.0, max(0.0, value / top))
        parts.append(
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" '
            f'class="bar {css}"/>'
        )
        parts.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 20}" class="value">'
            f"{escape(_fmt(value, unit))}</text>"
        )
    if mark is not None:
        x = label_w + plot_w * min(1.0, mark / top)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 4}" y2="{TOP + rows * row_h}" '
            f'class="mark"/>'
        )
    return _svg("".join(parts), title, height=height)


def column_chart(
    items: list[tuple[object, float]], *, title: str, unit: str = "", css: str = "s2"
) -> str:
    """Vertical bars over an x axis (e.g. weeks)."""
    if not items:
        return _svg(
            f'<text x="{W / 2}" y="{H / 2}" class="chart-empty" text-anchor="middle">'
            f"{escape(title)} —</text>",
            title,
        )
    ticks = _ticks(0, max(v for _x, v in items) or 1)
    vmax = ticks[-1] or 1
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / len(items)
    parts = []
    for t in ticks:
        y = TOP + plot_h * (1 - t / vmax)
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end" class="tick">'
            f"{escape(_fmt(t, unit))}</text>"
        )
    step = max(1, len(items) // 8)
    for i, (x, v) in enumerate(items):
        h = plot_h * v / vmax
        bx = LEFT + i * slot + slot * 0.15
        parts.append(
            f'<rect x="{bx:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" class="bar {css}"><title>{escape(_x_label(x))}: '
            f"{escape(_fmt(v, unit))}</title></rect>"
        )
        if i % step == 0:
            parts.append(
                f'<text x="{bx + slot * 0.35:.1f}" y="{H - BOTTOM + 24}" text-anchor="middle" '
                f'class="tick">{escape(_x_label(x))}</text>'
            )
    return _svg("".join(parts), title)
