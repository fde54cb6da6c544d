"""The pledge-fulfilment score of SCORING.md, as a pure function of plain facts.

Nothing here touches the database: ``gather.py`` collects the facts in a few set-based
queries and ``assess_member`` turns them into a status, indicator values, deductions, a score
and a grade. All arithmetic is exact (``Fraction``); only the published score is rounded, half
up, to one decimal.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

PASS_RATE = "pass_rate"  # noqa: S105 - a commitment kind, not a password
RESPONSE_DAYS = "response_days"
RESOLUTION_DAYS = "resolution_days"
RECTIFICATION_DAYS = "rectification_days"
KINDS = (PASS_RATE, RESPONSE_DAYS, RESOLUTION_DAYS, RECTIFICATION_DAYS)

RATED = "rated"
NOT_RATED = "not_rated"
NO_PLEDGE = "no_pledge"

PASS = "pass"  # noqa: S105 - a verdict, not a password
CRITICAL = "critical"

HUNDRED = Fraction(100)
# Indicator values and sums are stored with this many decimals: enough to show the inputs,
# while the score itself is computed from the exact fractions.
STORED_PLACES = Decimal("0.0000000001")
ONE_PLACE = Decimal("0.1")


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


@dataclass(frozen=True)
class PledgeFacts:
    """One published version of a member's pledge and its commitments (kind → target)."""

    id: int
    version: int
    published_on: datetime.date
    withdrawn_on: datetime.date | None
    commitments: Mapping[str, Decimal]


@dataclass(frozen=True)
class InspectionFacts:
    """A final inspection result, or ``count`` identical ones (the gatherer groups them)."""

    sampled_on: datetime.date
    reported_on: datetime.date
    verdict: str
    severity: str = ""
    rectified_on: datetime.date | None = None
    count: int = 1


@dataclass(frozen=True)
class ComplaintFacts:
    """A complaint against the member, or ``count`` identical ones."""

    accepted_on: datetime.date | None
    responded_on: datetime.date | None = None
    resolved_on: datetime.date | None = None
    upheld_on: datetime.date | None = None
    rejected: bool = False
    count: int = 1


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

    def as_json(self) -> dict[str, Any]:
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

    @property
    def total(self) -> Fraction:
        return self.critical_points + self.upheld_points

    def as_json(self) -> dict[str, Any]:
        return {
            "critical": self.critical,
            "critical_points": decimal_text(self.critical_points),
            "upheld": self.upheld,
            "upheld_points": decimal_text(self.upheld_points),
            "total": decimal_text(self.total),
        }


