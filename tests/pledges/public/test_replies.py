"""Members' replies beside their public results (issue 24): the rules of writing one, the
member portal's pages and who may use them, the administrator's refusal, the public pages and
their cache, and the open data API."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from conftest import logged_in
from coop_portal.models import OutboxEmail
from coop_portal.refusal import Refused
from inspections.models import Inspection
from members.models import MemberNotice
from pledges.models import Reply
from pledges.models.reply import REPLY_LENGTH
from pledges.services import publish_reply, refuse_reply
from tests.inspections.factories import InspectionFactory

from .factories import PeriodFactory, ResultFactory, RunFactory, publish

MARKS = ("未经合作社核实", "Not verified by the cooperative")
TEXT = "本期不合格批次已全部整改并复检合格。"


@pytest.fixture
def spot_check(coop, member_a) -> Inspection:
    return InspectionFactory(
        cooperative=coop, member=member_a, kind=Inspection.Kind.SUPERVISION, report_no="R-77"
    )


@pytest.fixture
def reply(published_run, member_a, member_user_a) -> Reply:
    return publish_reply(member_a, text=TEXT, by=member_user_a, period=published_run.period)


def newer_result(coop, charter, member):
    period = PeriodFactory(cooperative=coop, code="2026")
    run = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=run, member=member)
    return publish(run)


def marked(response) -> bool:
    return any(mark in response.content.decode() for mark in MARKS)


# The rules ------------------------------------------------------------------------------------


def test_a_reply_is_published_at_once_beside_the_latest_result(reply, member_user_a):
    assert reply.subject == Reply.Subject.ASSESSMENT
    assert reply.written_by == member_user_a
    assert list(Reply.objects.shown()) == [reply]


def test_a_new_reply_replaces_the_old_one_which_the_history_keeps(reply, member_a, member_user_a):
    publish_reply(member_a, text="更正后的回应。", by=member_user_a, period=reply.period)

    assert Reply.objects.count() == 1
    reply.refresh_from_db()
    assert reply.text == "更正后的回应。"
    assert [record.text for record in reply.history.order_by("history_id")] == [
        TEXT,
        "更正后的回应。",
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("   ", "text_required"),
        ("字" * (REPLY_LENGTH + 1), "too_long"),
        ("请看<a href='x'>这里</a>", "html"),
    ],
)
def test_a_reply_is_short_plain_text(published_run, member_a, member_user_a, text, code):
    with pytest.raises(Refused) as refused:
        publish_reply(member_a, text=text, by=member_user_a, period=published_run.period)
    assert refused.value.code == code
    assert not Reply.objects.exists()


def test_a_reply_of_the_longest_length_and_with_a_less_than_sign_is_accepted(
    published_run, member_a, member_user_a
):
    text = "合格率 < 95% 的说明" + "字" * (REPLY_LENGTH - 13)
    assert len(text) == REPLY_LENGTH
    assert publish_reply(member_a, text=text, by=member_user_a, period=published_run.period)


def test_a_result_may_be_answered_until_a_newer_periods_result_is_published(
    coop, charter, published_run, member_a, member_user_a
):
    newer_result(coop, charter, member_a)

    with pytest.raises(Refused) as refused:
        publish_reply(member_a, text=TEXT, by=member_user_a, period=published_run.period)
    assert refused.value.code == "not_latest"


def test_a_reply_stays_beside_its_period_after_a_corrected_revision(
    reply, published_run, member_a, client
):
    corrected = RunFactory(
        period=published_run.period, charter_version=published_run.charter_version
    )
    ResultFactory(run=corrected, member=member_a)
    publish(corrected, revision=2)

    page = client.get(
        reverse("pledges:public_member", args=["nantong", "2025", member_a.credit_code])
    )
    assert TEXT in page.content.decode()


def test_only_a_spot_check_result_shown_publicly_may_be_answered(
    coop, member_a, member_b, member_user_a, spot_check
):
    assert publish_reply(member_a, text=TEXT, by=member_user_a, inspection=spot_check)
    theirs = InspectionFactory(cooperative=coop, member=member_b)
    voided = InspectionFactory(cooperative=coop, member=member_a, status=Inspection.Status.VOIDED)
    for inspection in (theirs, voided):
        with pytest.raises(Refused):
            publish_reply(member_a, text=TEXT, by=member_user_a, inspection=inspection)


def test_the_database_refuses_a_reply_without_its_target(member_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.create(member=member_a, subject=Reply.Subject.ASSESSMENT, text=TEXT)


def test_one_reply_per_complaint_statistics(member_a, member_user_a):
    publish_reply(member_a, text=TEXT, by=member_user_a)
    publish_reply(member_a, text="第二次。", by=member_user_a)
    assert Reply.objects.get().text == "第二次。"
    with pytest.raises(IntegrityError), transaction.atomic():
        Reply.objects.create(member=member_a, subject=Reply.Subject.COMPLAINTS, text=TEXT)


# Refusal ----------------------------------------------------------------------------------------


def test_refusal_hides_the_reply_records_who_when_why_and_tells_the_member(
    reply, administrator, member_a
):
    refuse_reply(reply, by=administrator, reason="内容与事实明显不符。")

    reply.refresh_from_db()
    assert reply.refused_by == administrator
    assert reply.refused_at is not None
    assert reply.refusal_reason == "内容与事实明显不符。"
    assert not Reply.objects.shown().exists()
    assert reply.history.latest().history_change_reason == "内容与事实明显不符。"
    email = OutboxEmail.objects.get(key__startswith=f"reply-refused:{reply.pk}")
    assert "内容与事实明显不符。" in email.body
    assert MemberNotice.objects.filter(member=member_a, email=email).exists()


def test_only_an_administrator_of_the_members_cooperative_refuses(
    reply, other_administrator, regulator
):
    for user in (other_administrator, regulator):
        with pytest.raises(Refused):
            refuse_reply(reply, by=user, reason="不实。")
    with pytest.raises(Refused):
        refuse_reply(reply, by=other_administrator, reason="")
    assert Reply.objects.shown().exists()


def test_a_refused_reply_may_be_written_again(reply, administrator, member_a, member_user_a):
    refuse_reply(reply, by=administrator, reason="不实。")
    publish_reply(member_a, text="改写后的回应。", by=member_user_a, period=reply.period)
    assert Reply.objects.shown().get().text == "改写后的回应。"


def test_the_admin_action_asks_the_reason_then_refuses(reply, administrator):
    client = logged_in(administrator)
    url = reverse("admin:pledges_reply_changelist")
    data = {"action": "refuse", "_selected_action": [reply.pk]}

    asked = client.post(url, data)
    assert asked.status_code == 200
    assert TEXT in asked.content.decode()
    assert Reply.objects.shown().exists()

    client.post(url, {**data, "apply": "1", "reason": "冒犯性内容。"})
    reply.refresh_from_db()
    assert reply.refused_by == administrator
    assert reply.refusal_reason == "冒犯性内容。"


def test_another_cooperatives_administrator_cannot_see_or_refuse_the_reply(
    reply, other_administrator
):
    client = logged_in(other_administrator)
    page = client.get(reverse("admin:pledges_reply_change", args=[reply.pk]))
    assert page.status_code == 404
    client.post(
        reverse("admin:pledges_reply_changelist"),
        {"action": "refuse", "_selected_action": [reply.pk], "apply": "1", "reason": "x"},
    )
    assert Reply.objects.shown().exists()


# The member portal's pages -------------------------------------------------------------------


def _pages(member, period, inspection):
    return [
        reverse("portal:reply_assessment", args=[member.pk, period.pk]),
        reverse("portal:reply_inspection", args=[member.pk, inspection.pk]),
        reverse("portal:reply_complaints", args=[member.pk]),
    ]


def test_the_members_user_writes_each_kind_of_reply(
    published_run, member_a, member_user_a, spot_check
):
    client = logged_in(member_user_a)
    for url in _pages(member_a, published_run.period, spot_check):
        assert client.get(url).status_code == 200
        response = client.post(url, {"text": f"回应 {url}"})
        assert response.status_code == 302
    assert Reply.objects.shown().filter(member=member_a).count() == 3


def test_a_refused_text_is_shown_back_with_the_reason(published_run, member_a, member_user_a):
    client = logged_in(member_user_a)
    url = reverse("portal:reply_assessment", args=[member_a.pk, published_run.period.pk])
    response = client.post(url, {"text": "<b>粗体</b>"})
    assert response.status_code == 200
    assert not Reply.objects.exists()


@pytest.mark.parametrize(
    "persona", ["member_user_b", "lab_user", "regulator", "administrator", "other_administrator"]
)
def test_nobody_but_the_members_users_reaches_its_reply_pages(
    request, persona, published_run, member_a, spot_check
):
    client = logged_in(request.getfixturevalue(persona))
    for url in _pages(member_a, published_run.period, spot_check):
        assert client.get(url).status_code == 404
        assert client.post(url, {"text": TEXT}).status_code == 404
    assert not Reply.objects.exists()


def test_an_anonymous_reader_is_sent_to_log_in(published_run, member_a, spot_check):
    for url in _pages(member_a, published_run.period, spot_check):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_result_or_spot_check_outside_the_member_is_a_404(
    coop, charter, published_run, member_a, member_b, member_user_a
):
    client = logged_in(member_user_a)
    unassessed = PeriodFactory(cooperative=coop, code="2024")
    theirs = InspectionFactory(cooperative=coop, member=member_b)
    for url in (
        reverse("portal:reply_assessment", args=[member_a.pk, unassessed.pk]),
        reverse("portal:reply_inspection", args=[member_a.pk, theirs.pk]),
        reverse("portal:reply_assessment", args=[member_b.pk, published_run.period.pk]),
    ):
        assert client.get(url).status_code == 404


def test_an_earlier_periods_result_may_be_seen_but_not_answered(
    coop, charter, published_run, member_a, member_user_a
):
    newer_result(coop, charter, member_a)
    client = logged_in(member_user_a)
    url = reverse("portal:reply_assessment", args=[member_a.pk, published_run.period.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"text": TEXT}).status_code == 403


# The public pages --------------------------------------------------------------------------------


def test_public_pages_show_each_reply_beside_what_it_answers_marked_unverified(
    client, published_run, member_a, member_user_a, spot_check
):
    publish_reply(member_a, text="考核回应。", by=member_user_a, period=published_run.period)
    publish_reply(member_a, text="抽查回应。", by=member_user_a, inspection=spot_check)
    publish_reply(member_a, text="投诉回应。", by=member_user_a)
    code = member_a.credit_code
    pages = {
        reverse("members:member", args=["nantong", code]): [
            "考核回应。",
            "抽查回应。",
            "投诉回应。",
        ],
        reverse("pledges:public_member", args=["nantong", "2025", code]): ["考核回应。"],
        reverse("pledges:public_result", args=["nantong", "2025", 1, code]): ["考核回应。"],
        reverse("inspections:public_member", args=["nantong", code]): ["抽查回应。"],
        reverse("complaints:member_statistics", args=["nantong", member_a.pk]): ["投诉回应。"],
    }
    for url, texts in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert all(text in content for text in texts), url
        assert marked(response), url


def test_a_new_or_refused_reply_shows_on_the_next_request_of_a_cached_page(
    client, published_run, member_a, member_user_a, administrator
):
    url = reverse("members:member", args=["nantong", member_a.credit_code])
    assert "考核回应。" not in client.get(url).content.decode()
    assert "考核回应。" not in client.get(url).content.decode()

    reply = publish_reply(
        member_a, text="考核回应。", by=member_user_a, period=published_run.period
    )
    assert "考核回应。" in client.get(url).content.decode()

    refuse_reply(reply, by=administrator, reason="不实。")
    assert "考核回应。" not in client.get(url).content.decode()


def test_a_spot_check_reply_leaves_the_public_pages_when_its_result_is_voided(
    client, member_a, member_user_a, spot_check
):
    publish_reply(member_a, text="抽查回应。", by=member_user_a, inspection=spot_check)
    spot_check.status = Inspection.Status.VOIDED
    spot_check.save()
    page = client.get(reverse("inspections:public_member", args=["nantong", member_a.credit_code]))
    assert "抽查回应。" not in page.content.decode()


# The open data API --------------------------------------------------------------------------


def test_the_assessment_api_gives_each_results_reply_or_null(
    client, reply, member_a, member_b, administrator
):
    url = reverse("open-data-assessments")
    items = {
        item["credit_code"]: item
        for item in client.get(url, {"cooperative": "nantong", "period": "2025"}).json()["results"]
    }
    assert items[member_a.credit_code]["reply"]["text"] == TEXT
    assert items[member_a.credit_code]["reply"]["written_at"].endswith("+08:00")
    assert items[member_b.credit_code]["reply"] is None

    refuse_reply(reply, by=administrator, reason="不实。")
    items = {
        item["credit_code"]: item
        for item in client.get(url, {"cooperative": "nantong", "period": "2025"}).json()["results"]
    }
    assert items[member_a.credit_code]["reply"] is None


def test_the_schema_describes_the_reply(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    reply = schema["components"]["schemas"]["Assessment"]["properties"]["reply"]
    assert reply.get("nullable") is True or "oneOf" in reply or "allOf" in reply
