"""The owner's team page in the portal: invitations cancelled, users made owners; a colleague
who is not an owner, another member's user and a visitor change nothing."""

import pytest
from django.urls import reverse

from conftest import logged_in
from members.models import Invitation, Role
from members.team import invite_colleague
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(member_a, member_user_a) -> Invitation:
    invitation, _token = invite_colleague(member_a, email="new@firm-a.example.cn", by=member_user_a)
    return invitation


@pytest.fixture
def colleague(coop, member_a) -> Role:
    user = UserFactory(email="colleague@firm-a.example.cn")
    return RoleFactory(user=user, cooperative=coop, kind=Role.Kind.MEMBER_USER, member=member_a)


def cancel_url(invitation) -> str:
    return reverse("portal:cancel_invitation", args=[invitation.member_id, invitation.pk])


def owner_url(role) -> str:
    return reverse("portal:make_owner", args=[role.member_id, role.pk])


def test_the_owner_cancels_a_pending_invitation(personas, pending):
    assert personas.member_a.post(cancel_url(pending)).status_code == 302
    assert not Invitation.objects.exists()


def test_the_owner_invites_a_second_owner(personas, member_a):
    personas.member_a.post(
        reverse("portal:team", args=[member_a.pk]),
        {"email": "partner@firm-a.example.cn", "as_owner": "on"},
    )
    assert Invitation.objects.get(member=member_a).as_owner


def test_the_owner_makes_a_colleague_an_owner(personas, colleague):
    assert personas.member_a.post(owner_url(colleague)).status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_owner


def test_a_colleague_who_is_not_an_owner_may_not_cancel_or_promote(pending, colleague):
    client = logged_in(colleague.user)
    assert client.post(cancel_url(pending)).status_code == 403
    assert client.post(owner_url(colleague)).status_code == 403
    assert Invitation.objects.exists()
    colleague.refresh_from_db()
    assert not colleague.is_owner


def test_another_members_user_and_a_visitor_change_nothing(personas, pending, colleague):
    assert personas.member_b.post(cancel_url(pending)).status_code == 404
    assert personas.member_b.post(owner_url(colleague)).status_code == 404
    assert personas.anonymous.post(cancel_url(pending)).status_code == 302
    assert personas.anonymous.post(owner_url(colleague)).status_code == 302
    assert Invitation.objects.exists()
    colleague.refresh_from_db()
    assert not colleague.is_owner
