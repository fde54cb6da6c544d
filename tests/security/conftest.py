from __future__ import annotations

import pytest

from charter.setup import setup_charter
from inspections.setup import setup_catalogue


@pytest.fixture
def catalogue(coop) -> None:
    """Cooperative A with its charter in force and the home-textile test catalogue."""
    setup_charter(coop)
    setup_catalogue(coop, "home-textiles")
