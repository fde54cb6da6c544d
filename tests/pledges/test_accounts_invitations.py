import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import logged_in
from coop_portal.models import OutboxEmail
from members.models import Invitation, Role, User
from tests.factories import MemberFactory, RoleFactory, UserFactory
from tests.pledges.pledge_factories import fast_passwords  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db


def invite(owner_client: Client, member, email: str, capture) -> str:
    """Invite by the team page and return the link the e-mail carries."""
    with capture(execute=True):
        response = owner_client.post(reverse("portal:team", args=[member.pk]), {"email": email})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [email.lower()]
    return re.search(r"https?://\S+(/accounts/invitations/\S+/)", message.body).group(1)


def test_an_invitee_sets_a_password_and_joins_the_team(
    member_a, member_user_a, django_capture_on_commit_callbacks
):
    link = invite(
        logged_in(member_user_a),
        member_a,
        "New@Firm-A.example.cn",
        django_capture_on_commit_callbacks,
    )
    invitation = Invitation.objects.get()
    assert invitation.token_hash not in link  # only the hash is stored, the token only mailed
    # Once sent, the outbox no longer holds the link either (issue 20, point 12).
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in OutboxEmail.objects.get(key=f"invitation:{invitation.pk}").body
    client = Client()
    assert client.get(link).status_code == 200
    password = "a long and private phrase"
    response = client.post(link, {"name": "小王", "password1": password, "password2": password})
    assert response.url == reverse("portal:dashboard", args=[member_a.pk])
    user = User.objects.get(email="new@firm-a.example.cn")
    role = Role.objects.get(user=user)
    assert (role.member, role.kind, role.is_owner) == (member_a, Role.Kind.MEMBER_USER, False)
    assert client.get(reverse("portal:dashboard", args=[member_a.pk])).status_code == 200
    # The link works once.
    assert Client().get(link).status_code == 404


def test_a_weak_or_mismatched_password_is_refused(
    member_a, member_user_a, django_capture_on_commit_callbacks
):
    link = invite(
        logged_in(member_user_a),
        member_a,
        "new@firm-a.example.cn",
        django_capture_on_commit_callbacks,
    )
    client = Client()
    short = client.post(link, {"name": "小王", "password1": "1234", "password2": "1234"})
    assert short.status_code == 200
    different = client.post(
        link, {"name": "小王", "password1": "a long phrase one", "password2": "a long phrase two"}
    )
    assert different.status_code == 200
    assert not User.objects.filter(email="new@firm-a.example.cn").exists()


def test_an_expired_invitation_is_not_found(
    member_a, member_user_a, django_capture_on_commit_callbacks
):
    link = invite(
        logged_in(member_user_a),
        member_a,
        "new@firm-a.example.cn",
        django_capture_on_commit_callbacks,
    )
    Invitation.objects.update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
        created_at=timezone.now() - datetime.timedelta(days=8),
    )
    assert Client().get(link).status_code == 404


def test_a_person_with_an_account_joins_a_second_member_and_chooses_between_them(
    coop, member_a, member_b, member_user_a, member_user_b, django_capture_on_commit_callbacks
):
    link = invite(
        logged_in(member_user_b), member_b, member_user_a.email, django_capture_on_commit_callbacks
    )
    anonymous = Client().get(link)
    assert reverse("login") in anonymous.content.decode()
    client = logged_in(member_user_a)
    assert client.post(link).url == reverse("portal:dashboard", args=[member_b.pk])
    chooser = client.get(reverse("portal:index"))
    assert chooser.status_code == 200
    assert {m.pk for m in chooser.context["members"]} == {member_a.pk, member_b.pk}
    assert client.get(reverse("portal:dashboard", args=[member_b.pk])).status_code == 200


def test_roles_in_several_cooperatives_are_kept_apart(other_coop, member_a, member_user_a):
    rice_member = MemberFactory(cooperative=other_coop)
    RoleFactory(
        user=member_user_a, cooperative=other_coop, kind=Role.Kind.MEMBER_USER, member=rice_member
    )
    client = logged_in(member_user_a)
    members = client.get(reverse("portal:index")).context["members"]
    assert [m.cooperative.slug for m in members] == ["nantong", "rice"]
    assert client.get(reverse("portal:dashboard", args=[rice_member.pk])).status_code == 200


def test_an_invitation_opened_by_somebody_else_gives_them_nothing(
    member_a, member_user_a, member_user_b, django_capture_on_commit_callbacks
):
    link = invite(
        logged_in(member_user_a),
        member_a,
        "new@firm-a.example.cn",
        django_capture_on_commit_callbacks,
    )
    client = logged_in(member_user_b)
    assert client.post(link).status_code == 200
    assert not Role.objects.filter(user=member_user_b, member=member_a).exists()


def test_inviting_somebody_already_on_the_team_is_refused(member_a, member_user_a):
    response = logged_in(member_user_a).post(
        reverse("portal:team", args=[member_a.pk]), {"email": member_user_a.email}
    )
    assert response.status_code == 200
    assert Invitation.objects.count() == 0


def test_the_owner_removes_a_colleague(coop, member_a, member_user_a):
    colleague = RoleFactory(
        user=UserFactory(email="c@firm-a.example.cn"),
        cooperative=coop,
        kind=Role.Kind.MEMBER_USER,
        member=member_a,
    )
    client = logged_in(member_user_a)
    client.post(reverse("portal:remove", args=[member_a.pk, colleague.pk]))
    assert not Role.objects.filter(pk=colleague.pk).exists()
    assert (
        logged_in(colleague.user).get(reverse("portal:dashboard", args=[member_a.pk])).status_code
        == 404
    )


def test_the_last_owner_cannot_be_removed(member_a, member_user_a):
    own = Role.objects.get(user=member_user_a, member=member_a)
    response = logged_in(member_user_a).post(
        reverse("portal:remove", args=[member_a.pk, own.pk]), follow=True
    )
    assert Role.objects.filter(pk=own.pk).exists()
    assert "社员的最后一位负责人不能被移除；" in response.content.decode()


def test_one_of_two_owners_may_leave(coop, member_a, member_user_a):
    second = RoleFactory(
        user=UserFactory(email="boss2@firm-a.example.cn"),
        cooperative=coop,
        kind=Role.Kind.MEMBER_USER,
        member=member_a,
        is_owner=True,
    )
    logged_in(second.user).post(
        reverse("portal:remove", args=[member_a.pk, Role.objects.get(user=member_user_a).pk])
    )
    assert not Role.objects.filter(user=member_user_a).exists()
