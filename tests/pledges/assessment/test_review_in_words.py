"""The regulator's and administrator's pages speak in words: a period not started is refused
with a reason, a preview says it is one, and revisions and proposal sources are named, never
coded ("r1", "assessment:2025-H1:r1")."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from charter.models import ExitStep
from charter.services import propose_consequence
from pledges.assessment.periods import revision_name, source_name
from pledges.models import AssessmentPeriod, AssessmentRun

from .conftest import compute, publish
from .test_publication import rated_member
from .test_views import run_url, runs_url

D = datetime.date
ENGLISH = {"accept-language": "en"}


def start(client, coop, code):
    url = reverse("pledges:assessment_start", kwargs={"slug": coop.slug})
    return client.post(url, {"code": code}, headers=ENGLISH)


def test_a_period_that_has_not_started_is_refused_with_the_reason(
    personas, coop, charter, freeze_today
):
    compute(coop, "2025")
    freeze_today(D(2026, 12, 6))
    # The page offers only periods that have ended: a forged code is refused, and the list of
    # periods stays under the form.
    response = start(personas.regulator, coop, "2027-H1")
    assert response.status_code == 400
    assert "year 2025" in response.content.decode()
    # The command line, which may compute a preview of a period under way, says why.
    with translation.override("en"), pytest.raises(CommandError, match="has not started yet"):
        call_command("assess", "--cooperative", coop.slug, "--period", "2027-H1")
    assert not AssessmentPeriod.objects.filter(code="2027-H1").exists()


def test_a_preview_says_preview_where_a_draft_would_say_draft(
    personas, coop, charter, freeze_today
):
    freeze_today(D(2026, 12, 6))
    preview = compute(coop, "2026-H2")
    assert preview.is_preview
    run_page = personas.regulator.get(run_url(preview), headers=ENGLISH).content.decode()
    list_page = personas.regulator.get(runs_url(coop), headers=ENGLISH).content.decode()
    assert '<span class="badge">Preview</span>' in run_page
    assert '<span class="badge">Preview</span>' in list_page
    assert '<span class="badge">draft' not in list_page


def test_revisions_and_proposal_sources_are_named_in_words():
    with translation.override("en"):
        assert revision_name(1) == "first publication"
        assert revision_name(2) == "revision 2"
        assert source_name("assessment:2025-H1:r1") == (
            "assessment of the first half of 2025, first publication"
        )
    with translation.override("zh-hans"):
        assert source_name("assessment:2025-H1:r2") == "2025年上半年考核，第 2 版"


def test_the_proposals_list_and_the_run_pages_show_no_codes(personas, coop, charter):
    member = rated_member(coop, grade="D")
    run = publish(coop, "2025")
    propose_consequence(member, "suspension", reason="test", source_ref="demo:assessment:2025")
    manage = reverse("charter:manage", kwargs={"slug": coop.slug})
    page = personas.administrator.get(manage, headers=ENGLISH).content.decode()
    assert "assessment of the year 2025, first publication" in page
    assert "assessment:2025" not in page
    step = ExitStep.objects.get(source_ref="assessment:2025:r1", case__member=member)
    assert "year 2025" in step.reason_en
    assert "2025年" in step.reason
    listing = personas.regulator.get(runs_url(coop), headers=ENGLISH).content.decode()
    assert "first publication" in listing
    assert " r1" not in listing
    assert AssessmentRun.objects.get(pk=run.pk).publication_name == ("year 2025, first publication")


def test_a_proposals_reason_is_read_in_each_readers_language(personas, coop, charter):
    """The portal writes an assessment's reason in both languages, whoever publishes; a reader
    reads their own (walk report M9). An administrator's own words stay as typed."""
    member = rated_member(coop, grade="D")
    with translation.override("en"):
        publish(coop, "2025")
    step = ExitStep.objects.get(source_ref="assessment:2025:r1", case__member=member)
    assert "2025年" in step.reason
    assert step.reason_en.startswith("Grade D in ")
    with translation.override("en"):
        assert step.reason_text == step.reason_en
    with translation.override("zh-hans"):
        assert step.reason_text == step.reason
    case = reverse("charter:case", args=[coop.slug, step.case_id])
    english = personas.administrator.get(case, headers=ENGLISH).content.decode()
    assert step.reason_en in english
    assert step.reason not in english
    chinese = personas.administrator.get(case, headers={"accept-language": "zh-hans"})
    assert step.reason in chinese.content.decode()
    typed = ExitStep(reason="未按期整改。")
    with translation.override("en"):
        assert typed.reason_text == "未按期整改。"
