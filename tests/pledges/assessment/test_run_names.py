"""Assessment runs are named in words, by period and revision (or when they were computed),
on the regulator's and administrator's pages and in the admin; never "run #17"."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import translation

from .conftest import compute, publish
from .test_publication import rated_member
from .test_views import run_url, runs_url

ENGLISH = {"accept-language": "en"}
CHINESE = {"accept-language": "zh-hans"}


def numbered(page: str, run) -> bool:
    return bool(re.search(rf"#\s*{run.pk}\b|run #|第 {run.pk} 次运行", page))


def test_a_published_run_is_named_by_its_period_and_revision(personas, coop, charter):
    rated_member(coop)
    run = publish(coop, "2025")
    with translation.override("en"):
        assert run.name == "year 2025, first publication"
        assert str(run) == "year 2025, first publication"
    with translation.override("zh-hans"):
        assert run.name == "2025年度，首次公示"
    for client in (personas.regulator, personas.administrator):
        page = client.get(run_url(run), headers=ENGLISH).content.decode()
        assert "<h1>year 2025, first publication</h1>" in page
        assert not numbered(page, run)
        chinese = client.get(run_url(run), headers=CHINESE).content.decode()
        assert "<h1>2025年度，首次公示</h1>" in chinese
        assert not numbered(chinese, run)


def test_a_draft_is_named_by_when_it_was_computed(personas, coop, charter):
    rated_member(coop)
    draft = compute(coop, "2025")
    with translation.override("en"):
        assert draft.name.startswith("year 2025, computation of ")
    listing = personas.regulator.get(runs_url(coop), headers=ENGLISH).content.decode()
    assert "computation of " in listing
    assert not numbered(listing, draft)


def test_the_result_page_links_back_to_the_run_by_its_name(personas, coop, charter):
    member = rated_member(coop)
    run = publish(coop, "2025")
    url = reverse(
        "pledges:assessment_run_result",
        kwargs={"slug": coop.slug, "run_id": run.pk, "member_id": member.pk},
    )
    page = personas.regulator.get(url, headers=ENGLISH).content.decode()
    assert "year 2025, first publication" in page
    assert not numbered(page, run)


def test_the_admin_names_runs_and_periods_in_words(personas, coop, charter):
    rated_member(coop)
    run = publish(coop, "2025-H1")
    listing = personas.administrator.get(
        reverse("admin:pledges_assessmentrun_changelist"), headers=ENGLISH
    ).content.decode()
    assert "first half of 2025, first publication" in listing
    assert "2025-H1" not in listing
    assert not numbered(listing, run)
    periods = personas.administrator.get(
        reverse("admin:pledges_assessmentperiod_changelist"), headers=ENGLISH
    ).content.decode()
    assert "first half of 2025" in periods


def test_the_named_run_pages_stay_closed_to_others(personas, coop, charter):
    rated_member(coop)
    run = publish(coop, "2025")
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.get(run_url(run)).status_code == 404
    assert personas.anonymous.get(run_url(run)).status_code == 302
