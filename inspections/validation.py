"""The one set of rules every inspection passes, whichever way it comes in.

The admin form, the lab upload, the lab API and the import command all call these functions,
so a result refused on one path is refused on every path with the same message. Each check
returns a list of (field, message) pairs; the field names are those of the model, of the CSV
columns and of the API alike.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
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
    today: datetime.date | None,
) -> Problems:
    """Dates in order and none after ``today`` (the cooperative's; None when it is not known
    yet), a severity exactly when the verdict is fail, a rectification only after one."""
    problems = check_not_future(
        today, sampled_on=sampled_on, reported_on=reported_on, rectified_on=rectified_on
    )
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


def check_not_future(today: datetime.date | None, **dates: datetime.date | None) -> Problems:
    """No date after today: a result cannot have been sampled, reported or rectified on a day
    that has not come (a lab system's wrong clock, or a typo such as 2099)."""
    if today is None:
        return []
    return [
        (
            name,
            _("The date %(date)s is after today, %(today)s.")
            % {"date": day.isoformat(), "today": today.isoformat()},
        )
        for name, day in dates.items()
        if day is not None and day > today
    ]


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


@dataclass(frozen=True)
class Limit:
    """The acceptable values of a test item: bounds, each inclusive unless ``strict``."""

    low: Decimal | None = None
    high: Decimal | None = None
    low_strict: bool = False
    high_strict: bool = False

    def admits(self, value: Decimal) -> bool:
        if self.low is not None and (value <= self.low if self.low_strict else value < self.low):
            return False
        return not (
            self.high is not None
            and (value >= self.high if self.high_strict else value > self.high)
        )

    def text(self, unit: str = "") -> str:
        """The bounds in symbols, the same in every language: "≤ 75 mg/kg", "4.0 – 8.5"."""

        def plain(number: Decimal) -> str:  # 75.000 → 75, 0.50 → 0.5
            return format(number.normalize(), "f")

        if self.low is not None and self.high is not None:
            bounds = f"{plain(self.low)} – {plain(self.high)}"
        elif self.high is not None:
            bounds = f"{'<' if self.high_strict else '≤'} {plain(self.high)}"
        elif self.low is not None:
            bounds = f"{'>' if self.low_strict else '≥'} {plain(self.low)}"
        else:
            bounds = ""
        return f"{bounds} {unit}".strip()

    @classmethod
    def of_item(cls, item: TestItem) -> Limit | None:
        """The catalogue's limit of the item, if it has bounds."""
        if item.limit_min is None and item.limit_max is None:
            return None
        return cls(low=item.limit_min, high=item.limit_max)


_NUMBER = r"([+-]?\d+(?:\.\d+)?)"
# After the number(s) a limit may name a unit or a standard, never another number.
_REST = r"(?![\d.])(?!\s*(?:[-–—~至到]|to)\s*[+-]?\d)"
_BOUND_WORDS = {
    "high": r"≤|<=|=<|≦|不大于|不超过|不高于|至多|最多|max\.?|at most",
    "high_strict": r"<|小于|低于|less than",
    "low": r"≥|>=|=>|≧|不小于|不低于|至少|min\.?|at least",
    "low_strict": r">|大于|高于|more than",
}
_ONE_BOUND = re.compile(
    r"^\s*(?:"
    + "|".join(f"(?P<{name}>{words})" for name, words in _BOUND_WORDS.items())
    + r")\s*"
    + _NUMBER
    + _REST,
    re.IGNORECASE,
)
_RANGE = re.compile(r"^\s*" + _NUMBER + r"\s*(?:[-–—~]|至|到|to|\.\.)\s*" + _NUMBER + _REST)


def _normalised(text: str) -> str:
    # Full-width digits and signs (１２，＜) become ASCII; the minus sign becomes a hyphen.
    return unicodedata.normalize("NFKC", text).replace("−", "-").strip()


def parse_limit(text: str) -> Limit | None:
    """The bounds a lab's limit states (≤ 75, < 0.5, ≥ 3, 4.0 – 8.5 …); None if it states none."""
    text = _normalised(text)
    match = _RANGE.match(text)
    if match:
        low, high = sorted((Decimal(match.group(1)), Decimal(match.group(2))))
        return Limit(low=low, high=high)
    match = _ONE_BOUND.match(text)
    if match:
        bound = Decimal(match.group(len(_BOUND_WORDS) + 1))
        if match.group("high") or match.group("high_strict"):
            return Limit(high=bound, high_strict=bool(match.group("high_strict")))
        return Limit(low=bound, low_strict=bool(match.group("low_strict")))
    return None


def check_item_limit(
    item: TestItem, measured: Decimal | None, lab_limit: str, result: str
) -> Problems:
    """A number measured against its limit (the lab's if given, else the catalogue's) must
    agree with the item's result: outside the limit it cannot pass, inside it cannot fail.

    A lab's limit that states no bounds is an error for an item measured in numbers, unless it
    is the catalogue's limit word for word: a limit that cannot be checked would let any
    value pass.
    """
    if not item.numeric or measured is None:
        return []
    lab_limit = lab_limit.strip()
    if not lab_limit or _normalised(lab_limit) == _normalised(item.limit_text):
        limit = Limit.of_item(item)
    else:
        limit = parse_limit(lab_limit)
        if limit is None:
            return [
                (
                    "limit",
                    _(
                        "%(item)s: the limit “%(limit)s” states no bounds: write it as "
                        "≤ 75, ≥ 3 or 4.0 – 8.5, or leave it empty for the catalogue's."
                    )
                    % {"item": item.name, "limit": lab_limit[:40]},
                )
            ]
    if limit is None or result not in RESULTS:
        return []
    inside = limit.admits(measured)
    if result == ItemResult.Result.PASS and not inside:
        message = _("%(item)s: %(value)s is outside the limit %(limit)s, so it cannot pass.")
    elif result == ItemResult.Result.FAIL and inside:
        message = _("%(item)s: %(value)s is within the limit %(limit)s, so it cannot fail.")
    else:
        return []
    # The lab's own words when it wrote the limit, else the catalogue's bounds in symbols
    # (the catalogue's limit text names its standard in Chinese only).
    shown = lab_limit or limit.text(item.unit)
    value = f"{measured} {item.unit}".strip()
    return [("result", message % {"item": item.name, "value": value, "limit": shown})]


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
