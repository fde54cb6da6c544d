from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from coop_portal.workdays import WorkCalendar
from members.models import Member
from pledges.assessment import public
from pledges.models import AssessmentRun, MemberAssessment
from tests.factories import MemberFactory

from .factories import PeriodFactory, ResultFactory, RunFactory, publish, supersede

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def period_url(code: str = "2025") -> str:
    return reverse("pledges:public_period", args=["nantong", code])


def member_url(member: Member, code: str = "2025", revision: int | None = None) -> str:
    if revision is None:
        return reverse("pledges:public_member", args=["nantong", code, member.credit_code])
    return reverse("pledges:public_result", args=["nantong", code, revision, member.credit_code])


def test_the_periods_page_lists_published_periods_only(client, published_run, draft_period):
    response = client.get(reverse("pledges:public_periods", args=["nantong"]))

    assert response.status_code == 200
    assert period_url("2025") in response.content.decode()
    assert period_url("2026-H1") not in response.content.decode()
    # People read the period in words; its code is only in the addresses.
    page = client.get(reverse("pledges:public_periods", args=["nantong"]), **ENGLISH)
    assert ">year 2025<" in page.content.decode()
    assert ">2025<" not in page.content.decode()


def test_the_periods_page_of_an_unknown_cooperative_is_a_404(client, db):
    assert client.get(reverse("pledges:public_periods", args=["nowhere"])).status_code == 404


def test_the_period_page_shows_every_members_status_score_and_grade(
    client, published_run, member_a, member_b, member_c
):
    response = client.get(period_url(), **ENGLISH)

    text = response.content.decode()
    assert response.status_code == 200
    for member in (member_a, member_b, member_c):
        assert member_url(member, revision=1) in text
    assert "74.1" in text
    assert "91.3" in text
    assert "no pledge" in text
    assert 'class="badge grade-A"' in text


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"grade": "A"}, "Firm B", "Firm A"),
        ({"status": "no_pledge"}, "Firm C", "Firm B"),
        ({"q": "乙家纺"}, "Firm B", "Firm C"),
        ({"q": "firm a"}, "Firm A", "Firm B"),
    ],
)
def test_the_period_page_filters_and_searches(client, published_run, query, shown, hidden):
    response = client.get(period_url(), query, **ENGLISH)

    table = response.content.decode().split("<tbody>")[1]
    assert shown in table
    assert hidden not in table


def test_search_finds_a_member_by_credit_code(client, published_run, member_c):
    response = client.get(period_url(), {"q": member_c.credit_code.lower()}, **ENGLISH)

    table = response.content.decode().split("<tbody>")[1]
    assert "Firm C" in table
    assert "Firm A" not in table


def test_an_invalid_filter_shows_its_error_and_no_rows(client, published_run):
    response = client.get(period_url(), {"grade": "Z"}, **ENGLISH)

    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert "Firm A" not in response.content.decode().split("<tbody>")[1]


def test_the_period_page_is_paginated(client, coop, period, charter, monkeypatch):
    monkeypatch.setattr(public, "RESULTS_PER_PAGE", 5)
    run = RunFactory(period=period, charter_version=charter)
    for member in MemberFactory.create_batch(7, cooperative=coop):
        ResultFactory(run=run, member=member)
    publish(run)

    first = client.get(period_url(), {"grade": "C"}, **ENGLISH).content.decode()
    second = client.get(period_url(), {"grade": "C", "page": 2}, **ENGLISH).content.decode()

    assert first.split("<tbody>")[1].count("<tr>") == 5
    assert second.split("<tbody>")[1].count("<tr>") == 2
    assert "grade=C&amp;page=2" in first


@pytest.mark.parametrize("members", [1, 30])
def test_the_period_page_needs_the_same_queries_for_one_or_many_members(
    client, coop, period, charter, members, django_assert_num_queries
):
    run = RunFactory(period=period, charter_version=charter)
    for member in MemberFactory.create_batch(members, cooperative=coop):
        ResultFactory(run=run, member=member)
    publish(run)
    WorkCalendar()  # the holiday table, read once an hour (the notice banner counts its days)

    # Period, its public run, the run, the count, the page, the grade counts, the revisions.
    with django_assert_num_queries(7):
        response = client.get(period_url())
    assert response.status_code == 200


def test_why_this_score_explains_each_indicator_in_english(client, published_run, member_a):
    response = client.get(member_url(member_a), **ENGLISH)

    text = response.content.decode()
    assert response.status_code == 200
    assert "7 of 8 inspection results passed, a pass rate of 87.5%" in text
    assert "below the pledged 95%" in text
    assert "92.11" in text
    assert "3 accepted complaints were due for an answer within 3 days; 2 answered in time" in text
    assert "1 complaint found justified: 2 points deducted." in text
    assert "The weighted average of the measurable indicators is 76.05" in text
    assert "the score is 74.1: grade C" in text
    # The share of each indicator in the weighted average: 50 × 92.105… ÷ 100.
    assert "46.05" in text


