from __future__ import annotations

from celery import shared_task
from django.utils import translation

from members.models import Cooperative

from . import services


@shared_task
def propose_overdue_removals() -> int:
    """Daily: propose removing suspended members past their rectification period (safe twice)."""
    created = 0
    # Proposal reasons are stored text, written in the portal's default language.
    with translation.override(services.DEFAULT_LANGUAGE):
        for cooperative in Cooperative.objects.filter(charter_versions__isnull=False).distinct():
            created += services.propose_overdue_removals(cooperative)
    return created
