"""Only closed periods are published: previews, the grace days for late lab data, the
confirmation step, and publication as a background task that publishes once."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from charter.models import ExitStep
from pledges.assessment import services
from pledges.assessment.publication import publish_run_task
from pledges.models import AssessmentRun

from .conftest import compute
from .factories import inspections, pledge

D = datetime.date


def publish_url(run):
    return reverse(
        "pledges:assessment_publish",
        kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk},
    )


def run_url(run):
    return reverse(
        "pledges:assessment_run", kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk}
    )


@pytest.fixture
def draft(coop, charter, member_a, member_b, freeze_today):
    freeze_today(D(2026, 2, 1))
    pledge(member_a)
    inspections(member_a, 2, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 2))
    return compute(coop, "2025")


def test_a_run_of_a_period_not_ended_is_a_preview_that_cannot_be_published(
    coop, charter, member_a, freeze_today
):
    freeze_today(D(2025, 12, 6))
    run = compute(coop, "2025")
    assert run.is_preview
    with translation.override("en"), pytest.raises(ValidationError, match="preview"):
        services.publish_run(run, by=None)
    # Even when the period has ended since, the preview stays a preview.
    freeze_today(D(2026, 3, 1))
    with pytest.raises(ValidationError):
        services.publish_run(run, by=None)
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT
    assert not AssessmentRun.objects.public().exists()


def test_the_database_refuses_to_publish_a_preview(coop, charter, member_a, freeze_today):
    freeze_today(D(2025, 6, 1))
    run = compute(coop, "2025")
    with pytest.raises(IntegrityError), transaction.atomic():
        AssessmentRun.objects.filter(pk=run.pk).update(status="published", revision=1)


def test_a_closed_period_waits_for_the_grace_days_of_late_lab_data(
    coop, charter, member_a, freeze_today
):
    freeze_today(D(2026, 1, 10))
    run = compute(coop, "2025")
    assert not run.is_preview
    assert services.publishable_from(run) == D(2026, 1, 16)
    with pytest.raises(ValidationError, match="2026-01-16"):
        services.publish_run(run, by=None)
    freeze_today(D(2026, 1, 16))
    assert services.publish_run(run, by=None).status == AssessmentRun.Status.PUBLISHED


def test_the_grace_days_are_a_figure_of_the_charter_policy(coop, charter, member_a, freeze_today):
    policy = charter.policy
    type(policy).objects.filter(pk=policy.pk).update(late_data_grace_days=40)
    freeze_today(D(2026, 1, 20))
    run = compute(coop, "2025")
    assert services.publishable_from(run) == D(2026, 2, 10)


def test_assess_refuses_to_publish_a_period_not_yet_ended(coop, charter, member_a, freeze_today):
    freeze_today(D(2026, 12, 6))
    with pytest.raises(CommandError):
        call_command("assess", cooperative=coop.slug, period="2027", publish=True)
    with pytest.raises(CommandError):
        call_command("assess", cooperative=coop.slug, period="2026", publish=True)
    assert not AssessmentRun.objects.public().exists()
    assert not ExitStep.objects.exists()


def test_the_confirmation_names_the_period_members_and_consequences(personas, draft, coop):
    response = personas.regulator.get(publish_url(draft), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "the year 2025" in page  # the label "year 2025" in a sentence
    assert "Publish the assessment of the the year" not in page
    assert "2 members" in page
    # Firm B has no pledge: a warning is proposed.
    assert "Warning: 1" in page


def test_publishing_without_confirming_is_refused_and_queues_nothing(personas, draft):
    with mock.patch("pledges.assessment.publication.publish_run_task.apply_async") as queued:
        response = personas.regulator.post(
            publish_url(draft), {"note": ""}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    queued.assert_not_called()
    draft.refresh_from_db()
    assert draft.publication_requested_at is None


def test_a_preview_has_no_publish_button_and_its_confirmation_refuses(
    personas, coop, charter, member_a, freeze_today
):
    freeze_today(D(2025, 12, 6))
    run = compute(coop, "2025")
    page = personas.regulator.get(run_url(run), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Preview" in page
    assert publish_url(run) not in page
    response = personas.regulator.post(publish_url(run), {"confirm": "on"})
    assert response.status_code == 400
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT


def test_the_confirmation_page_is_the_regulators_only(personas, draft):
    assert personas.administrator.get(publish_url(draft)).status_code == 403
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.get(publish_url(draft)).status_code == 404
    assert personas.anonymous.get(publish_url(draft)).status_code == 302


def test_publication_runs_as_a_task_and_the_page_shows_its_progress(
    personas, draft, django_capture_on_commit_callbacks
):
    with (
        mock.patch("pledges.assessment.publication.publish_run_task.apply_async") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = personas.regulator.post(publish_url(draft), {"note": "", "confirm": "on"})
        assert response.status_code == 302
        # A second click queues nothing more.
        personas.regulator.post(publish_url(draft), {"note": "", "confirm": "on"})
    assert queued.call_count == 1
    draft.refresh_from_db()
    assert draft.status == AssessmentRun.Status.DRAFT
    assert draft.is_publishing
    page = personas.regulator.get(run_url(draft), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="run-computing"' in page
    assert "Publishing" in page
    assert publish_run_task.apply(args=(draft.pk,)).get() == 1
    # The task run again (a retry, a second delivery) publishes nothing more.
    assert publish_run_task.apply(args=(draft.pk,)).get() is None
    draft.refresh_from_db()
    assert draft.status == AssessmentRun.Status.PUBLISHED
    assert AssessmentRun.objects.filter(period=draft.period, revision__gt=0).count() == 1
    assert ExitStep.objects.count() == 1


def test_a_refused_publication_is_shown_and_may_be_asked_again(personas, draft, freeze_today):
    with mock.patch("pledges.assessment.publication.publish_run_task.apply_async"):
        personas.regulator.post(publish_url(draft), {"note": "", "confirm": "on"})
    # Another revision got published in the meantime: this one now needs a note.
    other = AssessmentRun.objects.filter(pk=draft.pk)
    with mock.patch.object(services, "note_required", side_effect=ValidationError("Say why.")):
        assert publish_run_task.apply(args=(draft.pk,)).get() is None
    draft = other.get()
    assert draft.publication_requested_at is None
    assert "Say why." in personas.regulator.get(run_url(draft)).content.decode()


def test_with_celery_in_process_the_publication_is_done_when_the_page_returns(
    personas, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.regulator.post(publish_url(draft), {"note": "", "confirm": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == AssessmentRun.Status.PUBLISHED
