"""The pledge-fulfilment score of SCORING.md, as a pure function of a member's pledge and tallies.

Nothing here touches the database: ``gather.py`` finds each member's pledge in force and has
the database count its inspections and complaints, a few set-based queries per chunk of
members, and ``assess`` turns them into a status, indicator values, deductions, a score and a
grade. All arithmetic is exact (``Fraction``); only the published score is rounded, half up,
to one decimal.
"""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, NamedTuple

PASS_RATE = "pass_rate"  # noqa: S105 - a commitment kind, not a password
RESPONSE_DAYS = "response_days"
RESOLUTION_DAYS = "resolution_days"
RECTIFICATION_DAYS = "rectification_days"
KINDS = (PASS_RATE, RESPONSE_DAYS, RESOLUTION_DAYS, RECTIFICATION_DAYS)
# The kinds measured by clocks: "within N days" of a start day.
DEADLINE_KINDS = (RESPONSE_DAYS, RESOLUTION_DAYS, RECTIFICATION_DAYS)

RATED = "rated"
NOT_RATED = "not_rated"
NO_PLEDGE = "no_pledge"

ZERO = Fraction(0)
HALF = Fraction(1, 2)
HUNDRED = Fraction(100)
# Indicator values and sums are stored with this many decimals: enough to show the inputs,
# while the score itself is computed from the exact fractions.
STORED_PLACES = Decimal("0.0000000001")


@dataclass(frozen=True)
class Policy:
    """The (policy) figures of the charter version in force on the period's last day."""

    weights: Mapping[str, int]
    # The charter's minimum per kind: a required kind missing from a pledge is assessed
    # against it, as complaint and rectification deadlines are (charter/deadlines.py).
    minimums: Mapping[str, Decimal]
    required_kinds: tuple[str, ...] = KINDS
    critical_penalty: Decimal = Decimal(15)
    upheld_penalty: Decimal = Decimal(2)
    upheld_cap: Decimal = Decimal(20)
    grade_a_min: Decimal = Decimal(90)
    grade_b_min: Decimal = Decimal(75)
    grade_c_min: Decimal = Decimal(60)

    def figures(self) -> dict[str, Any]:
        """The figures as JSON, for the run's record and its hash."""
        return {
            "weights": {kind: self.weights.get(kind, 0) for kind in KINDS},
            "minimums": {kind: str(self.minimums[kind]) for kind in KINDS if kind in self.minimums},
            "required_kinds": list(self.required_kinds),
            "critical_penalty": str(self.critical_penalty),
            "upheld_penalty": str(self.upheld_penalty),
            "upheld_cap": str(self.upheld_cap),
            "grades": {
                "A": str(self.grade_a_min),
                "B": str(self.grade_b_min),
                "C": str(self.grade_c_min),
            },
        }


DEFAULT_POLICY = Policy(
    weights={PASS_RATE: 50, RESPONSE_DAYS: 20, RESOLUTION_DAYS: 20, RECTIFICATION_DAYS: 10},
    minimums={
        PASS_RATE: Decimal(90),
        RESPONSE_DAYS: Decimal(7),
        RESOLUTION_DAYS: Decimal(30),
        RECTIFICATION_DAYS: Decimal(60),
    },
)


@dataclass(frozen=True)
class Period:
    first_day: datetime.date
    last_day: datetime.date


class PledgeVersion(NamedTuple):
    """One published version of a member's pledge and its commitments (kind → target)."""

    id: int
    version: int
    published_on: datetime.date
    withdrawn_on: datetime.date | None
    commitments: Mapping[str, Decimal]


class Clock(NamedTuple):
    """A deadline kind's clocks in the period: how many were due, and how many of those were
    stopped on time (SCORING.md, "Indicator values")."""

    due: int = 0
    on_time: int = 0


NO_CLOCK = Clock()


class Tallies(NamedTuple):
    """What the score reads of a member's inspections and complaints in the period, counted by
    the database (gather.py): the inspections that count, those passed, the critical failures,
    the complaints upheld by the last day, and a clock for each deadline kind the member is
    assessed against (deadline_days)."""

    inspections: int = 0
    passed: int = 0
    critical: int = 0
    upheld: int = 0
    clocks: Mapping[str, Clock] = MappingProxyType({})


