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


# Personas who may not read member A's records beyond its public pages.
OUTSIDE_MEMBER_A = ["consumer", "member_b", "other_administrator"]


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
    # What must never show on a non-public page to those outside member A's scope.
    secrets = [world.member_a.name.encode(), world.member_a.credit_code.encode()]
    mismatches = []
    checked = 0
    for route, pattern in patterns.items():
        url = address(world, pattern)
        cells = expected(route)
        for persona, want in cells.items():
            response = world.clients[persona].get(url)
            got = _answer(response)
            checked += 1
            if got != want:
                mismatches.append(f"{route} ({url}) as {persona}: expected {want}, got {got}")
            elif (
                got == "200"
                and cells["anonymous"] != "200"
                and persona in OUTSIDE_MEMBER_A
                and not response.streaming
                and any(secret in response.content for secret in secrets)
            ):
                mismatches.append(f"{route} ({url}) as {persona}: shows member A")
            if response.streaming:
                # PDFs and evidence are streamed from open files: read to the end, which closes
                # them the way the test client expects (response.close() would also close the
                # test's database connection on PostgreSQL).
                response.getvalue()
    assert checked == len(patterns) * len(PERSONAS)
    assert not mismatches, f"{len(mismatches)} of {checked} answers differ:\n" + "\n".join(
        mismatches
    )
