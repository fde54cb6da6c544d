"""Issue 20, point 11: whatever a visitor puts in a query string, no page and no API answers
with a server error.

``QUERY_PARAMETERS`` names every parameter a page of the portal or its API reads; a test walks
every URL pattern and records what each page really reads, so that a new parameter cannot be
left out of the list (nor of the public pages' cache keys, coop_portal/public_cache.py). Every
page then gets every parameter with hostile values — numbers isdigit() accepts and int()
refuses, NUL, numbers beyond the database's integers, cursors whose position is not a number —
and hypothesis sends arbitrary Unicode to random pages as random personas.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop_portal.public_cache import PUBLIC_PAGES

from .requests import address
from .urls import build_world, url_patterns

# Every parameter a page or the API reads (the admin's own are Django's: not listed).
QUERY_PARAMETERS = frozenset(
    {
        # pages, searches and filters
        "page",
        "q",
        "kind",
        "scale",
        "status",
        "grade",
        "member",
        "older",
        "newer",
        "overdue",
        "accounts",
        # the complaint desk's search (a phone only for those who may see personal data)
        "reference",
        "phone",
        # log-in, language, the API schema and its documentation
        "next",
        "lang",
        "format",
        "version",
        # open data API
        "cooperative",
        "period",
        "revision",
        "credit_code",
        "year",
        "cursor",
        "page_size",
    }
)
PERSONAS = ("anonymous", "consumer", "member_a", "lab", "regulator", "administrator")


def cursor(position: str, offset: str = "0") -> str:
    """A cursor as DRF writes it (base64 of a query string), with any position."""
    return base64.b64encode(urlencode({"o": offset, "p": position}).encode()).decode()


# Values that broke pages before (issue 20): digits isdigit() accepts and int() refuses, NUL,
# numbers beyond the database's integers, and cursors holding either.
HOSTILE = [
    "²",
    "１２",
    "\x00",
    "9" * 40,
    "-1",
    "长" * 300,
    cursor("abc"),
    cursor("1\x00"),
    cursor("²"),
    cursor("9" * 40),
]


def _routes() -> list:
    return [pattern for pattern in url_patterns() if not pattern.route.startswith("admin/")]


@contextmanager
def reads_recorded() -> Iterator[set[str]]:
    """The names of the query-string (and form) parameters read while it is open."""
    read: set[str] = set()

    def recording(name: str):
        original = getattr(QueryDict, name)

        def recorded(self, key, *args, **kwargs):
            read.add(key)
            return original(self, key, *args, **kwargs)

        return recorded

    with ExitStack() as stack:
        for name in ("get", "getlist", "__getitem__", "__contains__"):
            stack.enter_context(mock.patch.object(QueryDict, name, recording(name)))
        yield read


@pytest.fixture
def world(db):
    return build_world()


def _get(world, persona: str, url: str, query: dict[str, str]):
    cache.clear()  # the rate limits and API throttles count in the cache
    response = world.clients[persona].get(url, query)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


# Each parameter a page reads is also sent alone with these, so that another parameter's
# refusal does not hide it.
ALONE = ["²", "\x00", "9" * 40, cursor("abc")]


def test_every_page_reads_only_listed_parameters_and_survives_hostile_values(world):
    failures = []
    unlisted: dict[str, set[str]] = {}
    public_reads: dict[str, set[str]] = {}
    tried = 0

    def check(pattern, persona: str, url: str, query: dict[str, str]) -> None:
        nonlocal tried
        tried += 1
        response = _get(world, persona, url, query)
        if response.status_code >= 500:
            failures.append(f"{pattern.route} as {persona} with {query}")

    for pattern in _routes():
        url = address(world, pattern)
        for persona in ("anonymous", "member_a", "administrator"):
            with reads_recorded() as read:
                _get(world, persona, url, {})
            extra = read - QUERY_PARAMETERS
            if extra:
                unlisted.setdefault(pattern.route, set()).update(extra)
            if persona == "anonymous" and pattern.name in PUBLIC_PAGES:
                public_reads[pattern.name] = read
            for value in HOSTILE:
                check(pattern, persona, url, dict.fromkeys(QUERY_PARAMETERS, value))
            for name in sorted(read & QUERY_PARAMETERS):
                for value in ALONE:
                    check(pattern, persona, url, {name: value})
    assert tried > 1000
    assert not unlisted, f"pages read parameters missing from QUERY_PARAMETERS: {unlisted}"
    assert not failures, "\n".join(failures)
    # A public page is cached by the parameters it reads and no others (point 8).
    for name, read in public_reads.items():
        assert read <= PUBLIC_PAGES[name], (name, read - PUBLIC_PAGES[name])


text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200),
    st.sampled_from(HOSTILE),
    st.integers().map(str),
)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_page_answers_arbitrary_unicode_parameters_with_a_server_error(world, data):
    patterns = _routes()
    pattern = data.draw(st.sampled_from(patterns), label="page")
    persona = data.draw(st.sampled_from(PERSONAS), label="persona")
    query = data.draw(
        st.dictionaries(
            st.one_of(st.sampled_from(sorted(QUERY_PARAMETERS)), text), text, max_size=5
        ),
        label="query",
    )
    response = _get(world, persona, address(world, pattern), query)
    assert response.status_code < 500, (pattern.route, persona, query)