def test_why_this_score_explains_itself_in_chinese(client, published_run, member_a):
    response = client.get(member_url(member_a))

    text = response.content.decode()
    assert "为什么是这个分数" in text
    assert "8 份检验结果中有 7 份合格" in text
    assert "74.1" in text


def test_a_member_without_a_pledge_is_told_why_it_has_no_score(client, published_run, member_c):
    response = client.get(member_url(member_c), **ENGLISH)

    assert "had no published pledge in force on the last day" in response.content.decode()


def test_a_not_rated_member_is_told_there_is_not_enough_data(client, period, charter, member_a):
    run = RunFactory(period=period, charter_version=charter)
    details = {
        "indicators": {
            "pass_rate": {
                "target": "90",
                "weight": 50,
                "measurable": False,
                "value": None,
                "n": 0,
                "passed": 0,
            }
        },
        "weighted": None,
        "deductions": {},
    }
    ResultFactory(
        run=run,
        member=member_a,
        status=MemberAssessment.Status.NOT_RATED,
        score=None,
        grade="",
        details=details,
    )
    publish(run)

    text = client.get(member_url(member_a), **ENGLISH).content.decode()

    assert "not enough data for a score" in text
    assert "No inspection result of the period counts" in text


@pytest.mark.parametrize(
    "details",
    [
        {},
        {"indicators": None, "weighted": "x", "deductions": []},
        {"indicators": {"pass_rate": {"measurable": True}}, "deductions": {"critical": "many"}},
        {"indicators": {"pass_rate": "broken", "odd_kind": {"value": "1e999999"}}},
    ],
)
def test_why_this_score_survives_incomplete_details(client, period, charter, member_a, details):
    run = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=run, member=member_a, details=details)
    publish(run)

    response = client.get(member_url(member_a), **ENGLISH)

    assert response.status_code == 200
    assert "74.1" in response.content.decode()


def test_a_corrected_result_shows_its_note_and_keeps_the_earlier_revision(
    client, published_run, period, charter, member_a
):
    correction = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=correction, member=member_a, score=Decimal("80.0"), grade="B")
    supersede(published_run)
    publish(correction, revision=2, note="An inspection result was voided on objection.")

    current = client.get(member_url(member_a), **ENGLISH).content.decode()
    earlier = client.get(member_url(member_a, revision=1), **ENGLISH)

    assert "Corrected result (revision 2)" in current
    assert "An inspection result was voided on objection." in current
    assert "80.0" in current
    assert member_url(member_a, revision=1) in current
    assert earlier.status_code == 200
    assert "This revision was corrected and is kept for the record." in earlier.content.decode()
    assert "74.1" in earlier.content.decode()
    assert (
        client.get(reverse("pledges:public_revision", args=["nantong", "2025", 1])).status_code
        == 200
    )


def test_the_grade_history_is_a_chart_with_a_table(client, coop, published_run, charter, member_a):
    earlier = PeriodFactory(cooperative=coop, code="2024")
    run = RunFactory(period=earlier, charter_version=charter)
    ResultFactory(run=run, member=member_a, score=Decimal("92.0"), grade="A")
    publish(run)

    for url in (
        member_url(member_a),
        reverse("pledges:public_member_history", args=["nantong", member_a.credit_code]),
    ):
        text = client.get(url, **ENGLISH).content.decode()
        svg = text.split("<svg")[1].split("</svg>")[0]
        assert 'role="img"' in svg
        assert svg.count("<circle") == 2
        assert "<polyline" in svg
        assert "2024" in svg
        assert "2025" in svg
        table = text.split("Grade history as a table")[1].split("</table>")[0]
        assert table.index("2024") < table.index("2025")
        assert "92.0" in table
        assert "74.1" in table
        assert "style=" not in text
        # Two periods are drawn narrow, to fit a phone's width without scrolling.
        assert 'viewBox="0 0 320 240"' in svg
        assert "chart-hint" not in text


