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


@shared_task
def send_proposal_digests() -> int:
    """Daily: tell each cooperative's administrators what proposals wait for them (safe twice:
    one digest per cooperative and day)."""
    return sum(
        services.send_proposal_digest(cooperative)
        for cooperative in Cooperative.objects.filter(
            members__exit_cases__steps__status="proposed"
        ).distinct()
    )
