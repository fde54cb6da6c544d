"""State changes of pledges and of member teams: each one atomic, with its mail and queued work."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from charter.models import ScoringPolicy
from charter.services import has_accepted_charter_in_force, member_recipients, policy_in_force
from coop_portal.mail import queue_mail
from coop_portal.pdf import qr_svg_data_uri, render_pdf
from coop_portal.public_cache import data_changed
from members.models import Cooperative, Member, Role, User

from .models.pledge import (
    KINDS,
    Commitment,
    Invitation,
    Pledge,
    ProductLine,
    Standard,
    charter_minimum,
    commitment_problems,
)


class PledgeError(ValidationError):
    """A pledge change the rules refuse; the message says why, in the active language."""


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def public_path(member: Member) -> str:
    return reverse("pledges:member", args=[member.cooperative.slug, member.credit_code])


def policy_today(member: Member) -> ScoringPolicy:
    return policy_in_force(member.cooperative, member.cooperative.today())


def template_targets(policy: ScoringPolicy) -> dict[str, Decimal]:
    """The ready template's targets: the charter's minimums of every required kind."""
    return {kind: charter_minimum(policy, kind) for kind in policy.kinds_required}


def template_promises() -> str:
    return _(
        "Goods may be returned without giving a reason within 7 days of purchase. A product "
        "with a quality defect is exchanged or refunded free of charge. Our after-sales phone "
        "is answered during opening hours, and we reply to every message within one working day."
    )


def _administrators(cooperative: Cooperative) -> list[str]:
    return sorted(
        User.objects.filter(
            roles__cooperative=cooperative,
            roles__kind=Role.Kind.ADMINISTRATOR,
            is_active=True,
        ).values_list("email", flat=True)
    )


# Pledge lifecycle ----------------------------------------------------------------------------


@transaction.atomic
def start_pledge(member: Member, *, by: User, use_template: bool = False) -> Pledge:
    """Open the next version of the member's pledge as a draft.

    It starts from the latest published version when there is one, else (and always when asked)
    from the ready template. A member has at most one version open at a time.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if Pledge.objects.filter(member=member).open().exists():
        raise PledgeError(
            _("A version of this pledge is already being written or reviewed: finish it first."),
            code="pledge_open",
        )
    number = (Pledge.objects.filter(member=member).aggregate(n=Max("version"))["n"] or 0) + 1
    latest = Pledge.objects.filter(member=member).published().order_by("-version").first()
    policy = policy_today(member)
    pledge = Pledge(member=member, version=number, signatory_name=by.get_full_name())
    lines: list[tuple[str, list[Standard]]] = []
    if latest is not None and not use_template:
        targets = latest.targets()
        for field in ("statement", "promises", "signatory_name", "signatory_title"):
            setattr(pledge, field, getattr(latest, field))
        lines = [
            (line.name, list(line.standards.all()))
            for line in latest.product_lines.prefetch_related("standards")
        ]
    elif use_template or member.kind == Member.Kind.SOLE_PROPRIETOR:
        targets = template_targets(policy)
        pledge.promises = template_promises()
        pledge.statement = _(
            "We sell only products that meet the standards named in this pledge, and we keep "
            "the promises below."
        )
    else:
        targets = {}
    pledge.save()
    Commitment.objects.bulk_create(
        Commitment(pledge=pledge, kind=kind, target=target) for kind, target in targets.items()
    )
    for name, standards in lines:
        ProductLine.objects.create(pledge=pledge, name=name).standards.set(standards)
    return pledge


@dataclass
class PledgeContent:
    statement: str
    promises: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    signatory_name: str
    signatory_title: str
    targets: dict[str, Decimal | None]
    product_lines: list[tuple[str, list[Standard]]]


@transaction.atomic
def update_draft(pledge: Pledge, content: PledgeContent) -> Pledge:
    """Replace what a draft (or returned) version says. A published version is refused."""
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    pledge.ensure_editable()
    problems = commitment_problems(policy_today(pledge.member), content.targets)
    if problems:
        raise PledgeError(problems)
    for field in ("statement", "promises", "valid_from", "valid_until"):
        setattr(pledge, field, getattr(content, field))
    pledge.signatory_name = content.signatory_name
    pledge.signatory_title = content.signatory_title
    pledge.save()
    pledge.commitments.all().delete()
    Commitment.objects.bulk_create(
        Commitment(pledge=pledge, kind=kind, target=target)
        for kind, target in content.targets.items()
        if target is not None
    )
    pledge.product_lines.all().delete()
    for name, standards in content.product_lines:
        ProductLine.objects.create(pledge=pledge, name=name).standards.set(standards)
    return pledge


def _check_against_charter(pledge: Pledge, day: datetime.date) -> None:
    problems = commitment_problems(
        policy_in_force(pledge.member.cooperative, day),
        dict.fromkeys(KINDS) | pledge.targets(),
    )
    if problems:
        labels = dict(Commitment.Kind.choices)
        raise PledgeError(
            [f"{labels[kind]}: {message}" for kind, message in problems.items()],
            code="weaker_than_charter",
        )


