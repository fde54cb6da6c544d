"""Charts read on a 360 px phone: few points are drawn narrow to fit the width, a long series
keeps a readable width, scrolls sideways from its newest end and says so in the reader's
language; a missing value breaks its line."""

import itertools
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from coop_portal.charts import NARROW_WIDTH, WIDTH, Series, bar_chart, line_chart

PERIODS = ["2024年度", "2025年上半年", "2025年下半年"]
MONTHS = [f"2025年{month}月" for month in range(1, 13)]


def view_box_width(chart: str) -> int:
    """The width of the chart's own drawing (not of the scale drawn again beside it)."""
    return int(re.search(r'<svg class="chart[ "][^>]*viewBox="0 0 (\d+) \d+"', chart).group(1))


def test_a_grade_history_of_a_few_periods_fits_the_width_without_scrolling():
    chart = line_chart("Score", PERIODS, [Series("Score", [40.0, 92.0, 80.0])])
    assert view_box_width(chart) == NARROW_WIDTH
    assert chart.startswith('<div class="chart-fit">')
    assert "chart-scroll" not in chart
    assert "chart-hint" not in chart


def test_a_grade_distribution_of_four_bars_fits_the_width():
    chart = bar_chart("Members per grade", ["A", "B", "C", "D"], [[1, 2, 3, 4], [2, 2, 2, 2]])
    assert view_box_width(chart) == NARROW_WIDTH
    assert "chart-hint" not in chart
    # Every bar and label is inside the narrow drawing.
    for x in re.findall(r'<(?:rect|text) x="([\d.]+)"', chart):
        assert float(x) < NARROW_WIDTH


def test_a_long_series_scrolls_from_its_newest_end_with_a_hint_in_both_languages():
    values = [float(month) for month in range(12)]
    with translation.override("zh-hans"):
        chinese = line_chart("合格率", MONTHS, [Series("全部类别", values)])
    with translation.override("en"):
        english = bar_chart("Pass rate", MONTHS, [values])
    for chart in (chinese, english):
        assert view_box_width(chart) == WIDTH
        assert '<div class="chart-scroll" tabindex="0" data-scroll-end>' in chart
        assert 'class="chart chart-wide"' in chart
        assert chart.index("chart-hint") < chart.index("<svg")
    assert "左右滑动" in chinese
    assert "swipe it sideways" in english


def test_the_scroll_to_the_newest_end_is_a_script_file_and_the_hint_shows_only_on_a_phone():
    script = (Path(settings.BASE_DIR) / "static/js/charts.js").read_text()
    assert "[data-scroll-end]" in script
    assert "scrollLeft" in script
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    assert ".chart-scroll > svg.chart-wide { min-width: 34rem" in css
    assert "@media (min-width: 40rem) { .chart-hint { display: none; } }" in css


def test_a_chart_with_a_legend_keeps_the_wide_drawing():
    chart = line_chart("Rates", PERIODS, [Series("All", [1.0, 2.0, 3.0]), Series("B", [1, 2, 3])])
    assert view_box_width(chart) == WIDTH


def test_a_missing_value_breaks_the_line():
    chart = line_chart("Rate", MONTHS[:6], [Series("All", [90.0, 95.0, None, 80.0, 85.0, 90.0])])
    assert chart.count("<polyline") == 2


MONTHS_24 = [f"{year}年{month}月" for year in (2025, 2026) for month in range(1, 13)]


def test_a_wide_charts_scale_stays_in_view_beside_its_scrolling_frame():
    chart = line_chart("合格率", MONTHS_24, [Series("全部类别", [90.0] * 24)])
    scale = chart[chart.index('<svg class="chart-axis"') : chart.index("</svg>")]
    assert 'viewBox="0 0 40 240"' in scale
    assert 'aria-hidden="true"' in scale
    assert [f">{value}</text>" in scale for value in (0, 25, 50, 75, 100)] == [True] * 5
    assert chart.index("chart-axis") < chart.index('<div class="chart-scroll"')
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    assert ".chart-axis { display: none; }" in css
    assert (
        ".chart-with-axis > .chart-scroll > svg.chart-wide { width: 34rem; min-width: 34rem; }"
        in css
    )


def test_month_labels_of_a_long_series_are_thinned_so_they_never_touch():
    chart = line_chart("合格率", MONTHS_24, [Series("全部类别", [90.0] * 24)])
    shown = re.findall(r'<text x="([\d.]+)" y="216" font-size="10"[^>]*>([^<]+)</text>', chart)
    names = [label for _x, label in shown]
    # The newest month is always labelled; the others are thinned evenly.
    assert names[-1] == "2026年12月"
    assert len(names) < 12
    xs = [float(x) for x, _label in shown]
    # "2025年11月" is about 56 units wide at 10 px: neighbours' centres at least that apart.
    assert min(b - a for a, b in itertools.pairwise(xs)) >= 60


def test_a_gap_in_a_line_is_explained_under_the_chart_in_both_languages():
    values = [80.0, 90.0, None, None, 85.0, 70.0]
    with translation.override("en"):
        english = line_chart("Rate", MONTHS[:6], [Series("All", values)])
        whole = line_chart("Rate", MONTHS[:6], [Series("All", [80.0] * 6)])
    with translation.override("zh-hans"):
        chinese = line_chart("合格率", MONTHS[:6], [Series("全部类别", values)])
    assert (
        '<p class="help chart-note">A gap in a line: no figures for that month or period.</p>'
        in english
    )
    assert "该月或该期间没有数据" in chinese
    assert "chart-note" not in whole
