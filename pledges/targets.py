"""The targets a member pledged, as in force on a day (SCORING.md, "Who is assessed").

Lower apps (inspections, complaints) reach this through ``settings.PLEDGE_TARGET_LOOKUP`` and
``charter.deadlines``, so that they never import the pledges app.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from members.models import Member

from .models import Commitment, Pledge


def pledge_in_force(member: Member, on: datetime.date) -> Pledge | None:
    """The latest version published on or before the day, unless it was withdrawn by then.

    A later version supersedes the earlier ones; withdrawing it does not bring them back.
    """
    latest = (
        Pledge.objects.filter(member=member, published_on__isnull=False, published_on__lte=on)
        .order_by("-published_on", "-version")
        .first()
    )
    if latest is None or (latest.withdrawn_on is not None and latest.withdrawn_on <= on):
        return None
    return latest


def target_in_force(member: Member, kind: str, on: datetime.date) -> Decimal | None:
    pledge = pledge_in_force(member, on)
    if pledge is None:
        return None
    return (
        Commitment.objects.filter(pledge=pledge, kind=kind).values_list("target", flat=True).first()
    )