@pytest.mark.parametrize(
    "persona", ["anonymous", "administrator", "regulator", "member_a", "other_administrator"]
)
def test_drafts_are_a_404_on_every_public_page_for_everyone(
    personas, persona, draft_period, member_a
):
    reader = getattr(personas, persona)
    urls = [
        period_url("2026-H1"),
        member_url(member_a, "2026-H1"),
        member_url(member_a, "2026-H1", revision=0),
        reverse("pledges:public_revision", args=["nantong", "2026-H1", 0]),
        reverse("pledges:public_verify_run", args=["nantong", "2026-H1", 0]),
        reverse(
            "pledges:public_verify_member", args=["nantong", "2026-H1", 0, member_a.credit_code]
        ),
        reverse("pledges:public_notice_pdf", args=["nantong", "2026-H1", 0]),
        reverse("pledges:public_report_pdf", args=["nantong", "2026-H1", 0, member_a.credit_code]),
    ]
    for url in urls:
        assert reader.get(url).status_code == 404, url
    history = reader.get(
        reverse("pledges:public_member_history", args=["nantong", member_a.credit_code])
    )
    assert "55.5" not in history.content.decode()


@pytest.mark.parametrize("status", ["draft", "computing", "failed"])
def test_an_unpublished_run_with_a_revision_number_is_still_a_404(
    client, period, charter, member_a, status
):
    run = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=run, member=member_a)
    run.status = status
    run.revision = 1
    run.save()

    assert client.get(period_url()).status_code == 404
    assert client.get(member_url(member_a, revision=1)).status_code == 404


def test_a_newer_draft_never_shows_on_the_public_pages(
    client, published_run, period, charter, member_a
):
    draft = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=draft, member=member_a, score=Decimal("12.3"), grade="D")

    assert "12.3" not in client.get(period_url()).content.decode()
    assert "12.3" not in client.get(member_url(member_a)).content.decode()
    assert client.get(member_url(member_a, revision=0)).status_code == 404


def test_members_outside_the_cooperative_or_not_public_are_a_404(
    client, published_run, other_coop, coop
):
    stranger = MemberFactory(cooperative=other_coop)
    applicant = MemberFactory(cooperative=coop, status=Member.Status.APPLICANT)

    assert client.get(member_url(stranger)).status_code == 404
    assert client.get(member_url(applicant)).status_code == 404
    assert (
        client.get(
            reverse("pledges:public_member_history", args=["nantong", applicant.credit_code])
        ).status_code
        == 404
    )
    assert client.get(reverse("pledges:public_periods", args=["rice"])).status_code == 200


def test_the_verification_page_shows_the_hash_and_the_recomputation_check(
    client, published_run, member_a
):
    run_page = client.get(
        reverse("pledges:public_verify_run", args=["nantong", "2025", 1]), **ENGLISH
    )
    member_page = client.get(
        reverse("pledges:public_verify_member", args=["nantong", "2025", 1, member_a.credit_code]),
        **ENGLISH,
    )

    assert published_run.inputs_hash in run_page.content.decode()
    # The stored hash was made up for the test, so recomputing the period cannot match it.
    assert "gives a different hash" in run_page.content.decode()
    assert "74.1" in member_page.content.decode()
    assert published_run.inputs_hash in member_page.content.decode()


def test_the_verification_page_puts_asides_in_the_pages_brackets(client, published_run, member_a):
    url = reverse("pledges:public_verify_member", args=["nantong", "2025", 1, member_a.credit_code])
    chinese = client.get(url).content.decode()
    assert "2025年度（2025年1月1日 – 2025年12月31日）" in chinese
    assert f"</a>（{member_a.credit_code}）" in chinese
    english = client.get(url, **ENGLISH).content.decode()
    assert f"</a> ({member_a.credit_code})" in english


def test_a_reproducible_run_is_confirmed_on_its_verification_page(client, coop, charter, member_a):
    from pledges.assessment import services

    period = services.period_for(coop, "2025")
    run = services.start_run(period, dispatch=False)
    services.compute_run_now(run)
    run.refresh_from_db()
    services.publish_run(run, by=None)

    response = client.get(
        reverse("pledges:public_verify_run", args=["nantong", "2025", 1]), **ENGLISH
    )

    assert response.status_code == 200
    assert "gives the same hash" in response.content.decode()


def test_logged_in_personas_see_the_same_public_pages(personas, published_run, member_a):
    for reader in (
        personas.anonymous,
        personas.member_b,
        personas.lab,
        personas.other_administrator,
    ):
        assert reader.get(member_url(member_a)).status_code == 200
        assert reader.get(period_url()).status_code == 200
    assert AssessmentRun.objects.count() == 1


def test_a_superseded_revision_points_to_the_current_ones_check(
    client, published_run, period, charter, member_a
):
    correction = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=correction, member=member_a)
    supersede(published_run)
    publish(correction, revision=2, note="更正")

    response = client.get(
        reverse("pledges:public_verify_run", args=["nantong", "2025", 1]), **ENGLISH
    )

    text = response.content.decode()
    assert "A corrected revision is not recomputed" in text
    assert "This revision was later corrected." in text
    assert reverse("pledges:public_revision", args=["nantong", "2025", 2]) in text
