"""A member's team managed by an administrator from the registry: its users and pending
invitations listed, invitations sent and cancelled, users removed or made owners. The rules are
members/team.py's, which the owner's team page in the portal shares."""

import pytest
from django.urls import reverse
from django.utils import timezone

from coop_portal.models import OutboxEmail
from members.models import Invitation, Member, Role
from members.team import invite_colleague
from tests.factories import RoleFactory, UserFactory, credit_code_for

pytestmark = pytest.mark.django_db


def team_url(member) -> str:
    return reverse("admin:members_member_team", args=[member.pk])


def change_url(member, action: str, pk: int) -> str:
    return reverse("admin:members_member_team_change", args=[member.pk, action, pk])


def colleague_of(member, email="colleague@firm-a.example.cn", **role) -> Role:
    user = UserFactory(email=email)
    return RoleFactory(
        user=user, cooperative=member.cooperative, kind=Role.Kind.MEMBER_USER, member=member, **role
    )


def test_an_administrator_sees_the_members_users_and_pending_invitations(
    personas, member_a, member_user_a, administrator
):
    invite_colleague(member_a, email="new@firm-a.example.cn", by=administrator)
    response = personas.administrator.get(team_url(member_a))
    assert response.status_code == 200
    assert member_user_a.email in response.content.decode()
    assert "new@firm-a.example.cn" in response.content.decode()


def test_the_member_page_links_to_its_team(personas, member_a):
    response = personas.administrator.get(
        reverse("admin:members_member_change", args=[member_a.pk])
    )
    assert team_url(member_a) in response.content.decode()


def test_an_administrator_invites_an_owner_by_email_once(
    personas, member_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.administrator.post(
            team_url(member_a), {"email": "Boss@Firm-A.example.cn", "as_owner": "on"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(member=member_a)
    assert (invitation.email, invitation.as_owner) == ("boss@firm-a.example.cn", True)
    assert OutboxEmail.objects.filter(key=f"invitation:{invitation.pk}").count() == 1
    personas.administrator.post(team_url(member_a), {"email": "boss@firm-a.example.cn"})
    assert Invitation.objects.filter(member=member_a).count() == 1
    assert OutboxEmail.objects.count() == 1


def test_an_administrator_cancels_a_pending_invitation(personas, member_a, administrator):
    invitation, _token = invite_colleague(member_a, email="new@firm-a.example.cn", by=administrator)
    response = personas.administrator.post(change_url(member_a, "cancel", invitation.pk))
    assert response.status_code == 302
    assert not Invitation.objects.exists()


def test_an_administrator_removes_a_user_but_not_the_last_owner(personas, member_a, member_user_a):
    colleague = colleague_of(member_a)
    owner = Role.objects.get(user=member_user_a, member=member_a)
    personas.administrator.post(change_url(member_a, "remove", colleague.pk))
    assert not Role.objects.filter(pk=colleague.pk).exists()
    personas.administrator.post(change_url(member_a, "remove", owner.pk))
    assert Role.objects.filter(pk=owner.pk).exists()


def test_the_last_owner_leaves_once_an_administrator_named_another(
    personas, member_a, member_user_a
):
    colleague = colleague_of(member_a)
    owner = Role.objects.get(user=member_user_a, member=member_a)
    personas.administrator.post(change_url(member_a, "owner", colleague.pk))
    personas.administrator.post(change_url(member_a, "remove", owner.pk))
    assert not Role.objects.filter(pk=owner.pk).exists()
    assert Role.objects.get(pk=colleague.pk).is_owner


def test_another_cooperatives_administrator_finds_no_team(
    personas, member_a, member_user_a, administrator
):
    invitation, _token = invite_colleague(member_a, email="new@firm-a.example.cn", by=administrator)
    owner = Role.objects.get(user=member_user_a, member=member_a)
    client = personas.other_administrator
    assert client.get(team_url(member_a)).status_code == 404
    assert client.post(team_url(member_a), {"email": "x@example.cn"}).status_code == 404
    assert client.post(change_url(member_a, "cancel", invitation.pk)).status_code == 404
    assert client.post(change_url(member_a, "remove", owner.pk)).status_code == 404
    assert Invitation.objects.count() == 1
    assert Role.objects.filter(pk=owner.pk).exists()


def test_another_members_records_are_not_found_through_this_members_team(
    personas, member_a, member_b, member_user_b
):
    owner_b = Role.objects.get(user=member_user_b, member=member_b)
    response = personas.administrator.post(change_url(member_a, "remove", owner_b.pk))
    assert response.status_code == 404
    assert (
        personas.administrator.post(change_url(member_a, "delete", owner_b.pk)).status_code == 404
    )


@pytest.mark.parametrize("persona", ["anonymous", "member_a"])
def test_anonymous_visitors_and_member_users_are_sent_to_the_log_in(
    personas, persona, member_a, member_user_a
):
    owner = Role.objects.get(user=member_user_a, member=member_a)
    client = getattr(personas, persona)
    assert client.get(team_url(member_a)).status_code == 302
    assert client.post(change_url(member_a, "remove", owner.pk)).status_code == 302
    assert client.post(team_url(member_a), {"email": "x@example.cn"}).status_code == 302
    assert Role.objects.filter(pk=owner.pk).exists()
    assert not Invitation.objects.exists()


def _add_form(client) -> dict[str, str]:
    """The empty inlines' management forms of the member's add page."""
    response = client.get(reverse("admin:members_member_add"))
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_a_member_an_administrator_adds_invites_its_contact_as_owner_in_chinese(
    personas, coop, django_capture_on_commit_callbacks
):
    data = {
        **_add_form(personas.administrator),
        "cooperative": str(coop.pk),
        "credit_code": credit_code_for(4242),
        "name": "南通丙家纺有限公司",
        "kind": Member.Kind.FIRM,
        "joined_on": timezone.localdate().isoformat(),
        "email": "contact@firm-c.example.cn",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = personas.administrator.post(reverse("admin:members_member_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    invitation = Invitation.objects.get(member__credit_code=credit_code_for(4242))
    assert (invitation.email, invitation.as_owner) == ("contact@firm-c.example.cn", True)
    (email,) = OutboxEmail.objects.filter(key=f"invitation:{invitation.pk}")
    assert "受邀" in email.subject
