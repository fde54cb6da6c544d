"""A step taken by hand supersedes the pending proposals it makes pointless: they are
withdrawn with the reason, not left awaiting a decision."""

import pytest

from charter.models import ExitStep
from charter.services import propose_consequence, take_exit_step

pytestmark = pytest.mark.django_db


def pending(member) -> list[str]:
    return sorted(ExitStep.objects.for_member(member).proposed().values_list("kind", flat=True))


def test_a_warning_by_hand_withdraws_the_pending_warning_proposal(member_a, charter, administrator):
    propose_consequence(member_a, "warning", reason="D", source_ref="assessment:2024:r1")
    take_exit_step(member_a, "warning", by=administrator, reason="Complaints.")
    assert pending(member_a) == []
    withdrawn = ExitStep.objects.get(source_ref="assessment:2024:r1")
    assert withdrawn.status == ExitStep.Status.DISMISSED
    assert withdrawn.decided_by is None
    assert "superseded by the warning" in withdrawn.decision_reason


def test_a_suspension_withdraws_lesser_proposals_and_the_trademark_eligibility(
    member_a, charter, administrator
):
    propose_consequence(member_a, "warning", reason="D", source_ref="assessment:2024:r1")
    propose_consequence(member_a, "trademark_eligible", reason="A", source_ref="assessment:2025:r1")
    take_exit_step(member_a, "suspension", by=administrator, reason="Critical failure.")
    assert pending(member_a) == []


def test_a_warning_leaves_a_pending_suspension_proposal_for_the_administrator(
    member_a, charter, administrator
):
    propose_consequence(member_a, "suspension", reason="D twice", source_ref="assessment:2025:r1")
    take_exit_step(member_a, "warning", by=administrator, reason="Complaints.")
    assert pending(member_a) == ["suspension"]
