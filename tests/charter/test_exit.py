import datetime

import pytest
from django.core.exceptions import ValidationError

from charter.models import Appeal, ExitCase, ExitStep
from charter.services import (
    decide_appeal,
    decide_proposal,
    lodge_appeal,
    propose_consequence,
    take_exit_step,
)
from members.models import Member, StatusChange
from tests.factories import MemberFactory

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
    lodge_window_end = datetime.date(2026, 3, 16)
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
    take_exit_step(member_b, "suspension", by=administrator, reason="两次 D")
    take_exit_step(member_b, "removal", by=administrator, reason="未恢复")
    public = ExitStep.objects.public().of_cooperative(coop)
    assert {(step.case.member, step.kind) for step in public} == {
        (member_b, "suspension"),
        (member_b, "removal"),
    }
    assert not ExitStep.objects.public().for_member(member_a).exists()
    assert ExitStep.objects.public().for_member(member_b).count() == 2


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
