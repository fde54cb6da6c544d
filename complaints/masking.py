"""Masking personal data in texts that are published (anonymised complaint accounts).

Chinese text has no spaces, so ``\\b`` does not separate "电话" from the digits that follow:
the patterns use digit look-arounds instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Resident ID numbers: 18 characters (the last may be X) or the old 15-digit form.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# Mobile numbers (with or without +86 and separators) and landlines with an area code.
MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
LANDLINE = re.compile(r"(?<!\d)\(?0\d{2,3}\)?[\s-]?\d{3,4}[\s-]?\d{4}(?!\d)")
# Any other run of seven or more digits (an unusual phone number, a card or order number).
# Dates such as 2025-03-01 are left alone: their digits are split by dashes.
LONG_NUMBER = re.compile(r"(?<!\d)\d{7,}(?!\d)")


def mask_personal_data(text: str, names: Iterable[str] = ()) -> str:
    """The text with e-mail addresses, ID numbers, phone numbers and the given names masked."""
    masked = EMAIL.sub(MASK, text)
    for pattern in (ID_NUMBER, MOBILE, LANDLINE, LONG_NUMBER):
        masked = pattern.sub(MASK, masked)
    for name in names:
        name = name.strip()
        if len(name) >= 2:
            masked = masked.replace(name, MASK)
    return masked
