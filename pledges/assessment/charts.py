"""Small server-rendered SVG charts (no JavaScript, no style attributes: CSP allows them).

Each chart carries a <title> and is shown next to a table holding the same figures, which is
its text alternative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 240
LEFT = 40
BOTTOM = 40
TOP = 16
COLOURS = ("#1f7a3d", "#0b5f8a", "#8a5a00", "#b3261e", "#52606d")


def _frame(title: str, body: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every text inside went through escape()
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" width="100%" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _axis(maximum: float) -> str:
    plot_height = HEIGHT - BOTTOM - TOP
    parts = []
    for step in range(5):
        value = maximum * step / 4
        y = TOP + plot_height - plot_height * step / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" stroke="#d5dbe1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#52606d">{value:g}</text>'
        )
    return "".join(parts)


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Sequence[float]], *, maximum: float = 0
) -> SafeString:
    """Grouped bars: one group per label, one bar per series."""
    # Counts get a scale of whole numbers: the top is the next multiple of the four steps.
    top = maximum or 4 * math.ceil(max([v for values in series for v in values] + [1]) / 4)
    plot_width = WIDTH - LEFT - 8
    plot_height = HEIGHT - BOTTOM - TOP
    group = plot_width / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    parts = [_axis(top)]
    for index, label in enumerate(labels):
        x0 = LEFT + index * group + group * 0.1
        for number, values in enumerate(series):
            value = values[index] if index < len(values) else 0
            height = plot_height * value / top if top else 0
            parts.append(
                f'<rect x="{x0 + number * bar:.1f}" y="{TOP + plot_height - height:.1f}" '
                f'width="{bar * 0.9:.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[number % len(COLOURS)]}"/>'
            )
        parts.append(
            f'<text x="{x0 + group * 0.4:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" '
            f'text-anchor="middle" fill="#1d2733">{escape(label)}</text>'
        )
    return _frame(title, "".join(parts))


def line_chart(
    title: str, labels: Sequence[str], values: Sequence[float | None], *, maximum: float = 100
) -> SafeString:
    """A line over labelled points; a missing value breaks the line."""
    # Room on the right for the last label, centred on the last point.
    plot_width = WIDTH - LEFT - 32
    plot_height = HEIGHT - BOTTOM - TOP
    step = plot_width / max(len(labels) - 1, 1)
    parts = [_axis(maximum)]
    points: list[str] = []
    for index, (label, value) in enumerate(zip(labels, values, strict=False)):
        x = LEFT + index * step if len(labels) > 1 else LEFT + plot_width / 2
        if value is not None:
            y = TOP + plot_height - plot_height * value / maximum
            points.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{COLOURS[1]}"/>')
        if len(labels) <= 12 or index % 2 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" '
                f'text-anchor="middle" fill="#1d2733">{escape(label)}</text>'
            )
    if len(points) > 1:
        parts.insert(
            1,
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{COLOURS[1]}" '
            f'stroke-width="2"/>',
        )
    return _frame(title, "".join(parts))
