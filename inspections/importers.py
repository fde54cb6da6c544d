"""inspections.csv (DATA_FORMATS.md) and the lab's item-results file, on the shared CSV contract.

The inspections file is streamed and written set-based: the members, categories, items and
labs of the cooperative are looked up once (``prepare``), each batch of rows costs a few
queries (``write_batch``), and rows whose stored values equal the file's are left untouched,
so importing the same file twice changes nothing.

The item-results file (optional, from the lab page and ``--items`` on the command line) has
one row per test item of a report:

    report_no, item, measured_value, limit, result

``item`` is the code of a test item of the report's category, ``measured_value`` is a number
for items measured in numbers (a grade or a description otherwise), ``limit`` the limit the
lab applied (empty: the catalogue's), ``result`` ``pass`` or ``fail``. Every report it names
must be in the inspections file of the same upload; the verdict must agree with its items.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext as _

from coop_portal import csvimport
from coop_portal.csvimport import Column, Importer, ImportReport, RowErrors
from members.credit_code import normalise
from members.models import Cooperative, Lab, Member

from .models import Inspection, ItemResult, TestCategory, TestItem
from .validation import RESULTS, SEVERITIES, VERDICTS, check_agreement, check_result

INSPECTION_FIELDS = [
    "member_id",
    "product",
    "category_id",
    "sampled_on",
    "reported_on",
    "verdict",
    "severity",
    "lab_id",
    "lab_name",
    "rectified_on",
]


@dataclass(slots=True)
class ItemRow:
    line: int
    report_no: str
    item_code: str
    measured_value: str
    limit: str
    result: str
    item_id: int = 0
    measured_number: Decimal | None = None

    def stored(self) -> tuple[int, str, Decimal | None, str, str]:
        return (self.item_id, self.measured_value, self.measured_number, self.limit, self.result)


@dataclass(slots=True)
class InspectionRow:
    report_no: str
    member_id: int
    product: str
    category_id: int
    sampled_on: datetime.date
    reported_on: datetime.date
    verdict: str
    severity: str
    lab_id: int | None
    lab_name: str
    rectified_on: datetime.date | None
    items: list[ItemRow] | None = field(default=None)

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in INSPECTION_FIELDS)


class ItemResultsImporter(Importer[ItemRow]):
    """Reads the item-results file into memory, grouped by report; it writes nothing itself."""

    columns = [
        Column("report_no", required=True, parse=csvimport.text(60)),
        Column("item", required=True, parse=csvimport.text(60)),
        Column("measured_value", required=True, parse=csvimport.text(100)),
        Column("limit", parse=csvimport.text(100), in_header=False),
        Column("result", required=True, parse=csvimport.choice(*RESULTS)),
    ]

    def __init__(self) -> None:
        self.by_report: dict[str, list[ItemRow]] = defaultdict(list)

    def clean_row(self, values: dict[str, Any], line: int) -> ItemRow:
        return ItemRow(
            line=line,
            report_no=values["report_no"],
            item_code=values["item"],
            measured_value=values["measured_value"],
            limit=values["limit"] or "",
            result=values["result"],
        )

    def key_of(self, row: ItemRow) -> str:
        return f"{row.report_no} / {row.item_code}"

    def write_batch(self, rows: list[ItemRow]) -> list[str]:
        for row in rows:
            self.by_report[row.report_no].append(row)
        return ["create"] * len(rows)


class InspectionImporter(Importer[InspectionRow]):
    columns = [
        Column("report_no", required=True, parse=csvimport.text(60)),
        Column("credit_code", required=True, parse=csvimport.text(18)),
        Column("product", required=True, parse=csvimport.text(200)),
        Column("category", required=True, parse=csvimport.text(50)),
        Column("sampled_on", required=True, parse=csvimport.date),
        Column("reported_on", required=True, parse=csvimport.date),
        Column("verdict", required=True, parse=csvimport.choice(*VERDICTS)),
        Column("severity", parse=csvimport.choice(*SEVERITIES)),
        Column("lab", parse=csvimport.text(200)),
        Column("rectified_on", parse=csvimport.date),
    ]
    batch_size = 5000

    def __init__(
        self,
        cooperative: Cooperative,
        *,
        lab: Lab | None = None,
        items_by_report: dict[str, list[ItemRow]] | None = None,
        items_report: ImportReport | None = None,
        source: str = Inspection.Source.IMPORT,
    ) -> None:
        self.cooperative = cooperative
        self.lab = lab
        self.items_by_report = items_by_report if items_by_report is not None else {}
        self.items_report = items_report
        self.source = source
        # Ids of failed results written by this import: their rectifications open afterwards.
        self.failed_ids: list[int] = []
        self.item_rows_written = 0

    def prepare(self) -> None:
        cooperative = self.cooperative
        self.members = dict(
            Member.objects.filter(cooperative=cooperative).values_list("credit_code", "pk")
        )
        self.categories = dict(
            TestCategory.objects.filter(cooperative=cooperative).values_list("code", "pk")
        )
        self.items: dict[tuple[int, str], tuple[int, bool]] = {
            (category_id, code): (pk, result_type == TestItem.ResultType.NUMBER)
            for pk, category_id, code, result_type in TestItem.objects.filter(
                category__cooperative=cooperative
            ).values_list("pk", "category_id", "code", "result_type")
        }
        self.labs: dict[str, int] = {}
        for pk, name_zh, name_en in Lab.objects.values_list("pk", "name_zh", "name_en"):
            self.labs[name_zh] = pk
            if name_en:
                self.labs.setdefault(name_en, pk)
        self.foreign_reports: set[str] = set()
        if self.lab is not None:
            # A lab may correct its own reports only.
            self.foreign_reports = set(
                Inspection.objects.filter(cooperative=cooperative)
                .filter(~Q(lab=self.lab) | Q(lab__isnull=True))
                .values_list("report_no", flat=True)
            )
        # Reports with stored item results: the verdict of a re-imported row must agree.
        self.stored_items: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for report_no, code, result in ItemResult.objects.filter(
            inspection__cooperative=cooperative
        ).values_list("inspection__report_no", "item__code", "result"):
            self.stored_items[report_no].append((code, result))

    def _item_problem(self, row: ItemRow, column: str, message: str) -> None:
        if self.items_report is not None:
            self.items_report.add_error(row.line, column, message)

    def _resolve_items(self, rows: list[ItemRow], category_id: int) -> bool:
        ok = True
        for row in rows:
            found = self.items.get((category_id, row.item_code))
            if found is None:
                self._item_problem(
                    row,
                    "item",
                    _("“%(code)s” is not a test item of the category of report %(report)s.")
                    % {"code": row.item_code[:40], "report": row.report_no},
                )
                ok = False
                continue
            row.item_id, numeric = found
            if numeric:
                try:
                    row.measured_number = Decimal(row.measured_value)
                    if not row.measured_number.is_finite() or abs(row.measured_number) >= 10**10:
                        raise ArithmeticError
                except ArithmeticError:
                    self._item_problem(
                        row,
                        "measured_value",
                        _("“%(value)s” is not a number, and %(item)s is measured in numbers.")
                        % {"value": row.measured_value[:40], "item": row.item_code},
                    )
                    ok = False
        return ok

    def clean_row(self, values: dict[str, Any], line: int) -> InspectionRow:
        problems: list[tuple[str, str]] = []
        report_no = values["report_no"]
        credit_code = normalise(values["credit_code"])
        member_id = self.members.get(credit_code)
        if member_id is None:
            problems.append(
                (
                    "credit_code",
                    _("No member of this cooperative has the credit code %(code)s.")
                    % {"code": credit_code},
                )
            )
        category_id = self.categories.get(values["category"])
        if category_id is None:
            problems.append(
                (
                    "category",
                    _("“%(code)s” is not a category of the test catalogue (codes: %(codes)s).")
                    % {
                        "code": values["category"][:40],
                        "codes": ", ".join(sorted(self.categories)) or "—",
                    },
                )
            )
        verdict = values["verdict"]
        severity = values["severity"] or ""
        problems += check_result(
            sampled_on=values["sampled_on"],
            reported_on=values["reported_on"],
            verdict=verdict,
            severity=severity,
            rectified_on=values["rectified_on"],
        )
        lab_name = values["lab"] or ""
        lab_id = self.labs.get(lab_name) if lab_name else None
        if self.lab is not None:
            if lab_name and lab_id != self.lab.pk:
                problems.append(
                    (
                        "lab",
                        _("This upload is %(lab)s's: it may hold only that lab's reports.")
                        % {"lab": self.lab.name},
                    )
                )
            lab_id, lab_name = self.lab.pk, lab_name or self.lab.name_zh
            if report_no in self.foreign_reports:
                problems.append(
                    ("report_no", _("This report number belongs to a report of another lab."))
                )
        items = self.items_by_report.pop(report_no, None)
        if items is not None:
            if category_id is not None and not self._resolve_items(items, category_id):
                problems.append(
                    (
                        "",
                        _("Its item results have problems (item-results file, line %(lines)s).")
                        % {"lines": ", ".join(str(row.line) for row in items)},
                    )
                )
            problems += check_agreement(verdict, [(row.item_code, row.result) for row in items])
        elif report_no in self.stored_items:
            problems += check_agreement(verdict, self.stored_items[report_no])
        if problems or member_id is None or category_id is None:
            raise RowErrors(problems)
        return InspectionRow(
            report_no=report_no,
            member_id=member_id,
            product=values["product"],
            category_id=category_id,
            sampled_on=values["sampled_on"],
            reported_on=values["reported_on"],
            verdict=verdict,
            severity=severity,
            lab_id=lab_id,
            lab_name=lab_name,
            rectified_on=values["rectified_on"],
            items=items,
        )

    def key_of(self, row: InspectionRow) -> str:
        return row.report_no

    def _create(self, inspections: list[Inspection]) -> list[int]:
        """Insert new reports and return their ids, in order.

        PostgreSQL gets them through COPY, several times faster than INSERT for the large
        deliveries labs send; other databases through bulk_create.
        """
        if connection.vendor != "postgresql":
            Inspection.objects.bulk_create(inspections, batch_size=len(inspections))
            return [inspection.pk for inspection in inspections]
        fields = [
            field
            for field in Inspection._meta.concrete_fields
            if not isinstance(field, models.AutoField)
        ]
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        table = connection.ops.quote_name(Inspection._meta.db_table)
        # Django's cursor wrapper holds psycopg's own cursor, which speaks COPY.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,  # type: ignore[union-attr]
        ):
            for inspection in inspections:
                copy.write_row(
                    [
                        field.get_db_prep_save(getattr(inspection, field.attname), connection)
                        for field in fields
                    ]
                )
        pks = dict(
            Inspection.objects.filter(
                cooperative=self.cooperative,
                report_no__in=[inspection.report_no for inspection in inspections],
            ).values_list("report_no", "pk")
        )
        return [pks[inspection.report_no] for inspection in inspections]

    def write_batch(self, rows: list[InspectionRow]) -> list[str]:
        existing = {
            values[0]: values[1:]
            for values in Inspection.objects.filter(
                cooperative=self.cooperative, report_no__in=[row.report_no for row in rows]
            ).values_list("report_no", "pk", *INSPECTION_FIELDS)
        }
        stored_items: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
        with_items = [
            existing[row.report_no][0] for row in rows if row.items and row.report_no in existing
        ]
        if with_items:
            for inspection_id, *values in ItemResult.objects.filter(
                inspection_id__in=with_items
            ).values_list(
                "inspection_id", "item_id", "measured_value", "measured_number", "limit", "result"
            ):
                stored_items[inspection_id].add(tuple(values))
        actions: list[str] = []
        creates: list[Inspection] = []
        created_rows: list[InspectionRow] = []
        updates: list[Inspection] = []
        replace_items: list[tuple[int, InspectionRow]] = []
        for row in rows:
            found = existing.get(row.report_no)
            if found is None:
                creates.append(
                    Inspection(
                        cooperative=self.cooperative,
                        report_no=row.report_no,
                        source=self.source,
                        **dict(zip(INSPECTION_FIELDS, row.values(), strict=True)),
                    )
                )
                created_rows.append(row)
                actions.append("create")
                continue
            pk, *stored = found
            changed = tuple(stored) != row.values()
            items_changed = row.items is not None and stored_items.get(pk, set()) != {
                item.stored() for item in row.items
            }
            if changed:
                updates.append(
                    Inspection(pk=pk, **dict(zip(INSPECTION_FIELDS, row.values(), strict=True)))
                )
                if row.verdict == Inspection.Verdict.FAIL:
                    self.failed_ids.append(pk)
            if items_changed:
                replace_items.append((pk, row))
            actions.append("update" if changed or items_changed else "unchanged")
        if creates:
            pks = self._create(creates)
            for pk, row in zip(pks, created_rows, strict=True):
                if row.verdict == Inspection.Verdict.FAIL:
                    self.failed_ids.append(pk)
                if row.items:
                    replace_items.append((pk, row))
        if updates:
            Inspection.objects.bulk_update(updates, INSPECTION_FIELDS, batch_size=len(updates))
        if replace_items:
            ItemResult.objects.filter(inspection_id__in=[pk for pk, _ in replace_items]).delete()
            results = [
                ItemResult(
                    inspection_id=pk,
                    item_id=item.item_id,
                    measured_value=item.measured_value,
                    measured_number=item.measured_number,
                    limit=item.limit,
                    result=item.result,
                )
                for pk, row in replace_items
                for item in row.items or []
            ]
            ItemResult.objects.bulk_create(results)
            self.item_rows_written += len(results)
        return actions
