"""Late or changed facts of a published period are flagged at once, never silent: on the
regulator's run page, on the public verification page and in the API's meta, until the
regulator publishes a correction or records why none is needed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from complaints.services import accept_complaint
from inspections.services import InspectionInput, decide_objection, raise_objection
from inspections.services import record_inspection as deliver
from members.models import FactsChange
from pledges.assessment import facts
from pledges.models import AssessmentRun
from pledges.models.assessment import FactsReview
from tests.complaints.factories import ComplaintFactory
from tests.inspections.factories import TestCategoryFactory

from .conftest import publish
from .test_checks import verify_url
from .test_publication import rated_member
from .test_views import run_url

pytestmark = pytest.mark.django_db

D = datetime.date
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
FLAG = "facts changed since publication"


JUNE = D(2025, 6, 1)


def late_result(coop, member, *, sampled_on=JUNE, report_no="LATE-1"):
    """A failed result dated inside 2025, delivered after the period's publication."""
    inspection, _action = deliver(
        coop,
        InspectionInput(
            report_no=report_no,
            member=member,
            product="全棉四件套",
            category=TestCategoryFactory(cooperative=coop),
            sampled_on=sampled_on,
            reported_on=sampled_on + datetime.timedelta(days=1),
            verdict="fail",
            severity="major",
        ),
    )
    return inspection


def review_url(run):
    return reverse(
        "pledges:assessment_facts_review",
        kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk},
    )


@pytest.fixture
def run(coop, charter, django_capture_on_commit_callbacks):
    member = rated_member(coop)
    with django_capture_on_commit_callbacks(execute=True):
        run = publish(coop, "2025")
    run.member = member
    return run


def test_a_published_period_shows_no_flag_while_its_facts_stand(client, personas, run):
    assert not facts.facts_changed(run)
    assert "gives the same hash" in client.get(verify_url(run), **ENGLISH).content.decode()
    assert FLAG not in personas.regulator.get(run_url(run), **ENGLISH).content.decode().lower()


def test_a_late_result_flags_the_period_everywhere_at_once(client, personas, coop, run):
    late_result(coop, run.member)

    assert facts.facts_changed(run)
    regulator_page = personas.regulator.get(run_url(run), **ENGLISH).content.decode()
    assert FLAG in regulator_page.lower()
    assert "LATE-1" in regulator_page
    verification = client.get(verify_url(run), **ENGLISH).content.decode()
    assert FLAG in verification.lower()
    # The six-hour old "reproducible" is not shown after the facts changed.
    assert "gives the same hash" not in verification
    meta = client.get("/api/v1/assessments/", {"cooperative": coop.slug, "period": "2025"}).json()[
        "meta"
    ]
    assert meta["facts_changed_since_publication"] is True
    # The published revision itself never changes.
    stored = AssessmentRun.objects.get(pk=run.pk)
    assert (stored.inputs_hash, stored.revision, stored.status) == (
        run.inputs_hash,
        run.revision,
        run.status,
    )


def test_a_fact_of_another_period_flags_nothing(coop, run):
    late_result(coop, run.member, sampled_on=D(2026, 2, 1))
    assert not facts.facts_changed(run)


def test_a_voided_result_flags_the_period(coop, run, regulator):
    inspection = late_result(coop, run.member)
    FactsChange.objects.all().delete()
    objection = raise_objection(inspection, reason="样品有误", by=None, on=D(2025, 6, 3))
    decide_objection(objection, upheld=True, note="样品封存不当", by=regulator)
    assert [change.kind for change in facts.facts_changed(run)] == ["result_voided"]


def test_a_complaints_dates_changed_after_publication_flag_the_period(coop, run):
    complaint = ComplaintFactory(cooperative=coop, member=run.member, received_on=D(2025, 11, 3))
    FactsChange.objects.all().delete()
    accept_complaint(complaint, None, on=D(2025, 11, 5))
    assert [change.subject for change in facts.facts_changed(run)] == [complaint.reference]


def test_the_regulator_records_why_no_correction_is_needed(personas, coop, run, regulator):
    late_result(coop, run.member)
    refused = personas.regulator.post(review_url(run), {"reason": "  "}, **ENGLISH)
    assert refused.status_code == 400
    assert facts.facts_changed(run)

    response = personas.regulator.post(
        review_url(run), {"reason": "The late result is a commissioned test; grades stand."}
    )
    assert response.status_code == 302
    review = FactsReview.objects.get()
    assert (review.run, review.decided_by) == (run, regulator)
    assert not facts.facts_changed(run)
    page = personas.regulator.get(run_url(run), **ENGLISH).content.decode()
    assert "grades stand" in page
    # A later change flags the period again.
    late_result(coop, run.member, report_no="LATE-2")
    assert facts.facts_changed(run)


def test_only_the_regulator_records_the_decision(personas, coop, run):
    late_result(coop, run.member)
    data = {"reason": "no need"}
    assert personas.member_a.post(review_url(run), data).status_code == 404
    assert personas.other_administrator.post(review_url(run), data).status_code == 404
    assert personas.anonymous.post(review_url(run), data).status_code == 302
    assert personas.regulator.get(review_url(run)).status_code == 405
    assert not FactsReview.objects.exists()


def test_a_correction_clears_the_flag_and_keeps_the_first_revision(coop, run):
    late_result(coop, run.member)
    correction = publish(coop, "2025", note="A failed result dated June arrived late.")
    assert correction.revision == run.revision + 1
    assert not facts.facts_changed(correction)
    first = AssessmentRun.objects.get(pk=run.pk)
    assert first.status == AssessmentRun.Status.SUPERSEDED
    assert first.inputs_hash == run.inputs_hash


def test_the_facts_change_record_is_written_by_the_service_not_recomputed(coop, run):
    late_result(coop, run.member)
    [change] = FactsChange.objects.filter(cooperative=coop)
    assert (change.kind, change.subject, change.anchor_from) == (
        "result_added",
        "LATE-1",
        D(2025, 6, 1),
    )
