from __future__ import annotations

import datetime

import pytest

from charter.setup import setup_charter
from members.models import Cooperative
from pledges.assessment import services
from pledges.models import AssessmentPeriod, AssessmentRun


@pytest.fixture
def charter(coop):
    return setup_charter(coop)


@pytest.fixture
def period_2025(coop, charter) -> AssessmentPeriod:
    return services.period_for(coop, "2025")


def compute(cooperative: Cooperative, code: str, *, chunk_size: int = 2000) -> AssessmentRun:
    """A draft run of the period, computed in-process through the services."""
    period = services.period_for(cooperative, code)
    run = services.start_run(period, dispatch=False, chunk_size=chunk_size)
    services.compute_run_now(run)
    run.refresh_from_db()
    return run


def publish(cooperative: Cooperative, code: str, *, note: str = "", by=None) -> AssessmentRun:
    return services.publish_run(compute(cooperative, code), by=by, note=note)


@pytest.fixture
def freeze_today(monkeypatch):
    """Pin every cooperative's today (notice periods, finalising)."""

    def pin(day: datetime.date) -> None:
        monkeypatch.setattr(Cooperative, "today", lambda self: day)

    return pin
