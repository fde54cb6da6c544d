"""The pure scoring function against SCORING.md: the worked examples of issue 8, each rule on
its own, and properties over generated inputs."""

from __future__ import annotations

import datetime
import random
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pledges.assessment.scoring import (
    DEFAULT_POLICY,
    ComplaintFacts,
    InspectionFacts,
    Period,
    PledgeFacts,
    assess_member,
    decimal_text,
    grade_for,
    pledge_in_force,
    round_half_up,
)

D = datetime.date
YEAR = Period(D(2025, 1, 1), D(2025, 12, 31))


def pledged(pass_rate="90", response="7", resolution="30", rectification="60", **extra):  # noqa: S107
    commitments = {
        kind: Decimal(target)
        for kind, target in [
            ("pass_rate", pass_rate),
            ("response_days", response),
            ("resolution_days", resolution),
            ("rectification_days", rectification),
        ]
        if target is not None
    }
    fields = {"id": 1, "version": 1, "published_on": D(2024, 6, 1), "withdrawn_on": None}
    fields.update(extra)
    return PledgeFacts(commitments=commitments, **fields)


def passes(count, reported=None):
    reported = reported or D(2025, 3, 5)
    return InspectionFacts(D(2025, 3, 1), reported, "pass", count=count)


def fail(reported, rectified=None, severity="major", count=1, sampled=None):
    return InspectionFacts(
        sampled or reported - datetime.timedelta(days=5),
        reported,
        "fail",
        severity,
        rectified,
        count,
    )


def complaint(accepted, responded=None, resolved=None, upheld=None, rejected=False):
    return ComplaintFacts(accepted, responded, resolved, upheld, rejected)


# The four worked examples of issue 8 (default policy, period 2025).


def test_worked_example_one_scores_74_1_grade_c():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged("95", "3", "30", "60")],
        [passes(7), fail(D(2025, 5, 10), rectified=D(2025, 6, 20))],
        [
            complaint(D(2025, 3, 1), D(2025, 3, 3), D(2025, 3, 20)),
            complaint(D(2025, 7, 1), D(2025, 7, 5), D(2025, 8, 15), upheld=D(2025, 8, 15)),
            complaint(D(2025, 12, 30)),
            complaint(D(2025, 10, 1), D(2025, 10, 2)),
        ],
    )
    values = {kind: ind.value for kind, ind in result.indicators.items()}
    assert values["pass_rate"] == Fraction(100) * Fraction(875, 10) / 95
    assert values["response_days"] == Fraction(200, 3)
    assert values["resolution_days"] == Fraction(100, 3)
    assert values["rectification_days"] == 100
    assert decimal_text(result.weighted).startswith("76.05")
    assert result.deductions.total == 2
    assert result.status == "rated"
    assert result.score == Decimal("74.1")
    assert result.grade == "C"


def test_worked_example_two_scores_7_0_grade_d():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged("90", "7", "30", "60")],
        [passes(1), fail(D(2025, 11, 20), severity="critical", count=2)],
        [],
    )
    assert decimal_text(result.indicators["pass_rate"].value).startswith("37.037")
    assert not result.indicators["rectification_days"].measurable
    assert not result.indicators["response_days"].measurable
    assert result.deductions.critical == 2
    assert result.deductions.total == 30
    assert result.score == Decimal("7.0")
    assert result.grade == "D"


def test_worked_example_three_rounds_91_25_half_up_to_91_3_grade_a():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged("90", "7", "30", "60")],
        [
            passes(72),
            fail(D(2025, 3, 10), rectified=D(2025, 4, 1), severity="minor"),
            fail(D(2025, 3, 10), rectified=D(2025, 9, 1), severity="minor", count=7),
        ],
        [complaint(D(2025, 5, 2), D(2025, 5, 3), D(2025, 5, 20))],
    )
    assert result.weighted == Fraction(9125, 100)
    assert result.score == Decimal("91.3")
    assert result.grade == "A"


def test_worked_example_four_pledge_published_after_the_period_is_no_pledge():
    result = assess_member(
        DEFAULT_POLICY, YEAR, [pledged(published_on=D(2026, 1, 5))], [passes(3)], []
    )
    assert result.status == "no_pledge"
    assert result.score is None
    assert result.grade == ""


# The pledge in force.


def test_latest_published_version_is_in_force():
    older = pledged(id=1, version=1, published_on=D(2024, 1, 1))
    newer = pledged(id=2, version=2, published_on=D(2025, 6, 1))
    assert pledge_in_force([older, newer], D(2025, 12, 31)) == newer
    assert pledge_in_force([older, newer], D(2025, 5, 31)) == older


