"""inspections.csv (DATA_FORMATS.md) and the lab's item-results file, on the shared CSV contract.

The inspections file is streamed and written set-based: the members, categories, items and
labs of the cooperative are looked up once (``prepare``), and each batch of rows costs a few
statements whatever its size (``write_batch``): it is copied into a temporary table, new
reports are inserted from there in one statement, and reports the cooperative has already are
compared with the file and updated only where they differ, so importing the same file twice
changes nothing.

The item-results file (optional, from the lab page and ``--items`` on the command line) has
one row per test item of a report:

    report_no, item, measured_value, limit, result

``item`` is the code of a test item of the report's category, ``measured_value`` is a number
for items measured in numbers (a grade or a description otherwise), ``limit`` the limit the
lab applied (empty: the catalogue's, which is then kept with the result), ``result`` ``pass``
or ``fail``. A number outside its limit cannot pass, one within it cannot fail. Every report
it names must be in the inspections file of the same upload; the verdict must agree with its
items.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coop_portal import csvimport
from coop_portal.csvimport import BatchErrors, Column, Importer, ImportReport, RowErrors
from coop_portal.history import record_history
from members.credit_code import normalise
from members.models import Cooperative, FactsChange, Lab, Member, User, localised

from .corrections import (
    correction_problems,
    history_reason,
    item_flips,
    justified_passes,
    stored_items,
    write_item_results,
)
from .models import Inspection, ItemResult, TestCategory, TestItem
from .validation import (
    RESULTS,
    SEVERITIES,
    VERDICTS,
    check_agreement,
    check_failed_items,
    check_item_limit,
    check_result,
    parse_measured_value,
)

# Where a file's reason for its corrections is given, for the message that asks for it.
REASON_HINT = gettext_lazy(
    "Give it with the upload (Reason for corrections) or with --reason on the command line."
)
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
# The fields that date a result: the period it belongs to, and the day it counts from.
FIELDS_DATED = ("sampled_on", "reported_on")


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

    def result_row(self) -> ItemResult:
        """The unsaved item result this row delivers."""
        return ItemResult(
            item_id=self.item_id,
            measured_value=self.measured_value,
            measured_number=self.measured_number,
            limit=self.limit,
            result=self.result,
        )


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
        """The values of INSPECTION_FIELDS, in their order."""
        return (
            self.member_id,
            self.product,
            self.category_id,
            self.sampled_on,
            self.reported_on,
            self.verdict,
            self.severity,
            self.lab_id,
            self.lab_name,
            self.rectified_on,
        )


def lab_name_key(name: str) -> str:
    """A lab's name as compared with the ``lab`` column: letter case, spaces and full-width
    forms aside, so that "national  TESTING centre" names the lab "National Testing Centre"."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


# Both files key their rows by the report number.
REPORT_NUMBER = gettext_lazy("Report number")


