"""A corpus of malformed CSV files, built from any importer's header and one good row.

Every case turns a valid file (a ``Sample``: the importer's columns, one good row, and which
of its columns hold free text and a date) into a broken one, and says on which line and in
which column the import must report the problem (``None``: the problem has no single
column). tests/security/test_csv_corpus.py feeds each case to every importer of the portal.

``python -m tests.security.csv_corpus OUTDIR`` writes the corpus for the members file as
files, to open them in an editor or a spreadsheet.
"""

from __future__ import annotations

import codecs
import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    columns: list[str]
    row: dict[str, str]
    # A column of free text, and a typed column that refuses what is not a date (the date
    # column itself when the file has one).
    text: str
    date: str

    def header(self, columns: list[str] | None = None) -> str:
        return ",".join(columns if columns is not None else self.columns)

    def line(self, **overrides: str) -> str:
        values = {**self.row, **overrides}
        return ",".join(_quoted(values[name]) for name in self.columns)

    def file(self, *lines: str, end: str = "\n") -> str:
        return end.join([self.header(), *lines]) + end


def members_sample(credit_code: str) -> Sample:
    """A good line of the members file (DATA_FORMATS.md), the corpus's usual base."""
    return Sample(
        columns=[
            "credit_code",
            "name",
            "kind",
            "scale",
            "joined_on",
            "address",
            "chief_quality_officer",
            "left_on",
        ],
        row={
            "credit_code": credit_code,
            "name": "南通丙家纺有限公司",
            "kind": "firm",
            "scale": "sme",
            "joined_on": "2024-03-01",
            "address": "江苏省南通市通州区",
            "chief_quality_officer": "王芳",
            "left_on": "",
        },
        text="name",
        date="joined_on",
    )


def _quoted(value: str) -> str:
    if any(char in value for char in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


@dataclass(frozen=True)
class Expected:
    line: int
    # The column the report must name; None when the problem belongs to the whole line.
    column: str | None


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Sample], tuple[bytes, Expected]]


CASES: list[Case] = []


def case(name: str) -> Callable[[Callable[[Sample], tuple[bytes, Expected]]], None]:
    def register(build: Callable[[Sample], tuple[bytes, Expected]]) -> None:
        CASES.append(Case(name, build))

    return register


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


# Empty and structural problems.


@case("empty-file")
def _(s: Sample) -> tuple[bytes, Expected]:
    return b"", Expected(1, None)


@case("blank-lines-only")
def _(s: Sample) -> tuple[bytes, Expected]:
    return b"\n\r\n   \n", Expected(1, None)


@case("header-only")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.header() + "\n"), Expected(2, None)


@case("header-and-empty-rows")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.header() + "\n" + "," * (len(s.columns) - 1) + "\n\n"), Expected(2, None)


@case("missing-required-header")
def _(s: Sample) -> tuple[bytes, Expected]:
    columns = s.columns[1:]
    row = ",".join(_quoted(s.row[name]) for name in columns)
    return _utf8(s.header(columns) + "\n" + row + "\n"), Expected(1, s.columns[0])


@case("duplicate-header")
def _(s: Sample) -> tuple[bytes, Expected]:
    columns = [*s.columns, s.columns[0]]
    row = ",".join(_quoted(s.row[name]) for name in columns)
    return _utf8(s.header(columns) + "\n" + row + "\n"), Expected(1, s.columns[0])


@case("extra-unknown-header")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = s.header([*s.columns, "notes"]) + "\n" + s.line() + ",备注\n"
    return _utf8(content), Expected(1, "notes")


@case("header-in-capitals")
def _(s: Sample) -> tuple[bytes, Expected]:
    columns = [name.upper() for name in s.columns]
    return _utf8(s.header(columns) + "\n" + s.line() + "\n"), Expected(1, columns[0])


@case("semicolon-separated")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = ";".join(s.columns) + "\n" + ";".join(s.row[name] for name in s.columns) + "\n"
    return _utf8(content), Expected(1, ";".join(s.columns))


@case("tab-separated")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = "\t".join(s.columns) + "\n" + "\t".join(s.row[name] for name in s.columns) + "\n"
    return _utf8(content), Expected(1, "\t".join(s.columns))


@case("row-with-too-few-fields")
def _(s: Sample) -> tuple[bytes, Expected]:
    short = ",".join(_quoted(s.row[name]) for name in s.columns[:-1])
    return _utf8(s.file(s.line(), short)), Expected(3, None)


@case("row-with-too-many-fields")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line() + ",多余,字段")), Expected(2, None)


@case("required-cell-empty")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.columns[0]: ""}))), Expected(2, s.columns[0])


@case("same-row-twice")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(), s.line())), Expected(3, None)


# Quoting.


@case("unbalanced-quote")
def _(s: Sample) -> tuple[bytes, Expected]:
    broken = s.line(**{s.text: "x"}).replace("x", '"never closed', 1)
    return _utf8(s.file(broken, s.line())), Expected(2, None)


