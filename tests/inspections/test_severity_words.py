"""One set of words for the severity of a failed result, wherever it is shown (walk 1, F-L1):
the choices of the model, the column's name, the lab page's help, the error for a missing
severity, the public and member pages and the assessment's "critical failures"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from inspections.models import Inspection
from inspections.validation import check_result

# The standard Chinese quality terms.
WORDS = {"minor": "轻微", "major": "严重", "critical": "致命"}
COLUMN = "不合格程度"
HELP = (
    "Dates are written 2025-03-10; a verdict is pass or fail; the severity of a fail is minor, "
    "major or critical."
)


def missing_severity() -> str:
    day = datetime.date(2025, 3, 1)
    [(_field, message)] = check_result(
        sampled_on=day, reported_on=day, verdict="fail", severity="", today=day
    )
    return message


def test_the_severity_words_are_the_same_in_every_message():
    with translation.override("zh-hans"):
        labels = {code: str(label) for code, label in Inspection.Severity.choices}
        assert labels == WORDS
        assert str(Inspection._meta.get_field("severity").verbose_name) == COLUMN
        assert gettext("Severity") == COLUMN
        error, help_text = missing_severity(), gettext(HELP)
        for code, word in WORDS.items():
            assert f"{code}（{word}）" in error
            assert f"{code}（{word}）" in help_text
        assert COLUMN in error
        assert COLUMN in help_text
        assert gettext("critical failures") == f"{WORDS['critical']}不合格"
        assert (
            gettext("points deducted per critical failure") == f"每次{WORDS['critical']}不合格扣分"
        )
        # No other word for a severity anywhere these are shown.
        for text in (error, help_text, gettext("critical failures")):
            assert "较重" not in text
            assert "严重程度" not in text


@pytest.mark.django_db
def test_the_lab_page_and_its_error_use_the_same_words(personas, coop, member_a, lab, catalogue):
    from tests.inspections.test_lab_upload import preview_of, row, rows_csv

    personas.lab.cookies["django_language"] = "zh-hans"
    page = personas.lab.get(reverse("inspections:lab_home", args=[coop.slug])).content.decode()
    refused = preview_of(
        personas.lab, coop, {"file": rows_csv(row(member_a, "A-1", verdict="fail"))}, "zh-hans"
    )
    for code, word in WORDS.items():
        assert f"{code}（{word}）" in page
        assert f"{code}（{word}）" in refused
    assert COLUMN in page
    assert COLUMN in refused
    for stale in ("较重", "严重程度"):
        assert stale not in page
        assert stale not in refused