@dataclass(frozen=True)
class Indicator:
    kind: str
    target: Decimal | None
    weight: int
    measurable: bool
    value: Fraction | None
    counts: Mapping[str, Any]
    # "pledge" when the member pledged the target, "charter" for a required kind it left out.
    source: str = "pledge"

    @functools.cached_property
    def points(self) -> Fraction:
        """What the indicator adds to the weighted sum: weight × value."""
        return self.weight * self.value if self.value is not None else ZERO

    @functools.cached_property
    def details(self) -> dict[str, Any]:
        """The indicator in the result's details (worked out once: members share indicators)."""
        data: dict[str, Any] = {
            "target": None if self.target is None else str(self.target),
            "weight": self.weight,
            "measurable": self.measurable,
            "value": None if self.value is None else decimal_text(self.value),
            "source": self.source,
        }
        data.update(self.counts)
        return data


@dataclass(frozen=True)
class Deductions:
    critical: int = 0
    critical_points: Fraction = Fraction(0)
    upheld: int = 0
    upheld_points: Fraction = Fraction(0)

    @functools.cached_property
    def total(self) -> Fraction:
        return self.critical_points + self.upheld_points

    @functools.cached_property
    def details(self) -> dict[str, Any]:
        return {
            "critical": self.critical,
            "critical_points": decimal_text(self.critical_points),
            "upheld": self.upheld,
            "upheld_points": decimal_text(self.upheld_points),
            "total": decimal_text(self.total),
        }


class Result(NamedTuple):
    status: str
    pledge_id: int | None = None
    indicators: Mapping[str, Indicator] = MappingProxyType({})
    weighted: Fraction | None = None
    deductions: Deductions = Deductions()
    score: Decimal | None = None
    grade: str = ""

    def details(self, charter_version: int | None) -> dict[str, Any]:
        """The public explanation of the result (the data contract of MemberAssessment.details)."""
        return {
            "indicators": {kind: ind.details for kind, ind in self.indicators.items()},
            "weighted": None if self.weighted is None else decimal_text(self.weighted),
            "deductions": self.deductions.details,
            "charter_version": charter_version,
        }


def decimal_text(value: Fraction | Decimal | int) -> str:
    """A value as a Decimal string: exact when it has few decimals, else to ten places."""
    fraction = Fraction(value)
    denominator = fraction.denominator
    # A fraction is a finite decimal exactly when its denominator has no prime factor
    # other than 2 and 5.
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    exact = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    if denominator == 1 and len(exact.as_tuple().digits) < 28:
        return format(exact.normalize(), "f") if exact == exact.to_integral() else str(exact)
    return str(exact.quantize(STORED_PLACES, rounding=ROUND_HALF_UP))


def round_half_up(value: Fraction) -> Decimal:
    """Round an exact value half up to one decimal: 87.25 → 87.3."""
    tenths = math.floor(value * 10 + HALF)
    return Decimal(tenths).scaleb(-1)


def pledge_in_force(versions: Iterable[PledgeVersion], on: datetime.date) -> PledgeVersion | None:
    """The latest version published on or before the day, unless withdrawn by then.

    A later version supersedes the earlier ones; withdrawing it does not bring them back.
    """
    published = [pledge for pledge in versions if pledge.published_on <= on]
    if not published:
        return None
    latest = max(published, key=lambda pledge: (pledge.published_on, pledge.version))
    if latest.withdrawn_on is not None and latest.withdrawn_on <= on:
        return None
    return latest


def grade_for(score: Decimal, policy: Policy) -> str:
    if score >= policy.grade_a_min:
        return "A"
    if score >= policy.grade_b_min:
        return "B"
    if score >= policy.grade_c_min:
        return "C"
    return "D"


def target_of(policy: Policy, pledge: PledgeVersion, kind: str) -> tuple[Decimal | None, str]:
    """The target a kind is assessed against, and where it comes from: the member's own
    ("pledge"), else the charter's minimum for a required kind the pledge left out
    ("charter"), else none."""
    if kind in pledge.commitments:
        return Decimal(pledge.commitments[kind]), "pledge"
    if kind in policy.required_kinds and kind in policy.minimums:
        return Decimal(policy.minimums[kind]), "charter"
    return None, "none"


