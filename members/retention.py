"""The retention schedule's part in the member registry: earlier values of personal fields
(contact persons, phones, e-mail, staff names) in the change histories (django-simple-history)
are blanked once older than ``RETENTION_DAYS["personal_history"]`` (coop_portal/retention.py)."""

from __future__ import annotations

import datetime

from django.db.models import Model

from coop_portal.retention import cutoff

from .models import Member, QualityOfficer, ShadowVisit

PERSONAL_HISTORY_FIELDS: dict[type[Model], list[str]] = {
    Member: ["contact_person", "phone", "email"],
    QualityOfficer: ["phone", "email"],
    ShadowVisit: ["staff_names"],
}


def prune_personal_history(now: datetime.datetime) -> int:
    """Blank the personal fields of history rows older than the period; returns how many rows."""
    before = cutoff("personal_history", now)
    changed = 0
    for model, fields in PERSONAL_HISTORY_FIELDS.items():
        history = model.history.model  # type: ignore[attr-defined]
        blank = dict.fromkeys(fields, "")
        # Rows with any of the fields still filled in.
        holding = history.objects.filter(history_date__lt=before).exclude(**blank)
        changed += holding.update(**blank)
    return changed
