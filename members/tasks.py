"""The members app's background work: imports, and the nightly retention of personal fields."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services
from .retention import prune_personal_history


@shared_task
def import_members(upload_id: int) -> str:
    """Import a confirmed members.csv (safe to run twice: a done import is left alone)."""
    return services.run_member_import(upload_id)


@shared_task
def prune_personal_history_task() -> int:
    """The nightly retention job of the change histories' personal fields."""
    return prune_personal_history(timezone.now())