class ItemResultsImporter(Importer[ItemRow]):
    """Reads the item-results file into memory, grouped by report; it writes nothing itself."""

    columns = [
        Column("report_no", required=True, parse=csvimport.text(60), label=REPORT_NUMBER),
        Column("item", required=True, parse=csvimport.text(60), label=gettext_lazy("Test item")),
        Column(
            "measured_value",
            required=True,
            parse=csvimport.text(100),
            label=gettext_lazy("Measured value"),
        ),
        Column("limit", parse=csvimport.text(100), in_header=False, label=gettext_lazy("Limit")),
        Column(
            "result", required=True, parse=csvimport.choice(*RESULTS), label=gettext_lazy("Result")
        ),
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
        Column("report_no", required=True, parse=csvimport.text(60), label=REPORT_NUMBER),
        Column(
            "credit_code",
            required=True,
            parse=csvimport.text(18),
            label=gettext_lazy("Member's credit code"),
        ),
        Column("product", required=True, parse=csvimport.text(200), label=gettext_lazy("Product")),
        Column("category", required=True, parse=csvimport.text(50), label=gettext_lazy("Category")),
        Column("sampled_on", required=True, parse=csvimport.date, label=gettext_lazy("Sampled on")),
        Column(
            "reported_on", required=True, parse=csvimport.date, label=gettext_lazy("Reported on")
        ),
        Column(
            "verdict",
            required=True,
            parse=csvimport.choice(*VERDICTS),
            label=gettext_lazy("Verdict"),
        ),
        Column("severity", parse=csvimport.choice(*SEVERITIES), label=gettext_lazy("Severity")),
        Column("lab", parse=csvimport.text(200), label=gettext_lazy("Lab")),
        Column("rectified_on", parse=csvimport.date, label=gettext_lazy("Rectified on")),
    ]
    # Each batch costs a few statements whatever its size: larger ones spread that cost.
    batch_size = 10000
    key_column = "report_no"
    # Every problem of a row in one upload: a bad cell does not hide a wrong category or date.
    check_partial_rows = True

    def __init__(
        self,
        cooperative: Cooperative,
        *,
        lab: Lab | None = None,
        items_by_report: dict[str, list[ItemRow]] | None = None,
        items_report: ImportReport | None = None,
        source: str = Inspection.Source.IMPORT,
        reason: str = "",
        by: User | None = None,
    ) -> None:
        self.cooperative = cooperative
        self.lab = lab
        self.items_by_report = items_by_report if items_by_report is not None else {}
        self.items_report = items_report
        self.source = source
        # Why reports already stored change (required for a change of verdict), and who
        # uploaded the file: both go into each result's history.
        self.reason = reason
        self.by = by
        self.history_reason = history_reason(source, reason)
        # Ids of failed results written by this import: their rectifications open afterwards.
        self.failed_ids: list[int] = []
        self.item_rows_written = 0
        self.staging: _Staging | None = None

    def prepare(self) -> None:
        cooperative = self.cooperative
        self.today = cooperative.today()
        self.members: dict[str, int] = {}
        # Names for the preview: a lab checks the rows by member, not by credit code.
        self.member_names: dict[int, str] = {}
        for credit_code, pk, name, name_en in Member.objects.filter(
            cooperative=cooperative
        ).values_list("credit_code", "pk", "name", "name_en"):
            self.members[credit_code] = pk
            self.member_names[pk] = localised(name, name_en)
        self.categories = dict(
            TestCategory.objects.filter(cooperative=cooperative).values_list("code", "pk")
        )
        self.items: dict[tuple[int, str], TestItem] = {
            (item.category_id, item.code): item
            for item in TestItem.objects.filter(category__cooperative=cooperative).only(
                "category_id", "code", "result_type", "limit_text", "limit_min", "limit_max"
            )
        }
        # By lab_name_key: its Chinese name, or its English one, in any letter case.
        self.labs: dict[str, int] = {}
        for pk, name_zh in Lab.objects.values_list("pk", "name_zh"):
            self.labs[lab_name_key(name_zh)] = pk
        for pk, name_en in Lab.objects.exclude(name_en="").values_list("pk", "name_en"):
            self.labs.setdefault(lab_name_key(name_en), pk)
        self.foreign_reports: set[str] = set()
        if self.lab is not None:
            # A lab may correct its own reports only.
            self.foreign_reports = set(
                Inspection.objects.filter(cooperative=cooperative)
                .filter(~Q(lab=self.lab) | Q(lab__isnull=True))
                .values_list("report_no", flat=True)
            )
        # Reports with stored item results: the verdict of a re-imported row without items
        # must agree with them. Their failed items are all that takes (the verdict is fail
        # exactly when one failed), which keeps this small however many results are stored.
        stored = ItemResult.objects.filter(inspection__cooperative=cooperative)
        self.stored_failed_items: dict[str, list[str]] = {
            report_no: []
            for report_no in stored.values_list("inspection__report_no", flat=True).distinct()
        }
        for report_no, code in stored.filter(result=ItemResult.Result.FAIL).values_list(
            "inspection__report_no", "item__code"
        ):
            self.stored_failed_items[report_no].append(code)

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
            row.item_id = found.pk
            try:
                row.measured_number = parse_measured_value(found, row.measured_value)
            except ValueError as error:
                self._item_problem(row, "measured_value", str(error))
                ok = False
                continue
            problems = check_item_limit(found, row.measured_number, row.limit, row.result)
            for column, message in problems:
                self._item_problem(row, column, message)
            ok = ok and not problems
            # The limit kept with the result is the one it was judged by: the catalogue's
            # when the lab left it empty, so a later change of the catalogue changes nothing.
            row.limit = row.limit or found.limit_text
        return ok

    def clean_row(self, values: dict[str, Any], line: int) -> InspectionRow:
        problems: list[tuple[str, str]] = []
        # A cell that could not be parsed is None (check_partial_rows): it was reported already.
        report_no = values["report_no"]
        credit_code = normalise(values["credit_code"]) if values["credit_code"] else None
        member_id = self.members.get(credit_code) if credit_code else None
        if credit_code and member_id is None:
            problems.append(
                (
                    "credit_code",
                    _("No member of this cooperative has the credit code %(code)s.")
                    % {"code": credit_code},
                )
            )
        category_id = self.categories.get(values["category"]) if values["category"] else None
        if values["category"] and category_id is None:
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
            today=self.today,
        )
        lab_name = values["lab"] or ""
        lab_id = self.labs.get(lab_name_key(lab_name)) if lab_name else None
        if self.lab is not None:
            if lab_name and lab_id != self.lab.pk:
                problems.append(
                    (
                        "lab",
                        _(
                            "The lab name “%(name)s” is not this lab's name (“%(lab)s”): "
                            "leave the column empty or write exactly that name."
                        )
                        % {"name": lab_name[:200], "lab": self.lab.name},
                    )
                )
            # Its own name however it was written: one lab, one name stored.
            lab_id, lab_name = self.lab.pk, self.lab.name_zh
            if report_no in self.foreign_reports:
                problems.append(
                    ("report_no", _("This report number belongs to a report of another lab."))
                )
        items = self.items_by_report.pop(report_no, None) if report_no else None
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
        elif report_no in self.stored_failed_items:
            problems += check_failed_items(verdict, self.stored_failed_items[report_no])
        if problems or member_id is None or category_id is None or report_no is None:
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

    def rows_read(self) -> None:
        """Item results of a report the inspections file does not have are wrong, each on its
        line of the item-results file; the upload is refused with them (all or nothing)."""
        for rows in self.items_by_report.values():
            for row in rows:
                self._item_problem(
                    row,
                    "report_no",
                    _("Report %(report)s is not in the inspections file of this upload.")
                    % {"report": row.report_no},
                )
        self.items_by_report.clear()

    def key_of(self, row: InspectionRow) -> str:
        return row.report_no

    def describe(self, values: dict[str, Any]) -> list[str]:
        """What will be stored, in words: the member the report is about (its credit code as
        written when no member has it), the product, the verdict, the severity, the sampling
        and report dates, and the number of its item results in the upload ("" for what the
        row does not give)."""
        code = values["credit_code"] or ""
        member_id = self.members.get(normalise(code)) if code else None
        name = self.member_names.get(member_id, code) if member_id else code
        verdict, severity = values["verdict"], values["severity"]
        items = self.items_by_report.get(values["report_no"] or "")
        return [
            name,
            values["product"] or "",
            str(Inspection.Verdict(verdict).label) if verdict else "",
            str(Inspection.Severity(severity).label) if severity else "",
            date_format(values["sampled_on"]) if values["sampled_on"] else "",
            date_format(values["reported_on"]) if values["reported_on"] else "",
            str(len(items)) if items is not None else "",
        ]

    def write_batch(self, rows: list[InspectionRow]) -> list[str]:
        """Insert the new reports and update the changed ones, set-based, with their history.

        The batch goes into a temporary table first (by COPY on PostgreSQL); one INSERT …
        SELECT from it creates the reports the cooperative does not have yet, skipping those it
        has, which are then compared with the stored values and updated if they differ. A
        correction that changes a verdict without the reason or the re-test or objection it
        needs (inspections/corrections.py) refuses the file, naming its rows.
        """
        staging = self._staging()
        staging.fill(rows)
        created = staging.insert_new()
        now = timezone.now()
        record_history(
            Inspection,
            created.values(),
            history_type="+",
            user=self.by,
            reason=self.history_reason,
            when=now,
        )
        existing = [row for row in rows if row.report_no not in created]
        stored = staging.stored([row.report_no for row in existing])
        pks = {**created, **{report_no: found[0] for report_no, found in stored.items()}}
        with_items = {pks[row.report_no]: row for row in rows if row.items is not None}
        before = stored_items(pk for pk in with_items if pk not in created.values())
        self._check_corrections(rows, existing, stored, before)
        changed_ids = [
            stored[row.report_no][0] for row in existing if stored[row.report_no][1] != row.values()
        ]
        if changed_ids:
            staging.update(changed_ids)
            record_history(
                Inspection,
                changed_ids,
                history_type="~",
                user=self.by,
                reason=self.history_reason,
                when=now,
            )
        changed = set(changed_ids)
        self.failed_ids += [
            pks[row.report_no]
            for row in rows
            if row.verdict == Inspection.Verdict.FAIL
            and (row.report_no in created or pks[row.report_no] in changed)
        ]
        replaced = write_item_results(
            {pk: [item.result_row() for item in row.items or []] for pk, row in with_items.items()},
            before,
            user=self.by,
            reason=self.history_reason,
            when=now,
        )
        self.item_rows_written += sum(
            len(row.items or []) for pk, row in with_items.items() if pk in replaced
        )
        actions = []
        for row in rows:
            pk = pks[row.report_no]
            if row.report_no in created:
                actions.append("create")
            elif pk in changed or pk in replaced:
                actions.append("update")
            else:
                actions.append("unchanged")
        self._note_facts(rows, actions, stored)
        return actions

    def _note_facts(
        self,
        rows: list[InspectionRow],
        actions: list[str],
        stored: dict[str, tuple[int, tuple[Any, ...]]],
    ) -> None:
        """One record of the batch's changed facts: the days of every result written, as
        delivered and as they were before."""
        sampled_at, reported_at = (INSPECTION_FIELDS.index(name) for name in FIELDS_DATED)
        written = [row for row, action in zip(rows, actions, strict=True) if action != "unchanged"]
        before = [stored[row.report_no][1] for row in written if row.report_no in stored]
        FactsChange.objects.note(
            self.cooperative.pk,
            kind=FactsChange.Kind.RESULTS_IMPORTED,
            subject=", ".join(row.report_no for row in written[:3])
            + (" …" if len(written) > 3 else ""),
            anchors=[row.sampled_on for row in written] + [old[sampled_at] for old in before],
            effective=[row.reported_on for row in written] + [old[reported_at] for old in before],
        )

    def _check_corrections(
        self,
        rows: list[InspectionRow],
        existing: list[InspectionRow],
        stored: dict[str, tuple[int, tuple[Any, ...]]],
        before: dict[int, dict[int, ItemResult]],
    ) -> None:
        """Refuse the batch's corrections of stored reports that lack what they need."""
        verdict_at = INSPECTION_FIELDS.index("verdict")
        changes = []
        for row in existing:
            pk, values = stored[row.report_no]
            flips = item_flips(
                before.get(pk, {}),
                [item.result_row() for item in row.items or []],
                {item.item_id: item.item_code for item in row.items or []},
            )
            if values[verdict_at] != row.verdict or flips:
                changes.append((row, pk, values[verdict_at], flips))
        if not changes:
            return
        justified = justified_passes(pk for _row, pk, _old, _flips in changes)
        position = {id(row): index for index, row in enumerate(rows)}
        problems = {}
        for row, pk, old_verdict, flips in changes:
            found = correction_problems(
                row.report_no,
                old_verdict=old_verdict,
                new_verdict=row.verdict,
                flips=flips,
                reason=self.reason,
                justified=pk in justified,
            )
            if found:
                # A file has no column for the reason: it comes with the upload.
                problems[position[id(row)]] = [
                    ("verdict", f"{message} {REASON_HINT}")
                    if column == "change_reason"
                    else (column, message)
                    for column, message in found
                ]
        if problems:
            raise BatchErrors(problems)

    def _staging(self) -> _Staging:
        if self.staging is None:
            self.staging = _Staging(self.cooperative, self.source)
        return self.staging


