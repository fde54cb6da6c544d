from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from charter.setup import setup_charter
from inspections.setup import setup_catalogue


@pytest.fixture
def catalogue(coop) -> None:
    """Cooperative A with its charter in force and the home-textile test catalogue."""
    setup_charter(coop)
    setup_catalogue(coop, "home-textiles")


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Requests through the real WSGI handler, as the test client does them: without closing
    the database connection at their end, which on PostgreSQL would close the connection
    that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
