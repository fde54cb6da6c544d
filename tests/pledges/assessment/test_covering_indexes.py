"""On PostgreSQL, a chunk's grouped inspections and complaints are read from the covering
indexes alone (index-only scans): a column added to those queries but not to the indexes
would send every chunk back to reading the whole table."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction

from pledges.assessment import batch, scoring
from tests.factories import MemberFactory

from .factories import pledge

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="INCLUDE indexes are PostgreSQL's"
    ),
]

D = datetime.date
PERIOD = scoring.Period(D(2025, 1, 1), D(2025, 12, 31))


def plan(queryset) -> str:
    return plan_of(*queryset.query.sql_with_params())


def plan_of(sql, params) -> str:
    with connection.cursor() as cursor:
        # The tables of a test are tiny: rule out every other way of reading them, so that
        # the plan shows whether an index-only scan is possible at all.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_indexscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_chunks_inspections_are_an_index_only_scan():
    shown = plan(batch.inspection_groups(PERIOD, 1, 35_000))
    assert "Index Only Scan using inspection_member_sampled" in shown, shown


def test_a_chunks_complaints_are_an_index_only_scan():
    shown = plan(batch.complaint_groups(PERIOD, 1, 35_000))
    assert "Index Only Scan using complaint_member_accepted" in shown, shown


def test_hash_version_3_tallies_are_index_only_scans_too():
    days = {1: {"rectification_days": 30, "response_days": 3, "resolution_days": 15}, 2: {}}
    (inspections, complaints) = batch.tally_queries(PERIOD, 1, 2, [1, 2], days)
    shown = plan_of(*inspections)
    assert "Index Only Scan using inspection_member_sampled" in shown, shown
    shown = plan_of(*complaints)
    assert "Index Only Scan using complaint_member_accepted" in shown, shown


@pytest.mark.django_db(transaction=True)
def test_the_latest_pledges_commitments_are_read_from_their_covering_index(coop):
    member = MemberFactory(cooperative=coop)
    made = pledge(member)
    with connection.cursor() as cursor:
        # What autovacuum does in production: the visibility map an index-only scan reads.
        cursor.execute("VACUUM ANALYZE pledges_commitment")
    sql, params = batch.latest_pledges_query(PERIOD.last_day, member.pk, member.pk)
    with transaction.atomic(), connection.cursor() as cursor:
        # Hashing every commitment (a sequential scan) is what the index is there to avoid.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        shown = "\n".join(row[0] for row in cursor.fetchall())
        assert "Index Only Scan using commitment_pledge_targets" in shown, shown
        cursor.execute(sql, params)
        assert cursor.fetchall() == [
            (member.pk, made.pk, made.version, D(2024, 1, 1), None, "90.0", "7.0", "30.0", "60.0")
        ]


@pytest.mark.django_db(transaction=True)
def test_the_chunk_settings_last_for_its_transaction_only():
    with transaction.atomic():
        batch.tune_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit'), current_setting('work_mem')")
            assert cursor.fetchone() == ("off", "64MB")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem')")
        assert cursor.fetchone() != ("64MB",)
