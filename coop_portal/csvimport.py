"""The CSV import contract of DATA_FORMATS.md, shared by every import of the portal.

A file is UTF-8 (a byte-order mark is accepted), comma-separated, with a header row; columns
come in any order and an unknown column is an error. An import is all or nothing: every row
is checked, every problem is reported with its line, column and message in the active
language, and if there is any, nothing is written. Rows are matched on their natural key, so
importing the same file twice changes nothing the second time.

An app describes its file with a subclass of ``Importer``: its ``columns``, how a parsed row
becomes a domain record (``clean_row``) and how a batch of them is written (``write_batch``).
``run_import`` streams the file through it, so a file of millions of rows is never held whole.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any, ClassVar, Generic, TypeVar

from django.db import InterfaceError, OperationalError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .public_cache import data_changed

Row = TypeVar("Row")

# What a database connection lost mid-import raises (a restart, a network cut, a killed
# backend). An import is all or nothing, so nothing of the file was stored: run it again.
CONNECTION_LOST = (OperationalError, InterfaceError)


def connection_lost_message() -> str:
    """What a person confirming an import is told when the connection was lost meanwhile."""
    return _(
        "The connection to the database was lost while the file was being stored. Nothing of "
        "it was stored: confirm it again in a moment."
    )


MAX_REPORTED_ERRORS = 1000
PREVIEW_ROWS = 2000
# csv refuses a field longer than this; our own column limits give a clearer message first.
csv.field_size_limit(1_000_000)


class CellError(ValueError):
    """A cell's value is wrong; the message says why, in the active language."""


