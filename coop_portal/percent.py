"""The one way the portal turns counts into a percentage, on every page and in the open data."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ONE_PLACE = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """100 × part / whole with one decimal, rounded half up; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
