"""Several proposals decided at once from the charter desk: a confirmation page first, then
each through decide_proposal, all or none; a dismissal needs a reason."""

import re

import pytest
from django.urls import reverse

from charter.models import ExitStep
from charter.services import propose_consequence
from conftest import logged_in
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def url(coop):
    return reverse("charter:decide_proposals", args=[coop.slug])


def proposed(member, kind="warning", reason="等级 D"):
    case = propose_consequence(member, kind, reason=reason, source_ref="assessment:2025:r1")
    return case.steps.get(kind=kind)


@pytest.fixture
def two(member_a, member_b, charter):
    return proposed(member_a), proposed(member_b, "suspension", reason="两次 D")


def statuses(*steps):
    return [ExitStep.objects.get(pk=step.pk).status for step in steps]


def test_the_desk_lists_proposals_with_boxes_to_tick(personas, two):
    page = personas.administrator.get(
        reverse("charter:manage", args=[two[0].case.member.cooperative.slug])
    )
    content = page.content.decode()
    assert url(two[0].case.member.cooperative) in content
    for step in two:
        assert f'value="{step.pk}"' in content


def test_the_administrator_sees_what_will_happen_before_anything_is_decided(
    personas, coop, two, sent_mail
):
    data = {"steps": [two[0].pk, two[1].pk], "decision": "confirm", "reason": ""}
    page = personas.administrator.post(url(coop), data, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    content = page.content.decode()
    assert "2 proposals will be confirmed:" in content
    assert "Firm A" in content
    assert "Firm B" in content
    assert "Takes effect: the member becomes warned and is told by e-mail." in content
    assert 'name="confirmed" value="1"' in content
    assert statuses(*two) == ["proposed", "proposed"]
    assert len(sent_mail) == 0


def test_confirmed_proposals_take_effect_each_through_the_one_service(
    personas, coop, two, administrator, sent_mail
):
    data = {"steps": [two[0].pk, two[1].pk], "decision": "confirm", "reason": "", "confirmed": "1"}
    response = personas.administrator.post(url(coop), data)
    assert response.status_code == 302
    assert response.url == reverse("charter:manage", args=[coop.slug])
    assert statuses(*two) == ["confirmed", "confirmed"]
    first, second = (ExitStep.objects.get(pk=step.pk) for step in two)
    assert first.decided_by == administrator
    # Without a reason of the administrator's, each step keeps the reason it was proposed for.
    assert (first.decision_reason, second.decision_reason) == ("等级 D", "两次 D")
    assert Member.objects.get(pk=first.case.member_id).status == Member.Status.WARNED
    assert Member.objects.get(pk=second.case.member_id).status == Member.Status.SUSPENDED
    assert len(sent_mail) == 2


def test_a_dismissal_needs_a_reason_and_changes_nothing_without_one(personas, coop, two):
    data = {"steps": [two[0].pk], "decision": "dismiss", "reason": "  ", "confirmed": "1"}
    page = personas.administrator.post(url(coop), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400
    assert "请填写否决这些提议的理由。" in page.content.decode()
    assert statuses(*two) == ["proposed", "proposed"]
    data["reason"] = "整改已完成"
    assert personas.administrator.post(url(coop), data).status_code == 302
    step = ExitStep.objects.get(pk=two[0].pk)
    assert (step.status, step.decision_reason) == ("dismissed", "整改已完成")
    assert statuses(two[1]) == ["proposed"]


def test_a_dismissal_without_a_reason_is_refused_on_the_desk_with_the_ticks_kept(
    personas, coop, two
):
    data = {"steps": [two[0].pk, two[1].pk], "decision": "dismiss", "reason": ""}
    page = personas.administrator.post(url(coop), data, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert page.templates[0].name == "charter/manage.html"
    content = page.content.decode()
    assert "Please correct the following:" in content
    assert "Review the decisions" in content
    for step in two:
        assert f'value="{step.pk}" id="proposal-{step.pk}" checked' in content
    assert re.search(r'<input[^>]*value="dismiss"[^>]*checked', content)
    assert not re.search(r'<input[^>]*value="confirm"[^>]*checked', content)
    assert statuses(*two) == ["proposed", "proposed"]
    # The reason written is kept too when another field is refused.
    kept = {"steps": [], "decision": "dismiss", "reason": "整改已完成"}
    page = personas.administrator.post(url(coop), kept, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400
    assert "整改已完成</textarea>" in page.content.decode()
    assert f'id="proposal-{two[0].pk}" checked' not in page.content.decode()


def test_when_one_proposal_is_refused_none_is_decided(personas, coop, two, sent_mail):
    # Member B left meanwhile: it can no longer be suspended.
    Member.objects.filter(pk=two[1].case.member_id).update(status=Member.Status.REMOVED)
    data = {"steps": [two[0].pk, two[1].pk], "decision": "confirm", "reason": "", "confirmed": "1"}
    page = personas.administrator.post(url(coop), data, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    content = page.content.decode()
    assert "Firm B" in content
    assert "Nothing was decided." in content
    assert statuses(*two) == ["proposed", "proposed"]
    assert Member.objects.get(pk=two[0].case.member_id).status == Member.Status.ACTIVE
    assert len(sent_mail) == 0


def test_two_proposals_of_one_member_are_refused_together(personas, coop, member_a, charter):
    warning = proposed(member_a)
    suspension = proposed(member_a, "suspension")
    data = {"steps": [warning.pk, suspension.pk], "decision": "confirm", "confirmed": "1"}
    page = personas.administrator.post(url(coop), data, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400
    assert "Tick one proposal per member" in page.content.decode()
    assert statuses(warning, suspension) == ["proposed", "proposed"]


def test_nothing_ticked_is_refused(personas, coop, two):
    page = personas.administrator.post(
        url(coop), {"decision": "confirm"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 400
    assert "Tick at least one proposal." in page.content.decode()


def test_a_decided_proposal_or_another_cooperatives_cannot_be_ticked(
    personas, coop, other_coop, other_charter, two, administrator
):
    elsewhere = proposed(MemberFactory(cooperative=other_coop))
    data = {"steps": [two[0].pk, elsewhere.pk], "decision": "confirm", "confirmed": "1"}
    assert personas.administrator.post(url(coop), data).status_code == 400
    assert statuses(two[0], elsewhere) == ["proposed", "proposed"]
    confirm_first = {"steps": [two[0].pk], "decision": "confirm", "confirmed": "1"}
    assert personas.administrator.post(url(coop), confirm_first).status_code == 302
    again = {"steps": [two[0].pk], "decision": "dismiss", "reason": "x", "confirmed": "1"}
    assert personas.administrator.post(url(coop), again).status_code == 400
    assert statuses(two[0]) == ["confirmed"]


def test_no_one_else_decides_proposals(personas, coop, two, regulator):
    data = {"steps": [two[0].pk], "decision": "confirm", "confirmed": "1"}
    for client in (
        personas.other_administrator,
        personas.regulator,
        personas.member_a,
        personas.lab,
    ):
        assert client.post(url(coop), data).status_code == 404
    # A staff user without the administrator's role is refused too.
    regulator.is_staff = True
    regulator.save(update_fields=["is_staff"])
    assert logged_in(regulator).post(url(coop), data).status_code == 404
    response = personas.anonymous.post(url(coop), data)
    assert response.status_code == 302
    assert reverse("login") in response.url
    assert personas.administrator.get(url(coop)).status_code == 405
    assert statuses(*two) == ["proposed", "proposed"]


def test_the_confirmation_page_reads_in_chinese(personas, coop, two):
    data = {"steps": [two[0].pk, two[1].pk], "decision": "confirm", "reason": ""}
    content = personas.administrator.post(
        url(coop), data, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "将确认 2 项提议：" in content
    assert "生效：社员状态变为“已警告”，并以电子邮件通知社员。" in content
    assert "确认 2 项提议" in content
