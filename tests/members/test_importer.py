import datetime
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from coop_portal.csvimport import run_import
from members.importers import MembersImporter
from members.models import Member, QualityOfficer, StatusChange
from tests.factories import MemberFactory, credit_code_for

pytestmark = pytest.mark.django_db

A, B, C = credit_code_for(1), credit_code_for(2), credit_code_for(3, sole_proprietor=True)
HEADER = "credit_code,name,kind,scale,joined_on,address,chief_quality_officer,left_on\n"
GOOD = (
    HEADER
    + f"{A},南通甲家纺有限公司,firm,above_scale,2019-03-01,川姜镇,张建国,\n"
    + f"{B},南通乙床品有限公司,firm,sme,2020-05-01,,李秀英,2023-06-30\n"
    + f"{C},通州区丙记床品店,sole_proprietor,,2021-01-01,,,\n"
)


def run(coop, content, **kwargs):
    data = content.encode() if isinstance(content, str) else content
    with translation.override("en"):
        return run_import(MembersImporter(coop), io.BytesIO(data), **kwargs)


def messages(report):
    with translation.override("en"):
        return [str(problem) for problem in report.errors]


def test_a_good_file_creates_every_member_with_its_officer(coop):
    report = run(coop, GOOD)
    assert report.ok, messages(report)
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    a = Member.objects.get(credit_code=A)
    assert (a.name, a.kind, a.scale, a.joined_on, a.address, a.status) == (
        "南通甲家纺有限公司",
        "firm",
        "above_scale",
        datetime.date(2019, 3, 1),
        "川姜镇",
        "active",
    )
    assert a.current_quality_officer().name == "张建国"
    b = Member.objects.get(credit_code=B)
    assert (b.status, b.left_on) == ("withdrawn", datetime.date(2023, 6, 30))
    assert Member.objects.get(credit_code=C).current_quality_officer() is None
    record = a.history.get()
    assert (record.history_type, record.history_change_reason) == (
        "+",
        "Imported from members.csv.",
    )
    assert a.current_quality_officer().history.count() == 1


def test_importing_the_same_file_twice_changes_nothing(coop, django_assert_max_num_queries):
    run(coop, GOOD)
    history = Member.history.count(), QualityOfficer.history.count()
    second = run(coop, GOOD)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert Member.objects.count() == 3
    assert QualityOfficer.objects.count() == 2
    assert (Member.history.count(), QualityOfficer.history.count()) == history


