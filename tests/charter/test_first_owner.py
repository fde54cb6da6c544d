"""Approving an application gives the new member its first login: the contact address the
application gave is invited, by e-mail in the application's language, to be the owner."""

import datetime
import re

import pytest
from django.urls import reverse

from charter.services import approve_application, submit_application
from coop_portal.models import OutboxEmail
from members.models import Invitation, Role
from members.team import find_invitation, register_invitee
from tests.charter.factories import ApplicationFactory
from tests.charter.test_applications import removed
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL_CONDITIONS = [0, 1, 2, 3]


def approved(coop, charter, administrator, **fields):
    application = submit_application(
        ApplicationFactory.build(cooperative=coop, charter_version=charter, **fields)
    )
    return approve_application(application, by=administrator, checklist=ALL_CONDITIONS)


def test_approval_invites_the_applications_contact_as_owner_once_in_its_language(
    coop, charter, administrator
):
    member = approved(coop, charter, administrator, email="boss@new.example.cn", language="en")
    invitation = Invitation.objects.get(member=member)
    assert (invitation.email, invitation.as_owner) == ("boss@new.example.cn", True)
    (email,) = OutboxEmail.objects.filter(key=f"invitation:{invitation.pk}")
    assert email.to == ["boss@new.example.cn"]
    assert "invited" in email.subject
    assert "as its owner" in email.body


def test_the_invitee_of_an_approval_joins_as_the_members_owner(coop, charter, administrator):
    member = approved(coop, charter, administrator, email="boss@new.example.cn")
    (email,) = OutboxEmail.objects.filter(key__startswith="invitation:")
    token = re.search(r"/accounts/invitations/(\S+)/", email.body).group(1)
    assert reverse("accounts:invitation", args=[token])
    user = register_invitee(find_invitation(token), name="李明", password="a long passphrase 42")
    assert Role.objects.get(user=user, member=member).is_owner


def test_a_readmitted_member_that_has_an_owner_is_not_invited_again(
    coop, charter, member_a, member_user_a, administrator
):
    removed(member_a, administrator, coop.today() - datetime.timedelta(days=365))
    approved(coop, charter, administrator, credit_code=member_a.credit_code, email="x@a.example.cn")
    assert not Invitation.objects.exists()


def test_an_application_whose_contact_already_works_for_the_member_sends_no_invitation(
    coop, charter, member_a, administrator
):
    colleague = UserFactory(email="staff@a.example.cn")
    RoleFactory(user=colleague, cooperative=coop, kind=Role.Kind.MEMBER_USER, member=member_a)
    removed(member_a, administrator, coop.today() - datetime.timedelta(days=365))
    approved(coop, charter, administrator, credit_code=member_a.credit_code, email=colleague.email)
    assert not Invitation.objects.exists()
