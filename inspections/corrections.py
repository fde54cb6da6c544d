"""Changes to results already recorded: what a change needs, and the history it leaves.

Whichever way a change comes in (the admin, the lab page, the lab API, the import command),
a result's history records who, when, old → new and why. A change of a verdict — the
report's, or an item's result — needs a reason; a failed one becomes a pass only when a
passing re-test is linked to the report or a regulator upheld an objection to it. Anything
else would let a lab quietly turn a failure into a pass after the fact.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from coop_portal.history import note_change_reason, record_history

from .models import Inspection, ItemResult, Objection
from .validation import Problems

PASS, FAIL = Inspection.Verdict.PASS, Inspection.Verdict.FAIL
# The fields of an item result a delivery sets: a change of any is a change of the result.
ITEM_FIELDS = ["measured_value", "measured_number", "limit", "result"]


# A reason as the history keeps it: the way in as its code, so that each reader sees it in
# their own language ("api (LIMS): 复核"), then the reason given.
STORED_REASON = re.compile(
    r"^(?P<source>"
    + "|".join(Inspection.Source.values)
    + r")(?: \((?P<via>[^)]*)\))?(?:: (?P<reason>.*))?$",
    re.DOTALL,
)


def history_reason(source: str, reason: str = "", via: str = "") -> str:
    """The history's "why": the way the change came in (``via``: which lab system, for the
    API, whose calls have no user), and the reason given for it."""
    way = Inspection.Source(source).value + (f" ({via})" if via else "")
    return f"{way}: {reason.strip()}" if reason.strip() else way


def readable_reason(stored: str) -> str:
    """A reason of the history in the reader's language."""
    match = STORED_REASON.match(stored or "")
    if match is None:
        return stored or ""
    way = str(Inspection.Source(match.group("source")).label)
    if match.group("via"):
        way += f" ({match.group('via')})"
    return f"{way}: {match.group('reason')}" if match.group("reason") else way


def keep_history(
    instance: Inspection | ItemResult,
    *,
    by: AbstractBaseUser | None,
    reason: str,
    at: datetime.datetime | None = None,
) -> None:
    """Who makes the next save of a result, why and when (django-simple-history reads these).

    Without ``by`` the history takes the user of the request, if any (its middleware).
    """
    if by is not None:
        instance._history_user = by  # type: ignore[union-attr]
    note_change_reason(instance, reason)
    if at is not None:
        instance._history_date = at  # type: ignore[union-attr]


def justified_passes(inspection_ids: Iterable[int]) -> set[int]:
    """Of these failed results, those that may become a pass: a passing final re-test is
    linked to them, or a regulator upheld an objection to them."""
    ids = list(inspection_ids)
    if not ids:
        return set()
    retested = (
        Inspection.objects.final().rectifying_retests().filter(retest_of_id__in=ids, verdict=PASS)
    )
    upheld = Objection.objects.filter(inspection_id__in=ids, status=Objection.Status.UPHELD)
    return set(retested.values_list("retest_of_id", flat=True)) | set(
        upheld.values_list("inspection_id", flat=True)
    )


def item_flips(
    stored: dict[int, ItemResult], wanted: Iterable[ItemResult], codes: dict[int, str]
) -> list[tuple[str, str, str]]:
    """(item code, old result, new result) of each item whose result changes."""
    flips = []
    for result in wanted:
        before = stored.get(result.item_id)
        if before is not None and before.result != result.result:
            flips.append((codes[result.item_id], before.result, result.result))
    return flips


def correction_problems(
    report_no: str,
    *,
    old_verdict: str,
    new_verdict: str,
    flips: list[tuple[str, str, str]],
    reason: str,
    justified: bool,
) -> Problems:
    """What a change of a stored report's verdict or item results lacks, as (field, message)."""
    problems: Problems = []
    labels = dict(Inspection.Verdict.choices)
    if old_verdict != new_verdict and not reason.strip():
        problems.append(
            (
                "change_reason",
                _(
                    "The verdict of report %(report)s changes from %(old)s to %(new)s: give the "
                    "reason for the correction."
                )
                % {"report": report_no, "old": labels[old_verdict], "new": labels[new_verdict]},
            )
        )
    elif flips and not reason.strip():
        problems.append(
            (
                "change_reason",
                _(
                    "The result of %(items)s in report %(report)s changes: give the reason for "
                    "the correction."
                )
                % {"report": report_no, "items": ", ".join(code for code, _old, _new in flips)},
            )
        )
    passes = (old_verdict == FAIL and new_verdict == PASS) or any(
        old == FAIL and new == PASS for _code, old, new in flips
    )
    if passes and not justified:
        problems.append(
            (
                "verdict",
                _(
                    "Report %(report)s failed: a failure becomes a pass only with a passing "
                    "re-test linked to the report (retest_of) or a regulator's decision "
                    "upholding an objection to it. Deliver the re-test as a new report."
                )
                % {"report": report_no},
            )
        )
    return problems