class RowErrors(Exception):
    """A row is wrong in one or more columns: a list of (column, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


class BatchErrors(Exception):
    """Rows of a batch are wrong in a way only writing it shows (their stored records decide):
    the problems of each, by its position in the batch. Nothing of the file is written."""

    def __init__(self, problems: dict[int, list[tuple[str, str]]]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    parse: Callable[[str], Any] = lambda value: value
    # A column that must be present in the header even when its cells may be empty.
    in_header: bool | None = None
    # What the column holds in the reader's language: problems name it beside the header.
    label: Any = ""

    def must_be_in_header(self) -> bool:
        return self.required if self.in_header is None else self.in_header


@dataclass
class ImportProblem:
    line: int
    column: str
    message: str
    label: Any = ""

    def __str__(self) -> str:
        if self.column and self.label:
            return _("Line %(line)d, column “%(column)s” (%(label)s): %(message)s") % {
                "line": self.line,
                "column": self.column,
                "label": self.label,
                "message": self.message,
            }
        if self.column:
            return _("Line %(line)d, column “%(column)s”: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class PreviewRow:
    line: int
    key: str
    # "create", "update", "unchanged", "error", or "ok": no problem of its own in a file that
    # is refused for other rows' problems (nothing of it is written).
    action: str
    errors: list[str] = field(default_factory=list)
    # What the row is about, in words (the importer's ``describe``).
    details: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    errors: list[ImportProblem] = field(default_factory=list)
    error_count: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    preview: list[PreviewRow] = field(default_factory=list)
    written: bool = False
    # The columns' labels by name, so that a problem names its column in the reader's words.
    labels: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(ImportProblem(line, column, message, self.labels.get(column, "")))

    def summary(self) -> str:
        if not self.ok:
            return problems_found(self.error_count)
        return ngettext(
            "%(rows)d row: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            "%(rows)d rows: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
            self.rows,
        ) % {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def problems_found(count: int) -> str:
    """The summary of a refused file: how many problems, and that nothing was imported."""
    return ngettext(
        "%(count)d problem found; nothing was imported.",
        "%(count)d problems found; nothing was imported.",
        count,
    ) % {"count": count}


class Importer(Generic[Row]):
    """What one kind of file holds and how its rows are written. Subclass per file."""

    columns: ClassVar[list[Column]] = []
    batch_size: ClassVar[int] = 2000
    # Larger files are refused before any row is read.
    max_bytes: ClassVar[int] = 20 * 1024 * 1024
    # The cooperative the rows belong to (subclasses set it): its public pages are dropped
    # once they are written.
    cooperative: Any = None
    # The column holding the natural key as typed: a refused row is named by it in the
    # preview (its key cannot be computed from a record it never became).
    key_column: ClassVar[str] = ""
    # Whether ``clean_row`` also checks a row some cells of which could not be parsed (they
    # are None then, like empty ones), so that every problem of the row is reported at once
    # rather than in rounds. An importer that sets it has a ``clean_row`` that tolerates None
    # in every column; what it reports for a column already wrong is dropped.
    check_partial_rows: ClassVar[bool] = False

    def prepare(self) -> None:
        """Load what checking rows needs (lookups of members, categories …) in a few queries."""

    def clean_row(self, values: dict[str, Any], line: int) -> Row:
        """Turn parsed cells into a record, or raise RowErrors. Cells are parsed already."""
        raise NotImplementedError

    def rows_read(self) -> None:
        """Called once every row of the file has been read and checked (not for a file refused
        before its end): what only the whole file shows can be checked here."""

    def key_of(self, row: Row) -> str:
        """The natural key of a record, to find duplicates in one file and to name it."""
        raise NotImplementedError

    def describe(self, values: dict[str, Any]) -> list[str]:
        """What a row is about, in words, from its parsed cells (a refused row's too), for the
        preview: a key alone is a code the reader has to look up."""
        return []

    def write_batch(self, rows: list[Row]) -> list[str]:
        """Create or update the records; return each one's action: create, update, unchanged.

        Raise BatchErrors for rows that their stored records make wrong: the import then
        reports them with their lines and writes nothing.
        """
        raise NotImplementedError


class _LimitedReader(io.RawIOBase):
    """Reads a binary stream and refuses to go past a size limit."""

    def __init__(self, stream: IO[bytes], limit: int | None) -> None:
        self.stream = stream
        self.limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        self.count += len(data)
        if self.limit is not None and self.count > self.limit:
            raise FileTooLarge
        buffer[: len(data)] = data
        return len(data)


class FileTooLarge(Exception):
    pass


class BadEncoding(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _decoded_lines(raw: IO[bytes]) -> Iterator[str]:
    """Decode the file line by line, so that a wrong encoding is reported on its own line."""
    for number, chunk in enumerate(raw, start=1):
        if number == 1 and chunk.startswith(codecs.BOM_UTF8):
            chunk = chunk[len(codecs.BOM_UTF8) :]
        try:
            yield chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise BadEncoding(number) from None


def _records(stream: IO[bytes], limit: int | None) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number where the record starts, cells), decoding UTF-8 strictly."""
    raw = io.BufferedReader(_LimitedReader(stream, limit), buffer_size=1024 * 1024)
    reader = csv.reader(_decoded_lines(raw), strict=True)
    line_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        start = line_end + 1
        line_end = reader.line_num
        yield start, cells


def _file_problem(error: Exception, line: int) -> str:
    if isinstance(error, BadEncoding):
        line = error.line
        return _(
            "The file is not valid UTF-8 near line %(line)d. Save it as “CSV UTF-8” "
            "(files saved as GBK or GB18030 are not accepted)."
        ) % {"line": line}
    return _("The file is not a well-formed CSV file near line %(line)d: %(error)s") % {
        "line": line,
        "error": str(error),
    }


def run_import(
    importer: Importer[Any],
    stream: IO[bytes],
    *,
    dry_run: bool = False,
    max_bytes: int | None | bool = True,
    keep_preview: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row of the file and, when all are right and not ``dry_run``, write them.

    Everything happens in one transaction that is rolled back on any problem (or on a dry
    run), so the database never holds part of a file. ``max_bytes=True`` uses the importer's
    limit; ``None`` sets none (the command line, for big lab deliveries). ``progress`` is
    told the number of rows written so far after each batch.
    """
    limit = importer.max_bytes if max_bytes is True else (max_bytes or None)
    report = ImportReport(labels=_labels(importer))
    try:
        with transaction.atomic():
            _import(importer, stream, limit, report, keep_preview=keep_preview, progress=progress)
            if dry_run or not report.ok:
                transaction.set_rollback(True)
            else:
                report.written = True
                # Bulk writes send no model signals: public pages showing the rows go stale.
                data_changed(getattr(importer.cooperative, "pk", None))
    except FileTooLarge:
        report = ImportReport()
        report.add_error(
            0,
            "",
            _("The file is larger than the limit of %(size)d MB.")
            % {"size": (limit or 0) // (1024 * 1024)},
        )
    return report


def _labels(importer: Importer[Any]) -> dict[str, Any]:
    return {column.name: column.label for column in importer.columns if column.label}


def _import(
    importer: Importer[Any],
    stream: IO[bytes],
    limit: int | None,
    report: ImportReport,
    *,
    keep_preview: bool,
    progress: Callable[[int], None] | None = None,
) -> None:
    records = _records(stream, limit)
    line = 1
    try:
        first = next(records, None)
    except (BadEncoding, csv.Error) as error:
        bad_line = error.line if isinstance(error, BadEncoding) else 1
        report.add_error(bad_line, "", _file_problem(error, bad_line))
        return
    if first is None or not any(cell.strip() for cell in first[1]):
        report.add_error(
            1, "", _("The file is empty: it needs a header row and at least one row of data.")
        )
        return
    header = [cell.strip() for cell in first[1]]
    if not _check_header(importer, header, report):
        return
    importer.prepare()
    by_name = {column.name: column for column in importer.columns}
    seen: dict[str, int] = {}
    batch: list[Any] = []
    batch_lines: list[tuple[int, str, list[str]]] = []

    def flush() -> None:
        try:
            actions = importer.write_batch(batch)
        except BatchErrors as error:
            for index, problems in sorted(error.problems.items()):
                row_line, _key, details = batch_lines[index]
                for column_name, message in problems:
                    report.add_error(row_line, column_name, message)
                errors = report.errors[-len(problems) :]
                _preview_error(report, keep_preview, row_line, errors, details)
            batch.clear()
            batch_lines.clear()
            return
        for (row_line, key, details), action in zip(batch_lines, actions, strict=True):
            if action == "create":
                report.created += 1
            elif action == "update":
                report.updated += 1
            else:
                report.unchanged += 1
            if keep_preview and len(report.preview) < PREVIEW_ROWS:
                report.preview.append(PreviewRow(row_line, key, action, details=details))
        batch.clear()
        batch_lines.clear()
        if progress is not None:
            progress(report.created + report.updated + report.unchanged)

    while True:
        try:
            item = next(records, None)
        except (BadEncoding, csv.Error) as error:
            bad_line = error.line if isinstance(error, BadEncoding) else line + 1
            report.add_error(bad_line, "", _file_problem(error, bad_line))
            return
        if item is None:
            break
        line, cells = item
        if not any(cell.strip() for cell in cells):
            continue
        report.rows += 1
        if len(cells) != len(header):
            report.add_error(
                line,
                "",
                _("This row has %(found)d fields but the header has %(expected)d.")
                % {"found": len(cells), "expected": len(header)},
            )
            _preview_error(report, keep_preview, line, report.errors[-1:])
            continue
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for name, raw_value in zip(header, cells, strict=True):
            column = by_name[name]
            value = raw_value.strip()
            if not value:
                if column.required:
                    problems.append((name, _("This column is required.")))
                values[name] = None
                continue
            hidden = _HIDDEN.search(value)
            if hidden:
                problems.append((name, _hidden_problem(hidden.group())))
                continue
            try:
                values[name] = column.parse(value)
            except CellError as error:
                problems.append((name, str(error)))
        for column in importer.columns:
            values.setdefault(column.name, None)
        previewed = keep_preview and len(report.preview) + len(batch) < PREVIEW_ROWS
        details = importer.describe(values) if previewed else []
        record = None
        if not problems or importer.check_partial_rows:
            wrong = {name for name, _message in problems}
            try:
                record = importer.clean_row(values, line)
            except RowErrors as error:
                problems.extend(problem for problem in error.problems if problem[0] not in wrong)
        if record is not None and not problems:
            key = importer.key_of(record)
            if key in seen:
                message = _("%(key)s appears twice in this file (first on line %(first)d).")
                problems.append(("", message % {"key": key, "first": seen[key]}))
            else:
                seen[key] = line
        if problems:
            for column_name, message in problems:
                report.add_error(line, column_name, message)
            typed_key = ""
            if importer.key_column in header:
                typed_key = cells[header.index(importer.key_column)].strip()
            _preview_error(
                report,
                keep_preview,
                line,
                report.errors[-len(problems) :],
                details,
                key=typed_key,
            )
            continue
        if report.ok:
            batch.append(record)
            batch_lines.append((line, importer.key_of(record), details))
            if len(batch) >= importer.batch_size:
                flush()
        elif previewed:
            # The file is refused already: the row is not written, but shown as fine.
            report.preview.append(PreviewRow(line, importer.key_of(record), "ok", details=details))
    if report.rows == 0:
        report.add_error(2, "", _("The file has a header row but no rows of data."))
        return
    importer.rows_read()
    if report.ok and batch:
        flush()
    if not report.ok and keep_preview:
        # Nothing of a refused file is written: rows of batches written before the first
        # problem (and rolled back) are fine like those waiting in a batch never written.
        for row in report.preview:
            if row.action != "error":
                row.action = "ok"
        for row_line, key, details in batch_lines:
            report.preview.append(PreviewRow(row_line, key, "ok", details=details))
        batch_lines.clear()
        report.preview.sort(key=lambda row: row.line)
        del report.preview[PREVIEW_ROWS:]


def _preview_error(
    report: ImportReport,
    keep_preview: bool,
    line: int,
    errors: list[ImportProblem],
    details: list[str] | None = None,
    *,
    key: str = "",
) -> None:
    if keep_preview and len(report.preview) < PREVIEW_ROWS:
        messages = [str(error) for error in errors]
        report.preview.append(PreviewRow(line, key, "error", messages, details or []))


def _check_header(importer: Importer[Any], header: list[str], report: ImportReport) -> bool:
    known = {column.name for column in importer.columns}
    ok = True
    for name in header:
        if name not in known:
            report.add_error(
                1,
                name,
                _("Unknown column. The columns of this file are: %(columns)s.")
                % {"columns": ", ".join(column.name for column in importer.columns)},
            )
            ok = False
        elif header.count(name) > 1:
            report.add_error(1, name, _("This column appears more than once."))
            ok = False
    for column in importer.columns:
        if column.must_be_in_header() and column.name not in header:
            report.add_error(
                1, column.name, _("This required column is missing from the header row.")
            )
            ok = False
    return ok


# Control characters (tab, line feed and carriage return aside, which quoted text may hold)
# and byte-order marks are not text anyone typed: they come from a file glued together from
# others, or from a wrong encoding, and would be stored invisibly.
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]")


def _hidden_problem(character: str) -> str:
    if character == "\ufeff":
        return _(
            "This cell contains a byte-order mark (U+FEFF), which belongs only at the very "
            "start of a file: was this file joined from several others?"
        )
    return _(
        "This cell contains the invisible control character U+%(code)04X. Remove it and "
        "save the file again."
    ) % {"code": ord(character)}


# A cell starting with one of these is run as a formula by spreadsheets when the data is
# exported and opened again (CSV injection); a plain signed number is harmless.
_FORMULA_START = ("=", "+", "-", "@")
_SIGNED_NUMBER = re.compile(r"[+-]\d+(\.\d+)?")


# Cell parsers. Each returns the parsed value or raises CellError with a message.

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def formula_refusal(value: str) -> str | None:
    """Why ``value`` is refused as text that spreadsheets would run as a formula, or None.

    The one rule for every way text comes in: the CSV cells (``text``) and the lab API's
    fields (inspections/lab_api.py), so that a text refused on one path is refused on both.
    """
    if value.startswith(_FORMULA_START) and not _SIGNED_NUMBER.fullmatch(value):
        return _(
            "Text may not start with “%(character)s”: spreadsheets would run it as a "
            "formula. Start the text with a letter or a digit."
        ) % {"character": value[0]}
    return None


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(
                _("Too long: %(length)d characters, at most %(max)d.")
                % {"length": len(value), "max": max_length}
            )
        if refusal := formula_refusal(value):
            raise CellError(refusal)
        return value

    return parse


def date(value: str) -> datetime.date:
    if not _DATE.match(value):
        raise CellError(
            _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": value[:40]}
        )
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CellError(_("%(value)s is not a real date.") % {"value": value}) from None


def boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered == "yes":
        return True
    if lowered == "no":
        return False
    raise CellError(_("“%(value)s” is neither yes nor no.") % {"value": value[:40]})


def choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise CellError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value[:40], "allowed": ", ".join(allowed)}
            )
        return value

    return parse


def integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not re.fullmatch(r"[+-]?\d{1,9}", value):
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": value[:40]})
        number = int(value)
        _check_range(number, minimum, maximum)
        return number

    return parse


def decimal(
    places: int, minimum: Decimal | None = None, maximum: Decimal | None = None
) -> Callable[[str], Decimal]:
    def parse(value: str) -> Decimal:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": value[:40]}) from None
        if not number.is_finite():
            raise CellError(_("“%(value)s” is not a number.") % {"value": value[:40]})
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise CellError(
                _("At most %(places)d decimal place(s) are allowed.") % {"places": places}
            )
        _check_range(number, minimum, maximum)
        return number

    return parse


def _check_range(
    number: int | Decimal, minimum: int | Decimal | None, maximum: int | Decimal | None
) -> None:
    if minimum is not None and number < minimum:
        raise CellError(
            _("%(value)s is below the minimum of %(min)s.") % {"value": number, "min": minimum}
        )
    if maximum is not None and number > maximum:
        raise CellError(
            _("%(value)s is above the maximum of %(max)s.") % {"value": number, "max": maximum}
        )
