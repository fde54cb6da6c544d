"""inspections.csv through `import_inspections` (DATA_FORMATS.md) and the shared service."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from inspections.importers import InspectionImporter
from inspections.models import Inspection, ItemResult, Rectification
from inspections.services import import_inspections
from tests.inspections.conftest import HEADER, csv_file

pytestmark = pytest.mark.django_db


def row(member, report_no="NT2025-0001", **overrides: str) -> str:
    values = {
        "report_no": report_no,
        "credit_code": member.credit_code,
        "product": "全棉四件套",
        "category": "bedding",
        "sampled_on": "2025-03-01",
        "reported_on": "2025-03-10",
        "verdict": "pass",
        "severity": "",
        "lab": "国家家纺检测中心",
        "rectified_on": "",
    }
    values.update(overrides)
    return ",".join(values[name] for name in HEADER.split(","))


def run_command(coop, tmp_path, *rows: str, items: str | None = None, reason: str = ""):
    path = tmp_path / "inspections.csv"
    path.write_bytes(csv_file(*rows).getvalue())
    args = ["import_inspections", "--cooperative", coop.slug, str(path)]
    if items is not None:
        items_path = tmp_path / "items.csv"
        items_path.write_text(items, encoding="utf-8")
        args += ["--items", str(items_path)]
    if reason:
        args += ["--reason", reason]
    with translation.override("en"):
        call_command(*args)


def test_a_good_file_is_imported_and_a_second_import_changes_nothing(
    coop, member_a, member_b, lab, catalogue, tmp_path, capsys
):
    rows = [
        row(member_a, "NT2025-0001"),
        row(member_b, "NT2025-0002", verdict="fail", severity="major", rectified_on="2025-04-01"),
        row(member_a, "NT2025-0003", verdict="fail", severity="critical", category="fabrics"),
    ]
    run_command(coop, tmp_path, *rows)
    assert "3 rows: 3 created, 0 updated, 0 unchanged." in capsys.readouterr().out
    failed = Inspection.objects.get(report_no="NT2025-0002")
    assert failed.member == member_b
    assert failed.rectified_on == datetime.date(2025, 4, 1)
    assert failed.lab == lab
    assert failed.source == Inspection.Source.IMPORT
    # Each failure opened its rectification, with the charter's 60 days.
    assert Rectification.objects.get(inspection=failed).deadline == datetime.date(2025, 5, 9)
    assert Rectification.objects.count() == 2

    run_command(coop, tmp_path, *rows)
    assert "3 rows: 0 created, 0 updated, 3 unchanged." in capsys.readouterr().out
    assert Inspection.objects.count() == 3
    assert Rectification.objects.count() == 2


def test_a_changed_row_is_updated_in_place(coop, member_a, catalogue, tmp_path, capsys):
    run_command(coop, tmp_path, row(member_a))
    run_command(coop, tmp_path, row(member_a, product="夏凉被"))
    assert "0 created, 1 updated, 0 unchanged" in capsys.readouterr().out
    assert Inspection.objects.get().product == "夏凉被"


@pytest.mark.parametrize(
    ("overrides", "column", "fragment"),
    [
        ({"credit_code": "91320612MA1MXXXX0X"}, "credit_code", "No member of this cooperative"),
        ({"reported_on": "2025-02-20"}, "reported_on", "before the sampling date 2025-03-01"),
        ({"verdict": "fail"}, "severity", "A failed result needs a severity"),
        ({"severity": "minor"}, "severity", "A passed result has no severity"),
        ({"category": "shoes"}, "category", "not a category of the test catalogue"),
        ({"sampled_on": "2025/03/01"}, "sampled_on", "is not a date in the form YYYY-MM-DD"),
        ({"verdict": "ok"}, "verdict", "is not one of: pass, fail"),
        ({"rectified_on": "2025-04-01"}, "rectified_on", "Only a failed result"),
        (
            {"verdict": "fail", "severity": "minor", "rectified_on": "2025-03-05"},
            "rectified_on",
            "before the report date",
        ),
        ({"product": ""}, "product", "This column is required."),
    ],
)
def test_each_bad_row_is_refused_with_its_line_and_column_and_nothing_is_written(
    coop, member_a, catalogue, tmp_path, capsys, overrides, column, fragment
):
    rows = [row(member_a, "NT2025-0001"), row(member_a, "NT2025-0002", **overrides)]
    with pytest.raises(CommandError, match="nothing was imported"):
        run_command(coop, tmp_path, *rows)
    errors = capsys.readouterr().err
    assert f"Line 3, column “{column}”" in errors
    assert fragment in errors
    assert not Inspection.objects.exists()


def test_a_report_number_twice_in_one_file_is_refused(coop, member_a, catalogue, tmp_path, capsys):
    with pytest.raises(CommandError):
        run_command(coop, tmp_path, row(member_a), row(member_a))
    assert "NT2025-0001 appears twice in this file (first on line 2)" in capsys.readouterr().err
    assert not Inspection.objects.exists()


def test_a_member_of_another_cooperative_is_unknown(
    coop, other_coop, member_a, catalogue, tmp_path, capsys
):
    from tests.factories import MemberFactory

    stranger = MemberFactory(cooperative=other_coop)
    with pytest.raises(CommandError):
        run_command(coop, tmp_path, row(stranger))
    assert "column “credit_code”" in capsys.readouterr().err


def test_an_unknown_cooperative_or_missing_file_exits_non_zero(coop, tmp_path):
    missing = str(tmp_path / "x.csv")
    with translation.override("en"):
        with pytest.raises(CommandError, match="no cooperative"):
            call_command("import_inspections", "--cooperative", "nowhere", missing)
        with pytest.raises(CommandError, match="Cannot read"):
            call_command("import_inspections", "--cooperative", coop.slug, missing)
        with pytest.raises(CommandError, match="Cannot read"):
            call_command(
                "import_inspections", "--cooperative", coop.slug, __file__, "--items", missing
            )


ITEMS_HEADER = "report_no,item,measured_value,limit,result"


def test_item_results_are_imported_with_their_reports(coop, member_a, catalogue, tmp_path, capsys):
    items = "\n".join(
        [
            ITEMS_HEADER,
            "NT2025-0001,formaldehyde,112,≤ 75,fail",
            "NT2025-0001,ph,6.5,,pass",
            "NT2025-0001,odour,无异味,,pass",
        ]
    )
    run_command(coop, tmp_path, row(member_a, verdict="fail", severity="major"), items=items + "\n")
    assert "3 item results" in capsys.readouterr().out
    inspection = Inspection.objects.get()
    results = {r.item.code: r for r in ItemResult.objects.filter(inspection=inspection)}
    assert results["formaldehyde"].measured_number == 112
    # The lab left the limit empty: the catalogue's, which judged the result, is kept with it.
    assert results["ph"].limit == "4.0 – 8.5（GB 18401 B类）"
    assert results["odour"].measured_number is None
    # The same two files again: nothing changes.
    run_command(coop, tmp_path, row(member_a, verdict="fail", severity="major"), items=items + "\n")
    assert "0 created, 0 updated, 1 unchanged" in capsys.readouterr().out
    assert ItemResult.objects.count() == 3


@pytest.mark.parametrize(
    ("verdict", "severity", "items", "fragment"),
    [
        (
            "pass",
            "",
            ["formaldehyde,112,,fail"],
            "The verdict is pass but these items failed: formaldehyde",
        ),
        (
            "fail",
            "minor",
            ["formaldehyde,12,,pass"],
            "Every item passed, so the verdict cannot be fail",
        ),
        ("pass", "", ["formaldehyde,twelve,,pass"], "“twelve” is not a number"),
        ("pass", "", ["sole-glue,1,,pass"], "“sole-glue” is not a test item"),
    ],
)
def test_item_results_that_disagree_or_are_wrong_are_refused(
    coop, member_a, catalogue, tmp_path, capsys, verdict, severity, items, fragment
):
    content = "\n".join([ITEMS_HEADER, *[f"NT2025-0001,{line}" for line in items]]) + "\n"
    with pytest.raises(CommandError):
        run_command(
            coop, tmp_path, row(member_a, verdict=verdict, severity=severity), items=content
        )
    assert fragment in capsys.readouterr().err
    assert not Inspection.objects.exists()
    assert not ItemResult.objects.exists()


def test_item_results_of_a_report_not_in_the_file_are_refused(
    coop, member_a, catalogue, tmp_path, capsys
):
    content = f"{ITEMS_HEADER}\nNT2025-0999,ph,6.5,,pass\n"
    with pytest.raises(CommandError):
        run_command(coop, tmp_path, row(member_a), items=content)
    err = capsys.readouterr().err
    assert "Item-results file: Line 2, column “report_no”" in err
    assert not Inspection.objects.exists()


def test_an_import_opens_its_rectifications_with_it_in_a_constant_number_of_queries(
    coop, member_a, member_b, catalogue
):
    def queries_to_import(count: int, prefix: str) -> int:
        stream = csv_file(
            *[
                row(
                    member_a if number % 2 else member_b,
                    f"{prefix}-{number:04d}",
                    verdict="fail",
                    severity="minor",
                    reported_on=f"2025-03-{10 + number % 15}",
                )
                for number in range(count)
            ]
        )
        with CaptureQueriesContext(connection) as queries:
            outcome = import_inspections(coop, stream)
        assert outcome.written
        assert outcome.rectifications_opened == count
        return len(queries)

    assert queries_to_import(3, "NT2025-A") == queries_to_import(60, "NT2025-B")
    assert Rectification.objects.count() == 63
    assert {r.deadline - r.inspection.reported_on for r in Rectification.objects.all()} == {
        datetime.timedelta(days=60)
    }


def test_a_report_re_imported_without_items_must_still_agree_with_its_stored_items(
    coop, member_a, catalogue, tmp_path, capsys
):
    failed_items = f"{ITEMS_HEADER}\nNT2025-0001,formaldehyde,112,,fail\nNT2025-0001,ph,6.5,,pass\n"
    passed_items = f"{ITEMS_HEADER}\nNT2025-0002,ph,6.5,,pass\n"
    run_command(coop, tmp_path, row(member_a, verdict="fail", severity="major"), items=failed_items)
    run_command(coop, tmp_path, row(member_a, "NT2025-0002"), items=passed_items)
    capsys.readouterr()
    with pytest.raises(CommandError):
        run_command(coop, tmp_path, row(member_a), row(member_a, "NT2025-0002"))
    assert (
        "Line 2, column “verdict” (Verdict): The verdict is pass but these items failed: formaldehyde"
        in (capsys.readouterr().err)
    )
    with pytest.raises(CommandError):
        run_command(coop, tmp_path, row(member_a, "NT2025-0002", verdict="fail", severity="minor"))
    assert "Every item passed, so the verdict cannot be fail" in capsys.readouterr().err
    # Agreeing verdicts go through unchanged.
    run_command(
        coop,
        tmp_path,
        row(member_a, verdict="fail", severity="major"),
        row(member_a, "NT2025-0002"),
    )
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_a_result_that_turns_into_a_failure_on_re_import_is_updated_and_opens_its_rectification(
    coop, member_a, member_b, catalogue, tmp_path, capsys
):
    rows = [row(member_a, f"NT2025-{number:04d}") for number in range(1, 4)]
    run_command(coop, tmp_path, *rows)
    rows[1] = row(member_b, "NT2025-0002", verdict="fail", severity="critical")
    run_command(coop, tmp_path, *rows, reason="复核发现样品不合格")
    assert "3 rows: 0 created, 1 updated, 2 unchanged." in capsys.readouterr().out
    changed = Inspection.objects.get(report_no="NT2025-0002")
    assert (changed.member, changed.verdict, changed.severity) == (member_b, "fail", "critical")
    assert changed.source == Inspection.Source.IMPORT
    assert Rectification.objects.get().inspection == changed
    assert set(Inspection.objects.exclude(pk=changed.pk).values_list("verdict", flat=True)) == {
        "pass"
    }


def test_a_file_of_several_batches_mixing_new_changed_and_unchanged_reports(
    coop, member_a, member_b, catalogue, monkeypatch
):
    monkeypatch.setattr(InspectionImporter, "batch_size", 2)
    first = [row(member_a, f"NT2025-{number:04d}") for number in range(0, 6, 2)]
    assert import_inspections(coop, csv_file(*first)).report.created == 3
    # Old and new reports alternate, so every batch holds both; one old report fails now.
    rows = [row(member_a, f"NT2025-{number:04d}") for number in range(7)]
    rows[2] = row(member_b, "NT2025-0002", verdict="fail", severity="minor")
    rows[5] = row(member_b, "NT2025-0005", verdict="fail", severity="major")
    report = import_inspections(coop, csv_file(*rows), reason="复核").report
    assert (report.created, report.updated, report.unchanged) == (4, 1, 2)
    assert Inspection.objects.count() == 7
    assert set(Rectification.objects.values_list("inspection__report_no", flat=True)) == {
        "NT2025-0002",
        "NT2025-0005",
    }
    assert Inspection.objects.get(report_no="NT2025-0002").member == member_b
    report = import_inspections(coop, csv_file(*rows)).report
    assert (report.created, report.updated, report.unchanged) == (0, 0, 7)


def test_an_imported_failure_that_can_still_be_rectified_is_announced_and_history_is_not(
    coop, member_a, member_user_a, catalogue, django_capture_on_commit_callbacks
):
    from coop_portal.models import OutboxEmail

    today = coop.today()
    recent = row(
        member_a,
        "NT-RECENT",
        verdict="fail",
        severity="major",
        sampled_on=(today - datetime.timedelta(days=9)).isoformat(),
        reported_on=(today - datetime.timedelta(days=2)).isoformat(),
    )
    old = row(member_a, "NT-OLD", verdict="fail", severity="major")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = import_inspections(coop, csv_file(recent, old))
    assert outcome.rectifications_opened == 2
    mails = list(OutboxEmail.objects.all())
    assert [mail.to for mail in mails] == [member_a.email_recipients()]
    assert "NT-RECENT" in mails[0].subject
