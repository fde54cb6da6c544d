"""batch.py against the reference (scoring.py): the same text of every value, the same result
of every member for any facts and any policy, on generated inputs and on database rows; and
the hash of a run (version 2) taken while writing equals the one of the stored results."""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from hypothesis import example, given, settings
from hypothesis import strategies as st

from complaints.models import Complaint
from inspections.models import Inspection
from pledges.assessment import batch, gather, services
from pledges.assessment.scoring import (
    DEFAULT_POLICY,
    KINDS,
    ComplaintFacts,
    InspectionFacts,
    Period,
    PledgeFacts,
    Policy,
    assess_member,
    decimal_text,
)
from pledges.models import AssessmentRun, MemberAssessment
from tests.factories import MemberFactory

from .conftest import compute, publish
from .factories import ComplaintFactory, InspectionFactory, pledge

D = datetime.date
YEAR = Period(D(2025, 1, 1), D(2025, 12, 31))


def reference_text(numerator: int, denominator: int) -> str | type[Exception]:
    try:
        return decimal_text(Fraction(numerator, denominator))
    except Exception as error:  # the reference refuses what Decimal cannot quantize
        return type(error)


def batch_text(numerator: int, denominator: int) -> str | type[Exception]:
    try:
        return batch.fraction_text(numerator, denominator)
    except Exception as error:
        return type(error)


@settings(max_examples=2000, deadline=None)
@given(
    numerator=st.integers(min_value=0, max_value=10**30),
    denominator=st.one_of(
        st.integers(min_value=1, max_value=10**30),
        st.tuples(st.integers(0, 90), st.integers(0, 40)).map(lambda p: 2 ** p[0] * 5 ** p[1]),
        st.integers(min_value=1, max_value=2000),
    ),
)
@example(numerator=1, denominator=3)
@example(numerator=200, denominator=3)
@example(numerator=1, denominator=10**7)  # Decimal writes it with an exponent
@example(numerator=1, denominator=3 * 10**12)  # rounds to zero at ten places
@example(numerator=10**28, denominator=1)  # too many digits to quantize
@example(numerator=10**27 - 1, denominator=1)
@example(numerator=19999999999999999999, denominator=10**21)
@example(numerator=2 * 10**28 - 1, denominator=2 * 10**27)  # carries to a 29th digit
def test_fraction_text_writes_every_value_as_decimal_text_does(numerator, denominator):
    assert batch_text(numerator, denominator) == reference_text(numerator, denominator)


def test_fraction_text_of_the_worked_examples():
    assert batch.fraction_text(175, 2) == "87.5"
    assert batch.fraction_text(200, 3) == "66.6666666667"
    assert batch.fraction_text(100, 1) == "100"
    assert batch.fraction_text(0, 7) == "0"


# Facts as gather.py's reference facts and as batch.gather would return them.

days = st.integers(min_value=-30, max_value=364).map(
    lambda n: D(2025, 1, 1) + datetime.timedelta(n)
)
optional_day = st.one_of(
    st.none(),
    st.integers(min_value=-5, max_value=420).map(lambda n: D(2025, 1, 1) + datetime.timedelta(n)),
)
tenths = st.integers(min_value=0, max_value=1000).map(lambda n: Decimal(n).scaleb(-1))
day_targets = st.integers(min_value=0, max_value=900).map(lambda n: Decimal(n).scaleb(-1))
commitments = st.dictionaries(
    st.sampled_from(KINDS),
    st.one_of(tenths, day_targets),
    max_size=4,
)
pledges_strategy = st.lists(
    st.builds(
        PledgeFacts,
        id=st.integers(min_value=1, max_value=50),
        version=st.integers(min_value=1, max_value=4),
        published_on=st.integers(min_value=-400, max_value=400).map(
            lambda n: D(2025, 1, 1) + datetime.timedelta(n)
        ),
        withdrawn_on=optional_day,
        commitments=commitments,
    ),
    max_size=3,
)
inspections_strategy = st.lists(
    st.builds(
        InspectionFacts,
        sampled_on=days,
        reported_on=days,
        verdict=st.sampled_from(["pass", "fail"]),
        severity=st.sampled_from(["", "minor", "major", "critical"]),
        rectified_on=optional_day,
        count=st.integers(min_value=1, max_value=40),
    ),
    max_size=15,
)
complaints_strategy = st.lists(
    st.builds(
        ComplaintFacts,
        accepted_on=st.one_of(st.none(), days),
        responded_on=optional_day,
        resolved_on=optional_day,
        upheld_on=optional_day,
        rejected=st.booleans(),
        count=st.integers(min_value=1, max_value=5),
    ),
    max_size=12,
)
one_place = st.integers(min_value=0, max_value=400).map(lambda n: Decimal(n).scaleb(-1))
policies = st.builds(
    Policy,
    weights=st.fixed_dictionaries(
        {kind: st.integers(min_value=0, max_value=100) for kind in KINDS}
    ),
    minimums=st.fixed_dictionaries(
        {},
        optional={
            "pass_rate": tenths,
            "response_days": st.integers(0, 30).map(Decimal),
            "resolution_days": st.integers(0, 60).map(Decimal),
            "rectification_days": st.integers(0, 90).map(Decimal),
        },
    ),
    required_kinds=st.lists(st.sampled_from(KINDS), unique=True).map(tuple),
    critical_penalty=one_place,
    upheld_penalty=one_place,
    upheld_cap=one_place,
    grade_a_min=tenths,
    grade_b_min=tenths,
    grade_c_min=tenths,
)


