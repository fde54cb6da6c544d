"""The public notice of a cooperative of a few thousand members is drawn in bounded memory:
laid out part by part, its peak does not grow with the number of members.

The figures (Python allocations traced while drawing, in MB) go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os
import tracemalloc
from decimal import Decimal

from members.models import Member
from pledges.assessment import pdf
from pledges.models import MemberAssessment
from tests.factories import credit_code_for

from .factories import RunFactory, publish

# benchmarks/RESULTS.md gives the figures for NOTICE_MEMBERS=2000 (a quarter per part).
MEMBERS = int(os.environ.get("NOTICE_MEMBERS", "400"))
PART = MEMBERS // 4


def peak_megabytes(run, part_size: int) -> float:
    tracemalloc.start()
    try:
        content = pdf.render_notice(run, "zh-hans", part_size=part_size)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert content.startswith(b"%PDF")
    return peak / 1_000_000


def test_a_notice_of_thousands_of_members_is_drawn_in_bounded_memory(coop, charter):
    members = Member.objects.bulk_create(
        Member(
            cooperative=coop,
            credit_code=credit_code_for(50_000 + number),
            name=f"南通家纺有限公司{number:05d}",
            joined_on="2020-01-01",
            status=Member.Status.ACTIVE,
        )
        for number in range(MEMBERS)
    )
    period = coop.assessment_periods.create(
        code="2025", first_day="2025-01-01", last_day="2025-12-31"
    )
    run = RunFactory(period=period, charter_version=charter)
    MemberAssessment.objects.bulk_create(
        MemberAssessment(
            run=run, member=member, status="rated", score=Decimal("80.0"), grade="B", details={}
        )
        for member in members
    )
    run = publish(run)
    in_parts = peak_megabytes(run, PART)
    whole = peak_megabytes(run, MEMBERS)
    # A quarter of the members per part: well under the whole document's peak.
    assert in_parts < whole * 0.6, (in_parts, whole)