def test_withdrawing_the_latest_version_does_not_bring_back_the_earlier_one():
    older = pledged(id=1, version=1, published_on=D(2024, 1, 1))
    newer = pledged(id=2, version=2, published_on=D(2025, 6, 1), withdrawn_on=D(2025, 9, 1))
    assert pledge_in_force([older, newer], D(2025, 12, 31)) is None
    result = assess_member(DEFAULT_POLICY, YEAR, [older, newer], [passes(1)], [])
    assert result.status == "no_pledge"


def test_withdrawal_after_the_last_day_does_not_count():
    withdrawn_later = pledged(withdrawn_on=D(2026, 1, 2))
    assert pledge_in_force([withdrawn_later], D(2025, 12, 31)) == withdrawn_later


def test_withdrawal_on_the_last_day_counts():
    assert pledge_in_force([pledged(withdrawn_on=D(2025, 12, 31))], D(2025, 12, 31)) is None


def test_pledge_published_on_the_last_day_is_in_force():
    assert pledge_in_force([pledged(published_on=D(2025, 12, 31))], D(2025, 12, 31)) is not None


def test_same_day_versions_take_the_higher_version():
    one = pledged(id=1, version=1, published_on=D(2025, 2, 1))
    two = pledged(id=2, version=2, published_on=D(2025, 2, 1))
    assert pledge_in_force([two, one], D(2025, 3, 1)) == two


# Measurability and status.


def test_pledge_with_nothing_measurable_is_not_rated():
    result = assess_member(DEFAULT_POLICY, YEAR, [pledged()], [], [])
    assert result.status == "not_rated"
    assert result.score is None
    assert all(not ind.measurable for ind in result.indicators.values())


def test_not_rated_member_gets_no_deductions_applied_to_a_score():
    result = assess_member(
        DEFAULT_POLICY, YEAR, [pledged()], [], [complaint(D(2025, 12, 30), upheld=D(2025, 12, 31))]
    )
    assert result.status == "not_rated"
    assert result.score is None


def test_kind_not_pledged_and_not_required_is_not_assessed():
    policy = replace(DEFAULT_POLICY, required_kinds=("pass_rate",))
    result = assess_member(
        policy, YEAR, [pledged(response=None)], [passes(1)], [complaint(D(2025, 3, 1))]
    )
    response = result.indicators["response_days"]
    assert not response.measurable
    assert response.value is None
    assert response.as_json()["measurable"] is False


def test_required_kind_missing_from_the_pledge_is_assessed_against_the_charter_minimum():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged(response=None)],
        [],
        [complaint(D(2025, 3, 1), D(2025, 3, 8)), complaint(D(2025, 4, 1), D(2025, 4, 9))],
    )
    response = result.indicators["response_days"]
    assert response.source == "charter"
    assert response.target == Decimal(7)
    assert (response.counts["due"], response.counts["on_time"]) == (2, 1)


def test_indicator_json_keeps_the_contract_keys():
    result = assess_member(DEFAULT_POLICY, YEAR, [pledged()], [passes(2)], [])
    data = result.details(3)
    assert set(data) >= {"indicators", "weighted", "deductions", "charter_version"}
    assert set(data["indicators"]["pass_rate"]) >= {
        "target",
        "weight",
        "measurable",
        "value",
        "n",
        "passed",
        "critical",
        "rate",
    }
    assert set(data["indicators"]["response_days"]) >= {"target", "weight", "measurable", "value"}
    assert set(data["deductions"]) == {
        "critical",
        "critical_points",
        "upheld",
        "upheld_points",
        "total",
    }
    assert data["charter_version"] == 3


# Pass rate.


def test_pass_rate_at_or_above_target_is_100():
    result = assess_member(
        DEFAULT_POLICY, YEAR, [pledged("90")], [passes(9), fail(D(2025, 3, 1))], []
    )
    assert result.indicators["pass_rate"].value == 100


def test_pass_rate_below_target_is_proportional():
    result = assess_member(
        DEFAULT_POLICY, YEAR, [pledged("90")], [passes(8), fail(D(2025, 3, 1), count=2)], []
    )
    assert result.indicators["pass_rate"].value == Fraction(100 * 80, 90)


def test_inspection_sampled_before_the_period_is_not_counted():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged()],
        [passes(1), fail(D(2025, 1, 10), sampled=D(2024, 12, 31))],
        [],
    )
    assert result.indicators["pass_rate"].counts["n"] == 1


def test_inspection_reported_after_the_last_day_is_not_counted():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged()],
        [passes(1), fail(D(2026, 1, 3), sampled=D(2025, 12, 20))],
        [],
    )
    assert result.indicators["pass_rate"].counts["n"] == 1


