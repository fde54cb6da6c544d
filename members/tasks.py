"""Periodic jobs of the member registry."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .retention import prune_personal_history


@shared_task
def prune_personal_history_task() -> int:
    """The nightly retention job of the change histories' personal fields."""
    return prune_personal_history(timezone.now())
