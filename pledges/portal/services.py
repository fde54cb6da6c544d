"""The member portal's team: an owner invites colleagues by e-mail and removes them; an
invitee joins with the link (coop_portal/accounts.py shows its page)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coop_portal.mail import queue_mail
from members.models import Member, Role, User

from ..links import site_url
from ..models.pledge import Invitation
from ..services import PledgeError


def _require_owner(user: User, member: Member) -> None:
    if not Role.objects.filter(
        user=user, member=member, kind=Role.Kind.MEMBER_USER, is_owner=True
    ).exists():
        raise PledgeError(_("Only the member's owner manages its team."), code="not_owner")


@transaction.atomic
def invite_colleague(member: Member, *, email: str, by: User) -> tuple[Invitation, str]:
    """Invite a colleague by e-mail; returns the invitation and the token (sent, never stored)."""
    _require_owner(by, member)
    email = email.strip().lower()
    if Role.objects.filter(
        member=member, kind=Role.Kind.MEMBER_USER, user__email__iexact=email
    ).exists():
        raise PledgeError(_("This person is already on the team."), code="already_member")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        member=member,
        email=email,
        token_hash=Invitation.hash_token(token),
        invited_by=by,
        created_at=now,
        expires_at=now + Invitation.VALID_FOR,
    )
    queue_mail(
        [email],
        "email/accounts/invitation",
        {
            "member": member,
            "inviter": by,
            "url": site_url(reverse("accounts:invitation", args=[token])),
            "expires_at": invitation.expires_at,
        },
        language=translation.get_language(),
        key=f"invitation:{invitation.pk}",
        # The outbox keeps the e-mail, but not the link that joins the team, once it is sent.
        redact=[token],
    )
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    """The pending invitation of a token, or None when it is unknown, used or expired."""
    return (
        Invitation.objects.pending()
        .select_related("member__cooperative")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


@transaction.atomic
def accept_invitation(invitation: Invitation, *, user: User) -> Role:
    """Give the invitee a member_user role; the invitation cannot be used again."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise PledgeError(_("This invitation has been used or has expired."), code="used")
    if user.email.lower() != invitation.email.lower():
        raise PledgeError(
            _("This invitation was sent to another e-mail address."), code="wrong_user"
        )
    member = invitation.member
    role, _created = Role.objects.get_or_create(
        user=user,
        cooperative=member.cooperative,
        kind=Role.Kind.MEMBER_USER,
        member=member,
        lab=None,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return role


@transaction.atomic
def register_invitee(invitation: Invitation, *, name: str, password: str) -> User:
    """Create the account of an invitee who has none yet, then accept the invitation."""
    user = User.objects.create_user(invitation.email, password, first_name=name)
    accept_invitation(invitation, user=user)
    return user


@transaction.atomic
def remove_colleague(role: Role, *, by: User) -> None:
    """Take a colleague off the member's team; the last owner cannot be removed."""
    member = Member.objects.select_for_update().get(pk=role.member_id or 0)
    _require_owner(by, member)
    if role.is_owner:
        owners = Role.objects.filter(member=member, kind=Role.Kind.MEMBER_USER, is_owner=True)
        if owners.count() <= 1:
            raise PledgeError(
                _("The last owner of a member cannot be removed."),
                code="last_owner",
            )
    role.delete()
