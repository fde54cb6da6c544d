from __future__ import annotations

import pytest

from charter.models import CharterVersion
from charter.setup import setup_charter
from members.models import Role, User
from tests.factories import RoleFactory, UserFactory


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


@pytest.fixture
def sent_mail(django_capture_on_commit_callbacks, mailoutbox):
    """Run the on-commit callbacks (which send the outbox) and give the sent messages."""
    with django_capture_on_commit_callbacks(execute=True):
        yield mailoutbox
