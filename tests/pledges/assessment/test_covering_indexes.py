"""On PostgreSQL, a chunk's inspections and complaints are counted from the covering indexes
alone (index-only scans): a column added to those queries but not to the indexes would send
every chunk back to reading the whole table."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pledges.assessment import gather
from pledges.assessment.scoring import DEFAULT_POLICY, Period
from tests.factories import MemberFactory

from .factories import ComplaintFactory, InspectionFactory, pledge

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="INCLUDE indexes are PostgreSQL's"
)

D = datetime.date


def test_a_chunks_inspections_and_complaints_are_counted_by_index_only_scans(coop):
    member = MemberFactory(cooperative=coop)
    pledge(member)
    InspectionFactory(member=member)
    ComplaintFactory(member=member)
    with CaptureQueriesContext(connection) as queries:
        list(gather.gather(DEFAULT_POLICY, Period(D(2025, 1, 1), D(2025, 12, 31)), [member.pk]))
    plans = []
    with connection.cursor() as cursor:
        # The tables of a test are tiny: rule out every other way of reading them, so that the
        # plan shows whether an index-only scan is possible at all.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_indexscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for query in queries.captured_queries[1:]:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    inspections, complaints = plans
    assert "Index Only Scan using inspection_member_sampled" in inspections, inspections
    assert "Index Only Scan using complaint_member_accepted" in complaints, complaints
