"""The shared import contract, through a small importer of labs (key: Chinese name)."""

import io

import pytest
from django.utils import translation

from coop_portal import csvimport
from coop_portal.csvimport import CellError, Column, Importer, RowErrors, run_import
from members.models import Lab

pytestmark = pytest.mark.django_db


class LabImporter(Importer[dict]):
    columns = [
        Column("name_zh", required=True, parse=csvimport.text(50)),
        Column("name_en", parse=csvimport.text(50)),
        Column("accreditation_no", parse=csvimport.text(20)),
    ]
    batch_size = 2

    def clean_row(self, values, line):
        if values["name_zh"] == "坏":
            raise RowErrors([("name_zh", "bad name")])
        return values

    def key_of(self, row):
        return row["name_zh"]

    def write_batch(self, rows):
        actions = []
        for row in rows:
            defaults = {key: value or "" for key, value in row.items()}
            lab, created = Lab.objects.get_or_create(name_zh=row["name_zh"], defaults=defaults)
            changed = [
                k for k in ("name_en", "accreditation_no") if (row[k] or "") != getattr(lab, k)
            ]
            if created:
                actions.append("create")
            elif changed:
                for k in changed:
                    setattr(lab, k, row[k] or "")
                lab.save()
                actions.append("update")
            else:
                actions.append("unchanged")
        return actions


def run(content: str | bytes, **kwargs):
    data = content.encode() if isinstance(content, str) else content
    with translation.override("en"):
        return run_import(LabImporter(), io.BytesIO(data), **kwargs)


GOOD = "name_zh,name_en\n甲,A\n乙,B\n丙,C\n"


def test_a_good_file_is_imported_and_a_second_import_changes_nothing():
    first = run(GOOD)
    assert first.ok
    assert first.written
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    second = run(GOOD)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert Lab.objects.count() == 3


def test_columns_may_come_in_any_order_and_a_bom_is_accepted():
    report = run("\ufeffname_en,name_zh\r\nA,甲\r\n")
    assert report.ok
    assert Lab.objects.get(name_zh="甲").name_en == "A"


class KeyedLabImporter(LabImporter):
    key_column = "name_zh"


def test_the_preview_of_a_refused_file_shows_every_row_in_order_refused_ones_by_their_key():
    # Batches of two: 甲 and 乙 are written (and rolled back) before 坏 is found.
    data = "name_zh,name_en\n甲,A\n乙,B\n坏,C\n丙,D\n丁,E\n".encode()
    with translation.override("en"):
        report = run_import(KeyedLabImporter(), io.BytesIO(data), keep_preview=True)
        plain = run_import(LabImporter(), io.BytesIO(data), keep_preview=True)
        assert report.summary() == "1 problem found; nothing was imported."
    rows = [(row.line, row.key, row.action) for row in report.preview]
    assert rows == [
        (2, "甲", "ok"),
        (3, "乙", "ok"),
        (4, "坏", "error"),
        (5, "丙", "ok"),
        (6, "丁", "ok"),
    ]
    assert report.preview[2].errors == ["Line 4, column “name_zh”: bad name"]
    # Without a key column a refused row is shown without a key.
    assert [row.key for row in plain.preview] == ["甲", "乙", "", "丙", "丁"]
    assert not Lab.objects.exists()


def test_the_summary_of_a_good_file_says_row_or_rows():
    with translation.override("en"):
        assert run("name_zh\n甲\n").summary() == "1 row: 1 created, 0 updated, 0 unchanged."
        assert run("name_zh\n甲\n乙\n").summary() == "2 rows: 1 created, 0 updated, 1 unchanged."


def test_one_bad_row_means_nothing_is_written_and_every_bad_row_is_named():
    report = run("name_zh,name_en\n甲,A\n乙,B\n坏,C\n,D\n")
    assert not report.ok
    assert not Lab.objects.exists()
    assert [(e.line, e.column) for e in report.errors] == [(4, "name_zh"), (5, "name_zh")]
    with translation.override("en"):
        assert str(report.errors[1]) == "Line 5, column “name_zh”: This column is required."


