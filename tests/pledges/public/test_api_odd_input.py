"""Issue 20, point 11: the open data API answers odd numbers and forged cursors with a 400 or
a 404, never a server error."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest

ASSESSMENTS = "/api/v1/assessments/"


def cursor(position: str) -> str:
    """A cursor as DRF writes it (base64 of a query string), with any position."""
    return base64.b64encode(urlencode({"o": "0", "p": position}).encode()).decode()


@pytest.mark.parametrize("revision", ["²", "１", "-1", "", "9" * 40, "1.0", " 1"])
def test_a_revision_that_is_not_a_whole_number_is_a_400(client, published_run, revision):
    response = client.get(
        ASSESSMENTS, {"cooperative": "nantong", "period": "2025", "revision": revision}
    )
    assert response.status_code == 400
    assert response.json() == {"revision": ["Give a whole number."]}


def test_a_revision_written_plainly_still_works(client, published_run):
    response = client.get(
        ASSESSMENTS, {"cooperative": "nantong", "period": "2025", "revision": "1"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("position", ["abc", "1\x00", "²", "9" * 40, "-5", ""])
@pytest.mark.parametrize("endpoint", ["/api/v1/members/", "/api/v1/pledges/", "/api/v1/periods/"])
def test_a_cursor_whose_position_is_not_an_id_is_a_404(client, published_run, endpoint, position):
    response = client.get(endpoint, {"cursor": cursor(position)})
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("position", ["1\x00", "长" * 40])
def test_an_assessment_cursor_holding_nul_or_no_credit_code_is_a_404(
    client, published_run, position
):
    response = client.get(
        ASSESSMENTS,
        {"cooperative": "nantong", "period": "2025", "cursor": cursor(position)},
    )
    assert response.status_code == 404


def test_an_assessment_cursor_at_a_credit_code_pages_on(client, published_run):
    response = client.get(
        ASSESSMENTS, {"cooperative": "nantong", "period": "2025", "cursor": cursor("0")}
    )
    assert response.status_code == 200


def test_a_cursor_at_an_id_pages_on(client, published_run):
    assert client.get("/api/v1/members/", {"cursor": cursor("1")}).status_code == 200


@pytest.mark.parametrize("page_size", ["null", "0", "1001", "²", "", "-1"])
def test_a_page_size_the_schema_does_not_allow_is_a_400(client, published_run, page_size):
    response = client.get("/api/v1/members/", {"page_size": page_size})

    assert response.status_code == 400
    assert response.json() == {"page_size": ["Give a whole number from 1 to 1000."]}


def test_a_page_size_within_bounds_sizes_the_page(client, published_run):
    response = client.get("/api/v1/members/", {"page_size": "1"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
