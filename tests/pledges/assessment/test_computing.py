"""Computing runs from the database: gathering, chunks, drafts, idempotency, the command."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from inspections.models import Inspection
from pledges.assessment import computing, gather, services
from pledges.assessment.schedule import assess_closed_periods
from pledges.assessment.tasks import compute_run_chunk
from pledges.models import AssessmentRun, MemberAssessment
from pledges.models.assessment import RunChunk
from tests.factories import MemberFactory

from .conftest import compute
from .factories import ComplaintFactory, InspectionFactory, inspections, pledge

D = datetime.date


def example_one(member):
    pledge(member, ("95", "3", "30", "60"))
    inspections(member, 7, sampled_on=D(2025, 2, 1), reported_on=D(2025, 2, 10))
    InspectionFactory(
        member=member,
        sampled_on=D(2025, 5, 1),
        reported_on=D(2025, 5, 10),
        verdict=Inspection.Verdict.FAIL,
        severity=Inspection.Severity.MAJOR,
        rectified_on=D(2025, 6, 20),
    )
    ComplaintFactory(
        member=member,
        accepted_on=D(2025, 3, 1),
        responded_on=D(2025, 3, 3),
        resolved_on=D(2025, 3, 20),
    )
    ComplaintFactory(
        member=member,
        accepted_on=D(2025, 7, 1),
        responded_on=D(2025, 7, 5),
        resolved_on=D(2025, 8, 15),
        upheld_on=D(2025, 8, 15),
    )
    ComplaintFactory(member=member, accepted_on=D(2025, 12, 30))
    ComplaintFactory(member=member, accepted_on=D(2025, 10, 1), responded_on=D(2025, 10, 2))


def example_two(member):
    pledge(member, ("90", "7", "30", "60"))
    inspections(member, 1, sampled_on=D(2025, 6, 1), reported_on=D(2025, 6, 5))
    inspections(
        member,
        2,
        sampled_on=D(2025, 11, 10),
        reported_on=D(2025, 11, 20),
        verdict=Inspection.Verdict.FAIL,
        severity=Inspection.Severity.CRITICAL,
    )


def example_three(member):
    pledge(member, ("90", "7", "30", "60"))
    inspections(member, 72, sampled_on=D(2025, 2, 1), reported_on=D(2025, 2, 5))
    fail = {
        "sampled_on": D(2025, 3, 1),
        "reported_on": D(2025, 3, 10),
        "verdict": Inspection.Verdict.FAIL,
        "severity": Inspection.Severity.MINOR,
    }
    inspections(member, 1, rectified_on=D(2025, 4, 1), **fail)
    inspections(member, 7, rectified_on=D(2025, 9, 1), **fail)
    ComplaintFactory(
        member=member,
        accepted_on=D(2025, 5, 2),
        responded_on=D(2025, 5, 3),
        resolved_on=D(2025, 5, 20),
    )


def test_worked_examples_computed_from_the_database(coop, charter):
    first, second, third, fourth = (MemberFactory(cooperative=coop) for _ in range(4))
    example_one(first)
    example_two(second)
    example_three(third)
    pledge(fourth, published_on=D(2026, 1, 5))
    run = compute(coop, "2025")
    results = {r.member_id: r for r in MemberAssessment.objects.filter(run=run)}
    assert (results[first.pk].score, results[first.pk].grade) == (Decimal("74.1"), "C")
    assert (results[second.pk].score, results[second.pk].grade) == (Decimal("7.0"), "D")
    assert (results[third.pk].score, results[third.pk].grade) == (Decimal("91.3"), "A")
    assert results[fourth.pk].status == "no_pledge"
    details = results[first.pk].details
    assert details["indicators"]["pass_rate"] == {
        "target": "95.0",
        "weight": 50,
        "measurable": True,
        "value": "92.1052631579",
        "source": "pledge",
        "n": 8,
        "passed": 7,
        "critical": 0,
        "rate": "87.5",
    }
    assert details["indicators"]["response_days"]["due"] == 3
    assert details["indicators"]["response_days"]["on_time"] == 2
    assert details["deductions"]["upheld_points"] == "2"
    assert details["charter_version"] == charter.number
    assert run.status == AssessmentRun.Status.DRAFT
    assert run.revision == 0
    assert len(run.inputs_hash) == 64


def test_members_who_left_before_or_joined_after_the_period_are_not_assessed(coop, charter):
    assessed = MemberFactory(cooperative=coop, joined_on=D(2025, 12, 31))
    left_in_period = MemberFactory(cooperative=coop, left_on=D(2025, 1, 1))
    MemberFactory(cooperative=coop, left_on=D(2024, 12, 31))
    MemberFactory(cooperative=coop, joined_on=D(2026, 1, 1))
    run = compute(coop, "2025")
    assessed_ids = set(MemberAssessment.objects.filter(run=run).values_list("member_id", flat=True))
    assert assessed_ids == {assessed.pk, left_in_period.pk}


def _members_with_records(coop, count):
    members = [MemberFactory(cooperative=coop) for _ in range(count)]
    for index, member in enumerate(members):
        pledge(member, published_on=D(2024, 1, 1), version=1)
        pledge(member, published_on=D(2025, 2, 1), version=2)
        InspectionFactory(member=member, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 9))
        InspectionFactory(
            member=member,
            verdict=Inspection.Verdict.FAIL,
            severity=Inspection.Severity.MAJOR,
            sampled_on=D(2025, 4, 1),
            reported_on=D(2025, 4, 3 + index % 5),
        )
        ComplaintFactory(member=member, accepted_on=D(2025, 5, 1), responded_on=D(2025, 5, 2))
    return [m.pk for m in members]


@pytest.mark.parametrize("count", [1, 30])
def test_computing_a_chunk_takes_the_same_queries_for_1_and_many_members(
    coop, charter, django_assert_max_num_queries, count
):
    _members_with_records(coop, count)
    run = services.start_run(services.period_for(coop, "2025"), dispatch=False)
    # Two transactions (4 savepoint statements): lock the chunk, clear its earlier results
    # (2), the policy, gather (3), insert, mark the chunk; then lock the run, count, update.
    # (On PostgreSQL the insert is a COPY, which the counter does not see.)
    with django_assert_max_num_queries(17):
        computing.compute_chunk(run.pk, 0)


def test_a_run_is_cut_into_chunks_and_a_rerun_replaces_the_draft(coop, charter):
    ids = _members_with_records(coop, 5)
    first = compute(coop, "2025", chunk_size=2)
    assert first.chunks_total == 3
    assert first.chunks_done == 3
    assert MemberAssessment.objects.filter(run=first).count() == 5
    second = compute(coop, "2025", chunk_size=2)
    assert not AssessmentRun.objects.filter(pk=first.pk).exists()
    assert AssessmentRun.objects.drafts().get() == second
    assert (
        sorted(MemberAssessment.objects.filter(run=second).values_list("member_id", flat=True))
        == ids
    )
    assert second.inputs_hash == first.inputs_hash


def test_the_hash_is_the_one_of_the_stored_results_and_of_a_recomputation(coop, charter):
    _members_with_records(coop, 5)
    run = compute(coop, "2025", chunk_size=2)
    stored = MemberAssessment.objects.filter(run=run).order_by("member_id")
    digests = [
        computing.result_digest(
            computing.Assessed(
                member_id,
                status,
                score,
                grade,
                json.dumps(details, sort_keys=True, separators=(",", ":")),
                pledge_id,
            )
        )
        for member_id, status, score, grade, details, pledge_id in stored.values_list(
            "member_id", "status", "score", "grade", "details", "pledge_id"
        )
    ]
    assert computing.run_hash(run, digests) == run.inputs_hash
    assert computing.recomputed_hash(run) == run.inputs_hash


def test_a_chunk_run_twice_does_not_duplicate_results(coop, charter):
    _members_with_records(coop, 3)
    run = services.start_run(services.period_for(coop, "2025"), dispatch=False, chunk_size=2)
    computing.compute_chunk(run.pk, 0)
    RunChunk.objects.filter(run=run, number=0).update(done_at=None)  # as if it crashed after
    computing.compute_chunk(run.pk, 0)
    assert MemberAssessment.objects.filter(run=run).count() == 2
    assert computing.compute_chunk(run.pk, 1) is True
    computing.finish_run(run.pk)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT
    assert MemberAssessment.objects.filter(run=run).count() == 3


def test_the_run_is_finished_only_when_every_chunk_is_done(coop, charter):
    _members_with_records(coop, 3)
    run = services.start_run(services.period_for(coop, "2025"), dispatch=False, chunk_size=2)
    assert computing.compute_chunk(run.pk, 1) is False
    computing.finish_run(run.pk)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.COMPUTING
    assert run.chunks_done == 1
    assert run.progress_percent == 50


def test_celery_chunks_dispatched_after_commit_complete_the_run(
    coop, charter, django_capture_on_commit_callbacks
):
    _members_with_records(coop, 3)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(services.period_for(coop, "2025"), chunk_size=1)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT
    assert MemberAssessment.objects.filter(run=run).count() == 3


def test_a_cooperative_without_members_gets_an_empty_draft(
    coop, charter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(services.period_for(coop, "2025"))
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT
    assert run.chunks_total == 0


def test_a_failing_chunk_marks_the_run_failed(coop, charter, monkeypatch):
    _members_with_records(coop, 1)
    run = services.start_run(services.period_for(coop, "2025"), dispatch=False)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(gather, "gather", broken)
    with pytest.raises(RuntimeError):
        compute_run_chunk.apply(args=[run.pk, 0], throw=True)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.FAILED
    assert "database went away" in run.failure_message


def test_a_period_cannot_be_computed_twice_at_once(coop, charter):
    period = services.period_for(coop, "2025")
    services.start_run(period, dispatch=False)
    with pytest.raises(ValidationError):
        services.start_run(period, dispatch=False)


def test_period_codes_are_validated(coop, charter):
    for code in ("2025-H3", "2025-Q5", "25", "2025-h1", "2025-"):
        with pytest.raises(ValidationError):
            services.period_for(coop, code)
    q3 = services.period_for(coop, "2025-Q3")
    assert (q3.first_day, q3.last_day) == (D(2025, 7, 1), D(2025, 9, 30))
    h1 = services.period_for(coop, "2024-H1")
    assert (h1.first_day, h1.last_day) == (D(2024, 1, 1), D(2024, 6, 30))


def test_assess_command_computes_and_prints_a_summary(coop, charter):
    example_three(MemberFactory(cooperative=coop))
    out = StringIO()
    call_command("assess", "--cooperative", coop.slug, "--period", "2025", stdout=out)
    assert "1" in out.getvalue()
    assert len(out.getvalue().strip().splitlines()) == 1
    run = AssessmentRun.objects.get()
    assert run.status == AssessmentRun.Status.DRAFT
    assert run.period.code == "2025"


def test_assess_command_publishes_with_publish(coop, charter):
    MemberFactory(cooperative=coop)
    call_command(
        "assess", "--cooperative", coop.slug, "--period", "2025-H2", "--publish", stdout=StringIO()
    )
    run = AssessmentRun.objects.get()
    assert run.status == AssessmentRun.Status.PUBLISHED
    assert run.revision == 1


@pytest.mark.parametrize(
    ("slug", "code"), [("nowhere", "2025"), ("nantong", "2025-Q9"), ("nantong", "last-year")]
)
def test_assess_command_refuses_bad_input(coop, charter, slug, code):
    with pytest.raises(CommandError):
        call_command("assess", "--cooperative", slug, "--period", code, stdout=StringIO())


def test_assess_command_refuses_a_cooperative_without_a_charter(other_coop):
    with pytest.raises(CommandError):
        call_command(
            "assess", "--cooperative", other_coop.slug, "--period", "2025", stdout=StringIO()
        )


def test_schedule_computes_the_period_that_just_closed_once(
    coop, charter, freeze_today, django_capture_on_commit_callbacks
):
    MemberFactory(cooperative=coop)
    freeze_today(D(2026, 1, 2))
    with django_capture_on_commit_callbacks(execute=True):
        started = assess_closed_periods()
    codes = set(AssessmentRun.objects.filter(pk__in=started).values_list("period__code", flat=True))
    assert codes == {"2025-H2", "2025"}
    with django_capture_on_commit_callbacks(execute=True):
        assert assess_closed_periods() == []


def test_beat_schedule_names_the_assessment_jobs(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "pledges.assessment.schedule.assess_closed_periods" in tasks
    assert "pledges.assessment.schedule.finalise_runs" in tasks


def test_same_day_complaints_with_and_without_an_answer_hash_and_verify(coop, charter):
    member = MemberFactory(cooperative=coop)
    pledge(member)
    ComplaintFactory(member=member, accepted_on=D(2025, 3, 1), responded_on=D(2025, 3, 2))
    ComplaintFactory(member=member, accepted_on=D(2025, 3, 1))
    InspectionFactory(
        member=member,
        sampled_on=D(2025, 3, 1),
        reported_on=D(2025, 3, 2),
        verdict=Inspection.Verdict.FAIL,
        severity=Inspection.Severity.MINOR,
    )
    InspectionFactory(
        member=member,
        sampled_on=D(2025, 3, 1),
        reported_on=D(2025, 3, 2),
        verdict=Inspection.Verdict.FAIL,
        severity=Inspection.Severity.MINOR,
        rectified_on=D(2025, 3, 20),
    )
    run = compute(coop, "2025")
    assert computing.verify_run(run)