def gathered(pledges, inspections, complaints, period=YEAR) -> batch.Facts:
    """What batch.gather returns for these facts: what counts, events after the last day left
    out, passing results counted, dates as ISO text."""
    last = period.last_day

    def cut(day):
        return day.isoformat() if day is not None and day <= last else None

    facts = batch.Facts()
    for p in pledges:
        if p.published_on <= last:
            facts.pledges.append(
                batch.PledgeRow(
                    p.id, p.version, p.published_on.isoformat(), cut(p.withdrawn_on), p.commitments
                )
            )
    for i in inspections:
        if not (period.first_day <= i.sampled_on <= last and i.reported_on <= last):
            continue
        if i.verdict == "pass":
            facts.passed += i.count
        else:
            facts.failures.append(
                (i.verdict, i.severity, i.reported_on.isoformat(), cut(i.rectified_on), i.count)
            )
    for c in complaints:
        if c.rejected or c.accepted_on is None or not period.first_day <= c.accepted_on <= last:
            continue
        facts.complaints.append(
            (
                c.accepted_on.isoformat(),
                cut(c.responded_on),
                cut(c.resolved_on),
                cut(c.upheld_on),
                c.count,
            )
        )
    return facts


def assert_same(outcome: batch.Outcome, result, charter_version=3) -> None:
    assert outcome.status == result.status
    assert outcome.pledge_id == result.pledge_id
    assert outcome.score == (None if result.score is None else str(result.score))
    assert outcome.grade == result.grade
    expected = json.dumps(result.details(charter_version), sort_keys=True, separators=(",", ":"))
    assert outcome.details == expected


@settings(max_examples=1500, deadline=None)
@given(
    policy=policies,
    pledges=pledges_strategy,
    inspections=inspections_strategy,
    complaints=complaints_strategy,
)
def test_batch_scoring_equals_the_reference_for_any_facts_and_policy(
    policy, pledges, inspections, complaints
):
    result = assess_member(policy, YEAR, pledges, inspections, complaints)
    outcome = batch.assess(
        batch.Rules.of(policy, YEAR, 3), gathered(pledges, inspections, complaints)
    )
    assert_same(outcome, result)


@settings(max_examples=500, deadline=None)
@given(
    inspections=inspections_strategy,
    complaints=complaints_strategy,
    targets=st.tuples(tenths, day_targets, day_targets, day_targets),
)
def test_batch_scoring_equals_the_reference_under_the_default_policy(
    inspections, complaints, targets
):
    pledge_facts = [PledgeFacts(7, 1, D(2024, 6, 1), None, dict(zip(KINDS, targets, strict=True)))]
    result = assess_member(DEFAULT_POLICY, YEAR, pledge_facts, inspections, complaints)
    rules = batch.Rules.of(DEFAULT_POLICY, YEAR, None)
    outcome = batch.assess(rules, gathered(pledge_facts, inspections, complaints))
    assert_same(outcome, result, charter_version=None)


