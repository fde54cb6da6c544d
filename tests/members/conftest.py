from __future__ import annotations

import pytest
from django.test import Client

from conftest import logged_in
from members.models import User
from tests.factories import UserFactory


@pytest.fixture
def superuser(db) -> User:
    user = UserFactory(email="root@example.cn")
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@pytest.fixture
def super_client(superuser) -> Client:
    return logged_in(superuser)
