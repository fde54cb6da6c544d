"""What the database counts for the scoring, against SCORING.md's "What counts" and the
clocks of "Indicator values": each rule on database rows, and generated rows against the
rules written out in Python here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.models import Complaint
from inspections.models import Inspection
from pledges.assessment import gather
from pledges.assessment.scoring import (
    DEFAULT_POLICY,
    Clock,
    Period,
    PledgeVersion,
    Tallies,
    deadline_days,
    pledge_in_force,
)
from tests.factories import MemberFactory

from .factories import ComplaintFactory, InspectionFactory, pledge

D = datetime.date
YEAR = Period(D(2025, 1, 1), D(2025, 12, 31))
DAYS = {"response_days": 7, "resolution_days": 30, "rectification_days": 60}


def tallies_of(member) -> Tallies:
    return dict(gather.gather(DEFAULT_POLICY, YEAR, [member.pk]))[member.pk].tallies


@pytest.fixture
def member(coop):
    member = MemberFactory(cooperative=coop)
    pledge(member, ("90", "7", "30", "60"))
    return member


def complaint(member, accepted, responded=None, resolved=None, upheld=None, **fields):
    return ComplaintFactory(
        member=member,
        accepted_on=accepted,
        responded_on=responded,
        resolved_on=resolved,
        upheld_on=upheld,
        **fields,
    )


def failure(member, reported, rectified=None, severity="major", sampled=None):
    return InspectionFactory(
        member=member,
        sampled_on=sampled or reported - datetime.timedelta(days=5),
        reported_on=reported,
        verdict=Inspection.Verdict.FAIL,
        severity=severity,
        rectified_on=rectified,
    )


def test_an_answer_on_day_d_plus_n_is_on_time_and_on_d_plus_n_plus_1_late(member):
    complaint(member, D(2025, 3, 1), D(2025, 3, 8))
    complaint(member, D(2025, 3, 1), D(2025, 3, 9))
    assert tallies_of(member).clocks["response_days"] == Clock(due=2, on_time=1)


def test_an_unanswered_complaint_is_due_once_its_deadline_is_within_the_period(member):
    complaint(member, D(2025, 12, 24))
    complaint(member, D(2025, 12, 25))
    assert tallies_of(member).clocks["response_days"] == Clock(due=1, on_time=0)


def test_an_answer_after_the_last_day_does_not_exist(member):
    # The first is late and unanswered within the period; the second is not due yet.
    complaint(member, D(2025, 12, 20), D(2026, 1, 2))
    complaint(member, D(2025, 12, 30), D(2026, 1, 1))
    assert tallies_of(member).clocks["response_days"] == Clock(due=1, on_time=0)


def test_an_answer_before_a_deadline_after_the_period_counts(member):
    complaint(member, D(2025, 12, 30), D(2025, 12, 31))
    assert tallies_of(member).clocks["response_days"] == Clock(due=1, on_time=1)


def test_the_resolution_clock_is_stopped_by_the_resolution(member):
    complaint(member, D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 31))
    complaint(member, D(2025, 3, 1), None, D(2025, 4, 1))
    assert tallies_of(member).clocks["resolution_days"] == Clock(due=2, on_time=1)


def test_rejected_complaints_and_those_accepted_outside_the_period_do_not_count(member):
    complaint(member, D(2025, 3, 1), D(2025, 3, 2), status=Complaint.Status.REJECTED)
    complaint(member, D(2024, 12, 31), D(2025, 1, 2))
    complaint(member, None, D(2025, 1, 2), status=Complaint.Status.RECEIVED)
    assert tallies_of(member) == Tallies(clocks={kind: Clock() for kind in DAYS})


def test_complaints_upheld_by_the_last_day_are_counted(member):
    complaint(member, D(2025, 3, 1), upheld=D(2025, 12, 31))
    complaint(member, D(2025, 3, 1), upheld=D(2026, 1, 1))
    assert tallies_of(member).upheld == 1


def test_the_rectification_clock_starts_on_the_report_day(member):
    failure(member, D(2025, 3, 1), D(2025, 4, 30))
    failure(member, D(2025, 3, 1), D(2025, 5, 1))
    failure(member, D(2025, 11, 15))
    assert tallies_of(member).clocks["rectification_days"] == Clock(due=2, on_time=1)


def test_a_retest_after_the_last_day_does_not_exist(member):
    failure(member, D(2025, 10, 1), D(2026, 1, 1))
    assert tallies_of(member).clocks["rectification_days"] == Clock(due=1, on_time=0)


def test_inspections_count_when_final_sampled_in_the_period_and_reported_by_its_last_day(
    member,
):
    InspectionFactory(member=member, sampled_on=D(2025, 12, 31), reported_on=D(2025, 12, 31))
    failure(member, D(2025, 5, 1), severity="critical")
    failure(member, D(2025, 1, 10), sampled=D(2024, 12, 31))
    failure(member, D(2026, 1, 3), sampled=D(2025, 12, 20))
    InspectionFactory(member=member, status=Inspection.Status.VOIDED)
    counted = tallies_of(member)
    assert (counted.inspections, counted.passed, counted.critical) == (2, 1, 1)


def test_clocks_run_against_the_members_own_days(coop, charter):
    strict = MemberFactory(cooperative=coop)
    pledge(strict, ("90", "3", "30", "60"))
    without = MemberFactory(cooperative=coop)
    for member in (strict, without):
        complaint(member, D(2025, 3, 1), D(2025, 3, 5))
    inputs = dict(gather.gather(DEFAULT_POLICY, YEAR, [strict.pk, without.pk]))
    assert inputs[strict.pk].tallies.clocks["response_days"] == Clock(due=1, on_time=0)
    # Without a pledge in force there is no deadline, and no clock.
    assert inputs[without.pk].pledge is None
    assert inputs[without.pk].tallies.clocks == {}


def test_gathering_a_chunk_skips_members_between_its_first_and_last_that_are_not_in_it(
    coop, charter, other_coop
):
    first = MemberFactory(cooperative=coop)
    between = MemberFactory(cooperative=other_coop)
    last = MemberFactory(cooperative=coop)
    for member in (first, between, last):
        pledge(member)
        InspectionFactory(member=member, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 2))
        complaint(member, D(2025, 3, 1))
    inputs = dict(gather.gather(DEFAULT_POLICY, YEAR, [first.pk, last.pk]))
    assert set(inputs) == {first.pk, last.pk}
    assert all(inputs[m.pk].tallies.inspections == 1 for m in (first, last))


@pytest.mark.parametrize("count", [1, 60])
def test_gathering_takes_three_queries_whatever_the_number_of_members(
    coop, charter, django_assert_num_queries, count
):
    ids = [MemberFactory(cooperative=coop).pk for _ in range(count)]
    for member_id in ids[:: max(1, count // 10)]:
        ComplaintFactory(member_id=member_id, cooperative=coop)
        InspectionFactory(member_id=member_id, cooperative=coop)
    with django_assert_num_queries(3):
        list(gather.gather(DEFAULT_POLICY, YEAR, ids))


# Generated rows against the rules as SCORING.md states them.


@dataclass(frozen=True)
class Event:
    """An inspection (start: report day, stop: passing re-test) or a complaint (start:
    acceptance, stops: answer and resolution)."""

    start: datetime.date | None
    stops: tuple[datetime.date | None, datetime.date | None]
    day: datetime.date  # the sampling day of an inspection, the upheld day of a complaint
    flag: str  # verdict and severity, or the complaint's status
    counts: bool  # final (an inspection) or not rejected (a complaint)


def day_in(low: int, high: int):
    return st.integers(min_value=low, max_value=high).map(
        lambda n: D(2025, 1, 1) + datetime.timedelta(n)
    )


# Stops on, just before and just after the deadlines of the targets below; starts anywhere,
# or a deadline's length before the last day.
offsets = st.sampled_from([None, None, None, -1, 0, 1, 2, 6, 7, 8, 14, 15, 16, 29, 30, 31])
near_the_end = st.sampled_from([D(2025, 12, 31) - datetime.timedelta(n) for n in (0, 1, 7, 15, 30)])


@st.composite
def clocked(draw, stops: int, start: st.SearchStrategy) -> tuple:
    """A start day, and stop days near it."""
    begins = draw(start)
    stop_offsets = draw(st.tuples(*[offsets] * stops))
    return begins, tuple(
        None if begins is None or offset is None else begins + datetime.timedelta(offset)
        for offset in stop_offsets
    )


inspections = st.lists(
    st.builds(
        lambda clocks, **fields: Event(clocks[0], (clocks[1][0], None), **fields),
        clocked(1, st.one_of(day_in(-20, 380), near_the_end)),
        day=day_in(-30, 370),
        flag=st.sampled_from(["pass", "fail minor", "fail major", "fail critical"]),
        counts=st.sampled_from([True, True, False]),
    ),
    max_size=8,
)
complaints = st.lists(
    st.builds(
        lambda clocks, **fields: Event(clocks[0], clocks[1], **fields),
        clocked(2, st.one_of(day_in(-30, 370), near_the_end, st.none())),
        day=st.one_of(day_in(-30, 420), near_the_end),
        flag=st.sampled_from(["accepted", "answered", "resolved"]),
        counts=st.sampled_from([True, True, False]),
    ),
    max_size=8,
)
targets = st.tuples(
    st.sampled_from([None, "0", "5", "90"]),
    st.sampled_from([None, "0", "1", "7"]),
    st.sampled_from([None, "0", "15", "30"]),
    st.sampled_from([None, "0", "15", "30"]),
)
pledge_versions = st.lists(
    st.tuples(targets, day_in(-400, 380), st.sampled_from([None, None, D(2025, 9, 1)])),
    min_size=1,
    max_size=2,
)


def clock(starts, days: int, last: datetime.date) -> Clock:
    due = on_time = 0
    for start, stop in starts:
        stopped = stop if stop is not None and stop <= last else None
        deadline = start + datetime.timedelta(days=days)
        if stopped is None and deadline > last:
            continue
        due += 1
        if stopped is not None and stopped <= deadline:
            on_time += 1
    return Clock(due, on_time)


def expected_tallies(days: dict[str, int], inspected: list[Event], filed: list[Event]) -> Tallies:
    first, last = YEAR.first_day, YEAR.last_day
    counted = [i for i in inspected if i.counts and first <= i.day <= last and i.start <= last]
    failed = [i for i in counted if i.flag != "pass"]
    accepted = [c for c in filed if c.counts and c.start and first <= c.start <= last]
    starts = {
        "rectification_days": [(i.start, i.stops[0]) for i in failed],
        "response_days": [(c.start, c.stops[0]) for c in accepted],
        "resolution_days": [(c.start, c.stops[1]) for c in accepted],
    }
    return Tallies(
        inspections=len(counted),
        passed=len(counted) - len(failed),
        critical=sum(1 for i in failed if i.flag == "fail critical"),
        upheld=sum(1 for c in accepted if c.day <= last),
        clocks={kind: clock(starts[kind], n, last) for kind, n in days.items()},
    )


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    versions=pledge_versions,
    inspected=inspections,
    filed=complaints,
)
def test_the_database_counts_as_scoring_md_says(coop, versions, inspected, filed):
    with transaction.atomic():
        member = MemberFactory(cooperative=coop)
        made = [
            pledge(member, values, published_on=published, withdrawn_on=withdrawn, version=number)
            for number, (values, published, withdrawn) in enumerate(versions, start=1)
        ]
        for event in inspected:
            verdict, _space, severity = event.flag.partition(" ")
            InspectionFactory(
                member=member,
                sampled_on=event.day,
                reported_on=event.start,
                verdict=verdict,
                severity=severity,
                rectified_on=event.stops[0],
                status=Inspection.Status.FINAL if event.counts else Inspection.Status.VOIDED,
            )
        for event in filed:
            rejected = Complaint.Status.REJECTED
            complaint(
                member,
                event.start,
                *event.stops,
                upheld=event.day,
                status=event.flag if event.counts else rejected,
            )

        inputs = dict(gather.gather(DEFAULT_POLICY, YEAR, [member.pk]))[member.pk]
        published = [
            PledgeVersion(
                p.pk,
                p.version,
                p.published_on,
                p.withdrawn_on,
                dict(p.commitments.values_list("kind", "target")),
            )
            for p in made
        ]
        transaction.set_rollback(True)

    in_force = pledge_in_force(published, YEAR.last_day)
    assert inputs.pledge == in_force
    days = deadline_days(DEFAULT_POLICY, in_force)
    assert inputs.tallies == expected_tallies(days, inspected, filed)
