"""The regulator's dashboard narrowed by year and product category, and its CSV export:
allowed and denied paths, invalid filters, the phone layout and the file's safety."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse

from inspections.models import Rectification
from members.models import Conversion
from tests.factories import MemberFactory, credit_code_for

from .conftest import publish
from .factories import CategoryFactory, ComplaintFactory, InspectionFactory, pledge

D = datetime.date
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def dashboard_url(coop, **query):
    url = reverse("pledges:assessment_dashboard", kwargs={"slug": coop.slug})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def export_url(coop, **query):
    url = reverse("pledges:assessment_dashboard_export", kwargs={"slug": coop.slug})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def read_csv(response) -> list[list[str]]:
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


@pytest.fixture
def figures(coop, charter, member_a, member_b, freeze_today):
    """Two years of results in two categories, a complaint and a conversion in each year."""
    freeze_today(D(2025, 12, 31))
    pledge(member_a)
    bedding = CategoryFactory(
        cooperative=coop, code="bedding", name_zh="床上用品", name_en="Bedding"
    )
    for year in (2024, 2025):
        InspectionFactory(
            member=member_a,
            report_no=f"F-{year}",
            sampled_on=D(year, 3, 1),
            reported_on=D(year, 3, 2),
        )
        failed = InspectionFactory(
            member=member_b,
            report_no=f"B-{year}",
            category=bedding,
            sampled_on=D(year, 5, 1),
            reported_on=D(year, 5, 2),
            verdict="fail",
            severity="major",
        )
        Rectification.objects.create(inspection=failed, deadline=D(year, 6, 2))
        ComplaintFactory(member=member_b, accepted_on=D(year, 6, 1), response_due_on=D(year, 6, 8))
        sole = MemberFactory(cooperative=coop, kind="sole_proprietor")
        Conversion.objects.create(
            sole_proprietor=sole,
            old_credit_code=sole.credit_code,
            new_credit_code=credit_code_for(90 + year % 10),
            new_name="新公司",
            converted_on=D(year, 4, 1),
        )
    publish(coop, "2025-H1")
    return bedding


def test_dashboard_offers_years_and_categories_by_their_names(personas, coop, figures):
    page = personas.regulator.get(dashboard_url(coop)).content.decode()
    assert '<form method="get" class="filters"' in page
    assert "2025年度" in page
    assert "床上用品" in page
    assert "全部类别" in page
    assert 'value="bedding"' in page
    english = personas.regulator.get(dashboard_url(coop), **ENGLISH).content.decode()
    assert "year 2025" in english
    assert "Bedding" in english
    assert "The last two years" in english


def test_dashboard_of_one_year_shows_only_that_years_figures(personas, coop, figures):
    page = personas.regulator.get(dashboard_url(coop, year=2024)).content.decode()
    assert "2024年3月" in page
    assert "2025年3月" not in page
    assert "2025年上半年" not in page  # grades of a period ending in 2025
    assert "2024年第二季度" in page
    assert "2025年第二季度" not in page
    assert "B-2024" in page
    assert "B-2025" not in page
    whole = personas.regulator.get(dashboard_url(coop)).content.decode()
    assert "2024年3月" in whole
    assert "2025年3月" in whole
    assert "2025年上半年" in whole


def test_dashboard_of_one_category_shows_only_figures_recorded_per_category(
    personas, coop, figures
):
    page = personas.regulator.get(dashboard_url(coop, category="bedding")).content.decode()
    assert "2024年5月" in page
    assert "B-2024" in page
    rows = read_csv(personas.regulator.get(export_url(coop, category="bedding")))
    assert ["监督抽查合格率", "2024年5月", "检验数", "1"] in rows
    assert ["监督抽查合格率", "2024年3月", "检验数", "0"] in rows  # a fabrics result
    # Grades, complaints and conversions carry no category: left out, and the page says why.
    assert len(re.findall(r'<svg class="chart[ "]', page)) == 1
    assert "2025年上半年" not in page
    assert "不按产品类别记录" in page


def test_dashboard_refuses_an_invalid_filter_with_a_message(personas, coop, figures):
    for query in ({"year": "1999"}, {"year": "abc"}, {"category": "nonsense"}):
        response = personas.regulator.get(dashboard_url(coop, **query))
        assert response.status_code == 200
        page = response.content.decode()
        assert "筛选条件未生效" in page
        assert "2025年3月" in page  # the unfiltered figures, as the message says
    english = personas.regulator.get(dashboard_url(coop, category="nonsense"), **ENGLISH)
    assert "Choose a product category from the list." in english.content.decode()


def test_dashboard_refuses_another_cooperatives_category(personas, coop, other_coop, figures):
    CategoryFactory(cooperative=other_coop, code="toys", name_zh="玩具", name_en="Toys")
    page = personas.regulator.get(dashboard_url(coop, category="toys")).content.decode()
    assert "玩具" not in page
    assert "请从列表中选择产品类别" in page


def test_dashboard_reads_on_a_phone(personas, coop, figures):
    """A chart of few points fits the width; a long one scrolls sideways in its frame, opened
    at its newest end by a script file (no inline script) and with a hint saying it scrolls.
    Every table has column headings, which site.css turns into stacked cards on a narrow
    screen."""
    page = personas.regulator.get(dashboard_url(coop)).content.decode()
    fitted = page.count('<div class="chart-fit"')
    scrolled = page.count('<div class="chart-scroll" tabindex="0" data-scroll-end>')
    assert fitted + scrolled == len(re.findall(r'<svg class="chart[ "]', page))
    # 24 months of pass rates scroll; two published periods, two years of conversions fit.
    assert scrolled >= 1
    assert fitted >= 2
    assert page.count('class="chart-hint') == scrolled
    assert "左右滑动" in page
    scripts = re.findall(r"<script[^>]*>", page)
    assert '<script src="/static/js/charts.js" defer>' in scripts
    assert all("src=" in script for script in scripts)
    assert page.count("<table") == page.count("<thead>")
    assert page.count("<table") >= 5


@pytest.mark.parametrize("query", [{}, {"year": 2025}, {"category": "bedding"}])
def test_dashboard_takes_the_same_queries_whatever_the_filter(
    personas, coop, figures, query, django_assert_max_num_queries
):
    personas.regulator.get(dashboard_url(coop, **query))
    with django_assert_max_num_queries(15):
        personas.regulator.get(dashboard_url(coop, **query))


def test_export_holds_the_figures_shown_under_the_same_filter(personas, coop, figures):
    for client in (personas.regulator, personas.administrator):
        response = client.get(export_url(coop, year=2024))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert 'filename="dashboard-2024.csv"' in response["Content-Disposition"]
        rows = read_csv(response)
        assert rows[0] == ["表格", "行", "列", "数值"]
        assert ["筛选", "年度", "", "2024年度"] in rows
        assert ["筛选", "产品类别", "", "全部类别"] in rows
        assert ["监督抽查合格率", "2024年3月", "合格率（%）", "100.0"] in rows
        assert ["监督抽查合格率", "2024年5月", "合格率（%）", "0.0"] in rows
        assert not any(row[1] == "2025年3月" for row in rows)
        assert ["逾期未整改", "B-2024", "报告日期", "2024-05-02"] in rows
        assert ["每年个转企数", "2024", "个转企数", "1"] in rows
        assert ["概览", "逾期未整改", "数量", "1"] in rows


def test_export_follows_the_category_and_the_users_language(personas, coop, figures):
    rows = read_csv(personas.regulator.get(export_url(coop, category="bedding"), **ENGLISH))
    assert rows[0] == ["Table", "Row", "Column", "Value"]
    assert ["Filter", "Product category", "", "Bedding"] in rows
    tables = {row[0] for row in rows[1:]}
    assert tables == {"Filter", "Summary", "Spot-check pass rate", "Overdue rectifications"}
    # Months in words, which a spreadsheet keeps as text; March had only a fabrics result.
    assert ["Spot-check pass rate", "May 2024", "Inspections", "1"] in rows
    assert ["Spot-check pass rate", "March 2024", "Inspections", "0"] in rows


def test_export_escapes_cells_a_spreadsheet_would_run(personas, coop, member_b, figures):
    member_b.name = '=HYPERLINK("http://evil")'
    member_b.save()
    content = personas.regulator.get(export_url(coop)).content.decode()
    assert "'=HYPERLINK" in content
    assert "\n=HYPERLINK" not in content
    assert ",=HYPERLINK" not in content


def test_export_of_an_invalid_filter_gives_the_page_with_its_message(personas, coop, figures):
    response = personas.regulator.get(export_url(coop, year="abc"))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "请从列表中选择年份" in response.content.decode()


def test_export_is_hidden_from_everyone_else(personas, coop, charter):
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.get(export_url(coop)).status_code == 404
    assert personas.anonymous.get(export_url(coop)).status_code == 302


def test_dashboard_links_to_the_export_with_its_filter(personas, coop, figures):
    page = personas.regulator.get(dashboard_url(coop, year=2024, category="bedding"))
    link = export_url(coop, year=2024, category="bedding").replace("&", "&amp;")
    assert link in page.content.decode()


def test_every_figure_follows_the_last_two_years(personas, coop, figures, freeze_today):
    """A year later, 2024's inspections, grades, complaints, overdue rectification and
    conversion are outside the last two years: neither the page nor the file shows them, and
    choosing 2024 does. What is a count of today says so."""
    publish(coop, "2024")
    freeze_today(D(2026, 12, 31))

    page = personas.regulator.get(dashboard_url(coop)).content.decode()
    assert "2025年3月" in page
    assert "2024年3月" not in page
    assert "B-2025" in page
    assert "B-2024" not in page
    assert "2025年第二季度" in page
    assert "2024年第二季度" not in page
    assert "2025年上半年" in page
    assert "不随所选年度变化" in page

    rows = read_csv(personas.regulator.get(export_url(coop)))
    assert [
        "筛选",
        "说明",
        "",
        "个体户社员数和结对帮扶数均为截至今日的数字，不随所选年度变化。",
    ] in rows
    named = {row[1] for row in rows}
    assert "2025年上半年" in named
    assert "2025" in named  # the conversion of 2025
    assert not named & {"2024年度", "2024", "2024年3月", "2024年第二季度", "B-2024"}
    assert ["概览", "个转企", "数量", "1"] in rows

    rows = read_csv(personas.regulator.get(export_url(coop, year=2024)))
    named = {row[1] for row in rows}
    assert {"2024年度", "2024", "2024年3月", "2024年第二季度", "B-2024"} <= named
    assert not named & {"2025年上半年", "2025", "2025年3月"}


def test_pass_rates_are_spaced_by_month_and_named_in_words(personas, coop, figures):
    """Every month of the year is a point, those without results too (an empty cell, a gap in
    the line), so the axis is spaced by time; months are written as words in each language."""
    rows = read_csv(personas.regulator.get(export_url(coop, year=2024)))
    months = [row for row in rows if row[0] == "监督抽查合格率" and row[2] == "检验数"]
    assert [row[1] for row in months] == [f"2024年{month}月" for month in range(1, 13)]
    assert ["监督抽查合格率", "2024年4月", "合格率（%）", ""] in rows
    page = personas.regulator.get(dashboard_url(coop, year=2024)).content.decode()
    svg = page.split('<svg class="chart ')[1].split("</svg>")[0]
    # March and May are two points at their months, not joined across April's gap.
    assert svg.count("<circle") == 2
    assert "<polyline" not in svg
    # The gap is explained under the chart.
    assert "线上的空缺：该月或该期间没有数据。" in page
    english = personas.regulator.get(dashboard_url(coop, year=2024), **ENGLISH).content.decode()
    assert "Mar 2024" in english
    assert "2024-03" not in english


def test_the_category_is_named_as_the_data_gives_it_and_in_the_file_name(personas, coop, figures):
    english = personas.regulator.get(dashboard_url(coop, year=2024, category="bedding"), **ENGLISH)
    assert "inspections of the product category: Bedding." in english.content.decode()
    response = personas.regulator.get(export_url(coop, year=2024, category="bedding"), **ENGLISH)
    assert 'filename="dashboard-2024-bedding.csv"' in response["Content-Disposition"]
    chinese = personas.regulator.get(export_url(coop, category="bedding"))
    assert (
        "filename*=utf-8''dashboard-%E5%BA%8A%E4%B8%8A%E7%94%A8%E5%93%81.csv"
        in (chinese["Content-Disposition"])
    )


def test_an_invalid_year_keeps_a_valid_category(personas, coop, figures):
    page = personas.regulator.get(dashboard_url(coop, year="1999", category="bedding"))
    text = page.content.decode()
    assert "请从列表中选择年份" in text
    assert "最近两年的数据，检验限于产品类别：床上用品。" in text
    assert "不按产品类别记录" in text
    assert len(re.findall(r'<svg class="chart[ "]', text)) == 1
