"""Small server-rendered SVG charts (no style attributes: CSP allows them).

Each chart carries a <title> and is shown next to a table holding the same figures, which is
its text alternative. A chart of a few points is drawn narrow, so that it fits a phone's width
with readable labels; a longer one keeps a readable width and scrolls sideways on a phone,
with a hint saying so, and static/js/charts.js opens it at its newest (right-hand) end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

WIDTH = 640
# Up to this many labels a chart is drawn in NARROW_WIDTH units, shown about 1:1 on a phone.
FEW_LABELS = 4
NARROW_WIDTH = 320
HEIGHT = 240
LEFT = 40
BOTTOM = 40
TOP = 16
COLOURS = ("#1f7a3d", "#0b5f8a", "#8a5a00", "#b3261e", "#52606d")
LEGEND_WIDTH = 150


def _width(labels: Sequence[str], legend: int = 0) -> int:
    return NARROW_WIDTH if len(labels) <= FEW_LABELS and not legend else WIDTH


def _frame(
    title: str,
    body: str,
    width: int,
    description: str = "",
    *,
    axis: str = "",
    note: str = "",
) -> SafeString:
    """A narrow chart scaled to the width of the page. A wide one in a frame that scrolls
    sideways on a phone (squeezed to a phone's width its labels would be a few pixels high,
    so site.css keeps it at a readable width), with a hint that shows on narrow screens, and
    its scale (``axis``) drawn again beside the frame, so that it stays in view while the
    chart scrolls. A ``note`` under the chart explains what it shows (a gap in a line)."""
    after = f'<p class="help chart-note">{escape(note)}</p>' if note else ""
    desc = f"<desc>{escape(description)}</desc>" if description else ""
    svg = (
        f'<svg class="chart{" chart-wide" if width == WIDTH else ""}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" width="100%" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>{desc}{body}</svg>"
    )
    if width != WIDTH:
        return mark_safe(f'<div class="chart-fit">{svg}</div>{after}')  # noqa: S308 - escaped above
    hint = gettext("The chart opens at its newest figures: swipe it sideways for older ones.")
    scale = (
        f'<svg class="chart-axis" viewBox="0 0 {LEFT} {HEIGHT}" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg" focusable="false">{axis}</svg>'
        if axis
        else ""
    )
    return mark_safe(  # noqa: S308 - every text inside went through escape()
        f'<p class="chart-hint help">{escape(hint)}</p>'
        f'<div class="chart-with-axis">{scale}'
        f'<div class="chart-scroll" tabindex="0" data-scroll-end>{svg}</div></div>{after}'
    )


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name (shown in the legend) and a value per label;
    optionally a short mark written above each point (a grade) and a note each point shows
    on hover. A point without a value but with a note is drawn hollow on the axis."""

    name: str
    values: Sequence[float | None]
    marks: Sequence[str] = ()
    notes: Sequence[str] = ()


def _ticks(maximum: float, minimum: float = 0) -> list[tuple[float, float]]:
    plot_height = HEIGHT - BOTTOM - TOP
    return [
        (minimum + (maximum - minimum) * step / 4, TOP + plot_height - plot_height * step / 4)
        for step in range(5)
    ]


def _scale(maximum: float, minimum: float = 0) -> str:
    """The values of the scale, right-aligned left of the plot."""
    return "".join(
        f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
        f'fill="#52606d">{value:g}</text>'
        for value, y in _ticks(maximum, minimum)
    )


def _axis(width: int, maximum: float, minimum: float = 0) -> str:
    lines = "".join(
        f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="#d5dbe1"/>'
        for _value, y in _ticks(maximum, minimum)
    )
    return lines + _scale(maximum, minimum)


def _label_width(label: str, size: float) -> float:
    """About how wide a label is drawn: a Chinese character is as wide as the font is high,
    a digit or Latin letter about six tenths of it."""
    return sum(size if ord(char) > 0x2E7F else size * 0.6 for char in label)


