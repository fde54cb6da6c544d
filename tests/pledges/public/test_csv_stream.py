"""Issue 20, point 8: the open data CSVs are streamed, and the pledges CSV is read in batches
with the same cells the serializer writes."""

from __future__ import annotations

import datetime
import tracemalloc
from decimal import Decimal

from members.models import Member
from members.opendata import cell_text
from pledges.api import PledgeList, PledgeSerializer
from pledges.models import Commitment, Pledge
from tests.factories import MemberFactory, credit_code_for

from .factories import PledgeFactory, published_pledge


def test_the_pledges_csv_is_streamed(client, coop, member_a):
    published_pledge(member_a, {Commitment.Kind.PASS_RATE: "95.0"})
    response = client.get("/api/v1/pledges/", {"format": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert member_a.credit_code in body


def test_every_open_data_csv_is_streamed(client, coop, member_a):
    for path in ("/api/v1/members/", "/api/v1/periods/", "/api/v1/statistics/complaints/"):
        response = client.get(path, {"format": "csv"})
        assert response.status_code == 200, path
        assert response.streaming, path


def test_the_batched_rows_are_the_serializers_rows(client, coop, member_a, member_b):
    published_pledge(
        member_a,
        {
            Commitment.Kind.PASS_RATE: "95.5",
            Commitment.Kind.RESPONSE_DAYS: "3",
            Commitment.Kind.RECTIFICATION_DAYS: "30",
        },
    )
    withdrawn = published_pledge(member_b, {Commitment.Kind.RESPONSE_DAYS: "2"})
    Pledge.objects.filter(pk=withdrawn.pk).update(withdrawn_on=datetime.date(2025, 3, 1))
    tricky = MemberFactory(cooperative=coop, name="=cmd|' /C calc'!A0")
    PledgeFactory(member=tricky, statement="+1 我们承诺")

    pledges = (
        Pledge.objects.filter(published_on__isnull=False)
        .select_related("member__cooperative")
        .prefetch_related("commitments")
    )
    view = PledgeList()
    serializer = PledgeSerializer()
    expected = [
        [cell_text(value) for value in view.csv_values(serializer.to_representation(pledge))]
        for pledge in pledges.order_by("pk")
    ]
    assert len(expected) == 3
    assert list(view.csv_rows(pledges)) == expected


def _pledges(coop, first: int, count: int) -> None:
    members = Member.objects.bulk_create(
        Member(
            cooperative=coop,
            credit_code=credit_code_for(500_000 + number),
            name=f"南通第{number}家纺有限公司",
            kind=Member.Kind.FIRM,
            scale=Member.Scale.SME,
            status=Member.Status.ACTIVE,
            joined_on=datetime.date(2020, 1, 1),
        )
        for number in range(first, first + count)
    )
    pledges = Pledge.objects.bulk_create(
        Pledge(
            member=member,
            version=1,
            status=Pledge.Status.PUBLISHED,
            published_on=datetime.date(2024, 12, 1),
            statement="我们承诺产品质量符合国家标准。" * 5,
        )
        for member in members
    )
    Commitment.objects.bulk_create(
        Commitment(pledge=pledge, kind=Commitment.Kind.PASS_RATE, target=Decimal("95.0"))
        for pledge in pledges
    )


def _streamed(client) -> tuple[int, int, int]:
    """The CSV's size, its largest chunk and the peak memory taken while streaming it."""
    response = client.get("/api/v1/pledges/", {"format": "csv"})
    assert response.streaming
    tracemalloc.start()
    size = largest = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        largest = max(largest, len(chunk))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size, largest, peak


def test_a_large_pledges_csv_streams_in_flat_memory(client, coop):
    _pledges(coop, 0, 3000)
    small_size, _largest, small_peak = _streamed(client)
    _pledges(coop, 3000, 12000)
    size, largest, peak = _streamed(client)
    assert size > 4 * small_size
    # Never the whole file at once: chunks of a few hundred lines, memory of one batch.
    assert largest < size / 20
    assert peak < 1.5 * small_peak
