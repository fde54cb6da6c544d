"""A chunk of members assessed at speed: the same results as scoring.py, with plain integers.

``scoring.assess_member`` is the reference: exact fractions, dataclasses, readable. Computing
a whole cooperative with it costs most of a millisecond per member, so the chunks of a run
go through this module instead, which gives **the same** status, score, grade and details,
character for character (tests/pledges/assessment/test_batch.py checks that with hypothesis
against the reference, and on gathered database rows):

- ``gather`` asks the database for the facts of a chunk of members in four queries, grouped
  there: passing inspections counted per member, failed ones per (severity, report day,
  re-test day), complaints per (acceptance, answer, resolution, upheld day); every date as
  ISO text, events after the period's last day already left out (as the scoring leaves
  them out);
- ``assess`` scores one member with rationals kept as integer numerator/denominator pairs
  (never rounded: comparisons cross-multiply), and writes the details JSON directly in its
  canonical form (keys sorted, no spaces), which is what the run's hash reads;
- ``fraction_text`` writes a rational exactly as ``scoring.decimal_text`` does (Decimal
  division at 28 significant digits, then half-up to ten places) and leaves the rare values
  it does not handle (tiny or huge ones) to ``decimal_text`` itself.

The digests of a member (hash version 2, see services.py): ``inputs_digest`` is the SHA-256
of the canonical text of its gathered facts (one sorted line per fact), and its result line
digest is the SHA-256 of ``[member id, inputs digest, status, score, grade]`` followed by the
details JSON. A run's hash covers its members' result line digests in member order.

Hash version 3 (new runs) scores the same way from **tallies** instead of facts:
``gather_tallied`` has PostgreSQL return one row per member — its latest pledge version with
the commitments side by side, and its inspections and complaints counted, deadline clocks
included, against the member's deadline days sent along as arrays — rather than a row per
event; on other databases the tallies are counted in Python from ``gather``'s facts
(``tallies_of``, also the tests' reference for the SQL). ``score`` turns a pledge and its
tallies into the outcome for both versions, so their results are the same, character for
character; only the inputs digest (``Gathered.digest``: the latest pledge version and the
tallies) differs.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import gcd
from typing import Any, NamedTuple, TypeVar

from django.db import connection
from django.db.models import Case, Count, DateField, F, Q, QuerySet, Value, When

from complaints.models import Complaint
from inspections.models import Inspection
from pledges.models import Commitment, Pledge

from . import gather as counted
from . import scoring

_T = TypeVar("_T")
KINDS = scoring.KINDS
PASS_RATE, RESPONSE_DAYS, RESOLUTION_DAYS, RECTIFICATION_DAYS = KINDS
# The details JSON lists indicators in sorted key order.
SORTED_KINDS = tuple(sorted(KINDS))
TEN_10 = 10**10
TEN_28 = 10**28
TEN_27 = 10**27


# Exact text of rationals ------------------------------------------------------------------


_TEXTS: dict[tuple[int, int], str] = {}


def fraction_text(numerator: int, denominator: int) -> str:
    """``scoring.decimal_text(Fraction(numerator, denominator))``, from integers (the same
    few values come back again and again: they are remembered)."""
    key = (numerator, denominator)
    text = _TEXTS.get(key)
    if text is None:
        if len(_TEXTS) > 200_000:
            _TEXTS.clear()
        text = _TEXTS[key] = _fraction_text(numerator, denominator)
    return text


def _fraction_text(numerator: int, denominator: int) -> str:
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    if numerator <= 0 or denominator == 0:
        if numerator == 0 and denominator > 0:
            return "0"
        return scoring.decimal_text(Fraction(numerator, denominator))
    divisor = gcd(numerator, denominator)
    if divisor != 1:
        numerator //= divisor
        denominator //= divisor
    if denominator == 1:
        text = str(numerator)
        if len(text) < 28:
            return text
        return scoring.decimal_text(numerator)
    # A finite decimal exactly when the denominator is 2^a × 5^b; then it has max(a, b)
    # places, the last one not zero.
    rest, twos, fives = denominator, 0, 0
    while rest % 2 == 0:
        rest //= 2
        twos += 1
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest == 1:
        places = max(twos, fives)
        digits = str(numerator * 10**places // denominator)
        if len(digits) < 28:
            if len(digits) - 1 - places < -6:
                # Decimal would write it with an exponent (below 0.000001).
                return scoring.decimal_text(Fraction(numerator, denominator))
            if len(digits) > places:
                return digits[:-places] + "." + digits[-places:]
            return "0." + digits.rjust(places, "0")
    # Decimal division rounds half-even to 28 significant digits: coefficient × 10^-exponent.
    if numerator >= denominator:
        exponent = 28 - len(str(numerator // denominator))
        if exponent < 0:
            return scoring.decimal_text(Fraction(numerator, denominator))
    else:
        # Below 1: up to the first significant digit.
        exponent = 27
        while numerator * 10**exponent < denominator * TEN_27:
            exponent += 1
    coefficient, remainder = divmod(numerator * 10**exponent, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and coefficient % 2 == 1):
        coefficient += 1
    if coefficient >= TEN_28:
        coefficient //= 10
        exponent -= 1
    # Then quantized half up to ten places.
    if exponent > 10:
        unit = 10 ** (exponent - 10)
        tenths, remainder = divmod(coefficient, unit)
        if 2 * remainder >= unit:
            tenths += 1
    else:
        tenths = coefficient * 10 ** (10 - exponent)
    digits = str(tenths)
    if tenths == 0 or len(digits) - 11 < -6 or len(digits) > 28:
        return scoring.decimal_text(Fraction(numerator, denominator))
    digits = digits.rjust(11, "0")
    return digits[:-10] + "." + digits[-10:]


@functools.lru_cache(maxsize=1024)
def ratio(value: Decimal) -> tuple[int, int]:
    """A Decimal as (numerator, denominator), denominator positive."""
    fraction = Fraction(value)
    return fraction.numerator, fraction.denominator


# Days --------------------------------------------------------------------------------------

_ORDINALS: dict[str, int] = {}


def ordinal(day: str) -> int:
    """The proleptic ordinal of an ISO day, remembered."""
    found = _ORDINALS.get(day)
    if found is None:
        found = _ORDINALS[day] = datetime.date.fromisoformat(day).toordinal()
    return found


# Facts -------------------------------------------------------------------------------------


class PledgeRow(NamedTuple):
    """A version published on or before the last day; withdrawn_on only if by then too."""

    id: int
    version: int
    published_on: str
    withdrawn_on: str | None
    commitments: dict[str, Decimal]


class Facts:
    """One member's gathered facts: ISO days, events after the last day left out."""

    __slots__ = ("complaints", "failures", "passed", "pledges")

    def __init__(
        self,
        pledges: list[PledgeRow] | None = None,
        passed: int = 0,
        failures: list[tuple[str, str, str, str | None, int]] | None = None,
        complaints: list[tuple[str, str | None, str | None, str | None, int]] | None = None,
    ) -> None:
        self.pledges = pledges if pledges is not None else []
        self.passed = passed
        # (verdict, severity, reported on, re-tested pass on or None, how many)
        self.failures = failures if failures is not None else []
        # (accepted on, answered on, resolved on, upheld on, how many)
        self.complaints = complaints if complaints is not None else []

    def canonical(self) -> str:
        """One line per fact, sorted: the text the member's inputs digest is taken of."""
        lines = [_pledge_line(p) for p in self.pledges]
        lines.append(f"i pass {self.passed}")
        lines.extend(
            f"i {verdict} {severity or '-'} {reported} {rectified or '-'} {count}"
            for verdict, severity, reported, rectified, count in self.failures
        )
        lines.extend(
            f"c {accepted} {responded or '-'} {resolved or '-'} {upheld or '-'} {count}"
            for accepted, responded, resolved, upheld, count in self.complaints
        )
        lines.sort()
        return "\n".join(lines)

    def digest(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()


def _until(day_field: str, last_day: datetime.date) -> Case:
    """The day when it is on or before the last day, else NULL: later events do not exist."""
    return Case(
        When(**{f"{day_field}__lte": last_day}, then=F(day_field)),
        default=Value(None),
        output_field=DateField(),
    )


_ISO: dict[object, str] = {}


def _iso(day: datetime.date | str | None) -> str | None:
    """A day as ISO text, from a date (PostgreSQL) or from text (SQLite gives expressions'
    dates as text); remembered. Grouping on the dates, not on their text, keeps the
    database's share small."""
    if day is None:
        return None
    found = _ISO.get(day)
    if found is None:
        found = _ISO[day] = day if isinstance(day, str) else day.isoformat()
    return found


_TARGETS: dict[object, Decimal] = {}
_TARGET_PLACES = Decimal(1).scaleb(-Commitment._meta.get_field("target").decimal_places)  # type: ignore[union-attr]


def _target(raw: object) -> Decimal:
    """A commitment target as Django would load it (quantized to the field's places)."""
    found = _TARGETS.get(raw)
    if found is None:
        found = _TARGETS[raw] = Decimal(str(raw)).quantize(_TARGET_PLACES)
    return found


def _fetch(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list queryset, fetched without Django's per-row machinery (its
    columns are ints, text, dates (_iso reads them) and the raw target (_target reads it)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def tune_connection() -> None:
    """Settings for the rest of the transaction, on PostgreSQL: the grouped queries of a chunk
    hash tens of thousands of groups (work_mem large enough not to spill them to disk), each
    runs once (compiling it with JIT costs more than it saves: 25 ms a query), and chunks
    already run side by side, one per worker (parallel workers within a query only add
    their overhead)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true), "
                "set_config('max_parallel_workers_per_gather', '0', true)"
            )


def inspection_groups(period: scoring.Period, low: int, high: int) -> QuerySet[Inspection, Any]:
    """Counted inspections of members ``low`` to ``high``, grouped: (member, verdict, severity
    if failed, reported on if failed, re-tested pass on if failed and by the last day, how
    many). Every column it reads is in the covering index inspection_member_sampled."""
    last = period.last_day
    failed = ~Q(verdict=Inspection.Verdict.PASS)
    return (
        counted.counted_inspections(period, low, high)
        .annotate(
            failed_on=Case(When(failed, then=F("reported_on")), output_field=DateField()),
            rectified=Case(
                When(failed & Q(rectified_on__lte=last), then=F("rectified_on")),
                output_field=DateField(),
            ),
            failed_severity=Case(When(failed, then=F("severity")), default=Value("")),
        )
        .values_list("member_id", "verdict", "failed_severity", "failed_on", "rectified")
        .annotate(count=Count("*"))
    )


def complaint_groups(period: scoring.Period, low: int, high: int) -> QuerySet[Complaint, Any]:
    """Counted complaints of members ``low`` to ``high``, grouped: (member, accepted on, and
    answered, resolved and upheld on when by the last day, how many). Every column it reads
    is in the covering index complaint_member_accepted."""
    last = period.last_day
    return (
        counted.counted_complaints(period, low, high)
        .annotate(
            responded=_until("responded_on", last),
            resolved=_until("resolved_on", last),
            upheld=_until("upheld_on", last),
        )
        .values_list("member_id", "accepted_on", "responded", "resolved", "upheld")
        .annotate(count=Count("*"))
    )


def gather_pledges(last: datetime.date, low: int, high: int) -> dict[int, list[PledgeRow]]:
    """The pledge versions of members ``low`` to ``high`` published by the last day, with
    their commitments, in two queries."""
    commitments: dict[int, dict[str, Decimal]] = {}
    for pledge_id, kind, target in _fetch(
        counted.their_commitments(last, low, high).values_list("pledge_id", "kind", "target")
    ):
        commitments.setdefault(pledge_id, {})[kind] = _target(target)
    pledges: dict[int, list[PledgeRow]] = {}
    for pledge_id, member_id, version, published_on, withdrawn_on in _fetch(
        counted.published_pledges(last, low, high).values_list(
            "pk", "member_id", "version", "published_on", _until("withdrawn_on", last)
        )
    ):
        pledges.setdefault(member_id, []).append(
            PledgeRow(
                pledge_id,
                version,
                _iso(published_on),  # type: ignore[arg-type]
                _iso(withdrawn_on),
                commitments.get(pledge_id, {}),
            )
        )
    return pledges


def gather(period: scoring.Period, member_ids: Sequence[int]) -> dict[int, Facts]:
    """The facts of each member in ``member_ids``, in four queries whatever their number.

    The inspections and complaints are counted with COUNT(*): every column they read is in
    the covering indexes on (member, day), so PostgreSQL reads a chunk's range of the index
    only, not the tables."""
    facts: dict[int, Facts] = {member_id: Facts() for member_id in member_ids}
    if not member_ids:
        return facts
    last = period.last_day
    # A chunk is a run of member ids in order: a range is cheaper to send and to look up
    # than a list of thousands; rows of members in the range but not in the chunk are
    # skipped below.
    low, high = min(member_ids), max(member_ids)

    for member_id, pledges in gather_pledges(last, low, high).items():
        member = facts.get(member_id)
        if member is not None:
            member.pledges = pledges

    inspections = inspection_groups(period, low, high)
    for member_id, verdict, severity, failed_on, rectified, count in _fetch(inspections):
        member = facts.get(member_id)
        if member is None:
            continue
        if failed_on is None:
            member.passed += count
        else:
            member.failures.append(
                (verdict, severity, _iso(failed_on), _iso(rectified), count)  # type: ignore[arg-type]
            )

    complaints = complaint_groups(period, low, high)
    for member_id, accepted, responded, resolved, upheld, count in _fetch(complaints):
        member = facts.get(member_id)
        if member is not None:
            member.complaints.append(
                (_iso(accepted), _iso(responded), _iso(resolved), _iso(upheld), count)  # type: ignore[arg-type]
            )
    return facts


# Scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """A policy's figures as integers, ready for the per-member arithmetic."""

    weights: dict[str, int]
    # Per kind: the charter's minimum that stands in for a required kind a pledge left out.
    fallbacks: dict[str, Decimal]
    critical_penalty: tuple[int, int]
    upheld_penalty: tuple[int, int]
    upheld_cap: tuple[int, int]
    grades: tuple[tuple[str, int, int], ...]
    last_day: str
    last_ordinal: int
    charter_version: str  # as JSON
    # What score() has worked out under these rules, remembered: each pledge's targets per
    # kind, and each indicator's details for its target and counts. A chunk's members share
    # a few hundred target sets and a few thousand indicators between them.
    remembered: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls, policy: scoring.Policy, period: scoring.Period, charter_version: int | None
    ) -> Rules:
        return cls(
            weights={kind: int(policy.weights.get(kind, 0)) for kind in KINDS},
            fallbacks={
                kind: Decimal(policy.minimums[kind])
                for kind in KINDS
                if kind in policy.required_kinds and kind in policy.minimums
            },
            critical_penalty=ratio(policy.critical_penalty),
            upheld_penalty=ratio(policy.upheld_penalty),
            upheld_cap=ratio(policy.upheld_cap),
            grades=(
                ("A", *ratio(policy.grade_a_min)),
                ("B", *ratio(policy.grade_b_min)),
                ("C", *ratio(policy.grade_c_min)),
            ),
            last_day=period.last_day.isoformat(),
            last_ordinal=period.last_day.toordinal(),
            charter_version="null" if charter_version is None else str(int(charter_version)),
        )


class Outcome(NamedTuple):
    """One member's result, as MemberAssessment stores it."""

    status: str
    pledge_id: int | None
    score: str | None  # one decimal, as text
    grade: str
    details: str  # canonical JSON


def _json_text(text: str | None) -> str:
    return "null" if text is None else f'"{text}"'


def _clock(clocks: list[tuple[int, int | None, int]], days: int, last: int) -> tuple[int, int]:
    """(due, on time) over (start, stop or None, how many), as scoring._clock counts them."""
    due = on_time = 0
    for start, stop, count in clocks:
        deadline = start + days
        if stop is None:
            if deadline <= last:
                due += count
        else:
            due += count
            if stop <= deadline:
                on_time += count
    return due, on_time


_NO_DEDUCTIONS = '{"critical":0,"critical_points":"0","total":"0","upheld":0,"upheld_points":"0"}'


class Tallies(NamedTuple):
    """What a member's score is computed from, once its pledge in force is known: the
    inspections counted, passed and failed critically, each deadline kind's (due, on time)
    clock over the deadline days it is assessed against (absent: no target), and the
    complaints upheld."""

    n: int
    passed: int
    critical: int
    clocks: dict[str, tuple[int, int]]
    upheld: int


def latest_pledge(pledges: list[PledgeRow]) -> PledgeRow | None:
    """The latest version published by the last day (gathered: published by then)."""
    if not pledges:
        return None
    return (
        pledges[0] if len(pledges) == 1 else max(pledges, key=lambda p: (p.published_on, p.version))
    )


def in_force(latest: PledgeRow | None) -> PledgeRow | None:
    """The pledge in force on the last day: the latest version, unless it was withdrawn by
    then (gathered: withdrawn_on only when it was)."""
    return None if latest is None or latest.withdrawn_on is not None else latest


def pledge_in_force(pledges: list[PledgeRow]) -> PledgeRow | None:
    return in_force(latest_pledge(pledges))


def target_of(rules: Rules, pledge: PledgeRow, kind: str) -> tuple[Decimal | None, str]:
    """(the target a kind is assessed against, its source): the pledge's, else the charter's
    minimum standing in for a required kind, else none."""
    target = pledge.commitments.get(kind)
    if target is not None:
        return target, "pledge"
    target = rules.fallbacks.get(kind)
    return target, "charter" if target is not None else "none"


def deadline_days(rules: Rules, pledge: PledgeRow | None) -> dict[str, int]:
    """The days of each deadline kind that has a target (the clocks to count)."""
    if pledge is None:
        return {}
    days = {}
    for kind in (RESPONSE_DAYS, RESOLUTION_DAYS, RECTIFICATION_DAYS):
        target, _source = target_of(rules, pledge, kind)
        if target is not None:
            days[kind] = int(target)
    return days


def _per_commitments(
    rules: Rules, name: str, pledge: PledgeRow, work: Callable[[Rules, PledgeRow], _T]
) -> _T:
    """``work(rules, pledge)``, remembered per commitments object: the members of a chunk
    share a few hundred sets. The entry keeps its set alive, so that the id is not reused;
    what it returns is shared and not to be changed."""
    key = (name, id(pledge.commitments))
    found = rules.remembered.get(key)
    if found is not None and found[0] is pledge.commitments:
        return found[1]  # type: ignore[no-any-return]
    result = work(rules, pledge)
    rules.remembered[key] = (pledge.commitments, result)
    return result


def _deadline_days(rules: Rules, pledge: PledgeRow | None) -> dict[str, int]:
    """deadline_days, remembered per commitments set."""
    return {} if pledge is None else _per_commitments(rules, "days", pledge, deadline_days)


def tallies_of(facts: Facts, days: dict[str, int], last: int) -> Tallies:
    """The tallies of gathered facts (hash version 2 counts them here, in Python)."""
    failed_count = critical = 0
    for _verdict, severity, _reported, _rectified, count in facts.failures:
        failed_count += count
        if severity == scoring.CRITICAL:
            critical += count
    clocks: dict[str, tuple[int, int]] = {}
    for kind, kind_days in days.items():
        if kind == RECTIFICATION_DAYS:
            starts = [
                (ordinal(reported), None if rectified is None else ordinal(rectified), count)
                for _verdict, _severity, reported, rectified, count in facts.failures
            ]
        elif kind == RESPONSE_DAYS:
            starts = [
                (ordinal(accepted), None if answered is None else ordinal(answered), count)
                for accepted, answered, _resolved, _upheld, count in facts.complaints
            ]
        else:
            starts = [
                (ordinal(accepted), None if resolved is None else ordinal(resolved), count)
                for accepted, _answered, resolved, _upheld, count in facts.complaints
            ]
        clocks[kind] = _clock(starts, kind_days, last)
    upheld = sum(row[4] for row in facts.complaints if row[3] is not None)
    return Tallies(facts.passed + failed_count, facts.passed, critical, clocks, upheld)


def assess(rules: Rules, facts: Facts) -> Outcome:
    """``scoring.assess_member`` on gathered facts, with the same result."""
    pledge = pledge_in_force(facts.pledges)
    if pledge is None:
        return score(rules, None, None)
    return score(rules, pledge, tallies_of(facts, deadline_days(rules, pledge), rules.last_ordinal))


def _targets_of(
    rules: Rules, pledge: PledgeRow
) -> tuple[tuple[str, Decimal | None, str, str | None], ...]:
    """(kind, target, source, target as text) of each kind for this pledge (see target_of), in
    the details' (sorted) order; remembered per commitments set."""
    return _per_commitments(rules, "targets", pledge, _kind_targets)


def _kind_targets(
    rules: Rules, pledge: PledgeRow
) -> tuple[tuple[str, Decimal | None, str, str | None], ...]:
    targets = []
    for kind in SORTED_KINDS:
        target, source = target_of(rules, pledge, kind)
        targets.append((kind, target, source, None if target is None else str(target)))
    return tuple(targets)


def _indicator(
    rules: Rules,
    kind: str,
    target: Decimal | None,
    source: str,
    counts: tuple[int, ...] | None,
) -> tuple[str, tuple[int, int, int] | None]:
    """An indicator's details JSON and, when it is measured, its (weight, value numerator,
    value denominator): from its target and its counts, (n, passed, critical) for the pass
    rate, (due, on time) for a deadline kind."""
    weight = rules.weights[kind]
    if target is None or counts is None:
        return (
            f'{{"measurable":false,"source":"none","target":null,"value":null,"weight":{weight}}}',
            None,
        )
    if kind == PASS_RATE:
        n, passed, critical = counts
        if not n:
            return (
                f'{{"critical":{critical},"measurable":false,"n":0,"passed":{passed},'
                f'"rate":null,"source":"{source}","target":"{target}",'
                f'"value":null,"weight":{weight}}}',
                None,
            )
        rate = fraction_text(100 * passed, n)
        target_num, target_den = ratio(target)
        if 100 * passed * target_den >= target_num * n:
            value_num, value_den = 100, 1
        else:
            value_num, value_den = 10000 * passed * target_den, n * target_num
        value = fraction_text(value_num, value_den)
        return (
            f'{{"critical":{critical},"measurable":true,"n":{n},"passed":{passed},'
            f'"rate":"{rate}","source":"{source}","target":"{target}",'
            f'"value":"{value}","weight":{weight}}}',
            (weight, value_num, value_den),
        )
    due, on_time = counts
    if due:
        measured: tuple[int, int, int] | None = (weight, 100 * on_time, due)
        value_text = f'"{fraction_text(100 * on_time, due)}"'
    else:
        measured, value_text = None, "null"
    return (
        f'{{"due":{due},"measurable":{"true" if due else "false"},"on_time":{on_time},'
        f'"source":"{source}","target":"{target}","value":{value_text},"weight":{weight}}}',
        measured,
    )


def score(rules: Rules, pledge: PledgeRow | None, tallies: Tallies | None) -> Outcome:
    """A member's outcome from its pledge in force and its tallies (None: no pledge)."""
    if pledge is None or tallies is None:
        return Outcome(scoring.NO_PLEDGE, None, None, "", _details(rules, "", None, _NO_DEDUCTIONS))
    remembered = rules.remembered
    critical = tallies.critical
    parts: list[str] = []
    # Σ weight × value over the measured indicators, as one fraction, and Σ weight.
    numerator, denominator, total_weight, measurable = 0, 1, 0, False
    for kind, target, source, target_text in _targets_of(rules, pledge):
        if kind == PASS_RATE:
            counts: tuple[int, ...] | None = (tallies.n, tallies.passed, critical)
        else:
            counts = None if target is None else tallies.clocks[kind]
        key = (kind, target_text, source, counts)
        found = remembered.get(key)
        if found is None:
            details, measured = _indicator(rules, kind, target, source, counts)
            found = remembered[key] = (f'"{kind}":{details}', measured)
        text, value = found
        parts.append(text)
        if value is not None:
            weight, value_num, value_den = value
            numerator = numerator * value_den + weight * value_num * denominator
            denominator *= value_den
            total_weight += weight
            measurable = True
    indicators = ",".join(parts)
    if not measurable or total_weight == 0:
        return Outcome(
            scoring.NOT_RATED,
            pledge.id,
            None,
            "",
            _details(rules, indicators, None, _NO_DEDUCTIONS),
        )
    # Σ weight × value / Σ weight.
    denominator *= total_weight

    upheld = tallies.upheld
    deductions_key = ("deductions", critical, upheld)
    found_deductions = remembered.get(deductions_key)
    if found_deductions is None:
        found_deductions = remembered[deductions_key] = _deductions(rules, critical, upheld)
    deductions, total_num, total_den = found_deductions
    # Clamped to 0–100, then rounded half up to tenths: floor(10 x + 1/2).
    net_num = numerator * total_den - total_num * denominator
    net_den = denominator * total_den
    if net_num <= 0:
        tenths = 0
    elif net_num >= 100 * net_den:
        tenths = 1000
    else:
        tenths = (20 * net_num + net_den) // (2 * net_den)
    grade = "D"
    for letter, minimum_num, minimum_den in rules.grades:
        if tenths * minimum_den >= 10 * minimum_num:
            grade = letter
            break
    return Outcome(
        scoring.RATED,
        pledge.id,
        f"{tenths // 10}.{tenths % 10}",
        grade,
        _details(rules, indicators, fraction_text(numerator, denominator), deductions),
    )


def _deductions(rules: Rules, critical: int, upheld: int) -> tuple[str, int, int]:
    """The deductions' details JSON and their total as (numerator, denominator)."""
    critical_num, critical_den = rules.critical_penalty
    critical_num *= critical
    upheld_num, upheld_den = rules.upheld_penalty
    upheld_num *= upheld
    cap_num, cap_den = rules.upheld_cap
    if upheld_num * cap_den > cap_num * upheld_den:
        upheld_num, upheld_den = cap_num, cap_den
    total_num = critical_num * upheld_den + upheld_num * critical_den
    total_den = critical_den * upheld_den
    text = (
        f'{{"critical":{critical},"critical_points":"{fraction_text(critical_num, critical_den)}",'
        f'"total":"{fraction_text(total_num, total_den)}","upheld":{upheld},'
        f'"upheld_points":"{fraction_text(upheld_num, upheld_den)}"}}'
    )
    return text, total_num, total_den


def _details(rules: Rules, indicators: str, weighted: str | None, deductions: str) -> str:
    return (
        f'{{"charter_version":{rules.charter_version},"deductions":{deductions},'
        f'"indicators":{{{indicators}}},"weighted":{_json_text(weighted)}}}'
    )


def result_line(
    member_id: int, inputs_digest: str, status: str, score: str | None, grade: str
) -> str:
    """The JSON line of a member's result that its digest is taken of, with the details."""
    return f'[{member_id},"{inputs_digest}","{status}",{_json_text(score)},"{grade}"]'


def result_digest(line: str, details: str) -> str:
    return hashlib.sha256((line + details).encode()).hexdigest()


class Row(NamedTuple):
    member_id: int
    outcome: Outcome
    inputs_digest: str
    digest: str  # the result line's digest, the member's part of the run's hash


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off for a while: a chunk makes hundreds of thousands of
    tuples and strings and no reference cycle, and each collection would walk them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def assess_chunk(rules: Rules, period: scoring.Period, member_ids: Sequence[int]) -> Iterator[Row]:
    """Every member's result in the chunk, in the order of ``member_ids``."""
    facts = gather(period, member_ids)
    for member_id in member_ids:
        yield _row(member_id, assess(rules, facts[member_id]), facts[member_id].digest())


def _row(member_id: int, outcome: Outcome, inputs_digest: str) -> Row:
    """A member's result with its digests (see the module's docstring)."""
    line = result_line(member_id, inputs_digest, outcome.status, outcome.score, outcome.grade)
    return Row(member_id, outcome, inputs_digest, result_digest(line, outcome.details))


# Hash version 3: tallies counted by the database -------------------------------------------


class Gathered(NamedTuple):
    """A member's inputs in hash version 3: its latest pledge version published by the last
    day, the deadline days its clocks run on, and its tallies."""

    latest: PledgeRow | None
    days: dict[str, int]
    tallies: Tallies

    @property
    def pledge(self) -> PledgeRow | None:
        """The pledge in force: the latest version unless it was withdrawn."""
        return in_force(self.latest)

    def canonical(self) -> str:
        """The text the member's inputs digest is taken of: its latest pledge version (written
        as in version 2), one line of tallies and one per deadline clock."""
        tallies = self.tallies
        text = f"i {tallies.n} {tallies.passed} {tallies.critical} u {tallies.upheld}"
        if self.latest is not None:
            text = f"{_pledge_line(self.latest)}\n{text}"
        days = self.days
        for kind, (due, on_time) in sorted(tallies.clocks.items()):
            text = f"{text}\nk {kind} {days[kind]} {due} {on_time}"
        return text

    def digest(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()


# The text of recent commitment sets, by the set's id (each entry keeps its set alive, so that
# the id is not reused while the entry exists): members of a chunk share a few hundred sets.
_COMMITMENT_TEXTS: dict[int, tuple[dict[str, Decimal], str]] = {}


def _commitments_text(commitments: dict[str, Decimal]) -> str:
    found = _COMMITMENT_TEXTS.get(id(commitments))
    if found is not None and found[0] is commitments:
        return found[1]
    if len(_COMMITMENT_TEXTS) > 10_000:
        _COMMITMENT_TEXTS.clear()
    text = ",".join(f"{kind}={commitments[kind]}" for kind in sorted(commitments))
    _COMMITMENT_TEXTS[id(commitments)] = (commitments, text)
    return text


def _pledge_line(p: PledgeRow) -> str:
    commitments = _commitments_text(p.commitments)
    return f"p {p.id} {p.version} {p.published_on} {p.withdrawn_on or '-'} {commitments}"


def _counted_sql(
    queryset: QuerySet[Any, Any], columns: Sequence[str]
) -> tuple[str, tuple[Any, ...]]:
    """The SQL of the rows a queryset counts, with only these columns."""
    sql, params = queryset.values_list(*columns).query.sql_with_params()
    return sql, tuple(params)


_LATEST_PLEDGES = """
SELECT latest.member_id, latest.id, latest.version, latest.published_on, latest.withdrawn_on,
       targets.*
FROM (
    SELECT DISTINCT ON (member_id) member_id, id, version, published_on,
           CASE WHEN withdrawn_on <= %(last)s THEN withdrawn_on END AS withdrawn_on
    FROM {pledges}
    WHERE member_id BETWEEN %(low)s AND %(high)s AND published_on <= %(last)s
    ORDER BY member_id, published_on DESC, version DESC
) AS latest
LEFT JOIN LATERAL (
    SELECT {targets} FROM {commitments} AS c WHERE c.pledge_id = latest.id
) AS targets ON true
"""


def latest_pledges_query(last: datetime.date, low: int, high: int) -> tuple[str, dict[str, Any]]:
    """The query of _latest_pledges with its parameters (PostgreSQL). The commitments of each
    latest version are looked up in the covering index commitment_pledge_targets, rather
    than all of them hashed for every chunk."""
    targets = ", ".join(
        f"(max(c.target) FILTER (WHERE c.kind = %(kind{number})s))::text"
        for number in range(len(KINDS))
    )
    sql = _LATEST_PLEDGES.format(
        targets=targets,
        pledges=connection.ops.quote_name(Pledge._meta.db_table),
        commitments=connection.ops.quote_name(Commitment._meta.db_table),
    )
    params: dict[str, Any] = {"last": last, "low": low, "high": high}
    params.update({f"kind{number}": kind for number, kind in enumerate(KINDS)})
    return sql, params


def _latest_pledges(last: datetime.date, low: int, high: int) -> dict[int, PledgeRow]:
    """Each member's latest pledge version published by the last day, with its commitments
    (one row per member: the commitments side by side), in one query (PostgreSQL)."""
    sql, params = latest_pledges_query(last, low, high)
    latest = {}
    # Members share a few hundred sets of targets: each set is one dict, made once.
    shared: dict[tuple[Any, ...], dict[str, Decimal]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            values = row[5:]
            commitments = shared.get(values)
            if commitments is None:
                commitments = shared[values] = {
                    kind: _target(value)
                    for kind, value in zip(KINDS, values, strict=True)
                    if value is not None
                }
            latest[row[0]] = PledgeRow(
                row[1],
                row[2],
                _iso(row[3]),  # type: ignore[arg-type]
                _iso(row[4]),
                commitments,
            )
    return latest


_INSPECTION_TALLIES = """
SELECT i.member_id,
       count(*),
       count(*) FILTER (WHERE i.verdict = %(pass)s),
       count(*) FILTER (WHERE i.verdict <> %(pass)s AND i.severity = %(critical)s),
       count(*) FILTER (WHERE i.verdict <> %(pass)s AND t.days IS NOT NULL
                        AND (i.rectified_on <= %(last)s OR i.reported_on + t.days <= %(last)s)),
       count(*) FILTER (WHERE i.verdict <> %(pass)s AND i.rectified_on <= %(last)s
                        AND i.rectified_on <= i.reported_on + t.days)
FROM ({counted}) AS i (member_id, verdict, severity, reported_on, rectified_on)
JOIN unnest(%(ids)s::bigint[], %(days)s::int[]) AS t (member_id, days) USING (member_id)
GROUP BY i.member_id
"""

_COMPLAINT_TALLIES = """
SELECT c.member_id,
       count(*) FILTER (WHERE t.response IS NOT NULL
                        AND (c.responded_on <= %(last)s OR c.accepted_on + t.response <= %(last)s)),
       count(*) FILTER (WHERE c.responded_on <= %(last)s
                        AND c.responded_on <= c.accepted_on + t.response),
       count(*) FILTER (WHERE t.resolution IS NOT NULL
                        AND (c.resolved_on <= %(last)s
                             OR c.accepted_on + t.resolution <= %(last)s)),
       count(*) FILTER (WHERE c.resolved_on <= %(last)s
                        AND c.resolved_on <= c.accepted_on + t.resolution),
       count(*) FILTER (WHERE c.upheld_on <= %(last)s)
FROM ({counted}) AS c (member_id, accepted_on, responded_on, resolved_on, upheld_on)
JOIN unnest(%(ids)s::bigint[], %(response)s::int[], %(resolution)s::int[])
     AS t (member_id, response, resolution) USING (member_id)
GROUP BY c.member_id
"""


def _named(sql: str, params: tuple[Any, ...], prefix: str) -> tuple[str, dict[str, Any]]:
    """A positional-parameter query as named parameters (to nest in a named query)."""
    names = {f"{prefix}{number}": value for number, value in enumerate(params)}
    text = sql
    for name in names:
        text = text.replace("%s", f"%({name})s", 1)
    return text, names


def tally_queries(
    period: scoring.Period,
    low: int,
    high: int,
    member_ids: Sequence[int],
    days: dict[int, dict[str, int]],
) -> list[tuple[str, dict[str, Any]]]:
    """The inspections' and the complaints' tally queries with their parameters (PostgreSQL):
    what counts is the counted_* querysets' rows, so the two definitions cannot drift."""
    last = period.last_day
    ids = _int_array(member_ids)
    inspections_sql, inspections_params = _named(
        *_counted_sql(
            counted.counted_inspections(period, low, high),
            ["member_id", "verdict", "severity", "reported_on", "rectified_on"],
        ),
        "i",
    )
    complaints_sql, complaints_params = _named(
        *_counted_sql(
            counted.counted_complaints(period, low, high),
            ["member_id", "accepted_on", "responded_on", "resolved_on", "upheld_on"],
        ),
        "c",
    )
    return [
        (
            _INSPECTION_TALLIES.format(counted=inspections_sql),
            {
                **inspections_params,
                "pass": Inspection.Verdict.PASS,
                "critical": scoring.CRITICAL,
                "last": last,
                "ids": ids,
                "days": _int_array(days[m].get(RECTIFICATION_DAYS) for m in member_ids),
            },
        ),
        (
            _COMPLAINT_TALLIES.format(counted=complaints_sql),
            {
                **complaints_params,
                "last": last,
                "ids": ids,
                "response": _int_array(days[m].get(RESPONSE_DAYS) for m in member_ids),
                "resolution": _int_array(days[m].get(RESOLUTION_DAYS) for m in member_ids),
            },
        ),
    ]


def _database_tallies(
    period: scoring.Period,
    low: int,
    high: int,
    member_ids: Sequence[int],
    days: dict[int, dict[str, int]],
) -> dict[int, Tallies]:
    """Every member's tallies, counted by PostgreSQL in two queries (hash version 3)."""
    (inspection_sql, inspection_params), (complaint_sql, complaint_params) = tally_queries(
        period, low, high, member_ids, days
    )
    with connection.cursor() as cursor:
        cursor.execute(inspection_sql, inspection_params)
        inspections = {row[0]: row for row in cursor.fetchall()}
        cursor.execute(complaint_sql, complaint_params)
        complaints = {row[0]: row for row in cursor.fetchall()}
    nothing = (0, 0, 0, 0, 0, 0)  # a member without a row: nothing counted
    tallies = {}
    for member_id in member_ids:
        _m, n, passed, critical, rect_due, rect_on = inspections.get(member_id, nothing)
        _m, resp_due, resp_on, reso_due, reso_on, upheld = complaints.get(member_id, nothing)
        # Only the kinds with deadline days are clocks of the member (as in tallies_of).
        clocks = {}
        for kind in days[member_id]:
            if kind == RECTIFICATION_DAYS:
                clocks[kind] = (rect_due, rect_on)
            elif kind == RESPONSE_DAYS:
                clocks[kind] = (resp_due, resp_on)
            else:
                clocks[kind] = (reso_due, reso_on)
        tallies[member_id] = Tallies(n, passed, critical, clocks, upheld)
    return tallies


def _int_array(values: Iterable[int | None]) -> str:
    """An array of integers (None: NULL) as PostgreSQL's text form, for ``%s::int[]``: one
    string to send instead of tens of thousands of values adapted one by one."""
    return "{" + ",".join(["NULL" if value is None else str(value) for value in values]) + "}"


def gather_tallied(
    rules: Rules, period: scoring.Period, member_ids: Sequence[int]
) -> dict[int, Gathered]:
    """Hash version 3's inputs of each member: on PostgreSQL the latest pledge version with
    its commitments, and the deadline clocks and counts, come from the database one row per
    member (three queries) instead of one row per event; elsewhere the same are counted in
    Python from gather()'s facts."""
    if not member_ids:
        return {}
    low, high = min(member_ids), max(member_ids)
    if connection.vendor != "postgresql":
        facts = gather(period, member_ids)
        gathered = {}
        for member_id in member_ids:
            member = facts[member_id]
            member_latest = latest_pledge(member.pledges)
            member_days = deadline_days(rules, in_force(member_latest))
            gathered[member_id] = Gathered(
                member_latest, member_days, tallies_of(member, member_days, rules.last_ordinal)
            )
        return gathered
    latest = _latest_pledges(period.last_day, low, high)
    days = {m: _deadline_days(rules, in_force(latest.get(m))) for m in member_ids}
    tallies = _database_tallies(period, low, high, member_ids, days)
    return {m: Gathered(latest.get(m), days[m], tallies[m]) for m in member_ids}


def assess_tallied_chunk(
    rules: Rules, period: scoring.Period, member_ids: Sequence[int]
) -> Iterator[Row]:
    """Every member's result in the chunk (hash version 3), in the order of ``member_ids``."""
    gathered = gather_tallied(rules, period, member_ids)
    for member_id in member_ids:
        member = gathered[member_id]
        yield _row(member_id, score(rules, member.pledge, member.tallies), member.digest())
