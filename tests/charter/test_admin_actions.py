"""The member list's lifecycle actions are front doors to the charter's exit mechanism."""

import datetime

import pytest
from django.urls import reverse

from charter.models import CharterAcceptance, ExitCase, ExitStep
from charter.services import take_exit_step
from coop_portal.models import OutboxEmail
from members.models import Conversion, Member, StatusChange
from tests.factories import MemberFactory, credit_code_for
from tests.members.factories import TrademarkLicenceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:members_member_changelist")


def act(client, action, members, follow=False, **extra):
    data = {"action": action, "_selected_action": [m.pk for m in members], **extra}
    return client.post(CHANGELIST, data, follow=follow, headers={"accept-language": "en"})


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def left(coop, status="removed", days_ago=400):
    day = coop.today() - datetime.timedelta(days=days_ago)
    return MemberFactory(cooperative=coop, status=status, left_on=day)


def test_the_member_list_offers_the_exit_mechanisms_steps(personas, charter):
    response = personas.administrator.get(CHANGELIST)
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert {"warn", "suspend", "remove", "withdraw", "restore", "readmit"} <= set(actions)
    # The old action that re-admitted without the cooling-off period is gone.
    assert "make_active" not in actions


def test_a_step_action_asks_for_the_reason_and_shows_the_rectification_deadline(
    personas, coop, charter, member_a
):
    response = act(personas.administrator, "warn", [member_a])
    assert response.status_code == 200
    assert response.templates[0].name == "charter/admin/exit_step.html"
    deadline = coop.today() + datetime.timedelta(days=charter.policy.rectification_period_days)
    assert response.context["rows"] == [(member_a, deadline)]
    member_a.refresh_from_db()
    assert member_a.status == "active"
    assert not ExitStep.objects.exists()


def test_warning_from_the_member_list_opens_the_case_the_member_sees(
    personas, coop, charter, administrator, member_a, member_user_a
):
    response = act(
        personas.administrator,
        "warn",
        [member_a],
        apply="1",
        reason="抽查不合格",
        evidence="NT-2025-0001",
    )
    assert response.status_code == 302
    member_a.refresh_from_db()
    assert member_a.status == "warned"
    step = ExitStep.objects.get()
    assert (step.kind, step.status, step.case.member, step.decided_by) == (
        "warning",
        "confirmed",
        member_a,
        administrator,
    )
    assert step.evidence_lines() == ["NT-2025-0001"]
    assert step.rectification_until == coop.today() + datetime.timedelta(
        days=charter.policy.rectification_period_days
    )
    assert StatusChange.objects.get(member=member_a).by == administrator
    assert OutboxEmail.objects.filter(key=f"exit-step:{step.pk}:confirmed:zh-hans").exists()
    # The member's own page shows the case, with the appeal form.
    cases = personas.member_a.get(reverse("charter:member_cases"))
    assert "抽查不合格" in cases.content.decode()
    assert cases.context["cases"][0]["steps"][0]["appealable"]


def test_suspension_and_removal_from_the_member_list_are_public(
    personas, client, coop, charter, member_a, member_b
):
    act(personas.administrator, "suspend", [member_a], apply="1", reason="两次 D")
    act(personas.administrator, "remove", [member_b], apply="1", reason="拒不整改")
    page = client.get(reverse("charter:public_exits", args=[coop.slug]))
    shown = {(step.case.member, step.kind) for step in page.context["steps"]}
    assert shown == {(member_a, "suspension"), (member_b, "removal")}


def test_a_step_without_a_reason_shows_the_form_again(personas, charter, member_a):
    response = act(personas.administrator, "warn", [member_a], apply="1", reason="")
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    member_a.refresh_from_db()
    assert member_a.status == "active"


def test_an_impossible_step_is_explained_and_the_others_go_through(
    personas, coop, charter, member_a
):
    removed = left(coop)
    page = act(personas.administrator, "warn", [member_a, removed])
    assert [member for member, _problem in page.context["impossible"]] == [removed]
    assert "cannot be given a warning" in page.context["impossible"][0][1]
    response = act(
        personas.administrator, "warn", [member_a, removed], apply="1", reason="x", follow=True
    )
    assert any(removed.name in text for text in messages_of(response))
    removed.refresh_from_db()
    member_a.refresh_from_db()
    assert (removed.status, member_a.status) == ("removed", "warned")


def test_restoration_from_the_member_list_closes_the_case_and_restores_the_licence(
    personas, coop, charter, administrator, member_a
):
    licence = TrademarkLicenceFactory(licensee=member_a)
    take_exit_step(member_a, "suspension", by=administrator, reason="两次 D")
    licence.refresh_from_db()
    assert licence.state == "suspended"
    # A member without a case cannot be restored: there is nothing to close.
    page = act(personas.administrator, "restore", [member_a, MemberFactory(cooperative=coop)])
    assert "no open case" in page.context["impossible"][0][1]
    act(personas.administrator, "restore", [member_a], apply="1", reason="复检合格")
    member_a.refresh_from_db()
    licence.refresh_from_db()
    assert member_a.status == "active"
    assert licence.state == "in_force"
    assert not ExitCase.objects.filter(member=member_a).open().exists()
    assert not ExitStep.objects.public().exists()


