"""'Why this score' names the records behind each count: the inspections and complaints the
engine counted, listed by the engine's own rows and conditions (gather.counted_*), so that
they always make the stored counts; and no consumer's personal data on the public page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from complaints.models import Complaint
from inspections.models import Inspection
from pledges.assessment.behind import behind
from pledges.models import MemberAssessment

from .conftest import compute, publish
from .factories import ComplaintFactory, InspectionFactory, pledge

pytestmark = pytest.mark.django_db

D = datetime.date
FAIL = Inspection.Verdict.FAIL
CRITICAL = Inspection.Severity.CRITICAL


def varied_record(member) -> None:
    """Every case the rules tell apart, for a pledge of 90 %, 7, 30 and 60 days in 2025."""

    def inspection(report_no, **fields):
        InspectionFactory(member=member, report_no=report_no, **fields)

    inspection("P-1", sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 5))
    inspection("P-2", sampled_on=D(2025, 7, 1), reported_on=D(2025, 7, 9))
    # Rectified in time; late; not due by the last day; due and never re-tested; re-tested
    # only after the last day (does not exist for the period).
    inspection("F-ON", verdict=FAIL, reported_on=D(2025, 4, 1), rectified_on=D(2025, 4, 20))
    inspection(
        "F-LATE",
        verdict=FAIL,
        severity=CRITICAL,
        sampled_on=D(2025, 4, 20),
        reported_on=D(2025, 5, 1),
        rectified_on=D(2025, 8, 1),
    )
    inspection("F-NOTDUE", verdict=FAIL, sampled_on=D(2025, 11, 20), reported_on=D(2025, 12, 1))
    inspection("F-NEVER", verdict=FAIL, sampled_on=D(2025, 5, 20), reported_on=D(2025, 6, 1))
    inspection(
        "F-AFTER",
        verdict=FAIL,
        sampled_on=D(2025, 9, 20),
        reported_on=D(2025, 10, 1),
        rectified_on=D(2026, 1, 5),
    )
    # Not counted: voided, sampled before the period, reported after it.
    inspection("X-VOID", verdict=FAIL, status=Inspection.Status.VOIDED)
    inspection("X-BEFORE", sampled_on=D(2024, 12, 20), reported_on=D(2024, 12, 28))
    inspection("X-LATE", sampled_on=D(2025, 12, 28), reported_on=D(2026, 1, 5))

    def complaint(reference, **fields):
        ComplaintFactory(
            member=member,
            reference=reference,
            contact_name="张三丰",
            contact_phone="13800138000",
            **fields,
        )

    complaint(
        "C-ON", accepted_on=D(2025, 3, 1), responded_on=D(2025, 3, 5), resolved_on=D(2025, 3, 20)
    )
    complaint(
        "C-LATE",
        accepted_on=D(2025, 4, 1),
        responded_on=D(2025, 4, 15),
        resolved_on=D(2025, 5, 15),
        upheld_on=D(2025, 5, 15),
    )
    complaint("C-NOTDUE", accepted_on=D(2025, 12, 28))
    complaint("C-NEVER", accepted_on=D(2025, 6, 1))
    complaint(
        "C-AFTER",
        accepted_on=D(2025, 9, 1),
        responded_on=D(2025, 9, 2),
        resolved_on=D(2026, 1, 10),
        upheld_on=D(2026, 1, 10),
    )
    complaint("X-REJECTED", accepted_on=D(2025, 5, 1), status=Complaint.Status.REJECTED)
    complaint("X-BEFORE", accepted_on=D(2024, 12, 30), responded_on=D(2025, 1, 2))


@pytest.fixture
def result(coop, charter, member_a, member_b) -> MemberAssessment:
    pledge(member_a)
    pledge(member_b)
    varied_record(member_a)
    InspectionFactory(member=member_b, report_no="B-ONLY", reported_on=D(2025, 3, 5))
    ComplaintFactory(member=member_b, reference="C-B-ONLY", accepted_on=D(2025, 3, 1))
    run = publish(coop, "2025")
    return MemberAssessment.objects.select_related("run__period", "member").get(
        run=run, member=member_a
    )


def test_the_listed_records_make_exactly_the_stored_counts(result):
    found = behind(result)
    assert found is not None
    listed = found.tallies()
    indicators = result.details["indicators"]
    for kind in ("pass_rate", "response_days", "resolution_days", "rectification_days"):
        for key, value in listed[kind].items():
            assert indicators[kind][key] == value, (kind, key)
    assert listed["deductions"]["critical"] == result.details["deductions"]["critical"]
    assert listed["deductions"]["upheld"] == result.details["deductions"]["upheld"]
    assert found.agrees_with(result)
    # And they are the records the rules name.
    assert {item.inspection.report_no for item in found.inspections} == {
        "P-1",
        "P-2",
        "F-ON",
        "F-LATE",
        "F-NOTDUE",
        "F-NEVER",
        "F-AFTER",
    }
    assert listed["pass_rate"] == {"n": 7, "passed": 2, "critical": 1}
    assert listed["rectification_days"] == {"due": 4, "on_time": 1}
    assert {item.complaint.reference for item in found.complaints} == {
        "C-ON",
        "C-LATE",
        "C-NOTDUE",
        "C-NEVER",
        "C-AFTER",
    }
    assert listed["response_days"] == {"due": 4, "on_time": 2}
    assert listed["resolution_days"] == {"due": 4, "on_time": 1}
    assert listed["deductions"] == {"critical": 1, "upheld": 1}


def public_url(result) -> str:
    return reverse(
        "pledges:public_member",
        args=[
            result.run.period.cooperative.slug,
            result.run.period.code,
            result.member.credit_code,
        ],
    )


def test_the_public_page_names_references_and_dates_but_no_consumer(client, result):
    page = client.get(public_url(result), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for name in ("F-LATE", "F-NEVER", "C-LATE", "C-NEVER", "C-AFTER"):
        assert name in page
    for hidden in ("X-VOID", "X-BEFORE", "X-LATE", "X-REJECTED", "B-ONLY", "C-B-ONLY"):
        assert hidden not in page
    assert "张三丰" not in page
    assert "13800138000" not in page
    assert "not answered by the period&#x27;s last day: late" in page
    assert "re-tested on" in page
    assert reverse("complaints:member_detail", args=[1])[:-2] not in page
    chinese = client.get(public_url(result), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "计分所依据的记录" in chinese


def test_the_members_own_users_follow_each_record_to_its_page(personas, result):
    page = personas.member_a.get(public_url(result)).content.decode()
    complaint = Complaint.objects.get(reference="C-LATE")
    inspection = Inspection.objects.get(report_no="F-LATE")
    assert reverse("complaints:member_detail", args=[complaint.pk]) in page
    assert reverse("inspections:member_inspection", args=[inspection.pk]) in page
    other = personas.member_b.get(public_url(result)).content.decode()
    assert reverse("complaints:member_detail", args=[complaint.pk]) not in other


def test_staff_see_the_records_on_the_run_page_with_links_to_the_complaint_desk(personas, result):
    run = result.run
    url = reverse(
        "pledges:assessment_run_result",
        args=[run.period.cooperative.slug, run.pk, result.member_id],
    )
    complaint = Complaint.objects.get(reference="C-LATE")
    page = personas.regulator.get(url).content.decode()
    assert "F-NEVER" in page
    assert (
        reverse("complaints:staff_detail", args=[run.period.cooperative.slug, complaint.pk]) in page
    )
    for persona in ("member_a", "member_b", "lab", "other_administrator"):
        assert getattr(personas, persona).get(url).status_code == 404


def test_facts_changed_after_the_computation_are_said_to_have_changed(client, result):
    Inspection.objects.filter(report_no="F-LATE").update(status=Inspection.Status.VOIDED)
    found = behind(result)
    assert not found.agrees_with(result)
    page = client.get(public_url(result), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Facts of this period changed after the result was computed" in page


def test_a_draft_result_lists_the_records_of_the_draft(coop, charter, member_a):
    pledge(member_a)
    varied_record(member_a)
    run = compute(coop, "2025")
    found = behind(MemberAssessment.objects.get(run=run, member=member_a))
    assert found.tallies()["response_days"] == {"due": 4, "on_time": 2}


def test_a_member_without_a_pledge_has_no_records_behind_its_result(coop, charter, member_a):
    varied_record(member_a)
    run = compute(coop, "2025")
    assert behind(MemberAssessment.objects.get(run=run, member=member_a)) is None
