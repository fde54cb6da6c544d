"""A deadline on a page: its date, its length and unit, the rule it follows, and, when it
reaches into a year without an announced holiday calendar, that it is provisional."""

from __future__ import annotations

from typing import Any

from django import template

from coop_portal.workdays import Deadline

register = template.Library()


@register.inclusion_tag("deadline.html")
def deadline(value: Deadline | None, label: str = "") -> dict[str, Any]:
    """``{% deadline value "Answer due" %}``; nothing when there is no deadline."""
    return {"deadline": value, "label": label}
