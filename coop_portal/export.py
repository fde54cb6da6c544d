"""CSV and XLSX downloads whose cells are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """Neutralise a text cell that a spreadsheet would evaluate (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Line:
    """What csv.writer writes to: hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, lines_per_chunk: int = 500
) -> Iterator[bytes]:
    """A CSV file in UTF-8 chunks of a few hundred lines, formulas escaped, read from ``rows``
    as it goes: never more than one chunk in memory."""
    writer = csv.writer(_Line())
    # A byte-order mark lets spreadsheet programs recognise UTF-8 Chinese text.
    chunk = ["\ufeff", writer.writerow(header)]
    for row in rows:
        chunk.append(writer.writerow([escape_formula(cell) for cell in row]))
        if len(chunk) >= lines_per_chunk:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    if chunk:
        yield "".join(chunk).encode("utf-8")


def _attachment(response: HttpResponseBase, filename: str) -> None:
    # A name in Chinese (a category's) is sent as RFC 6266's filename*, which HTTP headers allow.
    header = content_disposition_header(True, filename)
    if header:
        response["Content-Disposition"] = header


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """A small CSV download, built whole (an administrator's selection)."""
    response = HttpResponse(b"".join(csv_lines(header, rows)), content_type=CSV_CONTENT_TYPE)
    _attachment(response, filename)
    return response


def csv_stream(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A CSV download of any size, streamed as ``rows`` yields them: the first bytes leave at
    once and memory stays flat however many rows there are."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_CONTENT_TYPE)
    _attachment(response, filename)
    return response


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(header))
    for row in rows:
        sheet.append([escape_formula(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    _attachment(response, filename)
    return response
