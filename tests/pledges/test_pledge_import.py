import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from members.models import Member
from pledges.models.pledge import Pledge
from pledges.targets import pledge_in_force
from tests.pledges.pledge_factories import (
    charter_for,
    fast_passwords,  # noqa: F401 - autouse
    make_pledge,
)

pytestmark = pytest.mark.django_db

HEADER = "credit_code,version,published_on,withdrawn_on,pass_rate,response_days,resolution_days,rectification_days,statement\n"


def run(tmp_path, rows: str, slug: str = "nantong") -> str:
    path = tmp_path / "pledges.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    from io import StringIO

    out = StringIO()
    with translation.override("en"):
        call_command("import_pledges", "--cooperative", slug, str(path), stdout=out)
    return out.getvalue().strip()


def failure(tmp_path, rows: str) -> str:
    with pytest.raises(CommandError) as error:
        run(tmp_path, rows)
    with translation.override("en"):
        return str(error.value)


@pytest.fixture
def firms(coop, member_a, member_b) -> tuple[Member, Member]:
    charter_for(coop)
    return member_a, member_b


def test_paper_pledges_become_published_versions(tmp_path, firms):
    a, b = firms
    summary = run(
        tmp_path,
        f"{a.credit_code},1,2023-01-10,,92.5,5,20,45,我们承诺\n"
        f"{a.credit_code},2,2024-02-01,,95,3,15,30,\n"
        f"{b.credit_code},1,2023-05-01,2024-05-01,90,7,30,60,\n",
    )
    assert summary == "3 rows: 3 created, 0 updated, 0 unchanged."
    first = Pledge.objects.get(member=a, version=1)
    assert first.status == Pledge.Status.PUBLISHED
    assert first.statement == "我们承诺"
    assert first.targets() == {
        "pass_rate": Decimal("92.5"),
        "response_days": Decimal(5),
        "resolution_days": Decimal(20),
        "rectification_days": Decimal(45),
    }
    assert pledge_in_force(a, datetime.date(2024, 1, 31)) == first
    assert pledge_in_force(a, datetime.date(2024, 2, 1)).version == 2
    assert Pledge.objects.get(member=b).status == Pledge.Status.WITHDRAWN
    assert pledge_in_force(b, datetime.date(2024, 5, 1)) is None


def test_importing_the_same_file_twice_changes_nothing(tmp_path, firms):
    a, _b = firms
    rows = f"{a.credit_code},1,2023-01-10,,92.5,5,20,45,\n"
    run(tmp_path, rows)
    assert run(tmp_path, rows) == "1 row: 0 created, 0 updated, 1 unchanged."
    assert Pledge.objects.count() == 1


def test_a_later_withdrawal_updates_only_the_withdrawal(tmp_path, firms):
    a, _b = firms
    run(tmp_path, f"{a.credit_code},1,2023-01-10,,92.5,5,20,45,\n")
    assert (
        run(tmp_path, f"{a.credit_code},1,2023-01-10,2024-01-01,92.5,5,20,45,\n")
        == "1 row: 0 created, 1 updated, 0 unchanged."
    )
    assert Pledge.objects.get().withdrawn_on == datetime.date(2024, 1, 1)


def test_a_published_version_cannot_be_changed_by_import(tmp_path, firms):
    a, _b = firms
    run(tmp_path, f"{a.credit_code},1,2023-01-10,,92.5,5,20,45,\n")
    message = failure(tmp_path, f"{a.credit_code},1,2023-01-10,,95,5,20,45,\n")
    assert "never changes" in message
    assert Pledge.objects.get().targets()["pass_rate"] == Decimal("92.5")


def test_targets_weaker_than_the_charter_are_errors_naming_the_minimum(tmp_path, firms):
    a, b = firms
    message = failure(
        tmp_path,
        f"{a.credit_code},1,2023-01-10,,85,5,20,45,\n{b.credit_code},1,2023-01-10,,90,10,31,61,\n",
    )
    assert "Line 2, column “pass_rate”" in message
    assert "90.0%" in message
    assert "Line 3, column “response_days”" in message
    assert "at most 7 days" in message
    assert "Line 3, column “resolution_days”" in message
    assert "Line 3, column “rectification_days”" in message
    assert "4 problems found; nothing was imported." in message
    assert Pledge.objects.count() == 0


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path, firms):
    a, b = firms
    message = failure(
        tmp_path,
        f"{a.credit_code},1,2023-01-10,,92,5,20,45,\n"
        f"{a.credit_code},0,2023-01-10,,92,5,20,45,\n"
        "91320612MA1MXXXX00,1,2023-01-10,,92,5,20,45,\n"
        f"{b.credit_code},1,2023-02-30,,92,5,20,45,\n"
        f"{b.credit_code},2,2023-03-01,2023-02-01,92,5,20,45,\n"
        f"{b.credit_code},3,2023-04-01,,92.55,5,20,45,\n"
        f"{a.credit_code},1,2023-01-10,,92,5,20,45,\n",
    )
    assert "Line 3, column “version”" in message
    assert "Line 4, column “credit_code”" in message
    assert "Line 5, column “published_on”" in message
    assert "Line 6, column “withdrawn_on”" in message
    assert "Line 7, column “pass_rate”" in message
    assert "Line 8: " in message
    assert "twice" in message
    assert Pledge.objects.count() == 0


def test_versions_must_rise_with_their_dates(tmp_path, firms):
    a, _b = firms
    message = failure(
        tmp_path,
        f"{a.credit_code},1,2024-01-10,,92,5,20,45,\n{a.credit_code},2,2023-01-10,,92,5,20,45,\n",
    )
    assert "Line 3, column “published_on”" in message
    assert "version 1 was published on 2024-01-10" in message


def test_a_version_being_written_in_the_portal_is_not_overwritten(tmp_path, firms):
    a, _b = firms
    make_pledge(a, 1)
    message = failure(tmp_path, f"{a.credit_code},1,2023-01-10,,92,5,20,45,\n")
    assert "being written in the portal" in message


def test_a_member_of_another_cooperative_is_unknown(tmp_path, firms, other_coop):
    from tests.factories import MemberFactory

    rice = MemberFactory(cooperative=other_coop)
    message = failure(tmp_path, f"{rice.credit_code},1,2023-01-10,,92,5,20,45,\n")
    assert "No member of this cooperative" in message


def test_an_unknown_cooperative_is_refused(tmp_path, db):
    with pytest.raises(CommandError):
        run(tmp_path, "", slug="nowhere")
