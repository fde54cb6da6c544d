import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from charter.models import Appeal, ExitCase, ExitStep
from charter.services import (
    decide_appeal,
    decide_proposal,
    lodge_appeal,
    propose_consequence,
    record_conversion,
    take_exit_step,
)
from members.models import Conversion, Member, StatusChange, TrademarkLicence
from tests.factories import MemberFactory, credit_code_for
from tests.members.factories import TrademarkLicenceFactory

pytestmark = pytest.mark.django_db


def status(member) -> str:
    member.refresh_from_db()
    return member.status


def test_a_proposal_changes_nothing_until_an_administrator_decides(member_a, charter):
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:2025:1")
    assert case is not None
    step = case.steps.get()
    assert step.status == ExitStep.Status.PROPOSED
    assert step.proposed_by is None
    assert status(member_a) == Member.Status.ACTIVE
    assert not StatusChange.objects.filter(member=member_a).exists()


def test_propose_consequence_is_idempotent_by_member_kind_and_source(member_a, member_b, charter):
    first = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:2025:1")
    again = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:2025:1")
    assert again == first
    assert ExitStep.objects.count() == 1
    # Another source, another kind or another member is a new proposal.
    propose_consequence(member_a, "warning", reason="无承诺", source_ref="run:2025:2")
    propose_consequence(member_a, "suspension", reason="两次 D", source_ref="run:2025:1")
    propose_consequence(member_b, "warning", reason="等级 D", source_ref="run:2025:1")
    assert ExitStep.objects.count() == 4
    # Proposals for one member gather in its open case.
    assert ExitCase.objects.filter(member=member_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_proposal_needs_no_transaction_from_its_caller(member_a, charter):
    """The member's row lock needs a transaction (PostgreSQL refuses one outside): the
    proposal opens its own, so a caller without one does not fail."""
    assert transaction.get_autocommit()
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:2025:1")
    assert case is not None
    assert case.steps.get().status == ExitStep.Status.PROPOSED


def test_propose_consequence_refuses_unknown_kinds_and_skips_members_that_left(coop, charter):
    gone = MemberFactory(cooperative=coop, status=Member.Status.REMOVED)
    assert propose_consequence(gone, "warning", reason="x", source_ref="run:1") is None
    member = MemberFactory(cooperative=coop)
    with pytest.raises(ValueError, match="Not a consequence"):
        propose_consequence(member, "fine", reason="x", source_ref="run:1")


def test_a_trademark_eligibility_is_a_case_of_its_own(member_a, charter, administrator):
    propose_consequence(member_a, "warning", reason="D", source_ref="run:1")
    case = propose_consequence(member_a, "trademark_eligible", reason="两次 A", source_ref="run:2")
    assert ExitCase.objects.filter(member=member_a).count() == 2
    step = case.steps.get()
    decide_proposal(step, by=administrator, confirm=True, reason="符合扶优扶强")
    case.refresh_from_db()
    assert case.closed_on is not None
    assert status(member_a) == Member.Status.ACTIVE


def test_a_confirmed_warning_warns_the_member_with_a_rectification_period(
    coop, member_a, member_user_a, charter, administrator, sent_mail
):
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:1")
    step = decide_proposal(
        case.steps.get(),
        by=administrator,
        confirm=True,
        reason="核实",
        on=datetime.date(2026, 3, 1),
    )
    assert status(member_a) == Member.Status.WARNED
    assert step.decided_by == administrator
    assert step.decided_on == datetime.date(2026, 3, 1)
    assert step.rectification_until == datetime.date(2026, 5, 30)
    change = StatusChange.objects.get(member=member_a)
    assert (change.from_status, change.to_status, change.by) == ("active", "warned", administrator)
    assert sorted(sent_mail[0].to) == sorted([member_a.email, member_user_a.email])
    assert "2026" in sent_mail[0].body


def test_a_dismissed_proposal_closes_a_case_with_nothing_else(member_a, charter, administrator):
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:1")
    decide_proposal(case.steps.get(), by=administrator, confirm=False, reason="数据有误")
    case.refresh_from_db()
    assert case.closed_on is not None
    assert status(member_a) == Member.Status.ACTIVE


def test_a_proposal_is_decided_once_and_with_a_reason(member_a, charter, administrator):
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:1")
    step = case.steps.get()
    with pytest.raises(ValidationError):
        decide_proposal(step, by=administrator, confirm=True, reason=" ")
    decide_proposal(step, by=administrator, confirm=True, reason="核实")
    with pytest.raises(ValidationError, match="decided already"):
        decide_proposal(step, by=administrator, confirm=False, reason="再议")


def test_only_an_administrator_of_the_cooperative_decides(
    member_a, charter, other_administrator, member_user_a
):
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:1")
    for outsider in (other_administrator, member_user_a):
        with pytest.raises(ValidationError, match="Only an administrator"):
            decide_proposal(case.steps.get(), by=outsider, confirm=True, reason="x")


def test_the_full_path_warning_suspension_removal(member_a, charter, administrator):
    take_exit_step(
        member_a, "warning", by=administrator, reason="抽查不合格", evidence="报告 A-1\n报告 A-2"
    )
    take_exit_step(member_a, "suspension", by=administrator, reason="未按期整改")
    step = take_exit_step(member_a, "removal", by=administrator, reason="暂停期满未恢复")
    assert status(member_a) == Member.Status.REMOVED
    case = step.case
    case.refresh_from_db()
    assert case.closed_on is not None
    assert [s.kind for s in case.steps.order_by("proposed_at")] == [
        "warning",
        "suspension",
        "removal",
    ]
    assert case.steps.get(kind="warning").evidence_lines() == ["报告 A-1", "报告 A-2"]
    assert list(
        StatusChange.objects.filter(member=member_a).values_list("to_status", flat=True)
    ) == ["warned", "suspended", "removed"]


def test_a_voluntary_withdrawal_and_a_restoration(member_a, member_b, charter, administrator):
    take_exit_step(member_a, "withdrawal", by=administrator, reason="自愿退出")
    assert status(member_a) == Member.Status.WITHDRAWN
    take_exit_step(member_b, "warning", by=administrator, reason="等级 D")
    step = take_exit_step(member_b, "restoration", by=administrator, reason="整改完成")
    assert status(member_b) == Member.Status.ACTIVE
    step.case.refresh_from_db()
    assert step.case.closed_on is not None


def test_an_impossible_step_is_refused(member_a, charter, administrator):
    take_exit_step(member_a, "removal", by=administrator, reason="严重违法")
    with pytest.raises(ValidationError, match="cannot be given"):
        take_exit_step(member_a, "warning", by=administrator, reason="x")
    with pytest.raises(ValidationError, match="no open case"):
        take_exit_step(
            MemberFactory(cooperative=member_a.cooperative),
            "restoration",
            by=administrator,
            reason="x",
        )


def test_a_proposer_cannot_decide_the_appeal_of_their_own_step(
    member_a, member_user_a, charter, administrator, second_administrator
):
    step = take_exit_step(member_a, "suspension", by=administrator, reason="两次 D")
    appeal = lodge_appeal(step, by=member_user_a, grounds="抽样有误")
    with pytest.raises(ValidationError, match="another administrator must decide"):
        decide_appeal(appeal, by=administrator, upheld=True, reason="自己决定")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING
    assert status(member_a) == Member.Status.SUSPENDED


def test_the_administrator_who_confirmed_a_proposal_cannot_decide_its_appeal(
    member_a, member_user_a, charter, administrator, second_administrator
):
    case = propose_consequence(member_a, "warning", reason="等级 D", source_ref="run:1")
    step = decide_proposal(case.steps.get(), by=second_administrator, confirm=True, reason="核实")
    appeal = lodge_appeal(step, by=member_user_a, grounds="有误")
    with pytest.raises(ValidationError, match="another administrator"):
        decide_appeal(appeal, by=second_administrator, upheld=False, reason="x")
    decide_appeal(appeal, by=administrator, upheld=False, reason="证据充分")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REJECTED
    assert status(member_a) == Member.Status.WARNED


def test_an_upheld_appeal_revokes_the_step_and_restores_the_status(
    member_a, member_user_a, charter, administrator, second_administrator, sent_mail
):
    step = take_exit_step(member_a, "warning", by=administrator, reason="等级 D")
    appeal = lodge_appeal(step, by=member_user_a, grounds="投诉不成立")
    decide_appeal(appeal, by=second_administrator, upheld=True, reason="投诉已撤回")
    step.refresh_from_db()
    assert step.status == ExitStep.Status.REVOKED
    assert status(member_a) == Member.Status.ACTIVE
    step.case.refresh_from_db()
    assert step.case.closed_on is not None
    assert "投诉已撤回" in sent_mail[len(sent_mail) - 1].body


def test_an_appeal_after_the_window_is_refused(member_a, member_user_a, charter, administrator):
    step = take_exit_step(
        member_a, "warning", by=administrator, reason="等级 D", on=datetime.date(2026, 3, 1)
    )
    # 15 working days after Sunday 1 March 2026: 2–6, 9–13 and 16–20 March.
    lodge_window_end = datetime.date(2026, 3, 20)
    with pytest.raises(ValidationError, match="appeal window closed"):
        lodge_appeal(
            step, by=member_user_a, grounds="迟到", on=lodge_window_end + datetime.timedelta(days=1)
        )
    appeal = lodge_appeal(step, by=member_user_a, grounds="按时", on=lodge_window_end)
    assert appeal.lodged_on == lodge_window_end
    with pytest.raises(ValidationError, match="appealed already"):
        lodge_appeal(step, by=member_user_a, grounds="再次", on=lodge_window_end)


def test_a_removal_is_public_and_a_warning_is_not(coop, member_a, member_b, charter, administrator):
    take_exit_step(member_a, "warning", by=administrator, reason="等级 D")
    suspension = take_exit_step(member_b, "suspension", by=administrator, reason="两次 D")
    removal = take_exit_step(member_b, "removal", by=administrator, reason="未恢复")
    public = ExitStep.objects.public().of_cooperative(coop)
    # The removal ended the suspension: member B is listed once, as removed.
    assert {(step.case.member, step.kind) for step in public} == {(member_b, "removal")}
    assert not ExitStep.objects.public().for_member(member_a).exists()
    suspension.refresh_from_db()
    assert (suspension.status, suspension.ended_on, suspension.ended_by) == (
        "confirmed",
        coop.today(),
        removal,
    )


def test_each_step_ends_the_one_before_so_one_explains_the_status(
    coop, member_a, charter, administrator
):
    first = take_exit_step(member_a, "warning", by=administrator, reason="D")
    second = take_exit_step(member_a, "warning", by=administrator, reason="再次 D")
    restoration = take_exit_step(member_a, "restoration", by=administrator, reason="整改完成")
    assert [step.pk for step in ExitStep.objects.for_member(member_a).in_effect()] == [
        restoration.pk
    ]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.ended_by, second.ended_by) == (second, restoration)
    assert first.state_label == f"ended on {coop.today():%-d %B %Y}"


