from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from complaints import services
from complaints.models import Complaint
from tests.complaints.factories import ComplaintFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The rate limit counts in the cache; each test starts with none used.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://portal.example.cn"


@pytest.fixture
def complaint(coop, member_a) -> Complaint:
    """A complaint just received, with contact details and no consent to share them."""
    return ComplaintFactory(cooperative=coop, member=member_a, received_on=coop.today())


@pytest.fixture
def forwarded(complaint, administrator) -> Complaint:
    services.accept_complaint(complaint, administrator)
    return services.forward_complaint(complaint, administrator)


@pytest.fixture
def day() -> datetime.date:
    return datetime.date(2025, 3, 3)
