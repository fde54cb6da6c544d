"""Consequences once: one proposal per member, kind and period; none outside the member's
membership; no sanction for members that joined within the grace period before the end."""

from __future__ import annotations

import datetime

from django.utils import translation

from charter.models import ExitCase, ExitStep
from charter.services import decide_proposal
from charter.sources import source_caveat
from members.models import Member, PastMembership
from pledges.assessment.consequences import proposals
from tests.factories import MemberFactory

from .conftest import compute, publish
from .factories import inspections
from .test_publication import rated_member, suspended_until

D = datetime.date


def proposed(member) -> list[tuple[str, str, str]]:
    return sorted(
        ExitStep.objects.filter(case__member=member).values_list("kind", "status", "source_ref")
    )


def test_a_revision_updates_the_proposal_instead_of_adding_another(coop, charter):
    member = rated_member(coop, grade="D")
    publish(coop, "2025")
    publish(coop, "2025", note="A late report.")
    assert proposed(member) == [("warning", "proposed", "assessment:2025:r2")]


def test_a_revision_that_no_longer_calls_for_it_withdraws_the_proposal(coop, charter):
    member = rated_member(coop, grade="D")
    publish(coop, "2025")
    # Re-test reports arrive: the member's pass rate is now an A.
    inspections(member, 40, sampled_on=D(2025, 3, 1), reported_on=D(2025, 3, 1))
    publish(coop, "2025", note="Re-test reports.")
    step = ExitStep.objects.get(case__member=member)
    assert step.status == ExitStep.Status.DISMISSED
    assert "Withdrawn" in step.decision_reason or "撤回" in step.decision_reason
    assert not ExitCase.objects.filter(member=member).open().exists()


def test_a_decided_proposal_is_not_proposed_again_by_a_revision(coop, charter, administrator):
    member = rated_member(coop, grade="D")
    publish(coop, "2025")
    step = ExitStep.objects.get(case__member=member)
    decide_proposal(step, by=administrator, confirm=True, reason="Agreed.")
    publish(coop, "2025", note="A late report.")
    assert proposed(member) == [("warning", "confirmed", "assessment:2025:r1")]


def test_a_member_readmitted_late_in_the_period_is_proposed_no_warning(coop, charter):
    readmitted = MemberFactory(cooperative=coop, joined_on=D(2025, 12, 6))
    PastMembership.objects.create(
        member=readmitted, joined_on=D(2019, 1, 1), left_on=D(2024, 3, 1), left_as="removed"
    )
    converted = MemberFactory(cooperative=coop, joined_on=D(2025, 11, 20))
    long_standing = MemberFactory(cooperative=coop, joined_on=D(2025, 9, 1))
    publish(coop, "2025")
    assert proposed(readmitted) == []
    assert proposed(converted) == []
    assert proposed(long_standing) == [("warning", "proposed", "assessment:2025:r1")]


def test_the_grace_period_is_a_figure_of_the_charter_policy(coop, charter):
    type(charter.policy).objects.filter(pk=charter.policy.pk).update(new_member_grace_days=150)
    member = MemberFactory(cooperative=coop, joined_on=D(2025, 9, 1))
    run = compute(coop, "2025")
    assert [kind for member_id, kind, _ in proposals(run) if member_id == member.pk] == []


def test_a_member_not_in_the_period_is_proposed_nothing_for_it(coop, charter, freeze_today):
    # Suspended with its rectification period over, but a member only since 2026: the 2025
    # run does not propose its removal.
    member = MemberFactory(cooperative=coop, joined_on=D(2026, 1, 10))
    Member.objects.filter(pk=member.pk).update(status=Member.Status.SUSPENDED)
    suspended_until(member, D(2026, 1, 20))
    freeze_today(D(2026, 2, 1))
    publish(coop, "2025")
    assert proposed(member) == [("suspension", "confirmed", "")]


def test_deciding_a_proposal_says_when_its_result_is_still_open_to_objection(
    coop, charter, freeze_today
):
    """The administrator reads, before confirming, that the result behind a proposal may
    still change; once the notice period is over, nothing more is said."""
    member = rated_member(coop, grade="D")
    run = publish(coop, "2025")
    step = ExitStep.objects.get(case__member=member)
    assert run.notice_ends_on is not None
    freeze_today(run.notice_ends_on)
    with translation.override("en"):
        caveat = source_caveat(coop.pk, step.source_ref)
    assert caveat.startswith("The result is still in its public notice period, until ")
    freeze_today(run.notice_ends_on + datetime.timedelta(days=1))
    assert source_caveat(coop.pk, step.source_ref) == ""
    assert source_caveat(coop.pk + 1000, step.source_ref) == ""
    assert source_caveat(coop.pk, "assessment:2025") == ""
