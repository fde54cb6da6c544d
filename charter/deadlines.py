"""How many days a member has for a complaint answer, a resolution or a rectification.

The member's own pledge target when its pledge in force holds one, else the charter's minimum
in force, else (a cooperative without a charter or a scoring policy in force) the default of
the scoring policy, SCORING.md's. Pledges are the pledges app's, which stands above this one
(imports point down, STYLE.md): it hands its lookup of pledged targets down when it is ready
(``use_pledged_targets``). Without it, every member has the charter's days.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import cast

from django.db import models

from members.models import Member

from .models import CharterVersion, ScoringPolicy

# The targets members pledged, for many (member id, day) pairs and one kind: None where the
# member's pledge in force on the day holds no such target (or no pledge is in force).
PledgedTargets = Callable[
    [Iterable[tuple[int, datetime.date]], str], Mapping[tuple[int, datetime.date], Decimal | None]
]


def no_pledged_targets(
    pairs: Iterable[tuple[int, datetime.date]], kind: str
) -> dict[tuple[int, datetime.date], Decimal | None]:
    """No member pledged anything: the lookup until the pledges app hands down its own."""
    return {}


_pledged_targets: PledgedTargets = no_pledged_targets


def use_pledged_targets(lookup: PledgedTargets) -> PledgedTargets:
    """Take the members' pledged targets from ``lookup`` from now on; returns the lookup it
    replaces. Called once by the pledges app when it is ready (pledges/apps.py)."""
    global _pledged_targets
    previous, _pledged_targets = _pledged_targets, lookup
    return previous


def pledged_targets(
    pairs: Iterable[tuple[int, datetime.date]], kind: str
) -> Mapping[tuple[int, datetime.date], Decimal | None]:
    return _pledged_targets(pairs, kind)


CHARTER_MINIMUM_FIELD = {
    "response_days": "max_response_days",
    "resolution_days": "max_resolution_days",
    "rectification_days": "max_rectification_days",
}


def _policy_field(kind: str) -> str:
    if kind not in CHARTER_MINIMUM_FIELD:
        raise ValueError(f"Not a commitment counted in days: {kind}")
    return CHARTER_MINIMUM_FIELD[kind]


def default_days(kind: str) -> int:
    """The days a scoring policy allows unless its charter version says otherwise."""
    field = cast(models.Field, ScoringPolicy._meta.get_field(_policy_field(kind)))
    return int(field.get_default())


def pledged_days(member: Member, kind: str, on: datetime.date) -> int | None:
    """The days the member's pledge in force on a day allows for ``kind``; None when it
    pledged none (then ``commitment_days`` gives the charter's)."""
    _policy_field(kind)
    target = pledged_targets([(member.pk, on)], kind).get((member.pk, on))
    return None if target is None else int(target)


def commitment_days(member: Member, kind: str, on: datetime.date) -> int:
    """Days allowed for ``kind`` (response_days, resolution_days, rectification_days) on a day."""
    field = _policy_field(kind)
    pledged = pledged_days(member, kind, on)
    if pledged is not None:
        return pledged
    version = CharterVersion.objects.in_force(member.cooperative, on=on)
    # A reverse one-to-one that is missing raises an AttributeError: no policy, the defaults.
    policy = getattr(version, "policy", None)
    if policy is None:
        return default_days(kind)
    return int(getattr(policy, field))


def commitment_days_for(
    pairs: Iterable[tuple[int, datetime.date]], kind: str
) -> dict[tuple[int, datetime.date], int]:
    """``commitment_days`` for many (member id, day) pairs, in four queries however many.

    The result holds every pair asked for. Members that do not exist raise ``Member.DoesNotExist``.
    """
    field = _policy_field(kind)
    wanted = set(pairs)
    if not wanted:
        return {}
    member_ids = {member_id for member_id, _ in wanted}
    cooperative_of = dict(
        Member.objects.filter(pk__in=member_ids).values_list("pk", "cooperative_id")
    )
    missing = member_ids - cooperative_of.keys()
    if missing:
        raise Member.DoesNotExist(f"No member with id {min(missing)}")
    targets = pledged_targets(wanted, kind)
    last = max(day for _, day in wanted)
    # Per cooperative, its published versions in the order they came into force, each with
    # the minimum of its policy (None without one), so that the one in force is a bisection.
    versions: dict[int, list[tuple[datetime.date, int, int | None]]] = defaultdict(list)
    for cooperative_id, effective_from, number, minimum in (
        CharterVersion.objects.published()
        .filter(cooperative_id__in=set(cooperative_of.values()), effective_from__lte=last)
        .order_by()
        .values_list("cooperative_id", "effective_from", "number", f"policy__{field}")
    ):
        versions[cooperative_id].append((effective_from, number, minimum))
    for in_order in versions.values():
        in_order.sort(key=lambda version: (version[0], version[1]))
    starts = {
        cooperative_id: [version[0] for version in in_order]
        for cooperative_id, in_order in versions.items()
    }
    fallback = default_days(kind)
    days: dict[tuple[int, datetime.date], int] = {}
    for member_id, day in wanted:
        target = targets.get((member_id, day))
        if target is not None:
            days[(member_id, day)] = int(target)
            continue
        cooperative_id = cooperative_of[member_id]
        # The latest version in force on or before the day (the highest number on a tie).
        index = bisect.bisect_right(starts.get(cooperative_id, []), day) - 1
        minimum = versions[cooperative_id][index][2] if index >= 0 else None
        days[(member_id, day)] = fallback if minimum is None else int(minimum)
    return days
