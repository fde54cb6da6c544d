from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from charter.models import ScoringPolicy

pytestmark = pytest.mark.django_db


def errors_of(policy: ScoringPolicy) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        policy.clean()
    return caught.value.message_dict


def test_the_default_policy_is_valid():
    ScoringPolicy().clean()


def test_weights_must_be_positive():
    errors = errors_of(ScoringPolicy(weight_response_days=0))
    assert list(errors) == ["weight_response_days"]


def test_grade_thresholds_must_be_ordered_a_above_b_above_c():
    errors = errors_of(ScoringPolicy(grade_a_min=Decimal(80), grade_b_min=Decimal(85)))
    assert "A above B above C" in errors["grade_b_min"][0]
    errors = errors_of(ScoringPolicy(grade_b_min=Decimal(60), grade_c_min=Decimal(60)))
    assert "grade_b_min" in errors


def test_grade_thresholds_lie_within_0_and_100():
    errors = errors_of(
        ScoringPolicy(
            grade_a_min=Decimal("100.5"), grade_b_min=Decimal(75), grade_c_min=Decimal(60)
        )
    )
    assert "grade_a_min" in errors
    errors = errors_of(ScoringPolicy(grade_c_min=Decimal(-1)))
    assert "grade_c_min" in errors


def test_the_minimum_pass_rate_is_a_percentage():
    assert "min_pass_rate" in errors_of(ScoringPolicy(min_pass_rate=Decimal("100.1")))
    assert "min_pass_rate" in errors_of(ScoringPolicy(min_pass_rate=Decimal("-0.1")))
    ScoringPolicy(min_pass_rate=Decimal(100)).clean()
    ScoringPolicy(min_pass_rate=Decimal(0)).clean()


@pytest.mark.parametrize(
    "field",
    [
        "max_response_days",
        "max_resolution_days",
        "max_rectification_days",
        "rectification_period_days",
        "appeal_window_days",
        "notice_period_days",
    ],
)
def test_day_counts_are_at_least_one(field):
    assert errors_of(ScoringPolicy(**{field: 0}))[field] == ["Give at least 1 day."]
    ScoringPolicy(**{field: 1}).clean()


@pytest.mark.parametrize("field", ["critical_penalty", "upheld_penalty", "upheld_cap"])
def test_deductions_cannot_be_negative(field):
    assert field in errors_of(ScoringPolicy(**{field: Decimal(-1)}))
    ScoringPolicy(**{field: Decimal(0)}).clean()


def test_required_kinds_must_be_known_and_listed_once():
    errors = errors_of(ScoringPolicy(required_kinds=["pass_rate", "speed"]))
    assert "speed" in errors["required_kinds"][0]
    errors = errors_of(ScoringPolicy(required_kinds=["pass_rate", "pass_rate"]))
    assert "once" in errors["required_kinds"][0]
    assert "required_kinds" in errors_of(ScoringPolicy(required_kinds="pass_rate"))
    ScoringPolicy(required_kinds=["pass_rate", "response_days"]).clean()


def test_an_empty_list_of_required_kinds_means_all_four():
    assert ScoringPolicy().kinds_required == [
        "pass_rate",
        "response_days",
        "resolution_days",
        "rectification_days",
    ]


def test_messages_are_in_the_users_language():
    with translation.override("zh-hans"):
        chinese = errors_of(ScoringPolicy(weight_pass_rate=0))["weight_pass_rate"][0]
    with translation.override("en"):
        english = errors_of(ScoringPolicy(weight_pass_rate=0))["weight_pass_rate"][0]
    assert english == "A weight must be a positive whole number."
    assert chinese != english