@case("text-after-closing-quote")
def _(s: Sample) -> tuple[bytes, Expected]:
    broken = s.line(**{s.text: "x"}).replace("x", '"quoted"trailing', 1)
    return _utf8(s.file(broken)), Expected(2, None)


@case("quote-in-header")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = '"' + s.columns[0] + "," + ",".join(s.columns[1:]) + "\n" + s.line() + "\n"
    return _utf8(content), Expected(1, None)


# Sizes.


@case("huge-field-over-the-csv-limit")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: "长" * 1_100_000}))), Expected(2, None)


@case("field-far-over-the-column-limit")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: "x" * 100_000}))), Expected(2, s.text)


# Encodings and byte-order marks.


@case("gbk")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = s.file(s.line(**{s.text: "南通家纺质量合作社"}))
    return content.encode("gbk"), Expected(2, None)


@case("gb18030-four-byte")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = s.file(s.line(**{s.text: "𠀀家纺"}))
    return content.encode("gb18030"), Expected(2, None)


@case("utf-16-le-without-bom")
def _(s: Sample) -> tuple[bytes, Expected]:
    return s.file(s.line()).encode("utf-16-le"), Expected(1, None)


@case("utf-16-be-without-bom")
def _(s: Sample) -> tuple[bytes, Expected]:
    return s.file(s.line()).encode("utf-16-be"), Expected(1, None)


@case("utf-16-with-bom")
def _(s: Sample) -> tuple[bytes, Expected]:
    return s.file(s.line()).encode("utf-16"), Expected(1, None)


@case("latin-1")
def _(s: Sample) -> tuple[bytes, Expected]:
    return s.file(s.line(**{s.text: "Café Müller"})).encode("latin-1", "replace"), Expected(2, None)


@case("overlong-utf-8")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = _utf8(s.file(s.line(**{s.text: "@@@"})))
    return content.replace(b"@@@", b"\xc0\xaf"), Expected(2, None)


@case("utf-8-encoded-surrogate")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = _utf8(s.file(s.line(**{s.text: "@@@"})))
    return content.replace(b"@@@", b"\xed\xa0\x80"), Expected(2, None)


@case("truncated-multibyte-at-end")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line())) + "中".encode()[:2], Expected(3, None)


@case("two-boms-at-start")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = codecs.BOM_UTF8 * 2 + _utf8(s.file(s.line()))
    return content, Expected(1, None)


@case("bom-in-a-cell")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: "家纺\ufeff四件套"}))), Expected(2, s.text)


@case("bom-at-start-of-a-row")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(), "\ufeff" + s.line())), Expected(3, s.columns[0])


# Control characters and line endings.


@case("nul-byte-in-a-cell")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: "家纺\x00四件套"}))), Expected(2, s.text)


@case("escape-sequence-in-a-cell")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: "\x1b[31m红色\x1b[0m"}))), Expected(2, s.text)


@case("bare-carriage-return-between-rows")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line() + "\r" + s.line())), Expected(2, None)


@case("mixed-line-endings-with-bare-cr")
def _(s: Sample) -> tuple[bytes, Expected]:
    content = s.header() + "\r\n" + s.line() + "\n" + s.line() + "\r"
    return _utf8(content), Expected(3, None)


# Formula injection: a cell a spreadsheet would run when the file is opened or exported.


@case("formula-equals")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: '=HYPERLINK("http://x.example","点击")'}))), Expected(
        2, s.text
    )


@case("formula-plus")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: "+1+cmd|' /C calc'!A0"}))), Expected(2, s.text)


@case("formula-minus")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: "-2+3+cmd|' /C calc'!A0"}))), Expected(2, s.text)


@case("formula-at")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: "@SUM(1+1)*cmd|' /C calc'!A0"}))), Expected(2, s.text)


@case("formula-after-leading-tab")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.text: "\t=1+1"}))), Expected(2, s.text)


@case("formula-in-a-typed-column")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.date: "=TODAY()"}))), Expected(2, s.date)


# Dates.


@case("impossible-date-february-30")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.date: "2025-02-30"}))), Expected(2, s.date)


@case("impossible-date-month-13")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.date: "2025-13-01"}))), Expected(2, s.date)


@case("impossible-date-year-zero")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.date: "0000-01-01"}))), Expected(2, s.date)


@case("date-with-slashes")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.date: "2025/03/01"}))), Expected(2, s.date)


@case("date-as-excel-serial")
def _(s: Sample) -> tuple[bytes, Expected]:
    return _utf8(s.file(s.line(**{s.date: "45717"}))), Expected(2, s.date)


# Not CSV at all.


@case("binary-garbage")
def _(s: Sample) -> tuple[bytes, Expected]:
    garbage = random.Random(11).randbytes(4096)
    return garbage, Expected(1, None)


@case("png-image")
def _(s: Sample) -> tuple[bytes, Expected]:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", Expected(1, None)


@case("xlsx-workbook")
def _(s: Sample) -> tuple[bytes, Expected]:
    return b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00b\xee\x9dh^\x01", Expected(1, None)