@transaction.atomic
def submit_pledge(pledge: Pledge, *, by: User) -> Pledge:
    """Send a draft for review; the member must have accepted the charter in force."""
    pledge = (
        Pledge.objects.select_for_update().select_related("member__cooperative").get(pk=pledge.pk)
    )
    pledge.ensure_editable()
    member = pledge.member
    today = member.cooperative.today()
    if not has_accepted_charter_in_force(member, today):
        raise PledgeError(
            _(
                "Your firm has not accepted the charter in force yet. Accept the charter first, "
                "then submit the pledge."
            ),
            code="charter_not_accepted",
        )
    _check_against_charter(pledge, today)
    if not pledge.signatory_name.strip():
        raise PledgeError(_("Name the person who signs the pledge."), code="no_signatory")
    pledge.status = Pledge.Status.SUBMITTED
    pledge.submitted_at = timezone.now()
    pledge.submitted_by = by
    pledge.review_comments = ""
    pledge.save()
    queue_mail(
        _administrators(member.cooperative),
        "email/pledges/submitted",
        {
            "pledge": pledge,
            "member": member,
            "url": site_url(
                reverse("pledges:pledge_review", args=[member.cooperative.slug, pledge.pk])
            ),
        },
        language="zh-hans",
        key=f"pledge-submitted:{pledge.pk}:{pledge.submitted_at.isoformat()}",
    )
    return pledge


def _require_administrator(user: User, cooperative: Cooperative) -> None:
    if not user.administers(cooperative):
        raise PledgeError(
            _("Only an administrator of the cooperative reviews pledges."), code="not_admin"
        )


@transaction.atomic
def approve_pledge(pledge: Pledge, *, by: User) -> Pledge:
    """Publish a submitted version from the cooperative's today; it supersedes the earlier ones."""
    pledge = (
        Pledge.objects.select_for_update().select_related("member__cooperative").get(pk=pledge.pk)
    )
    member = pledge.member
    _require_administrator(by, member.cooperative)
    if pledge.status != Pledge.Status.SUBMITTED:
        raise PledgeError(_("Only a submitted pledge can be approved."), code="not_submitted")
    today = member.cooperative.today()
    _check_against_charter(pledge, today)
    pledge.status = Pledge.Status.PUBLISHED
    pledge.published_on = today
    pledge.reviewed_by = by
    pledge.reviewed_at = timezone.now()
    pledge.save()
    queue_mail(
        member_recipients(member),
        "email/pledges/published",
        {"pledge": pledge, "member": member, "url": site_url(public_path(member))},
        language="zh-hans",
        key=f"pledge-published:{pledge.pk}",
    )
    from coop_portal.tasks import enqueue

    from .tasks import render_pledge_pdf_task

    # With the broker down the PDF is drawn when first asked for (views.pledge_pdf).
    enqueue(render_pledge_pdf_task, pledge.pk)
    return pledge


@transaction.atomic
def return_pledge(pledge: Pledge, *, by: User, comments: str) -> Pledge:
    """Send a submitted version back to the member with the reviewer's comments."""
    pledge = (
        Pledge.objects.select_for_update().select_related("member__cooperative").get(pk=pledge.pk)
    )
    member = pledge.member
    _require_administrator(by, member.cooperative)
    if pledge.status != Pledge.Status.SUBMITTED:
        raise PledgeError(_("Only a submitted pledge can be returned."), code="not_submitted")
    if not comments.strip():
        raise PledgeError(_("Say what the member should change."), code="no_comments")
    pledge.status = Pledge.Status.RETURNED
    pledge.review_comments = comments.strip()
    pledge.reviewed_by = by
    pledge.reviewed_at = timezone.now()
    pledge.save()
    queue_mail(
        member_recipients(member),
        "email/pledges/returned",
        {
            "pledge": pledge,
            "member": member,
            "url": site_url(reverse("portal:pledge", args=[member.pk, pledge.pk])),
        },
        language="zh-hans",
        key=f"pledge-returned:{pledge.pk}:{pledge.reviewed_at.isoformat()}",
    )
    return pledge


@transaction.atomic
def withdraw_pledge(pledge: Pledge, *, by: User) -> Pledge:
    """Withdraw a published version from the cooperative's today. Earlier ones stay superseded."""
    pledge = (
        Pledge.objects.select_for_update().select_related("member__cooperative").get(pk=pledge.pk)
    )
    if pledge.status != Pledge.Status.PUBLISHED:
        raise PledgeError(_("Only a published pledge can be withdrawn."), code="not_published")
    pledge.status = Pledge.Status.WITHDRAWN
    pledge.withdrawn_on = max(pledge.member.cooperative.today(), pledge.published_on)  # type: ignore[type-var]
    pledge.save()
    return pledge


def render_pledge_pdf(pledge: Pledge) -> None:
    """Render the PDF of a published version (in Chinese, with a QR code to the live page)."""
    member = pledge.member
    url = site_url(public_path(member))
    with translation.override("zh-hans"):
        context: dict[str, object] = {
            "pledge": pledge,
            "member": member,
            "cooperative": member.cooperative,
            "commitments": list(pledge.commitments.in_order()),
            "product_lines": list(pledge.product_lines.prefetch_related("standards")),
            "url": url,
            "qr": qr_svg_data_uri(url),
        }
        data = render_pdf("pledges/pledge_pdf.html", context, language="zh-hans")
    name = f"pledge-{member.credit_code}-v{pledge.version}.pdf"
    pledge.pdf.save(name, ContentFile(data), save=False)
    Pledge.objects.filter(pk=pledge.pk).update(pdf=pledge.pdf.name)
    # QuerySet.update sends no signal; the pledge page links the PDF.
    data_changed(member.cooperative_id)


# Member teams ----------------------------------------------------------------------------------


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
