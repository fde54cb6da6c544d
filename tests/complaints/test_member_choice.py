"""The complaint form's member choice stays small however large the cooperative: a large one
lists members only after a name search, at most MEMBER_LIST_LIMIT of them, without script."""

from __future__ import annotations

import re

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.forms import MEMBER_LIST_LIMIT
from complaints.models import Complaint
from tests.complaints.factories import form_data
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

OPTION = re.compile(r'<option value="\d+"')
NO_MATCH = '<p class="error" role="status">'


def form_url(coop):
    return reverse("complaints:file", args=[coop.slug])


def firms(coop, count: int, prefix: str = "南通家纺有限公司") -> list:
    return MemberFactory.create_batch(
        count,
        cooperative=coop,
        name=factory.Sequence(lambda n: f"{prefix}{n:04d}"),
        name_en="Nantong Home Textiles",
    )


def member_options(page: str) -> int:
    return len(OPTION.findall(page))


def get(client, coop, **params) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(form_url(coop), params)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_a_large_cooperative_asks_for_a_search_instead_of_listing_every_member(client, coop):
    firms(coop, MEMBER_LIST_LIMIT + 10)
    page, few_queries = get(client, coop)
    firms(coop, 3 * MEMBER_LIST_LIMIT)
    bigger, many_queries = get(client, coop)
    assert member_options(page) == member_options(bigger) == 0
    # The choice says to search first, and the select is described by that help.
    assert 'id="id_member_helptext"' in bigger
    assert 'aria-describedby="id_member_helptext"' in bigger
    assert many_queries == few_queries
    assert len(bigger) < len(page) + 200
    # No script lists or searches members (the page's scripts label tables and warn before
    # typed text is lost).
    assert sorted(re.findall(r"<script[^>]*>", bigger)) == [
        '<script src="/static/js/tables.js" defer>',
        '<script src="/static/js/unsaved.js" defer>',
    ]


def test_a_search_lists_at_most_the_limit_and_says_when_there_are_more(client, coop):
    firms(coop, MEMBER_LIST_LIMIT + 5, prefix="海门纺织")
    wanted = MemberFactory(cooperative=coop, name="如皋甲家纺", name_en="Rugao Firm A")
    page, _queries = get(client, coop, q="如皋")
    assert member_options(page) == 1
    assert f'<option value="{wanted.pk}"' in page
    assert 'id="id_member_helptext"' not in page
    crowded, _queries = get(client, coop, q="海门")
    assert member_options(crowded) == MEMBER_LIST_LIMIT
    # The help says that more members match than are listed.
    assert 'id="id_member_helptext"' in crowded
    by_english_name, _queries = get(client, coop, q="rugao")
    assert f'<option value="{wanted.pk}"' in by_english_name


def test_a_link_to_a_member_preselects_it_without_listing_the_others(client, coop):
    firms(coop, MEMBER_LIST_LIMIT + 5)
    wanted = MemberFactory(cooperative=coop, name="如皋甲家纺")
    page, _queries = get(client, coop, member=wanted.pk)
    assert member_options(page) == 1
    assert f'<option value="{wanted.pk}" selected' in page


def test_a_large_cooperative_still_takes_a_complaint_and_a_refused_form_stays_small(
    client, coop, django_capture_on_commit_callbacks
):
    firms(coop, MEMBER_LIST_LIMIT + 5)
    wanted = MemberFactory(cooperative=coop, name="如皋甲家纺")
    data = form_data(wanted)
    refused = client.post(form_url(coop), {**data, "product": ""})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert member_options(page) == 1
    assert f'<option value="{wanted.pk}" selected' in page
    assert 'id="id_product_error"' in page
    with django_capture_on_commit_callbacks(execute=True):
        filed = client.post(form_url(coop) + "?q=如皋", data)
    assert filed.status_code == 200
    assert Complaint.objects.get().member == wanted


def test_a_small_cooperative_lists_all_its_members(client, coop):
    firms(coop, MEMBER_LIST_LIMIT)
    page, _queries = get(client, coop)
    assert member_options(page) == MEMBER_LIST_LIMIT


def test_filing_a_complaint_does_not_search_or_list_the_members(
    client, coop, django_capture_on_commit_callbacks
):
    """The form's search and listing are for a page that shows the form; a complaint that is
    filed needs neither (at 50 complaints a second, each search read the whole cooperative)."""
    firms(coop, MEMBER_LIST_LIMIT + 5)
    wanted = MemberFactory(cooperative=coop, name="如皋甲家纺")
    data = form_data(wanted)
    with CaptureQueriesContext(connection) as queries:
        filed = client.post(form_url(coop) + f"?q=如皋&member={wanted.pk}", data)
    assert filed.status_code == 200
    assert Complaint.objects.get().member == wanted
    searches = [query["sql"] for query in queries if "LIKE" in query["sql"].upper()]
    assert searches == []
    assert not any(
        "ORDER BY" in query["sql"] and "members_member" in query["sql"] for query in queries
    )


@pytest.mark.parametrize("count", [3, MEMBER_LIST_LIMIT + 5], ids=["small", "large"])
def test_a_search_that_matches_nobody_says_so(client, coop, count):
    firms(coop, count)
    missing, _queries = get(client, coop, q="不存在的公司")
    assert NO_MATCH in missing
    assert member_options(missing) == 0
    found, _queries = get(client, coop, q="南通家纺")
    assert NO_MATCH not in found
    assert member_options(found) == min(count, MEMBER_LIST_LIMIT)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_member_searches_can_use_the_trigram_indexes(coop):
    """The indexes are on the very expressions Django writes for icontains, so the planner can
    answer a search from them (with sequential scans ruled out, it must)."""
    from members.models import Member

    firms(coop, 20)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'members_member'")
        names = {row[0] for row in cursor.fetchall()}
        assert {
            "members_member_name_trgm",
            "members_member_name_en_trgm",
            "members_member_credit_code_trgm",
        } <= names
        sql, params = Member.objects.search("家纺有限").values_list("pk").query.sql_with_params()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("members_member_name_trgm", "members_member_name_en_trgm"):
        assert index in plan, plan
