from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from charter.setup import setup_charter
from members.models import Member
from pledges.models import AssessmentPeriod, AssessmentRun, MemberAssessment
from tests.factories import MemberFactory

from .factories import PeriodFactory, ResultFactory, RunFactory, publish


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The API's throttle and the recomputation check remember things in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def charter(coop):
    return setup_charter(coop)


@pytest.fixture
def period(coop) -> AssessmentPeriod:
    return PeriodFactory(cooperative=coop, code="2025")


@pytest.fixture
def member_c(coop) -> Member:
    return MemberFactory(cooperative=coop, name="南通丙家纺商行", name_en="Firm C")


@pytest.fixture
def published_run(period, charter, member_a, member_b, member_c) -> AssessmentRun:
    """Revision 1 of 2025: A rated 74.1 (C), B rated 91.3 (A), C without a pledge."""
    run = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=run, member=member_a)
    ResultFactory(run=run, member=member_b, score=Decimal("91.3"), grade="A")
    ResultFactory(
        run=run,
        member=member_c,
        status=MemberAssessment.Status.NO_PLEDGE,
        score=None,
        grade="",
        details={},
    )
    return publish(run)


@pytest.fixture
def draft_period(coop, charter, member_a) -> AssessmentPeriod:
    """2026-H1 has only a draft, in which firm A scored 55.5 (D)."""
    period = PeriodFactory(cooperative=coop, code="2026-H1")
    run = RunFactory(period=period, charter_version=charter, revision=0)
    ResultFactory(run=run, member=member_a, score=Decimal("55.5"), grade="D")
    return period
