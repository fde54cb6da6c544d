import datetime

import pytest
from django.core.exceptions import ValidationError

from charter.models import CharterAcceptance
from charter.services import (
    accept_charter,
    has_accepted_charter_in_force,
    publish_charter_version,
    remind_to_accept,
)
from coop_portal.models import OutboxEmail
from members.models import Member
from tests.charter.factories import CharterVersionFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_member_accepts_a_version_once(member_a, charter, member_user_a):
    first = accept_charter(member_a, charter, signatory_name=" 王经理 ", by=member_user_a)
    again = accept_charter(member_a, charter, signatory_name="别人", by=member_user_a)
    assert first == again
    assert first.signatory_name == "王经理"
    assert first.recorded_by == member_user_a
    assert CharterAcceptance.objects.has_accepted(member_a, charter)


def test_acceptance_of_a_draft_or_another_cooperatives_version_is_refused(
    coop, member_a, charter, other_charter
):
    draft = CharterVersionFactory(cooperative=coop)
    with pytest.raises(ValidationError):
        accept_charter(member_a, draft, signatory_name="王经理", by=None)
    with pytest.raises(ValidationError):
        accept_charter(member_a, other_charter, signatory_name="王经理", by=None)


def test_has_accepted_charter_in_force_follows_the_version_in_force(coop, member_a, charter):
    accept_charter(member_a, charter, signatory_name="王经理", by=None)
    second = CharterVersionFactory(cooperative=coop, effective_from=datetime.date(2026, 7, 1))
    second = publish_charter_version(second, by=None, on=datetime.date(2026, 6, 1))
    assert has_accepted_charter_in_force(member_a, datetime.date(2026, 6, 30))
    assert not has_accepted_charter_in_force(member_a, datetime.date(2026, 7, 1))
    accept_charter(member_a, second, signatory_name="王经理", by=None)
    assert has_accepted_charter_in_force(member_a, datetime.date(2026, 7, 1))


def test_no_charter_in_force_means_not_accepted(member_a, charter):
    assert not has_accepted_charter_in_force(member_a, datetime.date(1999, 1, 1))


def test_administrators_see_current_members_that_have_not_accepted(
    coop, member_a, member_b, charter
):
    MemberFactory(cooperative=coop, status=Member.Status.REMOVED)
    accept_charter(member_a, charter, signatory_name="王经理", by=None)
    assert list(charter.members_not_accepted()) == [member_b]


def test_a_reminder_goes_once_per_version_per_member(
    coop, member_a, member_b, member_user_b, charter, sent_mail
):
    accept_charter(member_a, charter, signatory_name="王经理", by=None)
    assert remind_to_accept(charter) == 1
    assert remind_to_accept(charter) == 0
    assert OutboxEmail.objects.count() == 1
    assert sorted(OutboxEmail.objects.get().to) == sorted([member_b.email, member_user_b.email])
    assert "/charter/my/accept/" in OutboxEmail.objects.get().body
