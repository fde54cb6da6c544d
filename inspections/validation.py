"""The one set of rules every inspection passes, whichever way it comes in.

The admin form, the lab upload, the lab API and the import command all call these functions,
so a result refused on one path is refused on every path with the same message. Each check
returns a list of (field, message) pairs; the field names are those of the model, of the CSV
columns and of the API alike.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import Inspection, ItemResult, TestItem

Problems = list[tuple[str, str]]

VERDICTS = tuple(Inspection.Verdict.values)
SEVERITIES = tuple(Inspection.Severity.values)
RESULTS = tuple(ItemResult.Result.values)


def check_result(
    *,
    sampled_on: datetime.date | None,
    reported_on: datetime.date | None,
    verdict: str | None,
    severity: str | None,
    rectified_on: datetime.date | None = None,
) -> Problems:
    """Dates in order, a severity exactly when the verdict is fail, a rectification only after one."""
    problems: Problems = []
    if sampled_on and reported_on and reported_on < sampled_on:
        problems.append(
            (
                "reported_on",
                _("The report date %(reported)s is before the sampling date %(sampled)s.")
                % {"reported": reported_on.isoformat(), "sampled": sampled_on.isoformat()},
            )
        )
    if verdict == Inspection.Verdict.FAIL and not severity:
        problems.append(
            ("severity", _("A failed result needs a severity: minor, major or critical."))
        )
    if verdict == Inspection.Verdict.PASS and severity:
        problems.append(("severity", _("A passed result has no severity; leave it empty.")))
    if rectified_on is not None:
        if verdict == Inspection.Verdict.PASS:
            problems.append(
                ("rectified_on", _("Only a failed result can have a rectification date."))
            )
        elif reported_on and rectified_on < reported_on:
            problems.append(
                (
                    "rectified_on",
                    _(
                        "The rectification date %(rectified)s is before the report date %(reported)s."
                    )
                    % {"rectified": rectified_on.isoformat(), "reported": reported_on.isoformat()},
                )
            )
    return problems


def check_agreement(verdict: str | None, item_results: Iterable[tuple[str, str]]) -> Problems:
    """The verdict must agree with the item results: (item code, pass|fail) pairs.

    A failed item makes the verdict fail; when every item passed, the verdict is pass. A
    report without item results is judged on its verdict alone.
    """
    results = list(item_results)
    if not results:
        return []
    return check_failed_items(
        verdict, [code for code, result in results if result == ItemResult.Result.FAIL]
    )


def check_failed_items(verdict: str | None, failed: list[str]) -> Problems:
    """``check_agreement`` for a report that has item results, given the codes that failed."""
    if verdict not in VERDICTS:
        return []
    if failed and verdict == Inspection.Verdict.PASS:
        return [
            (
                "verdict",
                _("The verdict is pass but these items failed: %(items)s.")
                % {"items": ", ".join(failed)},
            )
        ]
    if not failed and verdict == Inspection.Verdict.FAIL:
        return [("verdict", _("Every item passed, so the verdict cannot be fail."))]
    return []


def parse_measured_value(item: TestItem, value: str) -> Decimal | None:
    """The measured value as a number for an item measured in numbers; ValueError if it is not one."""
    value = value.strip()
    if not item.numeric:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(
            _("“%(value)s” is not a number, and %(item)s is measured in numbers.")
            % {"value": value[:40], "item": item.code}
        ) from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 10:
        raise ValueError(_("“%(value)s” is not a usable number.") % {"value": value[:40]})
    return number


def check_retest(
    retest_of: Inspection | None,
    *,
    member_id: int | None,
    reported_on: datetime.date | None,
    report_no: str,
) -> Problems:
    """A re-test follows a failed result of the same member and is reported after it."""
    if retest_of is None:
        return []
    problems: Problems = []
    if retest_of.report_no == report_no:
        problems.append(("retest_of", _("A report cannot be a re-test of itself.")))
    if retest_of.verdict != Inspection.Verdict.FAIL:
        problems.append(("retest_of", _("Only a failed result is re-tested.")))
    if member_id is not None and retest_of.member_id != member_id:
        problems.append(("retest_of", _("The re-test must be of the same member's product.")))
    if reported_on and reported_on < retest_of.reported_on:
        problems.append(
            (
                "reported_on",
                _("A re-test cannot be reported before the failed result it re-tests (%(date)s).")
                % {"date": retest_of.reported_on.isoformat()},
            )
        )
    return problems
