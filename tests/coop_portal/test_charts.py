"""Charts read on a 360 px phone: few points are drawn narrow to fit the width, a long series
keeps a readable width, scrolls sideways from its newest end and says so in the reader's
language; a missing value breaks its line."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from coop_portal.charts import NARROW_WIDTH, WIDTH, Series, bar_chart, line_chart

PERIODS = ["2024年度", "2025年上半年", "2025年下半年"]
MONTHS = [f"2025年{month}月" for month in range(1, 13)]


def view_box_width(chart: str) -> int:
    return int(re.search(r'viewBox="0 0 (\d+) \d+"', chart).group(1))


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
