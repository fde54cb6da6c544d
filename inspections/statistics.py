"""The cooperative's spot-check pass rates by year and category, and their chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from django.db.models.functions import ExtractYear
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from coop_portal.charts import Series, line_chart
from coop_portal.percent import percent
from members.models import Cooperative

from .models import Inspection, TestCategory, pass_counts


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
        .annotate(**pass_counts())
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


def chart_svg(rates: PassRates, *, title: str) -> SafeString:
    """A line chart of the pass rate per year: the whole cooperative and each category."""
    if not rates.years:
        return mark_safe("")
    values = [
        cell.rate
        for row in rates.years
        for cell in [row.overall, *row.by_category]
        if cell.rate is not None
    ]
    # The scale starts at 80 % or lower, at a multiple of 5 below the lowest rate.
    floor = min(Decimal(80), (min(values) // 5) * 5) if values else Decimal(80)
    series = [Series(_("All categories"), [_value(row.overall) for row in rates.years])]
    series += [
        Series(category.name, [_value(row.by_category[index]) for row in rates.years])
        for index, category in enumerate(rates.categories)
    ]
    labels = [str(row.year) for row in rates.years]
    return line_chart(title, labels, series, minimum=float(floor))


def _value(cell: Cell) -> float | None:
    return None if cell.rate is None else float(cell.rate)