def test_the_worked_examples_through_batch_scoring():
    """Issue 8's examples 1 and 3, in batch.py's terms."""
    rules = batch.Rules.of(DEFAULT_POLICY, YEAR, 1)
    one = batch.Facts(
        pledges=[batch.PledgeRow(1, 1, "2024-06-01", None, _targets("95", "3", "30", "60"))],
        passed=7,
        failures=[("fail", "major", "2025-05-10", "2025-06-20", 1)],
        complaints=[
            ("2025-03-01", "2025-03-03", "2025-03-20", None, 1),
            ("2025-07-01", "2025-07-05", "2025-08-15", "2025-08-15", 1),
            ("2025-12-30", None, None, None, 1),
            ("2025-10-01", "2025-10-02", None, None, 1),
        ],
    )
    outcome = batch.assess(rules, one)
    assert (outcome.score, outcome.grade) == ("74.1", "C")
    three = batch.Facts(
        pledges=[batch.PledgeRow(1, 1, "2024-06-01", None, _targets("90", "7", "30", "60"))],
        passed=72,
        failures=[
            ("fail", "minor", "2025-03-10", "2025-04-01", 1),
            ("fail", "minor", "2025-03-10", "2025-09-01", 7),
        ],
        complaints=[("2025-05-02", "2025-05-03", "2025-05-20", None, 1)],
    )
    outcome = batch.assess(rules, three)
    assert (outcome.score, outcome.grade) == ("91.3", "A")
    assert json.loads(outcome.details)["weighted"] == "91.25"


def _targets(*values: str) -> dict[str, Decimal]:
    return {
        kind: Decimal(value).quantize(Decimal("0.1"))
        for kind, value in zip(KINDS, values, strict=True)
    }


# The inputs digest.


@settings(max_examples=200, deadline=None)
@given(
    pledges=pledges_strategy,
    inspections=inspections_strategy,
    complaints=complaints_strategy,
    seed=st.integers(),
)
def test_the_inputs_digest_does_not_depend_on_the_order_of_the_rows(
    pledges, inspections, complaints, seed
):
    facts = gathered(pledges, inspections, complaints)
    shuffled = batch.Facts(
        pledges=list(facts.pledges),
        passed=facts.passed,
        failures=list(facts.failures),
        complaints=list(facts.complaints),
    )
    for rows in (shuffled.pledges, shuffled.failures, shuffled.complaints):
        random.Random(seed).shuffle(rows)
    assert shuffled.digest() == facts.digest()


def test_the_inputs_digest_changes_with_any_fact():
    base = batch.Facts(
        pledges=[batch.PledgeRow(1, 1, "2024-06-01", None, _targets("95", "3", "30", "60"))],
        passed=7,
        failures=[("fail", "major", "2025-05-10", "2025-06-20", 1)],
        complaints=[("2025-03-01", "2025-03-03", None, None, 2)],
    )
    changed = [
        batch.Facts(base.pledges, 8, base.failures, base.complaints),
        batch.Facts(base.pledges, 7, [("fail", "major", "2025-05-10", None, 1)], base.complaints),
        batch.Facts(base.pledges, 7, base.failures, [("2025-03-01", "2025-03-03", None, None, 1)]),
        batch.Facts(
            [batch.PledgeRow(1, 1, "2024-06-01", None, _targets("96", "3", "30", "60"))],
            7,
            base.failures,
            base.complaints,
        ),
    ]
    digests = {base.digest(), *(facts.digest() for facts in changed)}
    assert len(digests) == 5
    assert base.canonical().splitlines()[0].startswith("c 2025-03-01 2025-03-03 - - 2")


# On database rows.


