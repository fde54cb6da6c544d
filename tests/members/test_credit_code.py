import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from members.credit_code import ALPHABET, check_character, normalise, problem, validate_credit_code

# Published examples of real unified social credit codes.
REAL_CODES = [
    "91350100M000100Y43",
    "91440300708461136T",
    "91110108551385082Q",
    "914403001922038216",
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_world_codes_are_valid(code):
    assert problem(code) is None


def test_white_space_and_lower_case_are_normalised():
    assert normalise(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert normalise("9135 0100 M000 100Y 43") == "91350100M000100Y43"


def test_a_wrong_check_character_names_the_expected_one():
    with translation.override("en"):
        message = problem("91350100M000100Y44")
    assert message is not None
    assert "should be “3”" in message


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "empty"),
        ("91350100M000100Y4", "has 17"),
        ("91350100M000100Y433", "has 19"),
        ("91350100M000100I43", "Character 16, “I”"),
        ("91350100O000100Y43", "Character 9, “O”"),
        ("913501A0M000100Y43", "administrative division"),
    ],
)
def test_every_kind_of_corruption_is_explained(code, fragment):
    with translation.override("en"):
        assert fragment in (problem(code) or "")


def test_messages_are_chinese_by_default():
    with translation.override("zh-hans"):
        message = problem("91350100M000100Y44")
    assert message is not None
    assert "校验码" in message


def test_validator_raises_a_validation_error():
    with pytest.raises(ValidationError):
        validate_credit_code("91350100M000100Y44")
    validate_credit_code("91350100M000100Y43")


body = st.text(alphabet=ALPHABET, min_size=17, max_size=17).map(
    lambda s: s[:2] + "".join("0123456789"[ALPHABET.index(c) % 10] for c in s[2:8]) + s[8:]
)


@given(body)
def test_any_code_with_its_check_character_is_valid(first_seventeen):
    assert problem(first_seventeen + check_character(first_seventeen)) is None


@given(body, st.integers(min_value=0, max_value=16), st.sampled_from(ALPHABET))
def test_any_single_character_change_is_caught(first_seventeen, position, replacement):
    code = first_seventeen + check_character(first_seventeen)
    corrupted = code[:position] + replacement + code[position + 1 :]
    if corrupted != code and corrupted[2:8].isdigit():
        assert problem(corrupted) is not None
