"""The charter part of the demo cooperative that `make run` loads."""

from __future__ import annotations

from members.models import Cooperative


def load(cooperative: Cooperative) -> None:
    """Add this app's demo records to the cooperative; safe to run again."""