def test_an_upheld_appeal_against_a_removal_puts_the_suspension_back_in_effect(
    coop, member_a, member_user_a, charter, administrator, second_administrator
):
    licence = TrademarkLicenceFactory(licensee=member_a)
    suspension = take_exit_step(member_a, "suspension", by=administrator, reason="两次 D")
    removal = take_exit_step(member_a, "removal", by=administrator, reason="未恢复")
    licence.refresh_from_db()
    assert licence.state == "revoked"
    decide_appeal(
        lodge_appeal(removal, by=member_user_a, grounds="整改材料已提交"),
        by=second_administrator,
        upheld=True,
        reason="材料属实",
    )
    assert status(member_a) == Member.Status.SUSPENDED
    assert list(ExitStep.objects.for_member(member_a).in_effect()) == [suspension]
    assert list(ExitStep.objects.public().for_member(member_a)) == [suspension]
    # The licence is back as it was before the removal: suspended with the member.
    licence.refresh_from_db()
    assert licence.state == "suspended"


def test_a_proposed_or_revoked_suspension_is_not_public(
    coop, member_a, member_b, member_user_b, charter, administrator, second_administrator
):
    propose_consequence(member_a, "suspension", reason="两次 D", source_ref="run:1")
    step = take_exit_step(member_b, "suspension", by=administrator, reason="两次 D")
    decide_appeal(
        lodge_appeal(step, by=member_user_b, grounds="有误"),
        by=second_administrator,
        upheld=True,
        reason="撤销",
    )
    assert not ExitStep.objects.public().of_cooperative(coop).exists()


