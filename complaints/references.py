"""Complaint references such as ``GR-2025-000042``: prefix, year, and a six-digit number that
counts the cooperative's complaints of the year (ReferenceCounter)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from members.models import Cooperative

from .models import Complaint, ReferenceCounter

REFERENCE = re.compile(r"^(?P<prefix>[A-Z0-9]{1,2})-(?P<year>[0-9]{4})-(?P<number>[0-9]{6})$")


def reference_prefix(cooperative: Cooperative) -> str:
    letters = "".join(character for character in cooperative.slug.upper() if character.isalnum())
    return letters[:2] or "CP"


def _stem(cooperative: Cooperative, year: int) -> str:
    return f"{reference_prefix(cooperative)}-{year}-"


def _highest_used(cooperative: Cooperative, year: int) -> int:
    """The highest number among the year's references: read once, when its counter starts."""
    stem = _stem(cooperative, year)
    references = Complaint.objects.filter(
        cooperative=cooperative, reference__regex=rf"^{stem}[0-9]{{6}}$"
    ).values_list("reference", flat=True)
    return max((int(reference[-6:]) for reference in references), default=0)


def next_reference(cooperative: Cooperative, on: datetime.date) -> str:
    """Draw the next reference of the year. Call it inside the transaction that stores the
    complaint: the counter's row stays locked until it commits, so no two draw the same."""
    counters = ReferenceCounter.objects.filter(cooperative=cooperative, year=on.year)
    with transaction.atomic():
        # The update comes first: it takes the row's lock (SQLite: the write lock) before the
        # read, so a concurrent submission waits here rather than reading the same number.
        if not counters.update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    ReferenceCounter.objects.create(
                        cooperative=cooperative,
                        year=on.year,
                        last=_highest_used(cooperative, on.year) + 1,
                    )
            except IntegrityError:
                # Another submission started the year's counter meanwhile.
                counters.update(last=F("last") + 1)
        number = counters.values_list("last", flat=True).get()
    return f"{_stem(cooperative, on.year)}{number:06d}"


def note_used(cooperative: Cooperative, references: Iterable[str]) -> None:
    """Move the counters past references stored without drawing them (an import), so the
    next complaint filed does not draw a number already taken."""
    prefix = reference_prefix(cooperative)
    highest: dict[int, int] = {}
    for reference in references:
        match = REFERENCE.match(reference)
        if match and match["prefix"] == prefix:
            year = int(match["year"])
            highest[year] = max(highest.get(year, 0), int(match["number"]))
    for year, number in highest.items():
        counters = ReferenceCounter.objects.filter(cooperative=cooperative, year=year)
        with transaction.atomic():
            if not counters.update(last=Greatest(F("last"), number)):
                try:
                    with transaction.atomic():
                        ReferenceCounter.objects.create(
                            cooperative=cooperative,
                            year=year,
                            last=max(number, _highest_used(cooperative, year)),
                        )
                except IntegrityError:
                    counters.update(last=Greatest(F("last"), number))
