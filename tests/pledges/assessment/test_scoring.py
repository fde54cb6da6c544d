"""The pure scoring function against SCORING.md: the worked examples of issue 8 from their
tallies, each rule on its own, and properties over generated tallies. How the database
counts the tallies from inspections and complaints is tested in test_gathering.py."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pledges.assessment.scoring import (
    DEFAULT_POLICY,
    Clock,
    PledgeVersion,
    Tallies,
    assess,
    deadline_days,
    decimal_text,
    grade_for,
    pledge_in_force,
    round_half_up,
)

D = datetime.date


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
    return PledgeVersion(commitments=commitments, **fields)


def tallies(n=0, passed=0, critical=0, upheld=0, response=(0, 0), resolution=(0, 0), rect=(0, 0)):
    return Tallies(
        inspections=n,
        passed=passed,
        critical=critical,
        upheld=upheld,
        clocks={
            "response_days": Clock(*response),
            "resolution_days": Clock(*resolution),
            "rectification_days": Clock(*rect),
        },
    )


# The worked examples of issue 8 (default policy, period 2025), from the tallies of their
# events; test_computing.py computes them from database rows.


def test_worked_example_one_scores_74_1_grade_c():
    # Seven passes and a major failure re-tested within 60 days; four complaints, of which
    # three are due for an answer within 3 days (two on time) and three for a resolution
    # within 30 days (one on time); one upheld.
    result = assess(
        DEFAULT_POLICY,
        pledged("95", "3", "30", "60"),
        tallies(n=8, passed=7, upheld=1, response=(3, 2), resolution=(3, 1), rect=(1, 1)),
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
    # One pass and two critical failures reported on 2025-11-20, not due for rectification.
    result = assess(DEFAULT_POLICY, pledged(), tallies(n=3, passed=1, critical=2))
    assert decimal_text(result.indicators["pass_rate"].value).startswith("37.037")
    assert not result.indicators["rectification_days"].measurable
    assert not result.indicators["response_days"].measurable
    assert result.deductions.critical == 2
    assert result.deductions.total == 30
    assert result.score == Decimal("7.0")
    assert result.grade == "D"


def test_worked_example_three_rounds_91_25_half_up_to_91_3_grade_a():
    # 72 passes of 80; eight minor failures, one re-tested within 60 days; one complaint
    # answered and resolved in time.
    result = assess(
        DEFAULT_POLICY,
        pledged(),
        tallies(n=80, passed=72, response=(1, 1), resolution=(1, 1), rect=(8, 1)),
    )
    assert result.weighted == Fraction(9125, 100)
    assert result.score == Decimal("91.3")
    assert result.grade == "A"


def test_worked_example_four_no_pledge_in_force_is_no_pledge():
    later = pledged(published_on=D(2026, 1, 5))
    assert pledge_in_force([later], D(2025, 12, 31)) is None
    result = assess(DEFAULT_POLICY, None, tallies(n=3, passed=3))
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
    result = assess(DEFAULT_POLICY, pledged(), tallies(upheld=1))
    assert result.status == "not_rated"
    assert result.score is None
    assert result.deductions.total == 0
    assert all(not ind.measurable for ind in result.indicators.values())


def test_kind_not_pledged_and_not_required_is_not_assessed():
    policy = replace(DEFAULT_POLICY, required_kinds=("pass_rate",))
    pledge = pledged(response=None)
    assert "response_days" not in deadline_days(policy, pledge)
    result = assess(policy, pledge, tallies(n=1, passed=1, response=(1, 0)))
    response = result.indicators["response_days"]
    assert not response.measurable
    assert response.value is None
    assert response.details["measurable"] is False


def test_required_kind_missing_from_the_pledge_is_assessed_against_the_charter_minimum():
    pledge = pledged(response=None)
    assert deadline_days(DEFAULT_POLICY, pledge)["response_days"] == 7
    response = assess(DEFAULT_POLICY, pledge, tallies(response=(2, 1))).indicators["response_days"]
    assert response.source == "charter"
    assert response.target == Decimal(7)
    assert (response.counts["due"], response.counts["on_time"]) == (2, 1)


def test_deadlines_are_whole_days_of_the_members_own_targets():
    pledge = pledged(response="3", resolution="15.0", rectification="45")
    assert deadline_days(DEFAULT_POLICY, pledge) == {
        "response_days": 3,
        "resolution_days": 15,
        "rectification_days": 45,
    }
    assert deadline_days(DEFAULT_POLICY, None) == {}


def test_indicator_json_keeps_the_contract_keys():
    data = assess(DEFAULT_POLICY, pledged(), tallies(n=2, passed=2)).details(3)
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


# Indicator values.


def test_pass_rate_at_or_above_target_is_100():
    result = assess(DEFAULT_POLICY, pledged("90"), tallies(n=10, passed=9))
    assert result.indicators["pass_rate"].value == 100


def test_pass_rate_below_target_is_proportional():
    result = assess(DEFAULT_POLICY, pledged("90"), tallies(n=10, passed=8))
    assert result.indicators["pass_rate"].value == Fraction(100 * 80, 90)


def test_a_clock_indicator_is_the_share_of_due_clocks_on_time():
    result = assess(DEFAULT_POLICY, pledged(), tallies(resolution=(3, 2)))
    assert result.indicators["resolution_days"].value == Fraction(200, 3)
    assert result.indicators["resolution_days"].counts == {"due": 3, "on_time": 2}


# Deductions, clamping, grades.


def test_each_critical_failure_deducts_the_critical_penalty():
    result = assess(DEFAULT_POLICY, pledged("0"), tallies(n=1, critical=1, rect=(1, 1)))
    assert result.indicators["pass_rate"].value == 100
    assert result.score == Decimal("85.0")


def test_upheld_deduction_is_capped():
    result = assess(
        DEFAULT_POLICY, pledged(), tallies(upheld=15, response=(15, 15), resolution=(15, 15))
    )
    assert result.deductions.upheld == 15
    assert result.deductions.upheld_points == 20
    assert result.score == Decimal("80.0")


def test_score_is_clamped_at_zero():
    result = assess(DEFAULT_POLICY, pledged(), tallies(n=9, critical=9))
    assert result.score == Decimal("0.0")
    assert result.grade == "D"


def test_grade_thresholds_come_from_the_policy():
    assert [
        grade_for(Decimal(s), DEFAULT_POLICY)
        for s in ("90.0", "89.9", "75.0", "74.9", "60.0", "59.9")
    ] == ["A", "B", "B", "C", "C", "D"]
    strict = replace(DEFAULT_POLICY, grade_a_min=Decimal("95"))
    assert grade_for(Decimal("94.9"), strict) == "B"


def test_weights_come_from_the_policy():
    policy = replace(
        DEFAULT_POLICY,
        weights={"pass_rate": 1, "response_days": 3, "resolution_days": 0, "rectification_days": 0},
    )
    # Pass rate 100 (weight 1), response 0 (weight 3), resolution 0 (weight 0).
    result = assess(policy, pledged(), tallies(n=1, passed=1, response=(1, 0), resolution=(1, 0)))
    assert result.score == Decimal("25.0")


def test_round_half_up_is_exact():
    assert round_half_up(Fraction(8725, 100)) == Decimal("87.3")
    assert round_half_up(Fraction(8724999, 100000)) == Decimal("87.2")
    assert round_half_up(Fraction(5, 100)) == Decimal("0.1")
    assert round_half_up(Fraction(100)) == Decimal("100.0")


def test_decimal_text_is_exact_for_short_values_and_ten_places_otherwise():
    assert decimal_text(Fraction(175, 2)) == "87.5"
    assert decimal_text(Fraction(200, 3)) == "66.6666666667"
    assert decimal_text(Fraction(100)) == "100"


# Properties.


@st.composite
def clocks(draw):
    due = draw(st.integers(min_value=0, max_value=30))
    return due, draw(st.integers(min_value=0, max_value=due))


@st.composite
def member_tallies(draw):
    n = draw(st.integers(min_value=0, max_value=60))
    passed = draw(st.integers(min_value=0, max_value=n))
    return tallies(
        n=n,
        passed=passed,
        critical=draw(st.integers(min_value=0, max_value=n - passed)),
        upheld=draw(st.integers(min_value=0, max_value=15)),
        response=draw(clocks()),
        resolution=draw(clocks()),
        rect=draw(clocks()),
    )


targets = st.tuples(
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=90),
).map(lambda values: pledged(*map(str, values)))


@settings(max_examples=300, deadline=None)
@given(pledge=targets, counted=member_tallies())
def test_score_is_between_0_and_100_with_one_decimal(pledge, counted):
    result = assess(DEFAULT_POLICY, pledge, counted)
    if result.status == "rated":
        assert Decimal(0) <= result.score <= Decimal(100)
        assert result.score == result.score.quantize(Decimal("0.1"))
        assert result.grade in "ABCD"
    else:
        assert result.score is None


@settings(max_examples=300, deadline=None)
@given(
    pledge=targets,
    counted=member_tallies(),
    kind=st.sampled_from(["response_days", "resolution_days", "rectification_days"]),
)
def test_one_more_clock_stopped_on_time_never_lowers_the_score(pledge, counted, kind):
    clock = counted.clocks[kind]
    if clock.on_time == clock.due:
        return
    better = counted._replace(clocks={**counted.clocks, kind: Clock(clock.due, clock.on_time + 1)})
    before = assess(DEFAULT_POLICY, pledge, counted)
    after = assess(DEFAULT_POLICY, pledge, better)
    assert before.status == after.status == "rated"
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
