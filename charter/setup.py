from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from members.models import Cooperative

from .models import CharterVersion, ScoringPolicy

DEFAULT_EFFECTIVE_FROM = datetime.date(2000, 1, 1)


@transaction.atomic
def setup_charter(cooperative: Cooperative) -> CharterVersion:
    """Give a cooperative without a charter a first version in force from 2000-01-01 that
    carries the default scoring policy of SCORING.md; leave an existing charter alone."""
    existing = cooperative.charter_versions.order_by("number").first()
    if existing is not None:
        return existing
    version = CharterVersion.objects.create(
        cooperative=cooperative,
        number=1,
        effective_from=DEFAULT_EFFECTIVE_FROM,
        status=CharterVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        title_zh="质量合作社公约",
        title_en="Charter of the quality cooperative",
    )
    ScoringPolicy.objects.create(charter_version=version)
    return version
