"""Every timestamp of the API is ISO 8601 in the cooperative's zone with its offset (+08:00),
whatever zone is active and whatever zone the database hands out (docs/api.md)."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.utils import timezone

from .factories import ResultFactory, RunFactory, publish

# 06:05 in UTC is 14:05 in Shanghai.
PUBLISHED_AT = datetime.datetime(2025, 3, 9, 6, 5, 7, 123456, tzinfo=datetime.UTC)
WRITTEN = "2025-03-09T14:05:07+08:00"
OFFSET_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00")


@pytest.fixture
def run_published_at_a_known_moment(period, charter, member_a):
    run = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=run, member=member_a)
    with mock.patch.object(timezone, "now", return_value=PUBLISHED_AT):
        return publish(run)


def test_the_assessments_meta_writes_its_timestamps_in_the_cooperatives_zone(
    client, run_published_at_a_known_moment
):
    meta = client.get("/api/v1/assessments/", {"cooperative": "nantong", "period": "2025"}).json()[
        "meta"
    ]

    assert meta["published_at"] == WRITTEN
    assert OFFSET_TIMESTAMP.fullmatch(meta["extracted_at"])


def test_the_periods_write_published_at_in_the_cooperatives_zone_whatever_zone_is_active(
    client, run_published_at_a_known_moment
):
    with timezone.override(datetime.UTC):
        period = client.get("/api/v1/periods/").json()["results"][0]

    assert period["published_at"] == WRITTEN