class _Staging:
    """A temporary table that holds one batch of the file: the set-based way into SQL.

    Its columns are the report number and the model fields the file sets, typed as the
    model's. It lives until the end of the transaction on PostgreSQL (of the connection
    elsewhere), and is filled by COPY there. Every name in its SQL comes from the model's
    meta data, never from the file, whose values travel only as parameters.
    """

    def __init__(self, cooperative: Cooperative, source: str) -> None:
        self.cooperative = cooperative
        self.postgresql = connection.vendor == "postgresql"
        quote = connection.ops.quote_name
        self.table = ("pg_temp." if self.postgresql else "temp.") + "inspection_import"
        target = quote(Inspection._meta.db_table)
        by_attname = {field.attname: field for field in Inspection._meta.concrete_fields}
        fields = [by_attname[name] for name in ["report_no", *INSPECTION_FIELDS]]
        names = [quote(field.column) for field in fields]
        self.columns = ", ".join(names)
        definitions = ", ".join(
            f"{name} {field.db_type(connection)}" for name, field in zip(names, fields, strict=True)
        )
        # The other columns of a new report are the same for the whole file: the model's
        # defaults, the cooperative and the source. A NULL one is left to the column.
        template = Inspection(cooperative=cooperative, source=source)
        fixed = [
            (
                quote(field.column),
                field.get_db_prep_save(getattr(template, field.attname), connection),
            )
            for field in Inspection._meta.concrete_fields
            if field not in fields and not isinstance(field, models.AutoField)
        ]
        self.fixed_values = [value for _name, value in fixed if value is not None]
        fixed_names = ", ".join(name for name, value in fixed if value is not None)
        placeholders = ", ".join(["%s"] * len(self.fixed_values))
        from_staging = ", ".join(f"s.{name}" for name in names)
        self.insert_sql = (
            f"INSERT INTO {target} ({fixed_names}, {self.columns}) "  # noqa: S608
            f"SELECT {placeholders}, {from_staging} FROM {self.table} AS s WHERE true "
            "ON CONFLICT (cooperative_id, report_no) DO NOTHING RETURNING report_no, id"
        )
        stored_columns = ", ".join(f"i.{name}" for name in ["report_no", "id", *names[1:]])
        if self.postgresql:
            # One lookup in the unique index per report number, whatever the planner's
            # statistics say: right after a large import they are stale, and it would
            # rather scan every report of the cooperative.
            self.stored_sql = (
                f"SELECT {stored_columns} FROM unnest(%s::text[]) AS wanted (report_no) "  # noqa: S608
                f"CROSS JOIN LATERAL (SELECT * FROM {target} WHERE cooperative_id = %s "
                "AND report_no = wanted.report_no LIMIT 1) AS i"
            )
        else:
            self.stored_sql = (
                f"SELECT {stored_columns} FROM {target} AS i "  # noqa: S608
                "WHERE i.cooperative_id = %s AND "
            )
        assignments = ", ".join(f"{name} = s.{name}" for name in names[1:])
        self.update_sql = (
            f"UPDATE {target} SET {assignments} FROM {self.table} AS s "  # noqa: S608
            f"WHERE {target}.report_no = s.report_no AND "
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE inspection_import ({definitions})"
                + (" ON COMMIT DROP" if self.postgresql else "")
            )

    def _one_of(self, column: str, values: list[Any]) -> tuple[str, list[Any]]:
        """SQL for ``column`` being one of ``values``: one array parameter on PostgreSQL."""
        if self.postgresql:
            return f"{column} = ANY(%s)", [values]
        return f"{column} IN ({', '.join(['%s'] * len(values))})", values

    def fill(self, rows: list[InspectionRow]) -> None:
        with connection.cursor() as cursor:
            if not self.postgresql:
                cursor.execute(f"DELETE FROM {self.table}")  # noqa: S608
                placeholders = ", ".join(["%s"] * (1 + len(INSPECTION_FIELDS)))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({self.columns}) VALUES ({placeholders})",  # noqa: S608
                    [(row.report_no, *row.values()) for row in rows],
                )
                return
            cursor.execute(f"TRUNCATE {self.table}")
            # Django's cursor wrapper holds psycopg's own cursor, which speaks COPY.
            with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row((row.report_no, *row.values()))

    def insert_new(self) -> dict[str, int]:
        """Create the reports of the batch the cooperative does not have; their ids by number."""
        with connection.cursor() as cursor:
            cursor.execute(self.insert_sql, self.fixed_values)
            return dict(cursor.fetchall())

    def stored(self, report_nos: list[str]) -> dict[str, tuple[int, tuple[Any, ...]]]:
        """The id and the stored values of INSPECTION_FIELDS of these reports of the cooperative."""
        if not report_nos:
            return {}
        parameters: list[Any]
        if self.postgresql:
            sql, parameters = self.stored_sql, [report_nos, self.cooperative.pk]
        else:
            condition, report_parameters = self._one_of("i.report_no", report_nos)
            sql, parameters = self.stored_sql + condition, [self.cooperative.pk, *report_parameters]
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return {report_no: (pk, tuple(values)) for report_no, pk, *values in cursor.fetchall()}

    def update(self, ids: list[int]) -> None:
        """Give the reports with these ids the values of the batch."""
        target = connection.ops.quote_name(Inspection._meta.db_table)
        # By primary key only: the ids are those of the cooperative's reports already.
        condition, parameters = self._one_of(f"{target}.id", ids)
        with connection.cursor() as cursor:
            cursor.execute(self.update_sql + condition, parameters)
