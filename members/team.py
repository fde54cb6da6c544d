"""A member's team: who works for it in the portal. Its owner manages it from the portal's team
page (pledges/portal/views.py), and the cooperative's administrators from the registry
(members/admin.py), through the same functions here, so that both follow one set of rules. An
invitee joins with the link (coop_portal/accounts.py shows its page)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coop_portal.links import absolute_url
from coop_portal.mail import mail_language, queue_mail
from coop_portal.refusal import Refused

from .models import Invitation, Member, Role, User


def owners_of(member: Member) -> QuerySet[Role]:
    return Role.objects.filter(member=member, kind=Role.Kind.MEMBER_USER, is_owner=True)


def is_owner(user: User, member: Member) -> bool:
    return owners_of(member).filter(user=user).exists()


def may_manage_team(user: User, member: Member) -> bool:
    """The owner manages the member's team; so do the administrators of its cooperative, who
    invite a new member's first owner and step in when its owner has gone."""
    return user.administers(member.cooperative) or is_owner(user, member)


def _require_manager(user: User, member: Member) -> None:
    if not may_manage_team(user, member):
        raise Refused(
            _("Only the member's owner or an administrator manages its team."), code="not_owner"
        )


def _invitee_language(email: str, fallback: str | None) -> str:
    """The language the invitee reads: their account's if they have one, else the one the
    caller knows of (an application's), else the cooperative's default, never that of the page
    the inviter used."""
    preference = User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
    return mail_language(preference or fallback)


@transaction.atomic
def invite_colleague(
    member: Member,
    *,
    email: str,
    by: User,
    as_owner: bool = False,
    language: str | None = None,
) -> tuple[Invitation, str]:
    """Invite someone by e-mail to work for the member, as an owner or not; returns the
    invitation and the token (sent, never stored)."""
    _require_manager(by, member)
    email = email.strip().lower()
    if Role.objects.filter(
        member=member, kind=Role.Kind.MEMBER_USER, user__email__iexact=email
    ).exists():
        raise Refused(_("This person is already on the team."), code="already_member")
    if Invitation.objects.pending().filter(member=member, email__iexact=email).exists():
        raise Refused(_("An invitation to this address is still pending."), code="pending")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        member=member,
        email=email,
        as_owner=as_owner,
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
            "as_owner": as_owner,
            "url": absolute_url(reverse("accounts:invitation", args=[token])),
            "expires_at": invitation.expires_at,
        },
        language=_invitee_language(email, language),
        key=f"invitation:{invitation.pk}",
        # The outbox keeps the e-mail, but not the link that joins the team, once it is sent.
        redact=[token],
    )
    return invitation, token


def invite_first_owner(member: Member, *, by: User, language: str | None) -> Invitation | None:
    """Invite the member's contact address as its owner, so that a member an administrator
    admitted or added gets its first login. Nothing when it has no address or an owner
    already, or when that address is on its team or invited (a re-admitted member)."""
    if not member.email or owners_of(member).exists():
        return None
    try:
        invitation, _token = invite_colleague(
            member, email=member.email, by=by, as_owner=True, language=language
        )
    except Refused as refused:
        if refused.code in ("already_member", "pending"):
            return None
        raise
    return invitation


@transaction.atomic
def cancel_invitation(invitation: Invitation, *, by: User) -> None:
    """Withdraw an invitation not yet accepted: its link no longer works."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_manager(by, invitation.member)
    if invitation.accepted_at is not None:
        raise Refused(_("This invitation has been accepted already."), code="accepted")
    invitation.delete()


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
    """Give the invitee a member_user role (an owner's, if so invited); the invitation cannot
    be used again."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        raise Refused(_("This invitation has been used or has expired."), code="used")
    if user.email.lower() != invitation.email.lower():
        raise Refused(_("This invitation was sent to another e-mail address."), code="wrong_user")
    member = invitation.member
    role, _created = Role.objects.get_or_create(
        user=user,
        cooperative=member.cooperative,
        kind=Role.Kind.MEMBER_USER,
        member=member,
        lab=None,
    )
    if invitation.as_owner and not role.is_owner:
        role.is_owner = True
        role.save(update_fields=["is_owner"])
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
def make_owner(role: Role, *, by: User) -> None:
    """Make a user of the member one of its owners, so that the former owner can leave."""
    _require_manager(by, Member.objects.select_for_update().get(pk=role.member_id or 0))
    role.is_owner = True
    role.save(update_fields=["is_owner"])


@transaction.atomic
def remove_colleague(role: Role, *, by: User) -> None:
    """Take a user off the member's team; never its last owner, or nobody could manage the
    team from the portal: another user is made an owner first."""
    member = Member.objects.select_for_update().get(pk=role.member_id or 0)
    _require_manager(by, member)
    if role.is_owner and owners_of(member).count() <= 1:
        raise Refused(
            _("The last owner of a member cannot be removed; make another user an owner first."),
            code="last_owner",
        )
    role.delete()
