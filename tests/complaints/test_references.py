"""Complaint references come from a per-(cooperative, year) counter: consecutive, unique under
concurrency, and drawn in a constant number of queries however many complaints exist."""

from __future__ import annotations

import datetime
import threading
from io import StringIO

import factory
import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from complaints import services
from complaints.models import Complaint, ReferenceCounter
from complaints.references import next_reference, note_used
from tests.complaints.factories import ComplaintFactory
from tests.factories import MemberFactory, credit_code_for

pytestmark = pytest.mark.django_db


def submission(member, key: str = "") -> services.Submission:
    return services.Submission(
        member=member,
        product="纯棉四件套",
        description="床单洗一次就褪色。",
        desired_outcome="退货退款",
        contact_name="张三",
        contact_phone="13912345678",
        submission_key=key,
    )


def test_the_first_complaint_of_a_year_continues_after_the_references_already_used(coop, member_a):
    year = coop.today().year
    ComplaintFactory(cooperative=coop, member=member_a, reference=f"NA-{year}-000041")
    ComplaintFactory(cooperative=coop, member=member_a, reference=f"NA-{year - 1}-000090")
    complaint, _code = services.submit_complaint(coop, submission(member_a))
    assert complaint.reference == f"NA-{year}-000042"
    second, _code = services.submit_complaint(coop, submission(member_a))
    assert second.reference == f"NA-{year}-000043"
    assert ReferenceCounter.objects.get(cooperative=coop, year=year).last == 43


def test_each_cooperative_and_year_counts_on_its_own(coop, other_coop):
    day = datetime.date(2025, 6, 1)
    assert next_reference(coop, day) == "NA-2025-000001"
    assert next_reference(coop, day) == "NA-2025-000002"
    assert next_reference(other_coop, day) == "RI-2025-000001"
    assert next_reference(coop, datetime.date(2026, 1, 1)) == "NA-2026-000001"


def test_a_reference_costs_the_same_queries_with_many_complaints(coop, member_a):
    day = datetime.date(2025, 6, 1)
    next_reference(coop, day)
    with CaptureQueriesContext(connection) as few:
        next_reference(coop, day)
    ComplaintFactory.create_batch(
        200,
        cooperative=coop,
        member=member_a,
        received_on=day,
        reference=factory.Sequence(lambda n: f"OLD-{n:06d}"),
    )
    with CaptureQueriesContext(connection) as many:
        assert next_reference(coop, day) == "NA-2025-000003"
    assert len(many) == len(few) <= 4
    # The counter is read by its key, never by scanning the complaints.
    assert not any("complaints_complaint" in query["sql"] for query in many.captured_queries)


def test_a_form_sent_twice_files_once_and_draws_no_number(coop, member_a):
    first, _code = services.submit_complaint(coop, submission(member_a, key="k1"))
    with pytest.raises(services.AlreadyFiled):
        services.submit_complaint(coop, submission(member_a, key="k1"))
    second, _code = services.submit_complaint(coop, submission(member_a, key="k2"))
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1


def test_an_import_moves_the_counter_past_its_references(coop, tmp_path):
    firm = MemberFactory(cooperative=coop, credit_code=credit_code_for(7))
    year = coop.today().year
    path = tmp_path / "complaints.csv"
    path.write_text(
        "reference,credit_code,received_on,accepted_on,rejected,responded_on,resolved_on,"
        "upheld_on,summary\n"
        f"NA-{year}-000007,{firm.credit_code},{year}-01-05,,no,,,,褪色\n"
        f"NT-{year}-0001,{firm.credit_code},{year}-01-06,,no,,,,褪色\n",
        encoding="utf-8",
    )
    with translation.override("en"):
        call_command("import_complaints", "--cooperative", coop.slug, str(path), stdout=StringIO())
    complaint, _code = services.submit_complaint(coop, submission(firm))
    assert complaint.reference == f"NA-{year}-000008"
    # A counter never goes back.
    note_used(coop, [f"NA-{year}-000003", "not a reference"])
    assert ReferenceCounter.objects.get(cooperative=coop, year=year).last == 8


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
def test_forty_complaints_filed_at_once_are_all_stored_with_consecutive_references(coop, member_a):
    count = 40
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    references: list[str] = []

    def file(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            complaint, _code = services.submit_complaint(
                coop, submission(member_a, key=f"concurrent-{number}")
            )
            references.append(complaint.reference)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=file, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    year = coop.today().year
    assert sorted(references) == [f"NA-{year}-{number:06d}" for number in range(1, count + 1)]
    assert Complaint.objects.filter(cooperative=coop).count() == count
