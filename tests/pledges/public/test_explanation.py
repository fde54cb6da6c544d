from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import translation

from pledges.assessment import published
from pledges.models import AssessmentPeriod, AssessmentRun, MemberAssessment

from .factories import EXAMPLE_DETAILS


def result(**fields) -> MemberAssessment:
    values = {"status": "rated", "score": Decimal("74.1"), "grade": "C", "details": EXAMPLE_DETAILS}
    return MemberAssessment(**{**values, **fields})


def test_the_worked_example_is_explained_indicator_by_indicator():
    with translation.override("en"):
        explanation = published.explain(result())

    rows = {row.kind: row for row in explanation.indicators}
    assert list(rows) == ["pass_rate", "response_days", "resolution_days", "rectification_days"]
    assert rows["pass_rate"].value == "92.11"
    assert rows["pass_rate"].target == "95"
    assert ("pass rate", "87.5%") in rows["pass_rate"].counts
    # The shares add up to the weighted average: 46.05 + 13.33 + 6.67 + 10 = 76.05.
    assert [rows[kind].contribution for kind in rows] == ["46.05", "13.33", "6.67", "10"]
    assert explanation.weighted == "76.05"
    assert explanation.deductions_total == "2"
    assert explanation.score == "74.1"
    assert explanation.deductions == ["1 complaint found justified: 2 points deducted."]


def test_a_whole_score_keeps_its_decimal():
    explanation = published.explain(result(score=Decimal("73"), grade="C"))

    assert explanation.score == "73.0"


def test_a_target_from_the_charter_is_marked_as_such():
    details = {
        "indicators": {
            "rectification_days": {
                "target": "60",
                "weight": 10,
                "measurable": False,
                "value": None,
                "source": "charter",
            }
        }
    }

    [row] = published.explain(result(details=details)).indicators

    assert row.from_charter is True
    assert row.value == "—"
    assert row.contribution == "—"


def test_numbers_are_rounded_half_up_for_people():
    assert published.shown(Decimal("2.345")) == "2.35"
    assert published.shown(Decimal("87.50")) == "87.5"
    assert published.shown(Decimal("100.00")) == "100"
    assert published.shown(None) == "—"


def test_the_chart_marks_grades_and_draws_the_runs_own_thresholds():
    period = AssessmentPeriod(
        code="2024", first_day=datetime.date(2024, 1, 1), last_day=datetime.date(2024, 12, 31)
    )
    later = AssessmentPeriod(
        code="2025", first_day=datetime.date(2025, 1, 1), last_day=datetime.date(2025, 12, 31)
    )
    run = AssessmentRun(revision=1, policy={"grades": {"A": "85", "B": "70", "C": "55"}})
    history = [
        published.HistoryPoint(period, run, result(score=Decimal("100.0"), grade="A")),
        published.HistoryPoint(later, run, result(status="no_pledge", score=None, grade="")),
    ]

    svg = str(published.grade_chart(history))

    # The scored period is a filled point marked with its grade; the other a hollow one.
    assert svg.count("<circle") == 2
    assert ">A</text>" in svg
    assert 'fill="#ffffff"' in svg
    # The run's own grade thresholds are drawn, not the defaults.
    assert all(label in svg for label in ("A ≥ 85", "B ≥ 70", "C ≥ 55"))