def test_inspection_sampled_and_reported_on_the_last_day_counts():
    result = assess_member(
        DEFAULT_POLICY, YEAR, [pledged()], [fail(D(2025, 12, 31), sampled=D(2025, 12, 31))], []
    )
    assert result.indicators["pass_rate"].counts["n"] == 1


# Clocks: "within N days" in calendar dates.


def test_answer_on_day_d_plus_n_is_on_time_and_d_plus_n_plus_1_is_late():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged(response="7")],
        [],
        [complaint(D(2025, 3, 1), D(2025, 3, 8)), complaint(D(2025, 3, 1), D(2025, 3, 9))],
    )
    assert result.indicators["response_days"].counts == {"due": 2, "on_time": 1}


def test_unanswered_complaint_is_due_only_once_its_deadline_is_within_the_period():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged(response="7")],
        [],
        [complaint(D(2025, 12, 24)), complaint(D(2025, 12, 25))],
    )
    assert result.indicators["response_days"].counts == {"due": 1, "on_time": 0}


def test_answer_after_the_last_day_does_not_exist():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged(response="7")],
        [],
        [complaint(D(2025, 12, 20), D(2026, 1, 2)), complaint(D(2025, 12, 30), D(2026, 1, 1))],
    )
    # The first is late and unanswered within the period; the second is not due yet.
    assert result.indicators["response_days"].counts == {"due": 1, "on_time": 0}


def test_answer_before_its_deadline_counts_even_when_the_deadline_is_after_the_period():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged(response="7")],
        [],
        [complaint(D(2025, 12, 30), D(2025, 12, 31))],
    )
    assert result.indicators["response_days"].counts == {"due": 1, "on_time": 1}


def test_rejected_complaint_and_complaint_accepted_outside_the_period_are_ignored():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged()],
        [],
        [
            complaint(D(2025, 3, 1), D(2025, 3, 2), rejected=True),
            complaint(D(2024, 12, 31), D(2025, 1, 20)),
            complaint(None),
        ],
    )
    assert not result.indicators["response_days"].measurable


def test_resolution_clock_is_stopped_by_the_resolution():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged(resolution="30")],
        [],
        [
            complaint(D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 31)),
            complaint(D(2025, 3, 1), None, D(2025, 4, 1)),
        ],
    )
    assert result.indicators["resolution_days"].counts == {"due": 2, "on_time": 1}


def test_rectification_clock_starts_on_the_report_day():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged(rectification="60")],
        [
            fail(D(2025, 3, 1), D(2025, 4, 30)),
            fail(D(2025, 3, 1), D(2025, 5, 1)),
            fail(D(2025, 11, 15)),
        ],
        [],
    )
    assert result.indicators["rectification_days"].counts == {"due": 2, "on_time": 1}


def test_retest_after_the_last_day_does_not_exist():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged(rectification="60")],
        [fail(D(2025, 10, 1), D(2026, 1, 1))],
        [],
    )
    assert result.indicators["rectification_days"].counts == {"due": 1, "on_time": 0}


# Deductions, clamping, grades.


def test_each_critical_failure_deducts_the_critical_penalty():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged("0")],
        [fail(D(2025, 5, 1), D(2025, 5, 2), severity="critical")],
        [],
    )
    assert result.indicators["pass_rate"].value == 100
    assert result.score == Decimal("85.0")


def test_upheld_deduction_is_capped():
    upheld = [complaint(D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 3), D(2025, 3, 4))] * 15
    result = assess_member(DEFAULT_POLICY, YEAR, [pledged()], [], upheld)
    assert result.deductions.upheld == 15
    assert result.deductions.upheld_points == 20
    assert result.score == Decimal("80.0")


def test_complaint_upheld_after_the_last_day_is_not_deducted():
    result = assess_member(
        DEFAULT_POLICY,
        YEAR,
        [pledged()],
        [passes(1)],
        [complaint(D(2025, 3, 1), D(2025, 3, 2), D(2025, 3, 3), D(2026, 1, 1))],
    )
    assert result.deductions.upheld == 0


def test_score_is_clamped_at_zero():
    result = assess_member(
        DEFAULT_POLICY, YEAR, [pledged()], [fail(D(2025, 5, 1), severity="critical", count=9)], []
    )
    assert result.score == Decimal("0.0")
    assert result.grade == "D"


def test_grade_thresholds_come_from_the_policy():
    assert [
        grade_for(Decimal(s), DEFAULT_POLICY)
        for s in ("90.0", "89.9", "75.0", "74.9", "60.0", "59.9")
    ] == [
        "A",
        "B",
        "B",
        "C",
        "C",
        "D",
    ]
    strict = replace(DEFAULT_POLICY, grade_a_min=Decimal("95"))
    assert grade_for(Decimal("94.9"), strict) == "B"


