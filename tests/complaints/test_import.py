"""import_complaints: DATA_FORMATS.md's complaints.csv, all or nothing, idempotent."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from complaints.models import Complaint, ComplaintEvent
from pledges.models import Commitment, Pledge
from tests.factories import MemberFactory, credit_code_for

pytestmark = pytest.mark.django_db

HEADER = "reference,credit_code,received_on,accepted_on,rejected,responded_on,resolved_on,upheld_on,summary\n"


@pytest.fixture
def firm(coop):
    return MemberFactory(cooperative=coop, credit_code=credit_code_for(7))


def write(tmp_path, body, header=HEADER):
    path = tmp_path / "complaints.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def run(coop, path):
    out = StringIO()
    with translation.override("en"):
        call_command("import_complaints", "--cooperative", coop.slug, str(path), stdout=out)
    return out.getvalue()


def test_a_good_file_is_imported_with_status_from_the_dates_and_a_second_run_changes_nothing(
    coop, firm, tmp_path
):
    code = firm.credit_code
    path = write(
        tmp_path,
        f"NT-2024-0001,{code},2024-01-05,2024-01-06,no,2024-01-08,2024-01-20,2024-02-01,褪色\n"
        f"NT-2024-0002,{code},2024-02-05,,yes,,,,重复投诉\n"
        f"NT-2024-0003,{code},2024-03-05,2024-03-06,,2024-03-20,,,\n"
        f"NT-2024-0004,{code},2024-04-05,2024-04-06,no,,,,\n"
        f"NT-2024-0005,{code.lower()},2024-05-05,,no,,,,\n",
    )
    output = run(coop, path)
    assert output.strip().count("\n") == 0
    assert "5 created" in output
    statuses = dict(Complaint.objects.values_list("reference", "status"))
    assert statuses == {
        "NT-2024-0001": "resolved",
        "NT-2024-0002": "rejected",
        "NT-2024-0003": "answered",
        "NT-2024-0004": "accepted",
        "NT-2024-0005": "received",
    }
    first = Complaint.objects.get(reference="NT-2024-0001")
    assert first.upheld_on == datetime.date(2024, 2, 1)
    # Deadlines from the charter minimums (no pledge in force).
    assert first.response_due_on == datetime.date(2024, 1, 13)
    assert first.resolution_due_on == datetime.date(2024, 2, 5)
    assert ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.IMPORTED).count() == 5

    before = list(Complaint.objects.order_by("pk").values())
    second = run(coop, path)
    assert "0 created, 0 updated, 5 unchanged" in second
    assert list(Complaint.objects.order_by("pk").values()) == before
    assert ComplaintEvent.objects.filter(kind=ComplaintEvent.Kind.IMPORTED).count() == 5


def test_a_changed_row_is_updated(coop, firm, tmp_path):
    code = firm.credit_code
    run(coop, write(tmp_path, f"NT-1,{code},2024-01-05,2024-01-06,,,,,\n"))
    run(coop, write(tmp_path, f"NT-1,{code},2024-01-05,2024-01-06,,2024-01-07,,,\n"))
    complaint = Complaint.objects.get()
    assert complaint.responded_on == datetime.date(2024, 1, 7)
    assert complaint.status == "answered"


def test_every_bad_row_is_reported_and_nothing_is_written(coop, firm, other_coop, tmp_path):
    code = firm.credit_code
    elsewhere = MemberFactory(cooperative=other_coop, credit_code=credit_code_for(99))
    path = write(
        tmp_path,
        f"OK-1,{code},2024-01-05,,,,,,\n"
        f"BAD-2,{credit_code_for(55)},2024-01-05,,,,,,\n"
        f"BAD-3,{elsewhere.credit_code},2024-01-05,,,,,,\n"
        f"BAD-4,{code},2024-01-05,2024-01-04,,,,,\n"
        f"BAD-5,{code},2024-01-05,2024-01-06,yes,,,,\n"
        f"BAD-6,{code},2024-02-30,,,,,,\n"
        f"BAD-7,{code},2024-01-05,,maybe,,,,\n"
        f"BAD-8,{code},2024-01-05,2024-01-06,,2024-01-01,2024-01-02,2024-01-03,\n"
        f",{code},2024-01-05,,,,,,\n"
        f"OK-1,{code},2024-01-05,,,,,,\n",
    )
    with pytest.raises(CommandError) as error:
        run(coop, path)
    message = str(error.value)
    for expected in (
        "Line 3",
        "Line 4",
        "Line 5",
        "Line 6",
        "Line 7",
        "Line 8",
        "Line 9",
        "Line 10",
        "Line 11",
        "accepted_on",
        "responded_on",
        "resolved_on",
        "upheld_on",
        "reference",
        "rejected",
    ):
        assert expected in message, expected
    assert not Complaint.objects.exists()


def test_an_unknown_or_missing_column_is_an_error(coop, firm, tmp_path):
    path = write(
        tmp_path,
        f"X,{firm.credit_code},2024-01-05,1\n",
        header="reference,credit_code,received_on,colour\n",
    )
    with pytest.raises(CommandError, match="colour"):
        run(coop, path)
    path = write(tmp_path, "X,2024-01-05\n", header="reference,received_on\n")
    with pytest.raises(CommandError, match="credit_code"):
        run(coop, path)


def test_an_unknown_cooperative_or_file_is_a_clear_error(coop, tmp_path):
    with pytest.raises(CommandError, match="nowhere"):
        call_command("import_complaints", "--cooperative", "nowhere", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match=r"x\.csv"):
        call_command("import_complaints", "--cooperative", coop.slug, str(tmp_path / "x.csv"))


def test_the_import_is_set_based(coop, firm, tmp_path, django_assert_max_num_queries):
    rows = "".join(f"NT-{n},{firm.credit_code},2024-01-05,2024-01-06,,,,,\n" for n in range(300))
    path = write(tmp_path, rows)
    with django_assert_max_num_queries(30):
        run(coop, path)
    assert Complaint.objects.count() == 300


def test_deadlines_follow_each_members_pledge_in_force_on_the_acceptance_day(coop, firm, tmp_path):
    other = MemberFactory(cooperative=coop, credit_code=credit_code_for(8))
    pledge = Pledge.objects.create(member=firm, version=1)
    Commitment.objects.create(pledge=pledge, kind="response_days", target=Decimal(3))
    Pledge.objects.filter(pk=pledge.pk).update(
        status="published", published_on=datetime.date(2024, 3, 1)
    )
    run(
        coop,
        write(
            tmp_path,
            f"NT-1,{firm.credit_code},2024-02-01,2024-02-02,,,,,\n"
            f"NT-2,{firm.credit_code},2024-03-05,2024-03-06,,,,,\n"
            f"NT-3,{other.credit_code},2024-03-05,2024-03-06,,,,,\n",
        ),
    )
    due = {c.reference: (c.response_due_on, c.resolution_due_on) for c in Complaint.objects.all()}
    # Before the pledge and for the member without one: the charter's 7 and 30 days.
    assert due["NT-1"] == (datetime.date(2024, 2, 9), datetime.date(2024, 3, 3))
    assert due["NT-3"] == (datetime.date(2024, 3, 13), datetime.date(2024, 4, 5))
    # The pledge's 3 days to answer; it says nothing on resolution, so the charter's 30.
    assert due["NT-2"] == (datetime.date(2024, 3, 9), datetime.date(2024, 4, 5))
    # A later acceptance date moves the deadlines into the pledge's time.
    run(coop, write(tmp_path, f"NT-1,{firm.credit_code},2024-02-01,2024-03-02,,,,,\n"))
    assert Complaint.objects.get(reference="NT-1").response_due_on == datetime.date(2024, 3, 5)
