"""Every URL pattern × every persona answers what tests/security/permission_matrix.py says.

One client per persona, GETs only, on the demo cooperative as cooperative A (see
tests/security/urls.py). All mismatches are reported together.
"""

from __future__ import annotations

import pytest

from .permission_matrix import MATRIX, expected
from .requests import address
from .urls import PERSONAS, build_world, url_patterns


def test_every_url_pattern_has_a_row_in_the_matrix():
    missing = sorted({pattern.route for pattern in url_patterns()} - set(MATRIX))
    assert not missing, (
        "These URL patterns have no row in tests/security/permission_matrix.py. Add each, "
        "with the answer of every persona (" + ", ".join(PERSONAS) + "), and name the record "
        "of any <int:pk> in tests.security.requests.PK:\n" + "\n".join(map(repr, missing))
    )


def test_the_matrix_has_no_row_for_a_pattern_that_is_gone():
    stale = sorted(set(MATRIX) - {pattern.route for pattern in url_patterns()})
    assert not stale, f"Rows for URL patterns that no longer exist: {stale}"


def _answer(response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return "login"
        if location.startswith("/admin/login/"):
            return "admin-login"
        return "302"
    return str(response.status_code)


@pytest.mark.django_db
def test_each_persona_gets_the_answer_of_the_matrix_on_every_url():
    world = build_world()
    patterns = {pattern.route: pattern for pattern in url_patterns()}
    mismatches = []
    checked = 0
    for route, pattern in patterns.items():
        url = address(world, pattern)
        for persona, want in expected(route).items():
            response = world.clients[persona].get(url)
            response.close()  # PDFs and evidence are streamed from open files
            got = _answer(response)
            checked += 1
            if got != want:
                mismatches.append(f"{route} ({url}) as {persona}: expected {want}, got {got}")
    assert checked == len(patterns) * len(PERSONAS)
    assert not mismatches, f"{len(mismatches)} of {checked} answers differ:\n" + "\n".join(
        mismatches
    )