@dataclass(frozen=True)
class Result:
    status: str
    pledge_id: int | None = None
    indicators: Mapping[str, Indicator] = field(default_factory=dict)
    weighted: Fraction | None = None
    deductions: Deductions = field(default_factory=Deductions)
    score: Decimal | None = None
    grade: str = ""

    def details(self, charter_version: int | None) -> dict[str, Any]:
        """The public explanation of the result (the data contract of MemberAssessment.details)."""
        return {
            "indicators": {kind: ind.as_json() for kind, ind in self.indicators.items()},
            "weighted": None if self.weighted is None else decimal_text(self.weighted),
            "deductions": self.deductions.as_json(),
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
    tenths, remainder = divmod(value * 10, 1)
    if remainder >= Fraction(1, 2):
        tenths += 1
    return (Decimal(int(tenths)) / 10).quantize(ONE_PLACE)


def pledge_in_force(pledges: Iterable[PledgeFacts], on: datetime.date) -> PledgeFacts | None:
    """The latest version published on or before the day, unless withdrawn by then.

    A later version supersedes the earlier ones; withdrawing it does not bring them back.
    """
    published = [pledge for pledge in pledges if pledge.published_on <= on]
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


def _existing(day: datetime.date | None, period: Period) -> datetime.date | None:
    """An event dated after the last day does not exist for the period."""
    return day if day is not None and day <= period.last_day else None


def _clock(
    starts: Iterable[tuple[datetime.date, datetime.date | None, int]], days: int, period: Period
) -> tuple[int, int]:
    """(due, on time) over clocks given as (start day, stop day or None, how many).

    Due: stopped on or before the last day, or the deadline (start + days) is on or before it.
    On time: stopped on or before the deadline.
    """
    due = on_time = 0
    for start, stop, count in starts:
        stopped = _existing(stop, period)
        deadline = start + datetime.timedelta(days=days)
        if stopped is None and deadline > period.last_day:
            continue
        due += count
        if stopped is not None and stopped <= deadline:
            on_time += count
    return due, on_time


def _clock_indicator(
    kind: str,
    target: Decimal,
    weight: int,
    source: str,
    clocks: Sequence[tuple[datetime.date, datetime.date | None, int]],
    period: Period,
) -> Indicator:
    # Deadlines are whole calendar days (as charter/deadlines.py counts them).
    due, on_time = _clock(clocks, int(target), period)
    value = HUNDRED * on_time / due if due else None
    return Indicator(
        kind=kind,
        target=target,
        weight=weight,
        measurable=due > 0,
        value=value,
        counts={"due": due, "on_time": on_time},
        source=source,
    )


def assess_member(
    policy: Policy,
    period: Period,
    pledges: Iterable[PledgeFacts],
    inspections: Iterable[InspectionFacts],
    complaints: Iterable[ComplaintFacts],
) -> Result:
    """One member's assessment for a period (SCORING.md), from the facts alone."""
    pledge = pledge_in_force(pledges, period.last_day)
    if pledge is None:
        return Result(status=NO_PLEDGE)

    counted_inspections = [
        inspection
        for inspection in inspections
        if period.first_day <= inspection.sampled_on <= period.last_day
        and inspection.reported_on <= period.last_day
    ]
    counted_complaints = [
        complaint
        for complaint in complaints
        if not complaint.rejected
        and complaint.accepted_on is not None
        and period.first_day <= complaint.accepted_on <= period.last_day
    ]
    n = sum(inspection.count for inspection in counted_inspections)
    passed = sum(i.count for i in counted_inspections if i.verdict == PASS)
    failed = [i for i in counted_inspections if i.verdict != PASS]
    critical = sum(i.count for i in failed if i.severity == CRITICAL)

    indicators: dict[str, Indicator] = {}
    for kind in KINDS:
        weight = int(policy.weights.get(kind, 0))
        if kind in pledge.commitments:
            target: Decimal | None = Decimal(pledge.commitments[kind])
            source = "pledge"
        elif kind in policy.required_kinds and kind in policy.minimums:
            target, source = Decimal(policy.minimums[kind]), "charter"
        else:
            indicators[kind] = Indicator(kind, None, weight, False, None, {}, source="none")
            continue
        assert target is not None  # noqa: S101 - narrowed above for the type checker
        if kind == PASS_RATE:
            rate = HUNDRED * passed / n if n else None
            value: Fraction | None = None
            if rate is not None:
                value = HUNDRED if rate >= Fraction(target) else HUNDRED * rate / Fraction(target)
            indicators[kind] = Indicator(
                kind,
                target,
                weight,
                measurable=n >= 1,
                value=value,
                counts={
                    "n": n,
                    "passed": passed,
                    "critical": critical,
                    "rate": None if rate is None else decimal_text(rate),
                },
                source=source,
            )
        elif kind == RECTIFICATION_DAYS:
            clocks = [(i.reported_on, i.rectified_on, i.count) for i in failed]
            indicators[kind] = _clock_indicator(kind, target, weight, source, clocks, period)
        else:
            stop = "responded_on" if kind == RESPONSE_DAYS else "resolved_on"
            clocks = [
                (c.accepted_on, getattr(c, stop), c.count)
                for c in counted_complaints
                if c.accepted_on is not None
            ]
            indicators[kind] = _clock_indicator(kind, target, weight, source, clocks, period)

    measured = [ind for ind in indicators.values() if ind.measurable and ind.value is not None]
    total_weight = sum(ind.weight for ind in measured)
    if not measured or total_weight == 0:
        return Result(status=NOT_RATED, pledge_id=pledge.id, indicators=indicators)

    weighted = sum(
        (ind.weight * ind.value for ind in measured if ind.value is not None), Fraction(0)
    )
    weighted /= total_weight
    upheld = sum(
        c.count
        for c in counted_complaints
        if c.upheld_on is not None and c.upheld_on <= period.last_day
    )
    deductions = Deductions(
        critical=critical,
        critical_points=critical * Fraction(policy.critical_penalty),
        upheld=upheld,
        upheld_points=min(upheld * Fraction(policy.upheld_penalty), Fraction(policy.upheld_cap)),
    )
    clamped = min(max(weighted - deductions.total, Fraction(0)), HUNDRED)
    score = round_half_up(clamped)
    return Result(
        status=RATED,
        pledge_id=pledge.id,
        indicators=indicators,
        weighted=weighted,
        deductions=deductions,
        score=score,
        grade=grade_for(score, policy),
    )
