from __future__ import annotations

from django.db import transaction

from .models import Cooperative


@transaction.atomic
def setup_cooperative(slug: str, *, name: str, industry: str = "") -> tuple[Cooperative, bool]:
    """Create a cooperative, or return the existing one unchanged. Says whether it created it."""
    return Cooperative.objects.get_or_create(
        slug=slug, defaults={"name_zh": name, "industry": industry}
    )