def test_a_suspension_past_its_rectification_period_gets_a_removal_proposal_once(
    coop, member_a, member_b, charter, administrator
):
    from charter.tasks import propose_overdue_removals

    long_ago = coop.today() - datetime.timedelta(days=91)
    take_exit_step(member_a, "suspension", by=administrator, reason="两次 D", on=long_ago)
    take_exit_step(member_b, "suspension", by=administrator, reason="两次 D")
    assert propose_overdue_removals.delay().get() == 1
    assert propose_overdue_removals.delay().get() == 0
    proposal = ExitStep.objects.proposed().get()
    assert (proposal.case.member, proposal.kind) == (member_a, "removal")
    assert status(member_a) == Member.Status.SUSPENDED


# Collective trademark licences follow the member -------------------------------------------


def test_a_licence_is_suspended_with_the_member_and_restored_with_it(
    coop, member_a, charter, administrator
):
    licence = TrademarkLicenceFactory(licensee=member_a, granted_on=datetime.date(2021, 1, 15))
    take_exit_step(
        member_a, "suspension", by=administrator, reason="两次 D", on=datetime.date(2026, 3, 1)
    )
    licence.refresh_from_db()
    assert (licence.state, licence.suspended_on) == ("suspended", datetime.date(2026, 3, 1))
    licences = TrademarkLicence.objects.filter(licensee=member_a)
    assert not licences.in_force(datetime.date(2026, 3, 2)).exists()
    assert licences.in_force(datetime.date(2026, 2, 28)).exists()
    take_exit_step(member_a, "restoration", by=administrator, reason="复检合格")
    licence.refresh_from_db()
    assert (licence.state, licence.suspended_on) == ("in_force", None)
    record = licence.history.first()
    assert "restored after rectification" in record.history_change_reason


