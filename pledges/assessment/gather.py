"""Gathering the facts an assessment scores, set-based: a constant number of queries per chunk.

Events dated after the period's last day are dropped here already (as the scoring drops
them), so that the gathered inputs of a period, and their hash, stay the same whenever they
are gathered again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import Case, Count, DateField, F, Max, Min, Q, QuerySet, Value, When

from charter.models import CharterVersion, ScoringPolicy
from complaints.models import Complaint
from inspections.models import Inspection
from members.models import Member
from pledges.models import AssessmentPeriod, Commitment, Pledge

from . import scoring


@dataclass
class MemberInputs:
    pledges: list[scoring.PledgeFacts] = field(default_factory=list)
    inspections: list[scoring.InspectionFacts] = field(default_factory=list)
    complaints: list[scoring.ComplaintFacts] = field(default_factory=list)

    def canonical(self) -> dict[str, Any]:
        """The inputs as sorted JSON-ready lists, independent of query order."""

        def day(value: datetime.date | None) -> str | None:
            return None if value is None else value.isoformat()

        def ordered(rows: list[list[Any]]) -> list[list[Any]]:
            # Sorted by their JSON text: None and strings never compare with each other.
            return sorted(rows, key=lambda row: json.dumps(row))

        return {
            "pledges": ordered(
                [
                    [
                        p.id,
                        p.version,
                        day(p.published_on),
                        day(p.withdrawn_on),
                        sorted([kind, str(target)] for kind, target in p.commitments.items()),
                    ]
                    for p in self.pledges
                ]
            ),
            "inspections": ordered(
                [
                    [
                        day(i.sampled_on),
                        day(i.reported_on),
                        i.verdict,
                        i.severity,
                        day(i.rectified_on),
                        i.count,
                    ]
                    for i in self.inspections
                ]
            ),
            "complaints": ordered(
                [
                    [
                        day(c.accepted_on),
                        day(c.responded_on),
                        day(c.resolved_on),
                        day(c.upheld_on),
                        c.count,
                    ]
                    for c in self.complaints
                ]
            ),
        }

    def digest(self) -> str:
        text = json.dumps(self.canonical(), separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


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


def _until(day_field: str, last_day: datetime.date) -> Case:
    """The date when it is on or before the last day, else NULL: later events do not exist."""
    return Case(
        When(**{f"{day_field}__lte": last_day}, then=F(day_field)),
        default=Value(None),
        output_field=DateField(),
    )


# What counts (SCORING.md), for members with ids from low to high: both gatherers start here.


def published_pledges(last: datetime.date, low: int, high: int) -> QuerySet[Pledge]:
    """Versions published on or before the last day."""
    return Pledge.objects.filter(
        member_id__gte=low, member_id__lte=high, published_on__isnull=False, published_on__lte=last
    ).order_by()


def their_commitments(last: datetime.date, low: int, high: int) -> QuerySet[Commitment]:
    """The commitments of published_pledges."""
    return Commitment.objects.filter(
        pledge__member_id__gte=low,
        pledge__member_id__lte=high,
        pledge__published_on__isnull=False,
        pledge__published_on__lte=last,
    ).order_by()


def counted_inspections(period: scoring.Period, low: int, high: int) -> QuerySet[Inspection]:
    """Final results sampled in the period and reported on or before its last day."""
    return (
        Inspection.objects.final()
        .filter(
            member_id__gte=low,
            member_id__lte=high,
            sampled_on__gte=period.first_day,
            sampled_on__lte=period.last_day,
            reported_on__lte=period.last_day,
        )
        .order_by()
    )


def counted_complaints(period: scoring.Period, low: int, high: int) -> QuerySet[Complaint]:
    """Complaints accepted (not rejected) in the period."""
    return (
        Complaint.objects.filter(
            member_id__gte=low,
            member_id__lte=high,
            accepted_on__gte=period.first_day,
            accepted_on__lte=period.last_day,
        )
        .exclude(status=Complaint.Status.REJECTED)
        .order_by()
    )


def gather(period: scoring.Period, member_ids: Sequence[int]) -> dict[int, MemberInputs]:
    """The inputs of each member in ``member_ids``, in four queries whatever their number."""
    inputs: dict[int, MemberInputs] = {member_id: MemberInputs() for member_id in member_ids}
    if not member_ids:
        return inputs
    last = period.last_day
    # A chunk is a run of member ids in order: a range is cheaper to send and to look up
    # than a list of thousands; rows of members in the range but not in the chunk (another
    # cooperative's, or not active in the period) are skipped below.
    low, high = min(member_ids), max(member_ids)

    pledge_rows = list(
        published_pledges(last, low, high).values_list(
            "pk", "member_id", "version", "published_on", "withdrawn_on"
        )
    )
    commitments: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for pledge_id, kind, target in their_commitments(last, low, high).values_list(
        "pledge_id", "kind", "target"
    ):
        commitments[pledge_id][kind] = target
    for pledge_id, member_id, version, published_on, withdrawn_on in pledge_rows:
        if member_id not in inputs:
            continue
        inputs[member_id].pledges.append(
            scoring.PledgeFacts(
                id=pledge_id,
                version=version,
                # Not null: the query keeps published versions only.
                published_on=cast(datetime.date, published_on),
                withdrawn_on=withdrawn_on if withdrawn_on and withdrawn_on <= last else None,
                commitments=commitments.get(pledge_id, {}),
            )
        )

    # Passing results differ only in their dates, which no rule reads once the result is
    # counted; grouping them leaves one row per member, and failures one row per report day.
    failed = Q(verdict=Inspection.Verdict.FAIL)
    inspection_rows = (
        counted_inspections(period, low, high)
        .annotate(
            failed_on=Case(When(failed, then=F("reported_on")), output_field=DateField()),
            rectified=Case(
                When(failed & Q(rectified_on__lte=last), then=F("rectified_on")),
                output_field=DateField(),
            ),
        )
        .order_by()
        .values_list("member_id", "verdict", "severity", "failed_on", "rectified")
        .annotate(count=Count("pk"), sampled=Min("sampled_on"), reported=Max("reported_on"))
    )
    for (
        member_id,
        verdict,
        severity,
        failed_on,
        rectified,
        count,
        sampled,
        reported,
    ) in inspection_rows:
        if member_id not in inputs:
            continue
        inputs[member_id].inspections.append(
            scoring.InspectionFacts(
                sampled_on=sampled,
                reported_on=failed_on or reported,
                verdict=verdict,
                severity=severity if verdict == Inspection.Verdict.FAIL else "",
                rectified_on=rectified,
                count=count,
            )
        )

    complaint_rows = (
        counted_complaints(period, low, high)
        .annotate(
            responded=_until("responded_on", last),
            resolved=_until("resolved_on", last),
            upheld=_until("upheld_on", last),
        )
        .order_by()
        .values_list("member_id", "accepted_on", "responded", "resolved", "upheld")
        .annotate(count=Count("pk"))
    )
    for member_id, accepted_on, responded, resolved, upheld, count in complaint_rows:
        if member_id not in inputs:
            continue
        inputs[member_id].complaints.append(
            scoring.ComplaintFacts(
                accepted_on=accepted_on,
                responded_on=responded,
                resolved_on=resolved,
                upheld_on=upheld,
                count=count,
            )
        )
    return inputs
