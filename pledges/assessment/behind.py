"""The records behind a result's counts, for "why this score": which inspections and which
complaints the engine counted for each indicator and deduction, and which were late.

The rows and the condition of each count come from the engine itself
(``gather.counted_inspections`` and ``gather.counted_complaints`` list what
``gather.inspection_tallies`` and ``gather.complaint_tallies`` count), with the member's
deadline days worked out as the engine works them out (the run's charter policy, the pledge in
force on the period's last day): the list cannot follow other rules than the score. Only
report numbers, complaint references, dates and verdicts are named: nothing of a consumer.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext

from complaints.models import Complaint
from inspections.models import Inspection

from ..models import MemberAssessment
from . import gather, scoring


@dataclass(frozen=True)
class CountedInspection:
    inspection: Inspection
    counts: dict[str, bool]
    # The day the rectification was due (report day + the pledged days), if it has a clock.
    rectify_by: datetime.date | None


@dataclass(frozen=True)
class CountedComplaint:
    complaint: Complaint
    counts: dict[str, bool]
    answer_by: datetime.date | None
    resolve_by: datetime.date | None


@dataclass
class Row:
    """One record as the page shows it: its number, a link for those who may follow it, the
    facts that decide how it counts, and whether it was late."""

    name: str
    url: str
    facts: list[str]
    outcome: str
    late: bool = False


@dataclass
class Group:
    heading: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Behind:
    last_day: datetime.date
    days: dict[str, int]
    inspections: list[CountedInspection]
    complaints: list[CountedComplaint]

    def tallies(self) -> dict[str, dict[str, int]]:
        """The counts the listed records make, in the shape of a result's details."""

        def number(records: list[Any], count: str) -> int:
            return sum(1 for record in records if record.counts[count])

        inspections, complaints = self.inspections, self.complaints
        counts = {
            scoring.PASS_RATE: {
                "n": len(inspections),
                "passed": number(inspections, "passed"),
                "critical": number(inspections, "critical"),
            },
            "deductions": {
                "critical": number(inspections, "critical"),
                "upheld": number(complaints, "upheld"),
            },
        }
        clocks: dict[str, tuple[list[Any], str]] = {
            scoring.RECTIFICATION_DAYS: (inspections, "rectification"),
            scoring.RESPONSE_DAYS: (complaints, "response"),
            scoring.RESOLUTION_DAYS: (complaints, "resolution"),
        }
        for kind, (records, clock) in clocks.items():
            if kind in self.days:
                counts[kind] = {
                    "due": number(records, f"{clock}_due"),
                    "on_time": number(records, f"{clock}_on_time"),
                }
        return counts

    def agrees_with(self, result: MemberAssessment) -> bool:
        """Whether the records give the result's stored counts. They do unless facts of the
        period changed after it was computed (a result voided on objection, a late import)."""
        details = result.details if isinstance(result.details, dict) else {}
        stored = dict(details.get("indicators") or {})
        if result.status == MemberAssessment.Status.RATED:
            stored["deductions"] = details.get("deductions") or {}
        listed = self.tallies()
        for kind, values in stored.items():
            if not isinstance(values, dict):
                continue
            for key in ("n", "passed", "critical", "due", "on_time", "upheld"):
                if key in values and values[key] != listed.get(kind, {}).get(key):
                    return False
        return True


def behind(result: MemberAssessment) -> Behind | None:
    """The records the engine counted for the result; None for a member without a pledge in
    force, which has nothing counted."""
    if result.status == MemberAssessment.Status.NO_PLEDGE:
        return None
    run = result.run
    period = gather.scoring_period(run.period)
    policy = gather.policy_of(run.charter_version)
    pledge = gather.pledges_in_force(period.last_day, [result.member_id])[result.member_id]
    if pledge is None:
        return None
    days = scoring.deadline_days(policy, pledge)
    inspection_flags = gather.counted_inspections(period, result.member_id, days)
    complaint_flags = gather.counted_complaints(period, result.member_id, days)
    found_inspections = Inspection.objects.in_bulk([pk for pk, _flags in inspection_flags])
    found_complaints = Complaint.objects.only(
        "pk", "reference", "accepted_on", "responded_on", "resolved_on", "upheld_on"
    ).in_bulk([pk for pk, _flags in complaint_flags])

    def after(day: datetime.date | None, kind: str) -> datetime.date | None:
        return None if day is None or kind not in days else day + datetime.timedelta(days[kind])

    inspections = sorted(
        (
            CountedInspection(
                found_inspections[pk],
                flags,
                after(found_inspections[pk].reported_on, scoring.RECTIFICATION_DAYS),
            )
            for pk, flags in inspection_flags
        ),
        key=lambda item: (item.inspection.reported_on, item.inspection.report_no),
    )
    complaints = sorted(
        (
            CountedComplaint(
                found_complaints[pk],
                flags,
                after(found_complaints[pk].accepted_on, scoring.RESPONSE_DAYS),
                after(found_complaints[pk].accepted_on, scoring.RESOLUTION_DAYS),
            )
            for pk, flags in complaint_flags
        ),
        key=lambda item: (item.complaint.accepted_on, item.complaint.reference),
    )
    return Behind(period.last_day, days, inspections, complaints)


# How the page shows them ---------------------------------------------------------------------


def _day(day: datetime.date | None) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day else "—"


