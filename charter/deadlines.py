"""How many days a member has for a complaint answer, a resolution or a rectification.

The member's own pledge target when its pledge in force holds one, else the charter's minimum
in force. The pledge lookup comes through ``settings.PLEDGE_TARGET_LOOKUP`` because the
pledges app stands above this one (imports point down, STYLE.md).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils.module_loading import import_string

from members.models import Member

from .models import CharterVersion

CHARTER_MINIMUM_FIELD = {
    "response_days": "max_response_days",
    "resolution_days": "max_resolution_days",
    "rectification_days": "max_rectification_days",
}


def commitment_days(member: Member, kind: str, on: datetime.date) -> int:
    """Days allowed for ``kind`` (response_days, resolution_days, rectification_days) on a day."""
    if kind not in CHARTER_MINIMUM_FIELD:
        raise ValueError(f"Not a commitment counted in days: {kind}")
    target = import_string(settings.PLEDGE_TARGET_LOOKUP)(member, kind, on)
    if target is not None:
        return int(target)
    version = CharterVersion.objects.in_force(member.cooperative, on=on)
    if version is None:
        # A cooperative without a charter in force falls back to SCORING.md's defaults.
        return {"response_days": 7, "resolution_days": 30, "rectification_days": 60}[kind]
    return int(getattr(version.policy, CHARTER_MINIMUM_FIELD[kind]))
