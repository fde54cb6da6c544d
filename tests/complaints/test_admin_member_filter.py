"""The admin's complaint list filters by member: the member is found by searching (a cooperative
may have tens of thousands), or reached from the member's own admin page, and only within the
administrator's cooperative: another cooperative's member is never named and filters to nothing."""

import re

import pytest
from django.urls import reverse

from tests.complaints.factories import ComplaintFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

LIST = "admin:complaints_complaint_changelist"


@pytest.fixture
def complaints(coop, other_coop, member_a, member_b):
    elsewhere = MemberFactory(cooperative=other_coop, name="五常稻花香米业有限公司")
    return {
        "a": ComplaintFactory(cooperative=coop, member=member_a, reference="NA-2026-000001"),
        "b": ComplaintFactory(cooperative=coop, member=member_b, reference="NA-2026-000002"),
        "elsewhere": ComplaintFactory(
            cooperative=other_coop, member=elsewhere, reference="RI-2026-000003"
        ),
    }


def filtered_on(member) -> str:
    return reverse(LIST) + f"?member__id__exact={member.pk}"


def filter_column(page: str) -> str:
    return page[page.index('<nav id="changelist-filter"') :]


def references(page: str) -> list[str]:
    return re.findall(r"[A-Z]{2}-2026-\d{6}", page.split('<nav id="changelist-filter"')[0])


def test_the_list_filtered_on_a_member_shows_its_complaints_and_names_it(personas, complaints):
    member = complaints["a"].member
    page = personas.administrator.get(filtered_on(member)).content.decode()
    assert "NA-2026-000001" in page
    assert "NA-2026-000002" not in page
    column = filter_column(page)
    assert re.search(rf'<li class="selected">\s*<a href="[^"]*">{member.name}</a>', column)
    # The search shows the member chosen, as select2 will.
    assert f'<option value="{member.pk}" selected>{member.name}</option>' in column


def test_the_member_filter_lists_no_member_but_offers_a_search(personas, complaints):
    page = personas.administrator.get(reverse(LIST)).content.decode()
    column = filter_column(page)
    assert "按社员" in column
    for complaint in complaints.values():
        assert complaint.member.name not in column
    assert 'name="member__id__exact"' in column
    assert 'class="admin-autocomplete"' in column
    assert 'data-app-label="complaints" data-model-name="complaint"' in column
    # Its label names the combobox for a screen reader (static/js/admin-autocomplete-names.js).
    assert '<label for="id_filter_member__id__exact">名称或统一社会信用代码</label>' in column
    assert "select2" in page


def test_another_cooperatives_member_filters_to_nothing_and_is_never_named(personas, complaints):
    elsewhere = complaints["elsewhere"].member
    response = personas.administrator.get(filtered_on(elsewhere))
    assert response.status_code == 200
    page = response.content.decode()
    assert references(page) == []
    assert elsewhere.name not in page
    assert "RI-2026-000003" not in page


def test_the_other_cooperatives_administrator_gets_nothing_of_this_one(personas, complaints):
    member = complaints["a"].member
    page = personas.other_administrator.get(filtered_on(member)).content.decode()
    assert references(page) == []
    assert member.name not in page
    own = complaints["elsewhere"].member
    page = personas.other_administrator.get(filtered_on(own)).content.decode()
    assert references(page) == ["RI-2026-000003"]


@pytest.mark.parametrize("persona", ["regulator", "member_a", "lab"])
def test_people_who_are_not_administrators_do_not_reach_the_list(personas, complaints, persona):
    response = getattr(personas, persona).get(filtered_on(complaints["a"].member))
    assert response.status_code in (302, 403)


def test_the_member_search_finds_the_administrators_members_only(personas, complaints):
    search = reverse("admin:autocomplete")
    query = {"app_label": "complaints", "model_name": "complaint", "field_name": "member"}
    found = personas.administrator.get(search, {**query, "term": "有限公司"}).json()
    names = {result["text"] for result in found["results"]}
    assert names == {complaints["a"].member.name, complaints["b"].member.name}
    found = personas.other_administrator.get(search, {**query, "term": "有限公司"}).json()
    assert {result["text"] for result in found["results"]} == {complaints["elsewhere"].member.name}


def test_choosing_a_member_keeps_the_search_and_other_filters_and_starts_at_page_one(
    personas, complaints
):
    url = reverse(LIST) + "?q=NA&status__exact=received&p=2"
    column = filter_column(personas.administrator.get(url).content.decode())
    form = column[column.index('<form method="get" class="member-filter">') :]
    assert '<input type="hidden" name="q" value="NA">' in form
    assert '<input type="hidden" name="status__exact" value="received">' in form
    assert 'name="p"' not in form


def test_the_members_admin_page_links_to_the_complaints_about_it(personas, complaints):
    member = complaints["a"].member
    page = personas.administrator.get(
        reverse("admin:members_member_change", args=[member.pk]), headers={"accept-language": "en"}
    ).content.decode()
    link = re.search(r'<a href="([^"]+)">Complaints about this member</a>', page)
    assert link is not None
    assert link.group(1) == filtered_on(member)
    listed = personas.administrator.get(link.group(1)).content.decode()
    assert references(listed) == ["NA-2026-000001"]


def test_the_member_filter_reads_in_english_on_english_pages(personas, complaints):
    page = personas.administrator.get(reverse(LIST), headers={"accept-language": "en"})
    column = filter_column(page.content.decode())
    assert "By member" in column
    assert ">Name or credit code</label>" in column
    assert '<button type="submit" class="button">Filter</button>' in column


def test_the_filter_counts_the_chosen_members_complaints_when_counts_are_shown(
    personas, complaints
):
    member = complaints["a"].member
    url = reverse(LIST) + "?_facets=True"
    column = filter_column(personas.administrator.get(url).content.decode())
    assert "按社员" in column
    page = personas.administrator.get(f"{filtered_on(member)}&_facets=True").content.decode()
    # Django writes the count in Latin brackets on every filter (issue 23 leaves it so).
    assert re.search(rf"{member.name} [(（]1[)）]", filter_column(page))
