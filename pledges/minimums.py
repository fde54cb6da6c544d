"""The pledges in force that a charter version's scoring policy would refuse: a new version
that raises a minimum (a pass rate of 95% instead of 90%, answers within 3 days instead of 7)
leaves some members pledging less than it requires, and the administrator must know whom."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from charter.models import CharterVersion, ScoringPolicy
from members.models import Member

from .models.pledge import Commitment, Pledge, charter_minimum, commitment_problems, latest_in_force


@dataclass
class Shortfall:
    """One commitment of a pledge that the policy does not allow (``commitment`` is None for
    one the policy requires and the pledge lacks). Its words are read when a page or an
    e-mail is written, in that reader's language."""

    kind: str
    commitment: Commitment | None
    policy: ScoringPolicy

    @property
    def label(self) -> str:
        return str(Commitment.Kind(self.kind).label)

    @property
    def pledged(self) -> str:
        return self.commitment.target_words() if self.commitment else _("not pledged")

    @property
    def required(self) -> str:
        return required_words(self.policy, self.kind)


@dataclass
class PledgeBelow:
    pledge: Pledge
    shortfalls: list[Shortfall]

    @property
    def member(self) -> Member:
        return self.pledge.member


def required_words(policy: ScoringPolicy, kind: str) -> str:
    """What the policy requires of a commitment: “at least 95%”, “at most 3 days”."""
    limit = charter_minimum(policy, kind)
    if kind == Commitment.Kind.PASS_RATE:
        rate = limit.normalize() if limit == limit.to_integral_value() else limit
        return _("at least %(rate)s%%") % {"rate": f"{rate:f}"}
    days = int(limit)
    return ngettext("at most %(days)d day", "at most %(days)d days", days) % {"days": days}


def checked_on(version: CharterVersion) -> datetime.date:
    """The day whose pledges in force the version is checked against: the day it comes into
    force, or today once it is in force."""
    return max(version.effective_from, version.cooperative.today())


def pledges_below(version: CharterVersion) -> list[PledgeBelow]:
    """The pledges in force (on ``checked_on``) of the cooperative's members who have not left
    that the version's policy refuses, with each commitment it refuses. Two queries."""
    policy = getattr(version, "policy", None)
    if policy is None:
        return []
    on = checked_on(version)
    versions: dict[int, list[Pledge]] = defaultdict(list)
    for pledge in (
        Pledge.objects.published()
        .filter(member__in=version.cooperative.members.still_members(), published_on__lte=on)
        .select_related("member__cooperative")
        .prefetch_related("commitments")
    ):
        versions[pledge.member_id].append(pledge)
    below = []
    for member_versions in versions.values():
        in_force = latest_in_force(member_versions, on)
        if in_force is None:
            continue
        commitments = {commitment.kind: commitment for commitment in in_force.commitments.all()}
        problems = commitment_problems(
            policy, {kind: commitment.target for kind, commitment in commitments.items()}
        )
        shortfalls = [
            Shortfall(kind=kind, commitment=commitments.get(kind), policy=policy)
            for kind in Commitment.Kind.values
            if kind in problems
        ]
        if shortfalls:
            below.append(PledgeBelow(pledge=in_force, shortfalls=shortfalls))
    return sorted(below, key=lambda item: item.pledge.member.name)
