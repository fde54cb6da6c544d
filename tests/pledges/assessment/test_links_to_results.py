"""Pages link to where the next step is: the regulator from a run's member to why it got its
result (drafts too, never publicly); the member from its portal and its own "why this score"
to its objection while the notice period is open, with the deadline."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from pledges.assessment import services

from .conftest import compute
from .factories import inspections, pledge
from .test_publication import failures_in_2025
from .test_views import objection_url, run_url

D = datetime.date
ENGLISH = {"accept-language": "en"}


@pytest.fixture
def draft(coop, charter, member_a, member_b):
    pledge(member_a)
    inspections(member_a, 2, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 2))
    return compute(coop, "2025")


def result_url(run, member):
    return reverse(
        "pledges:assessment_run_result",
        kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk, "member_id": member.pk},
    )


def test_a_draft_links_each_member_to_why_it_got_its_result(personas, draft, member_a, member_b):
    page = personas.regulator.get(run_url(draft), headers=ENGLISH).content.decode()
    assert result_url(draft, member_a) in page
    # A member without a pledge shows the reason on the run page itself.
    assert "had no published pledge in force" in page
    why = personas.regulator.get(result_url(draft, member_a), headers=ENGLISH)
    assert why.status_code == 200
    assert "This result is not public" in why.content.decode()
    assert "Why this score" in why.content.decode()


def test_the_explanation_of_a_draft_is_for_the_review_only(personas, draft, member_a):
    for client in (personas.member_a, personas.other_administrator, personas.lab):
        assert client.get(result_url(draft, member_a)).status_code == 404
    assert personas.anonymous.get(result_url(draft, member_a)).status_code == 302


@pytest.fixture
def published(draft, freeze_today):
    freeze_today(D(2026, 2, 1))
    return services.publish_run(draft, by=None)


def test_the_member_portal_links_to_the_objection_with_its_deadline(
    personas, published, member_a, freeze_today
):
    dashboard = reverse("portal:dashboard", args=[member_a.pk])
    page = personas.member_a.get(dashboard, headers=ENGLISH).content.decode()
    assert objection_url(published) in page
    # Seven working days after Sunday 1 February 2026.
    assert "open until 10 February 2026" in page
    freeze_today(D(2026, 2, 11))
    page = personas.member_a.get(dashboard, headers=ENGLISH).content.decode()
    assert objection_url(published) not in page


def test_the_member_s_own_why_page_links_to_its_objection(personas, published, member_a, coop):
    why = reverse(
        "pledges:public_member",
        kwargs={"cooperative": coop.slug, "code": "2025", "credit_code": member_a.credit_code},
    )
    assert objection_url(published) in personas.member_a.get(why).content.decode()
    for client in (personas.anonymous, personas.member_b, personas.regulator):
        assert objection_url(published) not in client.get(why).content.decode()


def test_a_score_of_zero_says_on_the_run_page_what_it_was_measured_on(
    personas, coop, charter, member_a
):
    pledge(member_a)
    failures_in_2025(member_a, 12)
    run = compute(coop, "2025")
    page = personas.regulator.get(run_url(run), headers=ENGLISH).content.decode()
    assert "Scored only on: " in page
    assert "critical failures" in page
