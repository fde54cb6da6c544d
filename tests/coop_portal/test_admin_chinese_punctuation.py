"""The admin on a Chinese page is Chinese throughout: full-width punctuation where Django's own
catalogue has Latin marks, statuses and categories in words, charter versions by name."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from members.services import change_status
from tests.charter.factories import CharterVersionFactory
from tests.inspections.factories import InspectionFactory, TestCategoryFactory

pytestmark = pytest.mark.django_db

ZH = {"accept-language": "zh-hans"}
EN = {"accept-language": "en"}


def test_field_labels_end_with_a_full_width_colon_on_chinese_pages(personas, member_a):
    url = reverse("admin:members_member_change", args=[member_a.pk])
    page = personas.administrator.get(url, headers=ZH).content.decode()
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", page)
    assert any(label.endswith("：") for label in labels), labels
    assert not [label for label in labels if label.endswith(":")]
    english = personas.administrator.get(url, headers=EN).content.decode()
    assert "：</label>" not in english
    assert ":</label>" in english


def test_the_greeting_and_the_result_count_use_chinese_punctuation(personas, member_a):
    url = reverse("admin:members_member_changelist") + "?q=不存在的名称"
    page = personas.administrator.get(url, headers=ZH).content.decode()
    assert re.search(r"欢迎您，<strong>[^<]+</strong>。", page)
    assert "0 条结果" in page
    assert "0 条结果。" not in page
    assert "欢迎， " not in page
    english = personas.administrator.get(url, headers=EN).content.decode()
    assert re.search(r"Welcome, <strong>[^<]+</strong>\.", english)


def test_status_changes_show_the_statuses_in_words(personas, administrator, member_a):
    change_status(member_a, "warned", by=administrator, reason="复检不合格后未按期整改")
    for url in (
        reverse("admin:members_member_change", args=[member_a.pk]),
        reverse("admin:members_member_history", args=[member_a.pk]),
    ):
        page = personas.administrator.get(url, headers=ZH).content.decode()
        assert "active" not in page, url
        assert "warned" not in page, url
    with translation.override("zh-hans"):
        change = member_a.status_changes.get()
        active, warned = member_a.Status.ACTIVE.label, member_a.Status.WARNED.label
        assert str(change) == f"{member_a}：{active} → {warned}"
        assert warned == "已警告"
    history = personas.administrator.get(
        reverse("admin:members_member_history", args=[member_a.pk]), headers=ZH
    ).content.decode()
    with translation.override("zh-hans"):
        assert str(member_a.Status.WARNED.label) in history


def test_the_inspection_list_filters_by_the_categorys_name(personas, coop):
    # A filter with a single choice is not shown: two categories.
    InspectionFactory(cooperative=coop, category=TestCategoryFactory(cooperative=coop))
    bedding = TestCategoryFactory(
        cooperative=coop, code="bedding", name_zh="床品", name_en="Bedding"
    )
    InspectionFactory(cooperative=coop, category=bedding)
    url = reverse("admin:inspections_inspection_changelist")
    page = personas.administrator.get(url, headers=ZH).content.decode()
    assert "按类别" in page
    assert "面料" in page
    assert "床品" in page
    assert "fabrics" not in page
    assert "bedding" not in page
    assert "以 " not in page
    english = personas.administrator.get(url, headers=EN).content.decode()
    assert "By category" in english
    assert "Fabrics" in english


def test_a_charter_version_is_named_by_its_cooperative_and_number(personas, coop):
    version = CharterVersionFactory(cooperative=coop, number=2)
    with translation.override("zh-hans"):
        assert str(version) == "南通家纺质量合作社 公约第2版"
    with translation.override("en"):
        assert str(version) == "Nantong Home Textile Quality Cooperative charter, version 2"
    url = reverse("admin:charter_charterversion_change", args=[version.pk])
    page = personas.administrator.get(url, headers=ZH).content.decode()
    assert "南通家纺质量合作社 公约第2版" in page
    assert "nantong v2" not in page
    listing = personas.administrator.get(
        reverse("admin:charter_charterversion_changelist"), headers=ZH
    ).content.decode()
    assert "nantong v2" not in listing


@pytest.fixture
def four_complaints(coop, member_a, member_b):
    from tests.complaints.factories import ComplaintFactory

    for member in (member_a, member_a, member_a, member_b):
        ComplaintFactory(cooperative=coop, member=member)


COMPLAINTS = "admin:complaints_complaint_changelist"


def test_the_search_button_and_the_filter_column_read_naturally_in_chinese(
    personas, four_complaints
):
    page = personas.administrator.get(reverse(COMPLAINTS), headers=ZH).content.decode()
    assert '<input type="submit" value="搜索">' in page
    assert '<h2 id="changelist-filter-header">筛选</h2>' in page
    # The magnifier names the search box: in the reader's language too.
    assert 'alt="搜索"' in page
    assert "过滤器" not in page
    assert 'alt="Search"' not in page
    english = personas.administrator.get(reverse(COMPLAINTS), headers=EN).content.decode()
    assert '<input type="submit" value="Search">' in english
    assert '<h2 id="changelist-filter-header">Filter</h2>' in english
    assert 'alt="Search"' in english


def test_the_complaint_desks_own_filter_button_keeps_its_word(personas, coop):
    # Django's admin catalogue ("Filter" → 过滤器) outranked the complaints app's own 筛选.
    url = reverse("complaints:staff_list", args=[coop.slug])
    page = personas.administrator.get(url, headers=ZH).content.decode()
    assert '<button type="submit" class="button secondary">筛选</button>' in page
    assert "过滤器" not in page


def test_the_total_after_the_result_count_stands_in_the_readers_brackets(
    personas, member_a, four_complaints
):
    url = reverse(COMPLAINTS) + "?q=" + member_a.name
    page = personas.administrator.get(url, headers=ZH).content.decode()
    assert '3 条结果（<a href="?">共 4 条</a>）' in page
    english = personas.administrator.get(url, headers=EN).content.decode()
    assert '3 results (<a href="?">4 total</a>)' in english


def test_sorting_priorities_and_error_titles_use_chinese_punctuation(personas, four_complaints):
    url = reverse(COMPLAINTS) + "?o=2.1"
    page = personas.administrator.get(url, headers=ZH).content.decode()
    assert 'title="排序优先级：2"' in page
    assert "排序优先级: " not in page
    english = personas.administrator.get(url, headers=EN).content.decode()
    assert 'title="Sorting priority: 2"' in english
    with translation.override("zh-hans"):
        assert translation.gettext("Error:") == "错误："
        assert translation.gettext("Start typing to filter…") == "输入以筛选……"
