"""A result's details are stored as written: on PostgreSQL a ``json`` column holding the very
text the run's hash was taken of; everywhere, read back as the same dict."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from pledges.assessment import computing
from pledges.models import MemberAssessment
from tests.factories import MemberFactory

from .conftest import compute
from .test_computing import example_one

pytestmark = pytest.mark.django_db


def test_computed_details_read_back_as_the_dict_that_was_written(coop, period_2025):
    example_one(MemberFactory(cooperative=coop))
    run = compute(coop, "2025")
    result = MemberAssessment.objects.get(run=run)
    assert result.details["indicators"]["pass_rate"]["value"].startswith("92.105")
    assert result.details["deductions"]["upheld"] == 1
    assert MemberAssessment.objects.filter(run=run).values_list("details", flat=True)[0] == (
        result.details
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the json column is PostgreSQL's")
def test_on_postgresql_the_column_keeps_the_canonical_text_the_hash_covers(coop, period_2025):
    example_one(MemberFactory(cooperative=coop))
    run = compute(coop, "2025")
    result = MemberAssessment.objects.get(run=run)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT details::text, pg_typeof(details)::text FROM pledges_memberassessment "
            "WHERE id = %s",
            [result.pk],
        )
        text, column_type = cursor.fetchone()
    assert column_type == "json"
    # Byte for byte the canonical JSON (keys sorted, no spaces) the member's digest covers.
    assert text == json.dumps(result.details, sort_keys=True, separators=(",", ":"))
    [computed] = computing.assess_members(run, [result.member_id])
    assert text == computed.details
