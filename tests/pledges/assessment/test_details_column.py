"""A result's details are stored as written: on PostgreSQL a ``json`` column holding the very
text the run's hash was taken of; everywhere, read back as the same dict."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from pledges.assessment import batch, gather, services
from pledges.models import MemberAssessment
from tests.factories import MemberFactory

from .conftest import compute
from .test_computing import example_one

pytestmark = pytest.mark.django_db


def stored_text(result: MemberAssessment) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT details::text FROM pledges_memberassessment WHERE id = %s",
            [result.pk],
        )
        return cursor.fetchone()[0]


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
    text = stored_text(result)
    # Byte for byte the canonical JSON (keys sorted, no spaces), not a re-serialisation.
    assert text == json.dumps(result.details, sort_keys=True, separators=(",", ":"))
    # The text the member's digest, and so the run's hash, was taken of.
    [row] = batch.assess_tallied_chunk(
        services.rules_of(run), gather.scoring_period(run.period), [result.member_id]
    )
    assert row.inputs_digest == result.inputs_digest
    assert text == row.outcome.details
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = %s AND column_name = 'details'",
            [MemberAssessment._meta.db_table],
        )
        assert cursor.fetchone()[0] == "json"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the json column is PostgreSQL's")
def test_details_saved_through_the_orm_are_sent_as_json_and_kept_as_dumped(coop, period_2025):
    example_one(MemberFactory(cooperative=coop))
    run = compute(coop, "2025")
    result = MemberAssessment.objects.get(run=run)
    copy = MemberAssessment.objects.create(
        run=run,
        member=MemberFactory(cooperative=coop),
        status=MemberAssessment.Status.NO_PLEDGE,
        details={"b": 1, "a": [1, 2]},
    )
    # As json.dumps wrote it: the order and the spaces of jsonb's output would differ.
    assert stored_text(copy) == '{"b": 1, "a": [1, 2]}'
    copy.refresh_from_db()
    assert copy.details == {"b": 1, "a": [1, 2]}
    assert result.details != copy.details