def test_withdrawal_from_the_member_list_is_a_step_of_a_case(personas, charter, member_a):
    act(personas.administrator, "withdraw", [member_a], apply="1", reason="转产")
    member_a.refresh_from_db()
    assert (member_a.status, member_a.left_on) == ("withdrawn", member_a.cooperative.today())
    assert ExitStep.objects.in_effect().get(case__member=member_a).kind == "withdrawal"


def test_re_admission_from_the_member_list_keeps_the_cooling_off_period(personas, coop, charter):
    removed = left(coop, days_ago=30)
    response = act(personas.administrator, "readmit", [removed])
    assert response.templates[0].name == "charter/admin/readmit.html"
    first_day = removed.left_on + datetime.timedelta(days=charter.policy.cooling_off_days)
    assert f"may apply to be re-admitted from {first_day:%-d %B %Y}" in response.context["problem"]
    act(
        personas.administrator,
        "readmit",
        [removed],
        apply="1",
        signatory_name="王经理",
        checklist=["0", "1", "2", "3"],
        reason="纸质申请",
    )
    removed.refresh_from_db()
    assert removed.status == "removed"


def test_re_admission_after_the_cooling_off_needs_every_condition_and_records_acceptance(
    personas, coop, charter, administrator
):
    removal = MemberFactory(cooperative=coop, joined_on=datetime.date(2020, 1, 1))
    take_exit_step(
        removal, "removal", by=administrator, reason="除名", on=datetime.date(2021, 6, 1)
    )
    conditions = charter.basic_conditions()
    incomplete = act(
        personas.administrator,
        "readmit",
        [removal],
        apply="1",
        signatory_name="王经理",
        checklist=["0"],
        reason="纸质申请 2026-01",
    )
    assert incomplete.status_code == 200
    assert incomplete.context["form"].errors["checklist"]
    response = act(
        personas.administrator,
        "readmit",
        [removal],
        apply="1",
        signatory_name="王经理",
        checklist=[str(index) for index in range(len(conditions))],
        reason="纸质申请 2026-01",
    )
    assert response.status_code == 302
    removal.refresh_from_db()
    assert (removal.status, removal.joined_on) == ("active", coop.today())
    assert CharterAcceptance.objects.get(member=removal).signatory_name == "王经理"
    # Re-admitted, it is no longer listed among the removed.
    assert not ExitStep.objects.public().exists()
    assert ExitStep.objects.get(kind="removal").ended_on == coop.today()


def test_re_admission_is_for_one_member_at_a_time(personas, coop, charter):
    response = act(personas.administrator, "readmit", [left(coop), left(coop)], follow=True)
    assert any("Select one member" in text for text in messages_of(response))


def test_another_cooperatives_administrator_cannot_act_on_members_outside_their_scope(
    personas, charter, member_a
):
    act(personas.other_administrator, "warn", [member_a], apply="1", reason="x")
    act(personas.other_administrator, "suspend", [member_a], apply="1", reason="x")
    member_a.refresh_from_db()
    assert member_a.status == "active"
    assert not ExitStep.objects.exists()


@pytest.mark.parametrize("persona", ["anonymous", "member_a", "regulator", "lab"])
def test_people_who_are_not_administrators_cannot_use_the_actions(
    personas, charter, member_a, persona
):
    response = act(getattr(personas, persona), "warn", [member_a], apply="1", reason="x")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    member_a.refresh_from_db()
    assert member_a.status == "active"


def test_a_conversion_recorded_in_the_admin_withdraws_the_old_registration_by_a_step(
    personas, coop, charter, administrator
):
    sole = MemberFactory(cooperative=coop, kind="sole_proprietor", scale="")
    response = personas.administrator.post(
        reverse("admin:members_conversion_add"),
        {
            "sole_proprietor": sole.pk,
            "new_credit_code": credit_code_for(500),
            "new_name": "南通新公司有限公司",
            "converted_on": "2021-09-15",
            "note": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    conversion = Conversion.objects.get()
    sole.refresh_from_db()
    assert (sole.status, sole.left_on) == ("withdrawn", datetime.date(2021, 9, 15))
    step = ExitStep.objects.get(case__member=sole)
    assert (step.kind, step.source_ref, step.decided_by) == (
        "withdrawal",
        f"conversion:{conversion.pk}",
        administrator,
    )
    assert "南通新公司有限公司" in step.reason
    assert Member.objects.get(credit_code=credit_code_for(500)).status == "active"