def varied_members(coop) -> list[int]:
    """Members covering each branch: versions, withdrawals, missing kinds, late events."""
    members = [MemberFactory(cooperative=coop) for _ in range(9)]
    a, b, c, d, e, f, g, h, i = members
    pledge(a, ("95", "3", "30", "60"))
    pledge(b, ("92.5", "7", "30", "60"), published_on=D(2023, 1, 1), version=1)
    pledge(b, ("98", "2", "15", "30"), published_on=D(2025, 6, 1), version=2)
    pledge(c, ("90", "7", "30", "60"), withdrawn_on=D(2025, 11, 1))
    pledge(d, ("90", None, "30", None))  # kinds left out: the charter's minimums stand in
    pledge(e, ("90", "7", "30", "60"), published_on=D(2026, 1, 5))  # after the period
    pledge(f, ("90", "7", "30", "60"), withdrawn_on=D(2026, 1, 2))  # withdrawn after it
    pledge(g, ("100", "1", "1", "1"))
    pledge(h, ("90", "7", "30", "60"))
    for index, member in enumerate(members):
        for day in range(index + 1):
            InspectionFactory(
                member=member, sampled_on=D(2025, 2, 1 + day), reported_on=D(2025, 2, 9 + day)
            )
        InspectionFactory(
            member=member,
            verdict=Inspection.Verdict.FAIL,
            severity=["minor", "major", "critical"][index % 3],
            sampled_on=D(2025, 11, 1),
            reported_on=D(2025, 11, 10 + index),
            rectified_on=[None, D(2025, 12, 1), D(2026, 1, 3)][index % 3],
        )
        InspectionFactory(member=member, sampled_on=D(2025, 12, 28), reported_on=D(2026, 1, 4))
        InspectionFactory(member=member, status=Inspection.Status.VOIDED, verdict="fail")
        ComplaintFactory(
            member=member,
            accepted_on=D(2025, 4, 1),
            responded_on=D(2025, 4, 1 + index),
            resolved_on=D(2025, 4, 10) + datetime.timedelta(days=3 * index),
            upheld_on=D(2025, 5, 1) if index % 2 else None,
        )
        ComplaintFactory(member=member, accepted_on=D(2025, 12, 29), responded_on=D(2026, 1, 2))
        ComplaintFactory(member=member, status=Complaint.Status.REJECTED)
    InspectionFactory(member=i, sampled_on=D(2024, 12, 30), reported_on=D(2025, 1, 2))
    return sorted(m.pk for m in members)


def test_batch_gathering_and_scoring_equal_the_reference_on_database_rows(coop, charter):
    ids = varied_members(coop)
    policy = gather.policy_of(charter)
    reference = gather.gather(YEAR, ids)
    facts = batch.gather(YEAR, ids)
    rules = batch.Rules.of(policy, YEAR, charter.number)
    statuses = set()
    for member_id in ids:
        inputs = reference[member_id]
        result = assess_member(policy, YEAR, inputs.pledges, inputs.inspections, inputs.complaints)
        assert_same(batch.assess(rules, facts[member_id]), result, charter.number)
        statuses.add(result.status)
    assert statuses == {"rated", "no_pledge"}


