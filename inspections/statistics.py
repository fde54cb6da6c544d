"""The cooperative's spot-check pass rates by year and category, and their chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from django.db.models.functions import ExtractYear
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from coop_portal.percent import percent
from members.models import Cooperative

from .models import Inspection, TestCategory


@dataclass
class Cell:
    total: int = 0
    passed: int = 0

    @property
    def rate(self) -> Decimal | None:
        return percent(self.passed, self.total)


@dataclass
class YearRow:
    year: int
    overall: Cell
    by_category: list[Cell]
    change: Decimal | None = None


@dataclass
class PassRates:
    categories: list[TestCategory]
    years: list[YearRow] = field(default_factory=list)

    @property
    def latest(self) -> YearRow | None:
        return self.years[-1] if self.years else None

    def headline(self) -> str:
        """E.g. "92.7% in 2021, up 2.0 points on the year before"."""
        latest = self.latest
        if latest is None or latest.overall.rate is None:
            return ""
        text = _("%(rate)s%% in %(year)d") % {"rate": latest.overall.rate, "year": latest.year}
        if latest.change is not None:
            if latest.change > 0:
                text += _(", up %(points)s points") % {"points": latest.change}
            elif latest.change < 0:
                text += _(", down %(points)s points") % {"points": -latest.change}
            else:
                text += _(", unchanged")
        return text


def pass_rates(cooperative: Cooperative) -> PassRates:
    """Final supervision spot checks by sampling year and category, in two queries."""
    categories = list(TestCategory.objects.filter(cooperative=cooperative).order_by("code"))
    position = {category.pk: index for index, category in enumerate(categories)}
    counts = (
        Inspection.objects.filter(cooperative=cooperative)
        .final()
        .spot_checks()
        .annotate(year=ExtractYear("sampled_on"))
        .values("year", "category_id")
        .pass_counts()
        .order_by("year")
    )
    rows: dict[int, YearRow] = {}
    for entry in counts:
        row = rows.setdefault(
            entry["year"],
            YearRow(entry["year"], Cell(), [Cell() for _category in categories]),
        )
        row.overall.total += entry["inspections"]
        row.overall.passed += entry["passed"]
        cell = row.by_category[position[entry["category_id"]]]
        cell.total += entry["inspections"]
        cell.passed += entry["passed"]
    years = [rows[year] for year in sorted(rows)]
    for previous, current in pairwise(years):
        if previous.overall.rate is not None and current.overall.rate is not None:
            current.change = current.overall.rate - previous.overall.rate
    return PassRates(categories=categories, years=years)


COLOURS = ["#1b6ca8", "#c2410c", "#15803d", "#7e22ce", "#b45309", "#0f766e"]


def chart_svg(rates: PassRates, *, title: str) -> SafeString:
    """A line chart of the pass rate per year: the whole cooperative and each category."""
    years = rates.years
    if not years:
        return mark_safe("")
    width, height = 640, 320
    left, right, top, bottom = 48, 150, 20, 36
    values = [
        cell.rate
        for row in years
        for cell in [row.overall, *row.by_category]
        if cell.rate is not None
    ]
    floor = min(Decimal(80), (min(values) // 5) * 5) if values else Decimal(80)
    span = Decimal(100) - floor or Decimal(1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(index: int) -> float:
        if len(years) == 1:
            return left + plot_w / 2
        return left + plot_w * index / (len(years) - 1)

    def y(value: Decimal) -> float:
        return top + float((Decimal(100) - value) / span) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="pass-rate-chart-title" class="chart">',
        f'<title id="pass-rate-chart-title">{escape(title)}</title>',
    ]
    step = 5
    tick = int(floor)
    while tick <= 100:
        ty = y(Decimal(tick))
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" '
            f'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#444">{tick}%</text>'
        )
        tick += step
    for index, row in enumerate(years):
        parts.append(
            f'<text x="{x(index):.1f}" y="{height - 12}" text-anchor="middle" font-size="12" '
            f'fill="#444">{row.year}</text>'
        )
    series: list[tuple[str, list[Cell], float]] = [
        (_("All categories"), [row.overall for row in years], 3.0)
    ]
    series += [
        (category.name, [row.by_category[index] for row in years], 1.5)
        for index, category in enumerate(rates.categories)
    ]
    for number, (name, cells, stroke) in enumerate(series):
        colour = "#111" if number == 0 else COLOURS[(number - 1) % len(COLOURS)]
        points = [
            (x(index), y(cell.rate)) for index, cell in enumerate(cells) if cell.rate is not None
        ]
        if points:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="{stroke}"/>'
            )
            parts += [
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{stroke + 1}" fill="{colour}"/>'
                for px, py in points
            ]
        legend_y = top + 16 * number + 8
        parts.append(
            f'<line x1="{width - right + 12}" y1="{legend_y}" x2="{width - right + 32}" '
            f'y2="{legend_y}" stroke="{colour}" stroke-width="{stroke}"/>'
            f'<text x="{width - right + 38}" y="{legend_y + 4}" font-size="12" '
            f'fill="#222">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above