def test_a_changed_row_updates_only_that_member_and_replaces_its_officer(coop):
    run(coop, GOOD)
    changed = GOOD.replace("南通甲家纺有限公司", "南通甲家纺股份有限公司").replace(
        "张建国", "王海燕"
    )
    report = run(coop, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    a = Member.objects.get(credit_code=A)
    assert a.name == "南通甲家纺股份有限公司"
    officers = QualityOfficer.objects.filter(member=a)
    assert officers.current().get().name == "王海燕"
    assert officers.get(name="张建国").replaced_on is not None


def test_a_known_member_keeps_its_status_and_its_dates_can_be_corrected(coop):
    removed = MemberFactory(
        cooperative=coop, credit_code=A, status="removed", left_on=datetime.date(2023, 1, 1)
    )
    warned = MemberFactory(
        cooperative=coop, credit_code=C, status="warned", kind="sole_proprietor", scale=""
    )
    content = (
        HEADER
        + f"{A},甲,firm,sme,2019-03-01,,,2024-01-01\n"
        + f"{C},丙,sole_proprietor,,2021-01-01,,,\n"
    )
    assert run(coop, content).ok
    for member in (removed, warned):
        member.refresh_from_db()
    assert (removed.status, removed.left_on) == ("removed", datetime.date(2024, 1, 1))
    assert warned.status == "warned"
    assert not StatusChange.objects.exists()


def test_the_file_cannot_end_or_restart_a_membership(coop):
    """Withdrawal, removal and re-admission go through the charter's exit mechanism, whose
    cooling-off period the file would otherwise skip."""
    MemberFactory(cooperative=coop, credit_code=A, status="active")
    MemberFactory(
        cooperative=coop, credit_code=B, status="withdrawn", left_on=datetime.date(2025, 6, 30)
    )
    content = (
        HEADER + f"{A},甲,firm,sme,2019-03-01,,,2024-01-01\n" + f"{B},乙,firm,sme,2020-05-01,,,\n"
    )
    report = run(coop, content)
    assert not report.ok
    problems = messages(report)
    assert "Line 2, column “left_on”: This member is active in the portal" in problems[0]
    assert "Charter → Steps by hand" in problems[0]
    assert "Line 3, column “left_on”: This member has left (withdrawn)" in problems[1]
    assert "cooling-off period" in problems[1]
    assert set(Member.objects.values_list("status", flat=True)) == {"active", "withdrawn"}


def test_members_of_another_cooperative_are_not_touched(coop, other_coop):
    theirs = MemberFactory(cooperative=other_coop, credit_code=A, name="别人的")
    assert run(coop, GOOD).ok
    theirs.refresh_from_db()
    assert theirs.name == "别人的"
    assert Member.objects.filter(credit_code=A).count() == 2


def test_an_empty_address_or_officer_cell_keeps_what_is_recorded(coop):
    run(coop, GOOD)
    blank = GOOD.replace(",川姜镇,张建国,", ",,,")
    assert run(coop, blank).unchanged == 3
    a = Member.objects.get(credit_code=A)
    assert a.address == "川姜镇"
    assert a.current_quality_officer().name == "张建国"


def test_writes_are_set_based(coop, django_assert_max_num_queries):
    rows = "".join(
        f"{credit_code_for(n)},公司{n},firm,sme,2020-01-01,,官{n},\n" for n in range(10, 310)
    )
    with django_assert_max_num_queries(20):
        assert run(coop, HEADER + rows).created == 300
    with django_assert_max_num_queries(10):
        assert run(coop, HEADER + rows).unchanged == 300


BAD_CODE = A[:17] + ("0" if A[17] != "0" else "1")
FUTURE = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()


@pytest.mark.parametrize(
    ("content", "line", "column", "fragment"),
    [
        (
            HEADER + f"{BAD_CODE},甲,firm,sme,2019-03-01,,,\n",
            2,
            "credit_code",
            f"should be “{A[17]}”",
        ),
        (HEADER + "12345,甲,firm,sme,2019-03-01,,,\n", 2, "credit_code", "this one has 5"),
        (
            HEADER + f"{A},甲,firm,sme,2019-03-01,,,\n{A.lower()},乙,firm,sme,2019-03-01,,,\n",
            3,
            "",
            "appears twice",
        ),
        (HEADER + f"{A},甲,firm,sme,{FUTURE},,,\n", 2, "joined_on", "in the future"),
        (HEADER + f"{A},甲,firm,sme,2019-03-01,,,{FUTURE}\n", 2, "left_on", "in the future"),
        (HEADER + f"{A},甲,firm,sme,2019-03-01,,,2018-01-01\n", 2, "left_on", "before it joined"),
        (HEADER + f"{A},甲,company,sme,2019-03-01,,,\n", 2, "kind", "not one of"),
        (HEADER + f"{A},甲,firm,big,2019-03-01,,,\n", 2, "scale", "not one of"),
        (HEADER + f"{C},丙,sole_proprietor,sme,2019-03-01,,,\n", 2, "scale", "no scale"),
        (HEADER + f"{A},甲,firm,sme,,,,\n", 2, "joined_on", "required"),
        (HEADER + f"{A},甲,firm,sme,2019/03/01,,,\n", 2, "joined_on", "YYYY-MM-DD"),
        (
            HEADER.replace("address", "adress") + f"{A},甲,firm,sme,2019-03-01,,,\n",
            1,
            "adress",
            "Unknown column",
        ),
        (HEADER + f"{A},{'长' * 10_000},firm,sme,2019-03-01,,,\n", 2, "name", "Too long: 10000"),
        ((HEADER + f"{A},南通甲,firm,sme,2019-03-01,,,\n").encode("gbk"), 2, "", "not valid UTF-8"),
        (b"", 1, "", "empty"),
        (HEADER.encode(), 2, "", "no rows of data"),
    ],
)
def test_every_bad_input_is_refused_with_line_and_column_and_nothing_is_written(
    coop, content, line, column, fragment
):
    report = run(coop, content)
    assert not report.ok
    assert (line, column) in [(problem.line, problem.column) for problem in report.errors]
    assert fragment in " ".join(messages(report))
    assert not Member.objects.exists()
    assert not QualityOfficer.objects.exists()


def test_one_bad_row_among_good_ones_writes_nothing_and_every_bad_row_is_named(coop):
    content = (
        GOOD
        + f"{BAD_CODE},坏,firm,sme,2019-03-01,,,\n"
        + f"{credit_code_for(9)},坏,x,sme,2019-03-01,,,\n"
    )
    report = run(coop, content)
    assert [(p.line, p.column) for p in report.errors] == [(5, "credit_code"), (6, "kind")]
    assert not Member.objects.exists()


def test_a_50_mb_file_is_refused_before_any_row_is_written(coop):
    row = f"{A},甲,firm,sme,2019-03-01,{'川' * 90},,\n".encode()
    content = HEADER.encode() + row * (50 * 1024 * 1024 // len(row) + 1)
    assert len(content) > 50 * 1024 * 1024
    report = run(coop, content)
    assert not report.ok
    assert "larger than the limit of 20 MB" in messages(report)[0]
    assert not Member.objects.exists()


def test_messages_are_in_chinese_by_default(coop):
    with translation.override("zh-hans"):
        report = run_import(
            MembersImporter(coop),
            io.BytesIO((HEADER + f"{BAD_CODE},甲,firm,sme,2019-03-01,,,\n").encode()),
        )
        assert "校验码" in str(report.errors[0])


def test_the_command_imports_and_prints_a_one_line_summary(coop, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = StringIO()
    with translation.override("en"):
        call_command("import_members", "--cooperative", coop.slug, str(path), stdout=out)
    assert out.getvalue().strip() == "3 rows: 3 created, 0 updated, 0 unchanged."
    assert Member.objects.count() == 3


def test_the_command_lists_every_error_and_fails(coop, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(
        HEADER + f"{BAD_CODE},甲,firm,sme,2019-03-01,,,\n{B},乙,firm,xx,2019-03-01,,,\n",
        encoding="utf-8",
    )
    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("import_members", "--cooperative", coop.slug, str(path), stdout=StringIO())
    text = str(caught.value)
    assert "Line 2, column “credit_code”" in text
    assert "Line 3, column “scale”" in text
    assert "nothing was imported" in text
    assert not Member.objects.exists()


def test_the_command_refuses_an_unknown_cooperative_or_a_missing_file(coop, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(GOOD, encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="no cooperative"):
        call_command("import_members", "--cooperative", "nowhere", str(path), stdout=StringIO())
    with translation.override("en"), pytest.raises(CommandError, match="Cannot read"):
        call_command("import_members", "--cooperative", coop.slug, str(tmp_path / "no.csv"))
    assert not Member.objects.exists()
