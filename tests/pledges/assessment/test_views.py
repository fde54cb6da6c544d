"""Regulator pages, the dashboard and a member's objection page: allowed and denied paths."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from members.models import Conversion, Pairing
from pledges.assessment import services
from pledges.assessment.periods import period_label
from pledges.models import AssessmentRun
from pledges.models.assessment import MemberObjection
from tests.factories import MemberFactory, credit_code_for

from .conftest import compute, publish
from .factories import ComplaintFactory, InspectionFactory, inspections, pledge

D = datetime.date


@pytest.fixture
def draft(coop, charter, member_a, member_b):
    pledge(member_a)
    inspections(member_a, 2, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 2))
    return compute(coop, "2025")


def runs_url(coop):
    return reverse("pledges:assessment_runs", kwargs={"slug": coop.slug})


def run_url(run):
    return reverse(
        "pledges:assessment_run", kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk}
    )


def publish_url(run):
    return reverse(
        "pledges:assessment_publish",
        kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk},
    )


def objection_url(run):
    return reverse(
        "pledges:assessment_objection",
        kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk},
    )


# The list of runs.


def test_regulator_and_administrator_see_the_runs(personas, draft, coop):
    for client in (personas.regulator, personas.administrator):
        response = client.get(runs_url(coop))
        assert response.status_code == 200
        assert "2025" in response.content.decode()


def test_only_the_regulator_gets_the_compute_form(personas, draft, coop):
    assert 'name="code"' in personas.regulator.get(runs_url(coop)).content.decode()
    assert 'name="code"' not in personas.administrator.get(runs_url(coop)).content.decode()


def test_runs_are_hidden_from_everyone_else(personas, draft, coop):
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.get(runs_url(coop)).status_code == 404
    response = personas.anonymous.get(runs_url(coop))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("count", [1, 6])
def test_runs_page_takes_the_same_queries_for_few_and_many_runs(
    personas, coop, charter, count, django_assert_num_queries
):
    for year in range(2010, 2010 + count):
        compute(coop, str(year))
    client = personas.regulator
    client.get(runs_url(coop))
    # Session, user, cooperative, periods, runs, role check.
    with django_assert_num_queries(6):
        assert client.get(runs_url(coop)).status_code == 200


# Starting a computation.


def test_regulator_starts_a_computation(
    personas, coop, charter, member_a, django_capture_on_commit_callbacks
):
    url = reverse("pledges:assessment_start", kwargs={"slug": coop.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.regulator.post(url, {"code": "2025-H1"})
    run = AssessmentRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    assert run.period.code == "2025-H1"
    run.refresh_from_db()
    assert run.status == AssessmentRun.Status.DRAFT


def test_the_regulator_chooses_an_ended_period_by_its_name(personas, coop, charter):
    compute(coop, "2012")
    form = personas.regulator.get(runs_url(coop)).context["form"]
    choices = dict(form.fields["code"].choices)
    today = coop.today()
    assert choices[str(today.year - 1)] == f"{today.year - 1}年度"
    assert choices["2012"] == "2012年度"
    assert str(today.year) not in choices
    english = personas.regulator.get(runs_url(coop), headers={"accept-language": "en"})
    assert f"first half of {today.year - 1}" in english.content.decode()


@pytest.mark.parametrize("code", ["current year", ""])
def test_a_period_that_has_not_ended_or_none_cannot_be_started(personas, coop, charter, code):
    url = reverse("pledges:assessment_start", kwargs={"slug": coop.slug})
    code = str(coop.today().year) if code == "current year" else code
    response = personas.regulator.post(url, {"code": code})
    assert response.status_code == 400
    assert not AssessmentRun.objects.exists()


def test_a_bad_period_code_is_refused_with_a_message(personas, coop, charter):
    url = reverse("pledges:assessment_start", kwargs={"slug": coop.slug})
    response = personas.regulator.post(url, {"code": "2025-H7"})
    assert response.status_code == 400
    assert not AssessmentRun.objects.exists()


def test_starting_twice_at_once_is_refused(personas, coop, charter):
    services.start_run(services.period_for(coop, "2025"), dispatch=False)
    url = reverse("pledges:assessment_start", kwargs={"slug": coop.slug})
    assert personas.regulator.post(url, {"code": "2025"}).status_code == 400


def test_only_a_regulator_may_start(personas, coop, charter):
    url = reverse("pledges:assessment_start", kwargs={"slug": coop.slug})
    assert personas.administrator.post(url, {"code": "2025"}).status_code == 403
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.post(url, {"code": "2025"}).status_code == 404
    assert personas.anonymous.post(url, {"code": "2025"}).status_code == 302
    assert personas.regulator.get(url).status_code == 405
    assert not AssessmentRun.objects.exists()


# A run's review page.


def test_review_of_a_draft_shows_distribution_results_and_publish_form(personas, draft, member_a):
    page = personas.regulator.get(run_url(draft)).content.decode()
    assert "<svg" in page
    # Four grades' bars are drawn narrow, to fit a phone's width without scrolling.
    assert '<div class="chart-fit"><svg class="chart" viewBox="0 0 320 240"' in page
    assert member_a.name in page
    assert publish_url(draft) in page


def test_computing_run_shows_a_progress_bar_that_refreshes(personas, coop, charter, member_a):
    run = services.start_run(services.period_for(coop, "2025"), dispatch=False)
    page = personas.regulator.get(run_url(run)).content.decode()
    assert "<progress" in page
    # The progress is fetched again by a script; a timed meta refresh fails WCAG 2.2.1.
    assert "js/progress.js" in page
    assert 'http-equiv="refresh"' not in page


def test_review_compares_with_the_previous_period(personas, coop, charter, member_a):
    pledge(member_a)
    inspections(member_a, 1, sampled_on=D(2024, 3, 1), reported_on=D(2024, 3, 1))
    publish(coop, "2024")
    inspections(
        member_a,
        3,
        sampled_on=D(2025, 3, 1),
        reported_on=D(2025, 3, 1),
        verdict="fail",
        severity="minor",
        rectified_on=D(2025, 3, 2),
    )
    run = compute(coop, "2025")
    page = personas.regulator.get(run_url(run)).content.decode()
    assert "2024" in page
    assert member_a.name in page


def test_review_tables_name_members_in_english_on_english_pages(personas, coop, charter, member_a):
    pledge(member_a)
    inspections(member_a, 1, sampled_on=D(2024, 3, 1), reported_on=D(2024, 3, 1))
    publish(coop, "2024")
    inspections(member_a, 3, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 1), verdict="fail")
    run = compute(coop, "2025")
    english = personas.regulator.get(run_url(run), headers={"accept-language": "en"})
    assert english.context["review"].outliers[0].member_name == "Firm A"
    page = english.content.decode()
    assert "Firm A" in page
    assert member_a.name not in page


def test_revisions_are_named_in_words_on_the_review_and_the_run_list(
    personas, coop, charter, member_a
):
    pledge(member_a)
    publish(coop, "2024")
    run = compute(coop, "2025")
    english = {"accept-language": "en"}
    review = personas.regulator.get(run_url(run), headers=english).content.decode()
    assert "year 2024, first publication" in review
    runs = personas.regulator.get(runs_url(coop), headers=english).content.decode()
    assert "first publication" in runs
    assert " r1" not in review + runs


def test_review_is_hidden_from_other_cooperatives_and_members(
    personas, draft, other_coop, other_administrator
):
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.get(run_url(draft)).status_code == 404
    # The run's id under another cooperative's short name is not found either.
    url = reverse("pledges:assessment_run", kwargs={"slug": other_coop.slug, "run_id": draft.pk})
    assert personas.other_administrator.get(url).status_code == 404
    assert personas.anonymous.get(run_url(draft)).status_code == 302


@pytest.mark.parametrize("count", [1, 30])
def test_review_page_takes_the_same_queries_for_few_and_many_members(
    personas, coop, charter, count, django_assert_num_queries
):
    for _ in range(count):
        member = MemberFactory(cooperative=coop)
        pledge(member)
        inspections(member, 1, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 1))
    run = compute(coop, "2025")
    client = personas.regulator
    client.get(run_url(run))
    with django_assert_num_queries(12):
        assert client.get(run_url(run)).status_code == 200


# Publishing.


def test_regulator_publishes_a_draft(personas, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.regulator.post(publish_url(draft), {"note": "", "confirm": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == AssessmentRun.Status.PUBLISHED


def test_a_second_revision_without_a_note_is_refused(
    personas, draft, coop, django_capture_on_commit_callbacks
):
    services.publish_run(draft, by=None)
    again = compute(coop, "2025")
    response = personas.regulator.post(publish_url(again), {"note": "", "confirm": "on"})
    again.refresh_from_db()
    assert again.status == AssessmentRun.Status.DRAFT
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        personas.regulator.post(
            publish_url(again), {"note": "Late re-test report.", "confirm": "on"}
        )
    again.refresh_from_db()
    assert again.revision == 2


def test_only_a_regulator_may_publish(personas, draft):
    assert personas.administrator.post(publish_url(draft)).status_code == 403
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.post(publish_url(draft)).status_code == 404
    assert personas.anonymous.post(publish_url(draft)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == AssessmentRun.Status.DRAFT


# Objections.


@pytest.fixture
def published(draft, freeze_today):
    freeze_today(D(2026, 2, 1))
    return services.publish_run(draft, by=None)


def test_member_sees_its_result_and_lodges_an_objection(personas, published, member_a):
    assert personas.member_a.get(objection_url(published)).status_code == 200
    response = personas.member_a.post(objection_url(published), {"text": "Report R1 is not ours."})
    assert response.status_code == 302
    objection = MemberObjection.objects.get()
    assert objection.member == member_a
    assert (
        "Report R1 is not ours." in personas.member_a.get(objection_url(published)).content.decode()
    )


def test_an_empty_objection_is_refused(personas, published):
    assert personas.member_a.post(objection_url(published), {"text": " "}).status_code == 400
    assert not MemberObjection.objects.exists()


def test_objections_close_with_the_notice_period(personas, published, freeze_today):
    # Published on Sunday 1 February 2026: seven working days end on Tuesday 10 February.
    freeze_today(D(2026, 2, 11))
    page = personas.member_a.get(objection_url(published))
    assert page.status_code == 200
    assert 'name="text"' not in page.content.decode()
    assert personas.member_a.post(objection_url(published), {"text": "late"}).status_code == 403


def test_objection_page_is_not_for_drafts_or_other_people(personas, draft, other_coop):
    assert personas.member_a.get(objection_url(draft)).status_code == 404
    services.publish_run(draft, by=None)
    for client in (
        personas.regulator,
        personas.administrator,
        personas.other_administrator,
        personas.lab,
    ):
        assert client.get(objection_url(draft)).status_code == 404
    url = reverse(
        "pledges:assessment_objection", kwargs={"slug": other_coop.slug, "run_id": draft.pk}
    )
    assert personas.member_a.get(url).status_code == 404
    assert personas.anonymous.get(objection_url(draft)).status_code == 302


def test_regulator_decides_an_objection(personas, published, member_a, member_user_a):
    objection = services.lodge_objection(published, member_a, text="Wrong.", by=member_user_a)
    url = reverse(
        "pledges:assessment_objection_decide",
        kwargs={"slug": "nantong", "objection_id": objection.pk},
    )
    prefix = f"objection-{objection.pk}-"
    page = personas.regulator.get(run_url(published)).content.decode()
    assert url in page
    data = {prefix + "decision": "dismissed", prefix + "note": "The report is yours."}
    assert personas.administrator.post(url, data).status_code == 403
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.post(url, data).status_code == 404
    assert personas.anonymous.post(url, data).status_code == 302
    objection.refresh_from_db()
    assert objection.decision == "pending"
    assert personas.regulator.post(url, data).status_code == 302
    objection.refresh_from_db()
    assert objection.decision == "dismissed"


def test_an_objection_on_the_review_page_names_the_member_and_revision_in_words(
    personas, published, member_a, member_user_a
):
    services.lodge_objection(published, member_a, text="Wrong.", by=member_user_a)
    english = personas.regulator.get(run_url(published), headers={"accept-language": "en"})
    page = english.content.decode()
    assert "<h3>Firm A · first publication</h3>" in page


def test_a_decision_without_a_reason_is_refused(personas, published, member_a, member_user_a):
    objection = services.lodge_objection(published, member_a, text="Wrong.", by=member_user_a)
    url = reverse(
        "pledges:assessment_objection_decide",
        kwargs={"slug": "nantong", "objection_id": objection.pk},
    )
    personas.regulator.post(url, {f"objection-{objection.pk}-decision": "upheld"})
    objection.refresh_from_db()
    assert objection.decision == "pending"


# The dashboard.


def dashboard_url(coop):
    return reverse("pledges:assessment_dashboard", kwargs={"slug": coop.slug})


def test_dashboard_shows_charts_with_tables(
    personas, coop, charter, member_a, member_b, freeze_today
):
    freeze_today(D(2025, 12, 31))
    pledge(member_a)
    inspections(member_a, 3, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 2))
    InspectionFactory(
        member=member_b,
        sampled_on=D(2025, 3, 1),
        reported_on=D(2025, 3, 2),
        verdict="fail",
        severity="major",
    )
    ComplaintFactory(member=member_b, accepted_on=D(2025, 6, 1), response_due_on=D(2025, 6, 8))
    publish(coop, "2025-H1")
    sole = MemberFactory(cooperative=coop, kind="sole_proprietor")
    Conversion.objects.create(
        sole_proprietor=sole,
        old_credit_code=sole.credit_code,
        new_credit_code=credit_code_for(99),
        new_name="新公司",
        converted_on=D(2025, 5, 1),
    )
    Pairing.objects.create(anchor=member_a, member=member_b, started_on=D(2025, 1, 1))
    for client in (personas.regulator, personas.administrator):
        page = client.get(dashboard_url(coop)).content.decode()
        assert len(re.findall(r'<svg class="chart[ "]', page)) == 4
        assert page.count("<table") >= 4
        assert "2025年上半年" in page
        assert "2025-H1" not in page.replace("/2025-H1/", "")
        assert member_b.name in page  # overdue rectification and complaint


def test_dashboard_names_the_quarters_of_complaints_in_words(personas, coop, charter, member_b):
    today = coop.today()
    ComplaintFactory(member=member_b, accepted_on=today, response_due_on=today)
    page = personas.regulator.get(dashboard_url(coop)).content.decode()
    code = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    with translation.override("zh-hans"):
        assert period_label(code) in page
    assert code not in page


def test_dashboard_is_hidden_from_everyone_else(personas, coop, charter):
    for client in (personas.other_administrator, personas.member_a, personas.lab):
        assert client.get(dashboard_url(coop)).status_code == 404
    assert personas.anonymous.get(dashboard_url(coop)).status_code == 302


@pytest.mark.parametrize("count", [1, 20])
def test_dashboard_takes_the_same_queries_for_small_and_big_cooperatives(
    personas, coop, charter, count, django_assert_num_queries, freeze_today
):
    freeze_today(D(2025, 12, 31))
    for index in range(count):
        member = MemberFactory(cooperative=coop)
        InspectionFactory(
            member=member,
            sampled_on=D(2025, 1 + index % 12, 1),
            reported_on=D(2025, 1 + index % 12, 2),
            verdict="fail",
        )
        ComplaintFactory(member=member, accepted_on=D(2025, 1 + index % 12, 3))
    publish(coop, "2025-H1")
    client = personas.regulator
    client.get(dashboard_url(coop))
    # One more than the figures: the product categories the filter offers.
    with django_assert_num_queries(14):
        assert client.get(dashboard_url(coop)).status_code == 200


def test_a_member_reads_its_objections_grounds_and_the_decision_with_its_reasons(
    personas, published, member_a, member_user_a, regulator
):
    objection = services.lodge_objection(
        published, member_a, text="报告 R1 不是本厂产品。", by=member_user_a
    )
    page = personas.member_a.get(objection_url(published)).content.decode()
    assert "报告 R1 不是本厂产品。" in page
    assert "决定理由" not in page
    services.decide_objection(
        objection, decision="dismissed", note="报告编号核对无误。", by=regulator
    )
    page = personas.member_a.get(objection_url(published), HTTP_ACCEPT_LANGUAGE="en").content
    assert "报告 R1 不是本厂产品。" in page.decode()
    assert "Reasons for the decision" in page.decode()
    assert "报告编号核对无误。" in page.decode()
    assert "Decided on" in page.decode()
    assert (
        "报告 R1 不是本厂产品。"
        not in personas.member_b.get(objection_url(published)).content.decode()
    )


# A user who works for several members.


@pytest.fixture
def of_both(coop, member_a, member_b, member_user_a):
    from conftest import logged_in
    from tests.factories import RoleFactory

    RoleFactory(user=member_user_a, cooperative=coop, kind="member_user", member=member_b)
    return logged_in(member_user_a)


def test_a_user_of_several_members_chooses_the_member_instead_of_getting_the_first(
    published, of_both, member_a, member_b
):
    page = of_both.get(objection_url(published), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Choose the member whose result you want to read or object to." in html
    assert f'{objection_url(published)}?member={member_a.pk}"' in html
    assert f'{objection_url(published)}?member={member_b.pk}"' in html
    assert not MemberObjection.objects.exists()


def test_the_member_named_in_the_link_is_the_one_that_objects(
    published, of_both, member_a, member_b
):
    url = f"{objection_url(published)}?member={member_b.pk}"
    page = of_both.get(url).content.decode()
    assert member_b.display_name in page
    response = of_both.post(url, {"text": "乙公司的异议"})
    assert response.status_code == 302
    assert response["Location"] == url
    objection = MemberObjection.objects.get()
    assert objection.member == member_b


def test_a_member_the_user_does_not_work_for_or_a_bad_id_is_not_found(
    personas, published, member_b
):
    url = objection_url(published)
    assert personas.member_a.get(url, {"member": member_b.pk}).status_code == 404
    assert personas.member_a.get(url, {"member": "x"}).status_code == 404
    assert personas.member_a.post(f"{url}?member={member_b.pk}", {"text": "x"}).status_code == 404
    assert not MemberObjection.objects.exists()


def test_the_links_to_the_objection_carry_the_member(published, of_both, member_b, coop):
    dashboard = of_both.get(reverse("portal:dashboard", args=[member_b.pk])).content.decode()
    why = reverse(
        "pledges:public_member",
        kwargs={"cooperative": coop.slug, "code": "2025", "credit_code": member_b.credit_code},
    )
    for page in (dashboard, of_both.get(why).content.decode()):
        if objection_url(published) in page:
            assert f"{objection_url(published)}?member={member_b.pk}" in page


def test_the_e_mails_link_to_the_objection_of_their_member(published, member_a):
    from coop_portal.models import OutboxEmail
    from pledges.assessment.notifications import notify_publication

    notify_publication(published.pk)
    email = OutboxEmail.objects.get(
        key__startswith=f"assessment-published:{published.pk}:{member_a.pk}:"
    )
    assert f"{objection_url(published)}?member={member_a.pk}" in email.body
