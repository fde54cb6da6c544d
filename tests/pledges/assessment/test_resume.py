"""A starting worker queues again the chunks of runs still computing (a worker killed
mid-run took its chunks with it); tests/services/test_faults.py kills a real one."""

from __future__ import annotations

from pledges.assessment import computing, services
from pledges.assessment.tasks import resume_computing_runs
from pledges.models import AssessmentRun, MemberAssessment
from pledges.models.assessment import RunChunk
from tests.factories import MemberFactory
from tests.pledges.pledge_factories import published

from .conftest import compute


def members(coop, count: int) -> None:
    for _ in range(count):
        published(MemberFactory(cooperative=coop))


def test_resuming_completes_a_run_whose_chunks_were_lost_with_the_results_of_an_uninterrupted_one(
    coop, period_2025
):
    members(coop, 7)
    uninterrupted = compute(coop, "2025", chunk_size=2)
    expected = set(
        MemberAssessment.objects.filter(run=uninterrupted).values_list(
            "member_id", "status", "score", "grade", "pledge_id"
        )
    )
    rerun = services.start_run(period_2025, dispatch=False, chunk_size=2)
    # One chunk done; the worker holding the others died.
    computing.compute_chunk(rerun.pk, 1)

    assert resume_computing_runs() == 1

    rerun.refresh_from_db()
    assert rerun.status == AssessmentRun.Status.DRAFT
    assert rerun.inputs_hash == uninterrupted.inputs_hash
    assert (
        set(
            MemberAssessment.objects.filter(run=rerun).values_list(
                "member_id", "status", "score", "grade", "pledge_id"
            )
        )
        == expected
    )
    assert not RunChunk.objects.filter(run=rerun).exists()


def test_resuming_finishes_a_run_whose_chunks_are_all_done(coop, period_2025):
    members(coop, 3)
    run = services.start_run(period_2025, dispatch=False, chunk_size=2)
    for number in range(run.chunks_total):
        computing.compute_chunk(run.pk, number)
    assert AssessmentRun.objects.get(pk=run.pk).status == AssessmentRun.Status.COMPUTING

    assert resume_computing_runs() == 1
    assert AssessmentRun.objects.get(pk=run.pk).status == AssessmentRun.Status.DRAFT


def test_resuming_leaves_finished_runs_alone(coop, period_2025):
    members(coop, 2)
    run = compute(coop, "2025")
    assert resume_computing_runs() == 0
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT
