"""The members app's background work."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task
def import_members(upload_id: int) -> str:
    """Import a confirmed members.csv (safe to run twice: a done import is left alone)."""
    return services.run_member_import(upload_id)