class Links:
    """Where a record's name leads: the member's own pages for its users, the complaint desk
    for staff, nowhere for the public."""

    def __init__(self, reader: str = "", cooperative_slug: str = "") -> None:
        self.reader = reader
        self.slug = cooperative_slug

    def inspection(self, inspection: Inspection) -> str:
        if self.reader == "member":
            return reverse("inspections:member_inspection", args=[inspection.pk])
        return ""

    def complaint(self, complaint: Complaint) -> str:
        if self.reader == "member":
            return reverse("complaints:member_detail", args=[complaint.pk])
        if self.reader == "staff":
            return reverse("complaints:staff_detail", args=[self.slug, complaint.pk])
        return ""


def _stopped(day: datetime.date | None, last_day: datetime.date) -> datetime.date | None:
    """A stop dated after the period's last day does not exist for the period."""
    return day if day is not None and day <= last_day else None


def groups(found: Behind, links: Links) -> list[Group]:
    """The records behind each count, in the order of the explanation's indicators."""
    last_day = found.last_day
    verdicts = Group(gettext("Spot-check pass rate: the inspection results counted"))
    for item in found.inspections:
        inspection = item.inspection
        if item.counts["passed"]:
            outcome = gettext("passed")
        elif item.counts["critical"]:
            outcome = gettext("failed, critical")
        else:
            outcome = gettext("failed")
        verdicts.rows.append(
            Row(
                inspection.report_no,
                links.inspection(inspection),
                [
                    gettext("sampled on %(date)s") % {"date": _day(inspection.sampled_on)},
                    gettext("reported on %(date)s") % {"date": _day(inspection.reported_on)},
                ],
                outcome,
                late=not item.counts["passed"],
            )
        )
    result = [verdicts]
    if scoring.RECTIFICATION_DAYS in found.days:
        rectifications = Group(gettext("Rectifying failures: the failed results due"))
        for item in found.inspections:
            if not item.counts["rectification_due"]:
                continue
            retested = _stopped(item.inspection.rectified_on, last_day)
            rectifications.rows.append(
                Row(
                    item.inspection.report_no,
                    links.inspection(item.inspection),
                    [
                        gettext("reported on %(date)s")
                        % {"date": _day(item.inspection.reported_on)},
                        gettext("rectify by %(date)s") % {"date": _day(item.rectify_by)},
                    ],
                    _clock_outcome(
                        retested,
                        item.counts["rectification_on_time"],
                        gettext("re-tested on %(date)s, in time"),
                        gettext("re-tested on %(date)s, late"),
                        gettext("not re-tested by the period's last day: late"),
                    ),
                    late=not item.counts["rectification_on_time"],
                )
            )
        result.append(rectifications)
    clocks = (
        (
            scoring.RESPONSE_DAYS,
            "response",
            gettext("Answering complaints: the complaints due for an answer"),
            gettext("answer by %(date)s"),
            (
                gettext("answered on %(date)s, in time"),
                gettext("answered on %(date)s, late"),
                gettext("not answered by the period's last day: late"),
            ),
        ),
        (
            scoring.RESOLUTION_DAYS,
            "resolution",
            gettext("Settling complaints: the complaints due to be settled"),
            gettext("settle by %(date)s"),
            (
                gettext("settled on %(date)s, in time"),
                gettext("settled on %(date)s, late"),
                gettext("not settled by the period's last day: late"),
            ),
        ),
    )
    for kind, clock, heading, by_text, outcomes in clocks:
        if kind not in found.days:
            continue
        group = Group(heading)
        for counted in found.complaints:
            if not counted.counts[f"{clock}_due"]:
                continue
            complaint = counted.complaint
            stopped = complaint.responded_on if clock == "response" else complaint.resolved_on
            deadline = counted.answer_by if clock == "response" else counted.resolve_by
            group.rows.append(
                Row(
                    complaint.reference,
                    links.complaint(complaint),
                    [
                        gettext("accepted on %(date)s") % {"date": _day(complaint.accepted_on)},
                        by_text % {"date": _day(deadline)},
                    ],
                    _clock_outcome(
                        _stopped(stopped, last_day), counted.counts[f"{clock}_on_time"], *outcomes
                    ),
                    late=not counted.counts[f"{clock}_on_time"],
                )
            )
        result.append(group)
    deductions = Group(gettext("Deductions: critical failures and complaints found justified"))
    for item in found.inspections:
        if item.counts["critical"]:
            deductions.rows.append(
                Row(
                    item.inspection.report_no,
                    links.inspection(item.inspection),
                    [gettext("reported on %(date)s") % {"date": _day(item.inspection.reported_on)}],
                    gettext("failed, critical"),
                    late=True,
                )
            )
    for counted in found.complaints:
        if counted.counts["upheld"]:
            deductions.rows.append(
                Row(
                    counted.complaint.reference,
                    links.complaint(counted.complaint),
                    [
                        gettext("accepted on %(date)s")
                        % {"date": _day(counted.complaint.accepted_on)}
                    ],
                    gettext("found justified on %(date)s")
                    % {"date": _day(counted.complaint.upheld_on)},
                    late=True,
                )
            )
    result.append(deductions)
    return result


def _clock_outcome(
    stopped: datetime.date | None, on_time: bool, in_time: str, late: str, never: str
) -> str:
    if stopped is None:
        return never
    return (in_time if on_time else late) % {"date": _day(stopped)}


def records_behind(result: MemberAssessment, links: Links) -> dict[str, Any]:
    """What the "why this score" pages show of the records behind the result."""
    found = behind(result)
    if found is None:
        return {"behind": None, "behind_agrees": True}
    return {"behind": groups(found, links), "behind_agrees": found.agrees_with(result)}