def test_unknown_and_missing_columns_are_errors():
    report = run("name_en,colour\nA,red\n")
    with translation.override("en"):
        messages = [str(e) for e in report.errors]
    assert any("colour" in m and "Unknown column" in m for m in messages)
    assert any("name_zh" in m and "missing" in m for m in messages)


def test_a_duplicate_key_within_one_file_is_an_error():
    report = run("name_zh\n甲\n乙\n甲\n")
    assert [e.line for e in report.errors] == [4]
    assert "first on line 2" in report.errors[0].message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"name_zh\n", "no rows of data"),
        ("name_zh\n甲\n".encode("gbk"), "not valid UTF-8"),
        (b'name_zh\n"unbalanced\n', "well-formed"),
        (b"name_zh,name_en\nA\n", "1 fields but the header has 2"),
        ("name_zh\n" + "长" * 10_000 + "\n", "Too long: 10000 characters"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(content, fragment):
    report = run(content)
    assert not report.ok
    with translation.override("en"):
        assert fragment in " ".join(str(e) for e in report.errors)
    assert not Lab.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_reading_rows():
    big = "name_zh\n" + "".join(f"名{i}\n" for i in range(200_000))
    report = run(big, max_bytes=100_000)
    assert not report.ok
    with translation.override("en"):
        assert "larger than the limit" in str(report.errors[0])
    assert not Lab.objects.exists()


def test_a_dry_run_reports_the_actions_and_writes_nothing():
    report = run(GOOD, dry_run=True, keep_preview=True)
    assert report.ok
    assert not report.written
    assert [(row.line, row.action) for row in report.preview] == [
        (2, "create"),
        (3, "create"),
        (4, "create"),
    ]
    assert not Lab.objects.exists()


def test_parsers():
    assert csvimport.date("2025-03-01").isoformat() == "2025-03-01"
    for bad in ("2025-3-1", "20250301", "2025-02-30"):
        with pytest.raises(CellError):
            csvimport.date(bad)
    assert csvimport.boolean("yes") is True
    assert csvimport.boolean("no") is False
    with pytest.raises(CellError):
        csvimport.boolean("maybe")
    assert str(csvimport.decimal(1, 0, 100)("92.5")) == "92.5"
    for bad in ("92.55", "abc", "NaN", "101"):
        with pytest.raises(CellError):
            csvimport.decimal(1, 0, 100)(bad)
    assert csvimport.integer(1)("7") == 7
    for bad in ("0", "7.5", "seven"):
        with pytest.raises(CellError):
            csvimport.integer(1)(bad)


def test_a_wrong_encoding_is_reported_on_its_own_line():
    content = "name_zh\n甲\n乙\n".encode() + "丙\n".encode("gbk")
    report = run(content)
    assert [error.line for error in report.errors] == [4]
    assert not Lab.objects.exists()


class CheckingLabImporter(LabImporter):
    """Checks the whole row even when a cell could not be read (check_partial_rows)."""

    check_partial_rows = True

    def clean_row(self, values, line):
        problems = []
        if values["name_en"] is None or values["name_en"] == "bad":
            problems.append(("name_en", "English name wanted"))
        if values["name_zh"] == "坏":
            problems.append(("name_zh", "bad name"))
        if problems:
            raise RowErrors(problems)
        return values


def test_a_row_with_a_cell_that_cannot_be_read_is_checked_whole_when_the_importer_asks():
    """Walk finding M8: every problem of a row in one pass, none twice for one column."""
    content = "name_zh,name_en\n坏," + "x" * 51 + "\n"
    with translation.override("en"):
        report = run_import(CheckingLabImporter(), io.BytesIO(content.encode()))
    assert [(problem.line, problem.column) for problem in report.errors] == [
        (2, "name_en"),
        (2, "name_zh"),
    ]
    assert "English name wanted" not in str(report.errors[0])
    assert not Lab.objects.exists()


def test_an_importer_that_does_not_ask_is_not_given_a_row_with_a_cell_that_cannot_be_read():
    report = run("name_zh,name_en\n坏," + "x" * 51 + "\n")
    assert [(problem.line, problem.column) for problem in report.errors] == [(2, "name_en")]
