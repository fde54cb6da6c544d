from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation

from charter.models import CharterVersion
from charter.setup import setup_charter
from coop_portal.models import OutboxEmail
from members.models import Role, User
from tests.factories import RoleFactory, UserFactory


@pytest.fixture(autouse=True)
def _english_messages():
    """Errors raised in the tests read in English (pages pick their language per request)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The rate limits count in the cache, which lives as long as the test process."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def charter(coop) -> CharterVersion:
    """Version 1 of cooperative A's charter, in force from 2000-01-01 with the default policy."""
    return setup_charter(coop)


@pytest.fixture
def other_charter(other_coop) -> CharterVersion:
    return setup_charter(other_coop)


@pytest.fixture
def second_administrator(coop) -> User:
    user = UserFactory(email="second-admin@nantong.example.cn", is_staff=True)
    RoleFactory(user=user, cooperative=coop, kind=Role.Kind.ADMINISTRATOR)
    return user


class Outbox:
    """The e-mail queued so far (coop_portal.mail sends each once after commit)."""

    def __getitem__(self, index: int) -> OutboxEmail:
        return list(OutboxEmail.objects.order_by("pk"))[index]

    def __len__(self) -> int:
        return OutboxEmail.objects.count()


@pytest.fixture
def sent_mail(db) -> Outbox:
    return Outbox()