def deadline_days(policy: Policy, pledge: PledgeVersion | None) -> dict[str, int]:
    """The days of each deadline kind the member is assessed against: the clocks to count.
    Deadlines are whole calendar days, as charter/deadlines.py counts them."""
    if pledge is None:
        return {}
    days = {}
    for kind in DEADLINE_KINDS:
        target, _source = target_of(policy, pledge, kind)
        if target is not None:
            days[kind] = int(target)
    return days


# Members share a few hundred targets and a few thousand counts between them: each indicator
# and each pair of deductions is worked out once and shared (they are immutable). Targets are
# passed as text: Decimal("90") and Decimal("90.0") are equal keys, but are written differently.


@functools.lru_cache(maxsize=65536)
def pass_rate_indicator(
    target_text: str, source: str, weight: int, n: int, passed: int, critical: int
) -> Indicator:
    target = Decimal(target_text)
    rate = HUNDRED * passed / n if n else None
    value: Fraction | None = None
    if rate is not None:
        value = HUNDRED if rate >= Fraction(target) else HUNDRED * rate / Fraction(target)
    counts = {
        "n": n,
        "passed": passed,
        "critical": critical,
        "rate": None if rate is None else decimal_text(rate),
    }
    return Indicator(PASS_RATE, target, weight, n >= 1, value, counts, source)


@functools.lru_cache(maxsize=65536)
def clock_indicator(
    kind: str, target_text: str, source: str, weight: int, due: int, on_time: int
) -> Indicator:
    target = Decimal(target_text)
    value = HUNDRED * on_time / due if due else None
    counts = {"due": due, "on_time": on_time}
    return Indicator(kind, target, weight, due > 0, value, counts, source)


@functools.lru_cache(maxsize=65536)
def deductions(
    critical: int, upheld: int, critical_penalty: Decimal, upheld_penalty: Decimal, cap: Decimal
) -> Deductions:
    return Deductions(
        critical=critical,
        critical_points=critical * Fraction(critical_penalty),
        upheld=upheld,
        upheld_points=min(upheld * Fraction(upheld_penalty), Fraction(cap)),
    )


def _indicator(policy: Policy, pledge: PledgeVersion, kind: str, tallies: Tallies) -> Indicator:
    weight = int(policy.weights.get(kind, 0))
    target, source = target_of(policy, pledge, kind)
    if target is None:
        return Indicator(kind, None, weight, False, None, {}, source)
    if kind == PASS_RATE:
        return pass_rate_indicator(
            str(target), source, weight, tallies.inspections, tallies.passed, tallies.critical
        )
    clock = tallies.clocks.get(kind, NO_CLOCK)
    return clock_indicator(kind, str(target), source, weight, clock.due, clock.on_time)


def assess(policy: Policy, pledge: PledgeVersion | None, tallies: Tallies) -> Result:
    """One member's assessment for a period (SCORING.md), from its pledge in force on the last
    day (None: it has none) and its tallies."""
    if pledge is None:
        return Result(status=NO_PLEDGE)
    indicators = {kind: _indicator(policy, pledge, kind, tallies) for kind in KINDS}
    measured = [ind for ind in indicators.values() if ind.measurable]
    total_weight = sum(ind.weight for ind in measured)
    if total_weight == 0:
        return Result(status=NOT_RATED, pledge_id=pledge.id, indicators=indicators)

    weighted = sum((ind.points for ind in measured), ZERO) / total_weight
    deducted = deductions(
        tallies.critical,
        tallies.upheld,
        policy.critical_penalty,
        policy.upheld_penalty,
        policy.upheld_cap,
    )
    clamped = min(max(weighted - deducted.total, ZERO), HUNDRED)
    score = round_half_up(clamped)
    return Result(
        status=RATED,
        pledge_id=pledge.id,
        indicators=indicators,
        weighted=weighted,
        deductions=deducted,
        score=score,
        grade=grade_for(score, policy),
    )
