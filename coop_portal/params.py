"""Whole numbers and record ids that come from a visitor: query strings, form fields, cursors.

``str.isdigit`` says yes to characters that ``int()`` then refuses ("²", "①"), and ``int()``
takes what no link of the portal writes ("１２", " 12", "+12", "1_2"); an id larger than the
database's integers fails in the database. Every view, form and API that reads a number a
visitor typed reads it here: ASCII digits only, within the bounds, or None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# The largest value of the database's 64-bit integers (BigAutoField ids).
LARGEST_ID = 2**63 - 1
# At most 19 digits: enough for LARGEST_ID, and int() never sees a huge string.
ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def whole_number(value: object, *, minimum: int = 0, maximum: int = LARGEST_ID) -> int | None:
    """The number written in ``value`` with the ASCII digits 0–9 alone (no sign, no spaces),
    when it lies between ``minimum`` and ``maximum``; else None."""
    if not isinstance(value, str) or not ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def record_id(value: object) -> int | None:
    """A record's id (1 or more), or None."""
    return whole_number(value, minimum=1)


def query_id(query: Mapping[str, str], name: str) -> int | None:
    """The record id in a query string's (or a form's) parameter ``name``, or None when it is
    missing or not an id."""
    return record_id(query.get(name))
