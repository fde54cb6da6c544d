"""Issue 20, point 11: one way to read a number a visitor typed (coop_portal/params.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop_portal.params import LARGEST_ID, query_id, record_id, whole_number


@pytest.mark.parametrize(
    "typed",
    ["²", "①", "１２", "٣", " 12", "12 ", "+12", "-1", "1_2", "1.0", "0x1", "", "\x00", "1\x00"],
)
def test_only_ascii_digits_make_a_number(typed):
    assert typed.isdigit() in (True, False)  # isdigit says yes to some of these
    assert whole_number(typed) is None


def test_a_number_out_of_the_databases_range_is_none():
    assert whole_number(str(LARGEST_ID)) == LARGEST_ID
    assert whole_number(str(LARGEST_ID + 1)) is None
    assert whole_number("9" * 400) is None


def test_ids_start_at_one():
    assert record_id("0") is None
    assert record_id("007") == 7
    assert query_id({"member": "12"}, "member") == 12
    assert query_id({}, "member") is None
    assert query_id({"member": "²"}, "member") is None


@given(st.text())
def test_any_text_is_a_number_exactly_when_it_is_ascii_digits(text):
    number = whole_number(text)
    if number is None:
        assert not (text.isascii() and text.isdigit() and int(text) <= LARGEST_ID)
    else:
        assert str(number) == text.lstrip("0") or (number == 0 and set(text) == {"0"})


def test_the_parameter_helpers_are_the_only_readers_of_typed_numbers():
    """No view, form or API of the portal reads a number with str.isdigit() again."""
    from pathlib import Path

    from django.conf import settings

    offenders = []
    for app in ("coop_portal", "members", "charter", "inspections", "complaints", "pledges"):
        for path in (settings.BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if ".isdigit()" in line or ".isnumeric()" in line or ".isdecimal()" in line:
                    offenders.append(str(Path(path).relative_to(settings.BASE_DIR)))
    # The credit code's division digits are checked against its ASCII alphabet first.
    assert set(offenders) <= {"members/credit_code.py"}
