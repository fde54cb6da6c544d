"""The public notice of a cooperative of a few thousand members is drawn in bounded memory:
laid out part by part, its peak does not grow with the number of members.

The figures (Python allocations traced while drawing, in MB) go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os
import sys
import tracemalloc
from decimal import Decimal

from members.models import Member
from pledges.assessment import pdf
from pledges.models import MemberAssessment
from tests.factories import credit_code_for

from .factories import RunFactory, publish

# A quarter of the members per part (the figure of benchmarks/RESULTS.md: NOTICE_BENCH).
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


def notice_run(coop, charter, count: int):
    """A published run of ``count`` members, written in bulk."""
    members = Member.objects.bulk_create(
        Member(
            cooperative=coop,
            credit_code=credit_code_for(50_000 + number),
            name=f"南通家纺有限公司{number:05d}",
            joined_on="2020-01-01",
            status=Member.Status.ACTIVE,
        )
        for number in range(count)
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
    return publish(run)


def test_a_notice_of_thousands_of_members_is_drawn_in_bounded_memory(coop, charter):
    run = notice_run(coop, charter, MEMBERS)
    # The first drawing loads the fonts and templates for good; neither figure should carry it.
    pdf.render_notice(run, "zh-hans", part_size=PART)
    in_parts = peak_megabytes(run, PART)
    whole = peak_megabytes(run, MEMBERS)
    # A quarter of the members per part: well under the whole document's peak. Both carry the
    # same floor (about 75 MB: the fonts' glyph tables and the page layout of one part), so at
    # 400 members the parts measure about 0.68 of the whole; drawn whole they would be 1.0.
    assert in_parts < whole * 0.75, (in_parts, whole)


def rss_growth_megabytes(run, part_size: int) -> float:
    """How far the resident memory of a process grows while it draws the notice: drawn in a
    forked child whose peak (VmHWM) is reset first, so earlier work does not count."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        os.close(read)
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        base = _status_kb("VmRSS")
        pdf.render_notice(run, "zh-hans", part_size=part_size)
        os.write(write, str(_status_kb("VmHWM") - base).encode())
        os._exit(0)
    os.close(write)
    grown = os.read(read, 64)
    os.waitpid(pid, 0)
    return int(grown) / 1024


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def test_a_notice_drawn_in_parts_grows_a_process_by_a_bounded_amount(coop, charter):
    """Resident memory, as a worker feels it. With NOTICE_BENCH=<members> this is the figure of
    benchmarks/RESULTS.md (NOTICE_BENCH=3000 pytest -s -k bounded_amount); the suite draws a
    small notice, so that the measurement itself is tried on every run."""
    count = int(os.environ.get("NOTICE_BENCH", "200"))
    run = notice_run(coop, charter, count)
    grown = rss_growth_megabytes(run, pdf.NOTICE_PART_SIZE)
    sys.stdout.write(f"\nnotice of {count} members in parts: resident memory grew {grown:.0f} MB\n")
    assert grown < 1024