def _label_every(labels: Sequence[str], step: float, size: float = 10) -> int:
    """Write every n-th label, so that neighbours never run into each other."""
    widest = max((_label_width(label, size) for label in labels), default=0) + size
    return max(1, math.ceil(widest / step)) if step else 1


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Sequence[float]], *, maximum: float = 0
) -> SafeString:
    """Grouped bars: one group per label, one bar per series."""
    # Counts get a scale of whole numbers: the top is the next multiple of the four steps.
    top = maximum or 4 * math.ceil(max([v for values in series for v in values] + [1]) / 4)
    width = _width(labels)
    plot_width = width - LEFT - 8
    plot_height = HEIGHT - BOTTOM - TOP
    group = plot_width / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    parts = [_axis(width, top)]
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
    return _frame(title, "".join(parts), width)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    maximum: float = 100,
    minimum: float = 0,
    thresholds: Sequence[tuple[str, float]] = (),
    description: str = "",
) -> SafeString:
    """Lines over labelled points, the first one thicker; a missing value breaks its line.
    With more than one line, a legend names them on the right. Each threshold is a dashed
    line with its label (a grade's lowest score)."""
    legend = LEGEND_WIDTH if len(series) > 1 else 0
    width = _width(labels, legend)
    # Room on the right for the last label, centred on the last point.
    plot_width = width - LEFT - 32 - legend
    plot_height = HEIGHT - BOTTOM - TOP
    span = (maximum - minimum) or 1
    step = plot_width / max(len(labels) - 1, 1)

    def x(index: int) -> float:
        return LEFT + index * step if len(labels) > 1 else LEFT + plot_width / 2

    def y(value: float) -> float:
        return TOP + plot_height - plot_height * (value - minimum) / span

    parts = [_axis(width, maximum, minimum)]
    for label, value in thresholds:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{LEFT + plot_width:.1f}" '
            f'y2="{y(value):.1f}" stroke="#8795a1" stroke-dasharray="4 3"/>'
            f'<text x="{LEFT + plot_width:.1f}" y="{y(value) - 3:.1f}" font-size="11" '
            f'text-anchor="end" fill="#52606d">{escape(label)}</text>'
        )
    every = _label_every(labels, step) if len(labels) > 1 else 1
    # Counted from the newest label, which the chart opens on.
    last = len(labels) - 1
    for index, label in enumerate(labels):
        if (last - index) % every == 0:
            parts.append(
                f'<text x="{x(index):.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" '
                f'text-anchor="middle" fill="#1d2733">{escape(label)}</text>'
            )
    for number, line in enumerate(series):
        colour = COLOURS[(number + 1) % len(COLOURS)]
        stroke = 2 if number == 0 else 1.5
        runs: list[list[tuple[float, float]]] = [[]]
        for index, point in enumerate(line.values[: len(labels)]):
            if point is None:
                runs.append([])
            else:
                runs[-1].append((x(index), y(float(point))))
        for points in runs:
            if len(points) > 1:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="{stroke}"/>'
                )
        parts += _points(line, labels, x, y, colour, minimum)
        if legend:
            key_x, key_y = width - legend + 8, TOP + 16 * number + 8
            parts.append(
                f'<line x1="{key_x}" y1="{key_y}" x2="{key_x + 20}" y2="{key_y}" stroke="{colour}" '
                f'stroke-width="{stroke}"/><text x="{key_x + 26}" y="{key_y + 4}" font-size="11" '
                f'fill="#1d2733">{escape(line.name)}</text>'
            )
    gap = any(
        value is None and not (index < len(line.notes) and line.notes[index])
        for line in series
        for index, value in enumerate(line.values[: len(labels)])
    )
    note = gettext("A gap in a line: no figures for that month or period.") if gap else ""
    return _frame(
        title,
        "".join(parts),
        width,
        description,
        axis=_scale(maximum, minimum),
        note=note,
    )


def _points(
    line: Series,
    labels: Sequence[str],
    x: Callable[[int], float],
    y: Callable[[float], float],
    colour: str,
    minimum: float,
) -> list[str]:
    parts = []
    for index, value in enumerate(line.values[: len(labels)]):
        note = line.notes[index] if index < len(line.notes) else ""
        tooltip = f"<title>{escape(note)}</title>" if note else ""
        if value is None:
            if note:
                parts.append(
                    f'<circle cx="{x(index):.1f}" cy="{y(minimum):.1f}" r="4" fill="#ffffff" '
                    f'stroke="#8795a1" stroke-width="2">{tooltip}</circle>'
                )
            continue
        px, py = x(index), y(float(value))
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}">{tooltip}</circle>'
        )
        mark = line.marks[index] if index < len(line.marks) else ""
        if mark:
            parts.append(
                f'<text x="{px:.1f}" y="{py - 8:.1f}" text-anchor="middle" font-size="12" '
                f'font-weight="700" fill="#1d2733">{escape(mark)}</text>'
            )
    return parts