def test_weights_come_from_the_policy():
    policy = replace(
        DEFAULT_POLICY,
        weights={"pass_rate": 1, "response_days": 3, "resolution_days": 0, "rectification_days": 0},
    )
    result = assess_member(
        policy,
        YEAR,
        [pledged("90", "7")],
        [passes(1)],
        [complaint(D(2025, 3, 1), D(2025, 3, 30))],
    )
    # Pass rate 100 (weight 1), response 0 (weight 3), resolution 0 (weight 0).
    assert result.score == Decimal("25.0")


def test_round_half_up_is_exact():
    assert round_half_up(Fraction(8725, 100)) == Decimal("87.3")
    assert round_half_up(Fraction(8724999, 100000)) == Decimal("87.2")
    assert round_half_up(Fraction(5, 100)) == Decimal("0.1")
    assert round_half_up(Fraction(100)) == Decimal("100.0")


# Properties.

days = st.integers(min_value=0, max_value=364).map(
    lambda n: D(2025, 1, 1) + datetime.timedelta(days=n)
)
optional_day = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=420).map(
        lambda n: D(2025, 1, 1) + datetime.timedelta(days=n)
    ),
)
complaints_strategy = st.lists(
    st.builds(
        ComplaintFacts,
        accepted_on=days,
        responded_on=optional_day,
        resolved_on=optional_day,
        upheld_on=optional_day,
    ),
    max_size=12,
)
inspections_strategy = st.lists(
    st.builds(
        InspectionFacts,
        sampled_on=days,
        reported_on=days,
        verdict=st.sampled_from(["pass", "fail"]),
        severity=st.sampled_from(["", "minor", "major", "critical"]),
        rectified_on=optional_day,
    ),
    max_size=15,
)
targets = st.tuples(
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=90),
)


@settings(max_examples=200, deadline=None)
@given(targets=targets, inspections=inspections_strategy, complaints=complaints_strategy)
def test_score_is_between_0_and_100_with_one_decimal(targets, inspections, complaints):
    result = assess_member(
        DEFAULT_POLICY, YEAR, [pledged(*map(str, targets))], inspections, complaints
    )
    if result.status == "rated":
        assert Decimal(0) <= result.score <= Decimal(100)
        assert result.score == result.score.quantize(Decimal("0.1"))
        assert result.grade in "ABCD"
    else:
        assert result.score is None


@settings(max_examples=200, deadline=None)
@given(
    targets=targets,
    inspections=inspections_strategy,
    complaints=complaints_strategy,
    seed=st.integers(),
)
def test_score_does_not_depend_on_the_order_of_events(targets, inspections, complaints, seed):
    pledge = [pledged(*map(str, targets))]
    shuffled_inspections, shuffled_complaints = list(inspections), list(complaints)
    random.Random(seed).shuffle(shuffled_inspections)
    random.Random(seed + 1).shuffle(shuffled_complaints)
    assert assess_member(DEFAULT_POLICY, YEAR, pledge, inspections, complaints) == assess_member(
        DEFAULT_POLICY, YEAR, pledge, shuffled_inspections, shuffled_complaints
    )


@settings(max_examples=200, deadline=None)
@given(
    targets=targets,
    inspections=inspections_strategy,
    complaints=complaints_strategy,
    index=st.integers(min_value=0),
)
def test_answering_a_complaint_on_time_never_lowers_the_score(
    targets, inspections, complaints, index
):
    if not complaints:
        return
    pledge = [pledged(*map(str, targets))]
    index %= len(complaints)
    before = assess_member(DEFAULT_POLICY, YEAR, pledge, inspections, complaints)
    improved = list(complaints)
    improved[index] = replace(improved[index], responded_on=improved[index].accepted_on)
    after = assess_member(DEFAULT_POLICY, YEAR, pledge, inspections, improved)
    if before.status == "rated":
        assert after.status == "rated"
        assert after.score >= before.score


@settings(max_examples=300, deadline=None)
@given(
    tenths=st.integers(min_value=0, max_value=1000),
    rest=st.fractions(min_value=0, max_value=Fraction(99, 100)),
)
def test_rounding_is_half_up_in_exact_arithmetic(tenths, rest):
    value = Fraction(tenths, 10) + rest / 10
    rounded = round_half_up(value)
    expected = tenths + (1 if rest >= Fraction(1, 2) else 0)
    assert rounded == Decimal(expected) / 10
    assert abs(Fraction(rounded) - value) <= Fraction(1, 20)


def test_decimal_text_is_exact_for_short_values_and_ten_places_otherwise():
    assert decimal_text(Fraction(175, 2)) == "87.5"
    assert decimal_text(Fraction(200, 3)) == "66.6666666667"
    assert decimal_text(Fraction(100)) == "100"
