"""The targets a member pledged, as in force on a day (SCORING.md, "Who is assessed").

The deadlines of complaints and inspections (charter.deadlines, below this app) use
``targets_in_force``: the app hands it down when it is ready (pledges/apps.py).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from members.models import Member

from .models import Commitment, Pledge
from .models.pledge import latest_in_force


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


def targets_in_force(
    pairs: Iterable[tuple[int, datetime.date]], kind: str
) -> dict[tuple[int, datetime.date], Decimal | None]:
    """``target_in_force`` for many (member id, day) pairs at once, in two queries.

    The rule is ``latest_in_force``'s, applied to every published version of the members.
    """
    wanted = set(pairs)
    if not wanted:
        return {}
    member_ids = {member_id for member_id, _ in wanted}
    last = max(day for _, day in wanted)
    versions: dict[int, list[Pledge]] = defaultdict(list)
    for pledge in (
        Pledge.objects.published()
        .filter(member_id__in=member_ids, published_on__lte=last)
        .order_by()
        .only("member_id", "version", "published_on", "withdrawn_on")
    ):
        versions[pledge.member_id].append(pledge)
    targets = dict(
        Commitment.objects.filter(
            pledge__member_id__in=member_ids,
            pledge__published_on__isnull=False,
            pledge__published_on__lte=last,
            kind=kind,
        )
        .order_by()
        .values_list("pledge_id", "target")
    )
    found: dict[tuple[int, datetime.date], Decimal | None] = {}
    for member_id, day in wanted:
        in_force = latest_in_force(versions.get(member_id, ()), day)
        found[(member_id, day)] = None if in_force is None else targets.get(in_force.pk)
    return found