def members_with_some_complaints(coop, count: int) -> list[int]:
    ids = [MemberFactory(cooperative=coop).pk for _ in range(count)]
    for member_id in ids[:: max(1, count // 10)]:
        ComplaintFactory(member_id=member_id, cooperative=coop)
    return ids


@pytest.mark.parametrize("count", [1, 60])
def test_batch_gathering_takes_four_queries_whatever_the_number_of_members(
    coop, charter, django_assert_num_queries, count
):
    ids = members_with_some_complaints(coop, count)
    with django_assert_num_queries(4):
        batch.gather(YEAR, ids)


def test_a_run_hash_taken_while_writing_equals_the_hash_of_the_stored_results(coop, charter):
    varied_members(coop)
    run = compute(coop, "2025", chunk_size=4)
    assert run.hash_version == 3
    assert run.chunks_total == 3
    assert run.inputs_hash == services.stored_hash(run)
    assert run.inputs_hash == services.recomputed_hash(run)
    # Whatever the chunks: the hash covers members, not chunks.
    again = compute(coop, "2025", chunk_size=100)
    assert again.inputs_hash == run.inputs_hash
    stored = MemberAssessment.objects.filter(run=again).order_by("member_id").first()
    assert stored is not None
    assert len(stored.inputs_digest) == 64


def test_a_run_published_with_hash_version_1_still_verifies(coop, charter):
    """Runs hashed before version 2 (the whole stream re-read) are verified as they were."""
    varied_members(coop)
    period = services.period_for(coop, "2025")
    run = services.start_run(period, dispatch=False, chunk_size=4)
    AssessmentRun.objects.filter(pk=run.pk).update(hash_version=1)
    services.compute_run_now(run)
    run.refresh_from_db()
    assert run.hash_version == 1
    assert run.inputs_hash == services.stored_hash(run)
    published = services.publish_run(run, by=None)
    assert services.verify_run(published)
    version_two = compute(coop, "2025")
    assert version_two.inputs_hash != published.inputs_hash
    assert services.verify_run(version_two)


def test_a_changed_input_breaks_the_hash_of_version_2(coop, charter):
    ids = varied_members(coop)
    run = publish(coop, "2025")
    assert services.verify_run(run)
    InspectionFactory(member_id=ids[0], cooperative=coop, sampled_on=D(2025, 7, 1))
    assert not services.verify_run(run)


# Hash version 3: the database tallies each member's events.


def test_tallies_counted_by_the_database_equal_those_counted_from_every_event(coop, charter):
    """On PostgreSQL the tallies come from two grouped queries; elsewhere, and here as the
    reference, from the facts batch.gather returns (every event), counted in Python."""
    ids = varied_members(coop)
    rules = batch.Rules.of(gather.policy_of(charter), YEAR, charter.number)
    facts = batch.gather(YEAR, ids)
    gathered = batch.gather_tallied(rules, YEAR, ids)
    assert set(gathered) == set(ids)
    measured_clocks = 0
    for member_id in ids:
        member = gathered[member_id]
        assert member.latest == batch.latest_pledge(facts[member_id].pledges)
        assert member.pledge == batch.pledge_in_force(facts[member_id].pledges)
        assert member.days == batch.deadline_days(rules, member.pledge)
        expected = batch.tallies_of(facts[member_id], member.days, rules.last_ordinal)
        assert member.tallies == expected, member_id
        measured_clocks += sum(1 for due, _on_time in expected.clocks.values() if due)
    assert measured_clocks > 0


def test_version_3_gives_the_results_of_version_2_character_for_character(coop, charter):
    ids = varied_members(coop)
    rules = batch.Rules.of(gather.policy_of(charter), YEAR, charter.number)
    two = {row.member_id: row for row in batch.assess_chunk(rules, YEAR, ids)}
    three = {row.member_id: row for row in batch.assess_tallied_chunk(rules, YEAR, ids)}
    assert set(two) == set(three) == set(ids)
    for member_id in ids:
        assert three[member_id].outcome == two[member_id].outcome
        # Only the inputs digest (the text it is taken of) differs between the versions.
        assert three[member_id].inputs_digest != two[member_id].inputs_digest


@pytest.mark.parametrize("count", [1, 60])
def test_version_3_gathering_takes_the_same_queries_whatever_the_number_of_members(
    coop, charter, django_assert_num_queries, count
):
    ids = members_with_some_complaints(coop, count)
    rules = batch.Rules.of(gather.policy_of(charter), YEAR, charter.number)
    # Three on PostgreSQL (the latest pledges, the inspections, the complaints, each one row
    # per member); four elsewhere (batch.gather's).
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 4):
        batch.gather_tallied(rules, YEAR, ids)


def test_a_run_of_hash_version_2_still_verifies_and_detects_a_change(coop, charter):
    ids = varied_members(coop)
    period = services.period_for(coop, "2025")
    run = services.start_run(period, dispatch=False, chunk_size=4)
    AssessmentRun.objects.filter(pk=run.pk).update(hash_version=2)
    services.compute_run_now(run)
    run.refresh_from_db()
    assert run.hash_version == 2
    published = services.publish_run(run, by=None)
    assert services.verify_run(published)
    version_three = compute(coop, "2025")
    assert version_three.hash_version == 3
    assert version_three.inputs_hash != published.inputs_hash
    assert services.verify_run(version_three)
    # Same results, member for member, whichever version computed them.
    results = {
        version: list(
            MemberAssessment.objects.filter(run=run_)
            .order_by("member_id")
            .values_list("member_id", "status", "score", "grade", "details")
        )
        for version, run_ in ((2, published), (3, version_three))
    }
    assert results[2] == results[3]
    InspectionFactory(member_id=ids[0], cooperative=coop, sampled_on=D(2025, 7, 1))
    assert not services.verify_run(published)


def test_a_change_that_moves_a_tally_breaks_the_hash_of_version_3(coop, charter):
    ids = varied_members(coop)
    run = publish(coop, "2025")
    assert run.hash_version == 3
    assert services.verify_run(run)
    ComplaintFactory(
        member_id=ids[0], cooperative=coop, accepted_on=D(2025, 6, 1), upheld_on=D(2025, 6, 20)
    )
    assert not services.verify_run(run)
