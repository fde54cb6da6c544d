"""Issue 20, point 8: a public page is cached by the query parameters it reads, and no others —
query-string noise never makes a new cache entry."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from coop_portal import public_cache

pytestmark = pytest.mark.django_db


def hit(response) -> bool:
    return response.get("X-Public-Cache") == "hit"


def test_query_string_noise_never_makes_a_new_entry(client, coop, member_a):
    url = reverse("members:member", args=[coop.slug, member_a.credit_code])
    first = client.get(url)
    assert not hit(first)
    # Every noisy request finds the first one's entry; a page is stored only on a miss.
    for _ in range(50):
        response = client.get(url, {"utm_source": uuid.uuid4().hex, "fbclid": uuid.uuid4().hex})
        assert hit(response)
        assert response.content == first.content


def test_the_parameters_a_page_reads_are_kept_in_one_order(client, coop, member_a):
    url = reverse("members:directory", args=[coop.slug])
    first = client.get(f"{url}?kind=firm&q=%E7%94%B2&utm=1")
    assert not hit(first)
    again = client.get(f"{url}?utm=2&q=%E7%94%B2&kind=firm")
    assert hit(again)
    other = client.get(f"{url}?q=%E7%94%B2")
    assert not hit(other)


def test_the_page_never_sees_the_parameters_it_does_not_read(client, coop, member_a):
    url = reverse("members:directory", args=[coop.slug])
    response = client.get(url, {"q": "甲", "evil": "<b>x</b>"})
    assert response.wsgi_request.GET.dict() == {"q": "甲"}
    assert response.wsgi_request.get_full_path() == f"{url}?q=%E7%94%B2"
    # The pagination links the page writes carry nothing it did not read.
    assert "evil" not in response.content.decode()


def test_a_value_longer_than_any_link_is_rendered_but_never_stored(client, coop, member_a):
    url = reverse("members:directory", args=[coop.slug])
    long_search = "甲" * 500
    client.get(url, {"q": long_search})
    assert not hit(client.get(url, {"q": long_search}))


def test_logged_in_readers_keep_their_whole_query_string(client, coop, member_user_a):
    client.force_login(member_user_a)
    url = reverse("members:directory", args=[coop.slug])
    response = client.get(url, {"q": "甲", "utm": "x"})
    assert response.wsgi_request.GET.dict() == {"q": "甲", "utm": "x"}


def test_every_public_page_names_the_parameters_it_reads():
    assert all(isinstance(read, frozenset) for read in public_cache.PUBLIC_PAGES.values())
    assert public_cache.PUBLIC_PAGES["members:directory"] >= {"q", "page"}
