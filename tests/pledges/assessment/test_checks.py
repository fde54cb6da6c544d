"""After publication: the PDFs and the recomputation check are queued once it commits, and the
public verification page shows the latest check with its date without waiting for one."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from pledges.assessment import computing, published, services, tasks
from pledges.models import AssessmentPdf, AssessmentRun
from pledges.models.assessment import RunCheck

from .conftest import compute, publish
from .factories import InspectionFactory
from .test_publication import rated_member

D = datetime.date
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def verify_url(run: AssessmentRun) -> str:
    period = run.period
    return reverse(
        "pledges:public_verify_run", args=[period.cooperative.slug, period.code, run.revision]
    )


@pytest.fixture
def queued(monkeypatch):
    """Record the checks asked for instead of running them (as with workers busy or away)."""
    asked: list[int] = []

    def record(args=(), kwargs=None, **options):
        asked.append(args[0])

    monkeypatch.setattr(tasks.check_run_task, "apply_async", record)
    return asked


def test_publication_queues_the_pdfs_and_the_check_once_it_commits(
    coop, charter, django_capture_on_commit_callbacks
):
    rated_member(coop)
    draft = compute(coop, "2025")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.publish_run(draft, by=None)
    # Nothing is drawn before the publication is committed.
    assert AssessmentPdf.objects.count() == 0
    assert RunCheck.objects.count() == 0
    assert callbacks

    for callback in callbacks:  # the commit: Celery runs the tasks at once in the tests
        callback()

    notices = AssessmentPdf.objects.filter(run=run, kind=AssessmentPdf.Kind.NOTICE)
    assert sorted(notices.values_list("language", flat=True)) == ["en", "zh-hans"]
    check = RunCheck.objects.get(run=run)
    assert check.matches
    assert check.recomputed_hash == run.inputs_hash


def test_a_correction_gets_its_own_pdfs(coop, charter, django_capture_on_commit_callbacks):
    rated_member(coop)
    with django_capture_on_commit_callbacks(execute=True):
        first = publish(coop, "2025")
    with django_capture_on_commit_callbacks(execute=True):
        second = publish(coop, "2025", note="A re-test report arrived late.")
    for run in (first, second):
        assert AssessmentPdf.objects.filter(run=run, kind="notice").count() == 2


def test_the_page_says_check_pending_until_a_check_is_done(client, coop, charter, queued):
    rated_member(coop)
    run = publish(coop, "2025")

    page = client.get(verify_url(run), **ENGLISH).content.decode()
    assert "Check pending" in page
    assert run.inputs_hash in page
    assert queued == [run.pk]

    # Asked for once: more readers do not queue more recomputations.
    client.get(verify_url(run), **ENGLISH)
    assert queued == [run.pk]

    computing.check_run(run)  # what the worker does
    page = client.get(verify_url(run), **ENGLISH).content.decode()
    assert "Check pending" not in page
    assert "gives the same hash" in page
    assert "Checked at" in page


def test_the_page_shows_the_stored_check_with_its_date(client, coop, charter, queued):
    rated_member(coop)
    run = publish(coop, "2025")
    checked_at = timezone.now() - datetime.timedelta(hours=1)
    RunCheck.objects.create(run=run, matches=False, recomputed_hash="0" * 64, checked_at=checked_at)

    page = client.get(verify_url(run), **ENGLISH).content.decode()

    assert "gives a different hash" in page
    shown = timezone.localtime(checked_at)
    assert "Checked at" in page
    assert f"{shown:%H:%M}" in page
    assert str(shown.year) in page
    assert "A newer check is under way" not in page
    assert queued == []


def test_an_old_check_is_shown_while_a_newer_one_is_queued(client, coop, charter, queued):
    rated_member(coop)
    run = publish(coop, "2025")
    RunCheck.objects.create(
        run=run,
        matches=True,
        recomputed_hash=run.inputs_hash,
        checked_at=timezone.now() - datetime.timedelta(seconds=published.CHECK_SECONDS + 60),
    )

    page = client.get(verify_url(run), **ENGLISH).content.decode()

    assert "gives the same hash" in page
    assert "A newer check is under way" in page
    assert queued == [run.pk]


def test_with_the_broker_away_the_page_still_answers(client, coop, charter, monkeypatch):
    rated_member(coop)
    run = publish(coop, "2025")

    def away(args=(), kwargs=None, **options):
        raise OperationalError("connection refused")

    monkeypatch.setattr(tasks.check_run_task, "apply_async", away)
    response = client.get(verify_url(run), **ENGLISH)

    assert response.status_code == 200
    assert "Check pending" in response.content.decode()


def test_the_check_task_records_a_broken_hash_and_skips_runs_that_are_not_current(coop, charter):
    member = rated_member(coop)
    run = publish(coop, "2025")
    InspectionFactory(
        member=member, sampled_on=D(2025, 6, 1), reported_on=D(2025, 6, 2), verdict="fail"
    )
    assert tasks.check_run_task.delay(run.pk).get() is False
    check = RunCheck.objects.get(run=run)
    assert not check.matches
    assert check.recomputed_hash != run.inputs_hash

    draft = compute(coop, "2025")
    assert tasks.check_run_task.delay(draft.pk).get() is None
    assert RunCheck.objects.filter(run=draft).count() == 0