def test_an_upheld_appeal_against_a_suspension_restores_the_licence(
    member_a, member_user_a, charter, administrator, second_administrator
):
    licence = TrademarkLicenceFactory(licensee=member_a)
    step = take_exit_step(member_a, "suspension", by=administrator, reason="两次 D")
    decide_appeal(
        lodge_appeal(step, by=member_user_a, grounds="有误"),
        by=second_administrator,
        upheld=True,
        reason="撤销",
    )
    licence.refresh_from_db()
    assert licence.state == "in_force"


@pytest.mark.parametrize("kind", ["removal", "withdrawal"])
def test_a_member_that_leaves_loses_its_licences(coop, member_a, charter, administrator, kind):
    licence = TrademarkLicenceFactory(licensee=member_a)
    take_exit_step(member_a, kind, by=administrator, reason="x", on=datetime.date(2026, 4, 1))
    licence.refresh_from_db()
    assert (licence.state, licence.revoked_on) == ("revoked", datetime.date(2026, 4, 1))


def test_confirming_trademark_eligibility_drafts_a_licence(coop, member_a, charter, administrator):
    TrademarkLicenceFactory(licensee=MemberFactory(cooperative=coop), trademark="川姜家纺")
    case = propose_consequence(member_a, "trademark_eligible", reason="两次 A", source_ref="run:2")
    decide_proposal(case.steps.get(), by=administrator, confirm=True, reason="符合条件")
    draft = TrademarkLicence.objects.get(licensee=member_a)
    assert (draft.state, draft.trademark, draft.granted_on) == ("draft", "川姜家纺", None)
    assert "两次 A" in draft.note
    # A draft is no licence yet: nobody may use the trademark on its strength.
    assert not TrademarkLicence.objects.in_force(coop.today()).filter(licensee=member_a).exists()
    # Confirming again (another run) drafts nothing more.
    again = propose_consequence(member_a, "trademark_eligible", reason="三次 A", source_ref="r:3")
    decide_proposal(again.steps.get(), by=administrator, confirm=True, reason="符合条件")
    assert TrademarkLicence.objects.filter(licensee=member_a).count() == 1


# Conversions --------------------------------------------------------------------------------


def test_a_conversion_withdraws_the_old_registration_by_an_exit_step(coop, charter, administrator):
    sole = MemberFactory(cooperative=coop, kind="sole_proprietor", scale="")
    conversion = record_conversion(
        sole,
        credit_code=credit_code_for(42),
        name="新公司",
        on=datetime.date(2021, 9, 1),
        by=administrator,
    )
    assert Conversion.objects.get() == conversion
    assert status(sole) == Member.Status.WITHDRAWN
    step = ExitStep.objects.in_effect().get(case__member=sole)
    assert (step.kind, step.decided_on, step.source_ref) == (
        "withdrawal",
        datetime.date(2021, 9, 1),
        f"conversion:{conversion.pk}",
    )
    change = StatusChange.objects.get(member=sole)
    assert "新公司" in change.reason
    assert change.by == administrator
