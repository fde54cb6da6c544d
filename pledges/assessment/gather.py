"""Gathering what an assessment scores, set-based: three queries per chunk of members.

For a chunk of members (a run of member ids) the database returns every pledge version
published by the period's last day, with its commitments, from which each member's pledge in
force follows (scoring.pledge_in_force); then it counts each member's inspections and
complaints of the period, one row per member, the deadline clocks against the member's own
deadline days (scoring.deadline_days). Events dated after the last day do not exist for the
period (SCORING.md), so a closed period always gathers the same inputs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Max, Q

from charter.models import CharterVersion, ScoringPolicy
from complaints.models import Complaint
from inspections.models import Inspection
from members.models import Member
from pledges.models import AssessmentPeriod, Commitment, Pledge

from . import scoring


class MemberInputs(NamedTuple):
    """What a member's result is computed from: its pledge in force and its tallies."""

    pledge: scoring.PledgeVersion | None
    tallies: scoring.Tallies


def scoring_period(period: AssessmentPeriod) -> scoring.Period:
    return scoring.Period(first_day=period.first_day, last_day=period.last_day)


def policy_of(version: CharterVersion) -> scoring.Policy:
    """The scoring figures of a charter version (SCORING.md's defaults when it has none)."""
    try:
        policy = version.policy
    except ScoringPolicy.DoesNotExist:
        return scoring.DEFAULT_POLICY
    required = tuple(kind for kind in (policy.required_kinds or scoring.KINDS))
    return scoring.Policy(
        weights={
            scoring.PASS_RATE: policy.weight_pass_rate,
            scoring.RESPONSE_DAYS: policy.weight_response_days,
            scoring.RESOLUTION_DAYS: policy.weight_resolution_days,
            scoring.RECTIFICATION_DAYS: policy.weight_rectification_days,
        },
        minimums={
            scoring.PASS_RATE: Decimal(policy.min_pass_rate),
            scoring.RESPONSE_DAYS: Decimal(policy.max_response_days),
            scoring.RESOLUTION_DAYS: Decimal(policy.max_resolution_days),
            scoring.RECTIFICATION_DAYS: Decimal(policy.max_rectification_days),
        },
        required_kinds=required,
        critical_penalty=Decimal(policy.critical_penalty),
        upheld_penalty=Decimal(policy.upheld_penalty),
        upheld_cap=Decimal(policy.upheld_cap),
        grade_a_min=Decimal(policy.grade_a_min),
        grade_b_min=Decimal(policy.grade_b_min),
        grade_c_min=Decimal(policy.grade_c_min),
    )