def stored_items(inspection_ids: Iterable[int]) -> dict[int, dict[int, ItemResult]]:
    """The stored item results of these reports, by report and test item."""
    stored: dict[int, dict[int, ItemResult]] = defaultdict(dict)
    for result in ItemResult.objects.filter(inspection_id__in=list(inspection_ids)).only(
        "inspection_id", "item_id", *ITEM_FIELDS
    ):
        stored[result.inspection_id][result.item_id] = result
    return stored


def write_item_results(
    wanted: dict[int, list[ItemResult]],
    stored: dict[int, dict[int, ItemResult]],
    *,
    user: AbstractBaseUser | None,
    reason: str,
    when: datetime.datetime,
) -> set[int]:
    """Make each report's item results those wanted, in place, with their history.

    A result is matched on its test item: a changed one is updated (so its history runs
    old → new), a new one created, one no longer delivered deleted. Set-based: a few queries
    however many reports. Returns the reports whose results changed.
    """
    created: list[ItemResult] = []
    updated: list[ItemResult] = []
    deleted: list[ItemResult] = []
    for inspection_id, results in wanted.items():
        before = stored.get(inspection_id, {})
        delivered = set()
        for result in results:
            delivered.add(result.item_id)
            current = before.get(result.item_id)
            if current is None:
                result.inspection_id = inspection_id
                created.append(result)
            elif any(getattr(current, name) != getattr(result, name) for name in ITEM_FIELDS):
                for name in ITEM_FIELDS:
                    setattr(current, name, getattr(result, name))
                updated.append(current)
        deleted += [current for item_id, current in before.items() if item_id not in delivered]
    for result in deleted:
        # Deleting one by one sends the signal that writes its last ("-") history record.
        keep_history(result, by=user, reason=reason, at=when)
        result.delete()
    if updated:
        ItemResult.objects.bulk_update(updated, ITEM_FIELDS)
    if created:
        ItemResult.objects.bulk_create(created)
    for history_type, written in (("~", updated), ("+", created)):
        record_history(
            ItemResult,
            [result.pk for result in written],
            history_type=history_type,
            user=user,
            reason=reason,
            when=when,
        )
    return {result.inspection_id for result in [*created, *updated, *deleted]}


# What changed, as its readers see it ----------------------------------------------------------

# The fields of a report whose change is news, with how a value is shown.
REPORT_FIELDS = [
    "member",
    "product",
    "category",
    "sampled_on",
    "reported_on",
    "verdict",
    "severity",
    "status",
    "rectified_on",
    "retest_of",
    "lab_name",
    "void_note",
]
SHOWN_ITEM_FIELDS = ["measured_value", "limit", "result"]


@dataclass
class ResultChange:
    """One change of a report or of one of its item results: when, who, why, old → new."""

    at: datetime.datetime
    by: AbstractBaseUser | None
    reason: str
    subject: str
    fields: list[tuple[str, str, str]]


def _shown(record: Any, name: str) -> str:
    """A field's value of a historical record as a reader sees it ("—" when empty)."""
    field = record._meta.get_field(name)
    value = getattr(record, field.attname)
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = getattr(record, name, None)
        return str(related) if related is not None else str(value)
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _difference(before: Any, after: Any, names: list[str]) -> list[tuple[str, str, str]]:
    return [
        (str(after._meta.get_field(name).verbose_name), _shown(before, name), _shown(after, name))
        for name in names
        if getattr(before, after._meta.get_field(name).attname)
        != getattr(after, after._meta.get_field(name).attname)
    ]


def result_changes(inspection: Inspection) -> list[ResultChange]:
    """Every change of the report and its item results since it was first recorded, oldest
    first. What was recorded with the report itself is its first state, not a change."""
    records = list(
        inspection.history.select_related("history_user").order_by("history_date", "history_id")
    )
    if not records:
        return []
    created_at = records[0].history_date
    changes = [
        ResultChange(
            at=after.history_date,
            by=after.history_user,
            reason=readable_reason(after.history_change_reason),
            subject=str(_("Report")),
            fields=difference,
        )
        for before, after in itertools.pairwise(records)
        if (difference := _difference(before, after, REPORT_FIELDS))
    ]
    item_records = (
        ItemResult.history.filter(inspection_id=inspection.pk)
        .select_related("history_user", "item")
        .order_by("item_id", "history_date", "history_id")
    )
    for _item_id, group in itertools.groupby(item_records, key=lambda record: record.item_id):
        previous = None
        for record in group:
            fields: list[tuple[str, str, str]] = []
            if record.history_type == "+" and record.history_date != created_at:
                fields = [(str(_("added")), "—", _shown(record, "result"))]
            elif record.history_type == "-":
                fields = [
                    (pgettext("a change in a result", "removed"), _shown(record, "result"), "—")
                ]
            elif record.history_type == "~" and previous is not None:
                fields = _difference(previous, record, SHOWN_ITEM_FIELDS)
            if fields:
                changes.append(
                    ResultChange(
                        at=record.history_date,
                        by=record.history_user,
                        reason=readable_reason(record.history_change_reason),
                        subject=str(record.item),
                        fields=fields,
                    )
                )
            previous = record
    return sorted(changes, key=lambda change: change.at)