def assessed_member_ids(period: AssessmentPeriod) -> list[int]:
    """Every member active at any time in the period, in id order (SCORING.md)."""
    return list(
        Member.objects.filter(cooperative_id=period.cooperative_id)
        .active_between(period.first_day, period.last_day)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# What a member without inspections or complaints in the period has counted.
NO_INSPECTIONS = (0, 0, 0, scoring.Clock())
NO_COMPLAINTS = (scoring.Clock(), scoring.Clock(), 0)


def gather(
    policy: scoring.Policy, period: scoring.Period, member_ids: Sequence[int]
) -> Iterator[tuple[int, MemberInputs]]:
    """The inputs of each member in ``member_ids`` (a run of ids in order), in that order; in
    three queries whatever their number. Each member's inputs are made as they are asked
    for, so that a chunk's members are not all held at once."""
    if not member_ids:
        return
    pledges = pledges_in_force(period.last_day, member_ids)
    days = {
        member_id: scoring.deadline_days(policy, pledges[member_id]) for member_id in member_ids
    }
    inspections = inspection_tallies(period, days)
    complaints = complaint_tallies(period, days)
    for member_id in member_ids:
        n, passed, critical, rectification = inspections.get(member_id, NO_INSPECTIONS)
        response, resolution, upheld = complaints.get(member_id, NO_COMPLAINTS)
        clocks = {
            scoring.RESPONSE_DAYS: response,
            scoring.RESOLUTION_DAYS: resolution,
            scoring.RECTIFICATION_DAYS: rectification,
        }
        # Only the kinds the member is assessed against have clocks.
        assessed = {kind: clocks[kind] for kind in days[member_id]}
        tallies = scoring.Tallies(n, passed, critical, upheld, assessed)
        yield member_id, MemberInputs(pledges[member_id], tallies)


# A target as its field holds it (95.0), whatever places the database gives its maximum.
TARGET_PLACES = Decimal(1).scaleb(-Commitment._meta.get_field("target").decimal_places)


def pledges_in_force(
    last_day: datetime.date, member_ids: Sequence[int]
) -> dict[int, scoring.PledgeVersion | None]:
    """Each member's pledge in force on the last day, from its versions published by then,
    each with its commitments' targets side by side (one query)."""
    targets = {
        kind: Max("commitments__target", filter=Q(commitments__kind=kind)) for kind in scoring.KINDS
    }
    rows = (
        Pledge.objects.filter(
            member_id__gte=min(member_ids),
            member_id__lte=max(member_ids),
            published_on__lte=last_day,
        )
        .order_by()
        .values_list("member_id", "pk", "version", "published_on", "withdrawn_on")
        .annotate(**targets)
    )
    versions = defaultdict(list)
    # Members share a few hundred sets of targets: one dict each.
    shared: dict[tuple[Decimal | None, ...], dict[str, Decimal]] = {}
    for member_id, pledge_id, version, published_on, withdrawn_on, *kind_targets in rows:
        commitments = shared.get(tuple(kind_targets))
        if commitments is None:
            commitments = shared[tuple(kind_targets)] = {
                kind: target.quantize(TARGET_PLACES)
                for kind, target in zip(scoring.KINDS, kind_targets, strict=True)
                if target is not None
            }
        versions[member_id].append(
            scoring.PledgeVersion(pledge_id, version, published_on, withdrawn_on, commitments)
        )
    return {
        member_id: scoring.pledge_in_force(versions[member_id], last_day)
        for member_id in member_ids
    }


def _days_after(day: str, days: str) -> str:
    """SQL for the date ``days`` days after the date ``day`` (both SQL expressions): PostgreSQL
    adds an integer to a date; SQLite keeps dates as ISO text and shifts them with date()."""
    if connection.vendor == "sqlite":
        return f"date({day}, '+' || {days} || ' days')"
    return f"({day} + {days})"


def _deadlines(days: dict[int, dict[str, int]], kinds: Sequence[str]) -> str:
    """A common table expression ``deadline`` naming each member of the chunk with its days
    for these deadline kinds, one column each (NULL: it has no such clock). The integers are
    written into the SQL: a chunk has more of them than a statement may have parameters."""
    rows = []
    for member_id, member in days.items():
        values = [member_id, *(member.get(kind) for kind in kinds)]
        rows.append(
            "({})".format(
                ", ".join("CAST(NULL AS INTEGER)" if v is None else str(int(v)) for v in values)
            )
        )
    return f"WITH deadline (member_id, {', '.join(kinds)}) AS (VALUES {', '.join(rows)})"


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _period_params(period: scoring.Period, days: dict[int, dict[str, int]]) -> dict[str, Any]:
    # A chunk is a run of member ids in order: a range is cheaper to look up than a list of
    # thousands; rows of members in the range but not in the chunk do not join the deadlines.
    return {"first": period.first_day, "last": period.last_day, "low": min(days), "high": max(days)}


# What counts, defined once: the rows of the period a member's tallies count, and the condition
# of each tally. ``inspection_tallies`` and ``complaint_tallies`` count them per member for a
# chunk; ``counted_inspections`` and ``counted_complaints`` list one member's rows with the same
# conditions as flags, so that "why this score" names exactly the records the engine counted.


def _inspection_query(
    period: scoring.Period, days: dict[int, dict[str, int]]
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The SQL of the inspections that count (``{columns}`` to fill in), the condition of each
    count over them, and the parameters.

    The final results sampled in the period and reported by its last day count. A failed
    result's clock starts on its report day and stops on a passing re-test; it is due when
    re-tested by the last day or when its deadline is, and on time when re-tested by its
    deadline. Every column read is in the covering index inspection_member_sampled."""
    deadline = _days_after("i.reported_on", f"d.{scoring.RECTIFICATION_DAYS}")
    conditions = {
        "passed": "i.verdict = %(pass)s",
        "critical": "i.verdict <> %(pass)s AND i.severity = %(critical)s",
        "rectification_due": (
            f"i.verdict <> %(pass)s AND (i.rectified_on <= %(last)s OR {deadline} <= %(last)s)"
        ),
        "rectification_on_time": (
            f"i.verdict <> %(pass)s AND i.rectified_on <= %(last)s AND i.rectified_on <= {deadline}"
        ),
    }
    sql = f"""
        {_deadlines(days, [scoring.RECTIFICATION_DAYS])}
        SELECT {{columns}}
        FROM {Inspection._meta.db_table} AS i JOIN deadline AS d ON d.member_id = i.member_id
        WHERE i.member_id BETWEEN %(low)s AND %(high)s AND i.status = %(final)s
          AND i.sampled_on BETWEEN %(first)s AND %(last)s AND i.reported_on <= %(last)s
    """  # noqa: S608 - table names and integers only; the values are parameters
    params = {
        **_period_params(period, days),
        "pass": Inspection.Verdict.PASS.value,
        "critical": Inspection.Severity.CRITICAL.value,
        "final": Inspection.Status.FINAL.value,
    }
    return sql, conditions, params


def _complaint_query(
    period: scoring.Period, days: dict[int, dict[str, int]]
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The SQL of the complaints that count (``{columns}`` to fill in), the condition of each
    count over them, and the parameters.

    The complaints accepted, not rejected, in the period count. A complaint's clocks start on
    its acceptance day and stop on the member's first answer and on its resolution;
    "upheld" counts those upheld by the last day. Every column read is in the covering index
    complaint_member_accepted."""
    response = _days_after("c.accepted_on", f"d.{scoring.RESPONSE_DAYS}")
    resolution = _days_after("c.accepted_on", f"d.{scoring.RESOLUTION_DAYS}")
    conditions = {
        "response_due": f"c.responded_on <= %(last)s OR {response} <= %(last)s",
        "response_on_time": f"c.responded_on <= %(last)s AND c.responded_on <= {response}",
        "resolution_due": f"c.resolved_on <= %(last)s OR {resolution} <= %(last)s",
        "resolution_on_time": f"c.resolved_on <= %(last)s AND c.resolved_on <= {resolution}",
        "upheld": "c.upheld_on <= %(last)s",
    }
    sql = f"""
        {_deadlines(days, [scoring.RESPONSE_DAYS, scoring.RESOLUTION_DAYS])}
        SELECT {{columns}}
        FROM {Complaint._meta.db_table} AS c JOIN deadline AS d ON d.member_id = c.member_id
        WHERE c.member_id BETWEEN %(low)s AND %(high)s AND c.status <> %(rejected)s
          AND c.accepted_on BETWEEN %(first)s AND %(last)s
    """  # noqa: S608 - table names and integers only; the values are parameters
    params = {**_period_params(period, days), "rejected": Complaint.Status.REJECTED.value}
    return sql, conditions, params


def _counts(conditions: dict[str, str]) -> str:
    return ", ".join(f"COUNT(*) FILTER (WHERE {condition})" for condition in conditions.values())


def _flags(conditions: dict[str, str]) -> str:
    return ", ".join(
        f"CASE WHEN {condition} THEN 1 ELSE 0 END" for condition in conditions.values()
    )


def inspection_tallies(
    period: scoring.Period, days: dict[int, dict[str, int]]
) -> dict[int, tuple[int, int, int, scoring.Clock]]:
    """Per member of ``days``: (inspections, passed, critical failures, (rectifications due,
    on time)) over the inspections that count (``_inspection_query``)."""
    sql, conditions, params = _inspection_query(period, days)
    columns = f"i.member_id, COUNT(*), {_counts(conditions)}"
    query = sql.replace("{columns}", columns) + " GROUP BY i.member_id"
    return {
        member_id: (n, passed, critical, scoring.Clock(due, on_time))
        for member_id, n, passed, critical, due, on_time in _fetch(query, params)
    }


def complaint_tallies(
    period: scoring.Period, days: dict[int, dict[str, int]]
) -> dict[int, tuple[scoring.Clock, scoring.Clock, int]]:
    """Per member of ``days``: ((answers due, on time), (resolutions due, on time), upheld)
    over the complaints that count (``_complaint_query``)."""
    sql, conditions, params = _complaint_query(period, days)
    query = sql.replace("{columns}", f"c.member_id, {_counts(conditions)}")
    query += " GROUP BY c.member_id"
    return {
        member_id: (
            scoring.Clock(response_due, response_on_time),
            scoring.Clock(resolution_due, resolution_on_time),
            upheld,
        )
        for (
            member_id,
            response_due,
            response_on_time,
            resolution_due,
            resolution_on_time,
            upheld,
        ) in _fetch(query, params)
    }


def counted_inspections(
    period: scoring.Period, member_id: int, days: dict[str, int]
) -> list[tuple[int, dict[str, bool]]]:
    """The inspections one member's tallies count, each by id with the counts it is in
    (``passed``, ``critical``, ``rectification_due``, ``rectification_on_time``): the rows and
    conditions of ``inspection_tallies``, listed instead of counted."""
    sql, conditions, params = _inspection_query(period, {member_id: days})
    rows = _fetch(sql.replace("{columns}", f"i.id, {_flags(conditions)}"), params)
    return [(row[0], dict(zip(conditions, map(bool, row[1:]), strict=True))) for row in rows]


def counted_complaints(
    period: scoring.Period, member_id: int, days: dict[str, int]
) -> list[tuple[int, dict[str, bool]]]:
    """The complaints one member's tallies count, each by id with the counts it is in
    (``response_due``, ``response_on_time``, ``resolution_due``, ``resolution_on_time``,
    ``upheld``): the rows and conditions of ``complaint_tallies``, listed instead of counted."""
    sql, conditions, params = _complaint_query(period, {member_id: days})
    rows = _fetch(sql.replace("{columns}", f"c.id, {_flags(conditions)}"), params)
    return [(row[0], dict(zip(conditions, map(bool, row[1:]), strict=True))) for row in rows]
