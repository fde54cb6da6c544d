"""State changes of pledges and of member teams: each one atomic, with its mail and queued work."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from charter.models import CharterVersion, ScoringPolicy
from charter.services import (
    has_accepted_charter_in_force,
    policy_in_force,
    publish_charter_version,
)
from coop_portal.history import note_change_reason
from coop_portal.links import absolute_url
from coop_portal.mail import queue_mail_in_their_languages
from coop_portal.refusal import Refused
from coop_portal.tasks import enqueue
from inspections.models import Inspection
from members.models import Cooperative, Member, User
from members.notices import queue_member_mail

from .assessment import published
from .links import public_path
from .minimums import pledges_below
from .models.assessment import AssessmentPeriod
from .models.pledge import (
    KINDS,
    Commitment,
    Pledge,
    ProductLine,
    Standard,
    charter_minimum,
    commitment_problems,
)
from .models.reply import REPLY_LENGTH, Reply
from .tasks import render_pledge_pdf_task


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


# Pledge lifecycle ----------------------------------------------------------------------------


@transaction.atomic
def start_pledge(member: Member, *, by: User, use_template: bool = False) -> Pledge:
    """Open the next version of the member's pledge as a draft.

    It starts from the latest published version when there is one, else (and always when asked)
    from the ready template. A member has at most one version open at a time.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if Pledge.objects.filter(member=member).open().exists():
        raise Refused(
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
        # Everything the member wrote is carried over, the validity period included: a field
        # left empty would read as deleted in the review of the next version.
        for field in (
            "statement",
            "promises",
            "valid_from",
            "valid_until",
            "signatory_name",
            "signatory_title",
        ):
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
        raise Refused(problems)
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
        raise Refused(
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
        raise Refused(
            _(
                "Your firm has not accepted the charter in force yet. Accept the charter first, "
                "then submit the pledge."
            ),
            code="charter_not_accepted",
        )
    _check_against_charter(pledge, today)
    if not pledge.signatory_name.strip():
        raise Refused(_("Name the person who signs the pledge."), code="no_signatory")
    pledge.status = Pledge.Status.SUBMITTED
    pledge.submitted_at = timezone.now()
    pledge.submitted_by = by
    pledge.review_comments = ""
    pledge.save()
    queue_mail_in_their_languages(
        member.cooperative.administrator_emails(),
        "email/pledges/submitted",
        {
            "pledge": pledge,
            "member": member,
            "url": absolute_url(
                reverse("pledges:pledge_review", args=[member.cooperative.slug, pledge.pk])
            ),
        },
        key=f"pledge-submitted:{pledge.pk}:{pledge.submitted_at.isoformat()}",
    )
    return pledge


def _require_administrator(user: User, cooperative: Cooperative) -> None:
    if not user.administers(cooperative):
        raise Refused(
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
        raise Refused(_("Only a submitted pledge can be approved."), code="not_submitted")
    today = member.cooperative.today()
    _check_against_charter(pledge, today)
    pledge.status = Pledge.Status.PUBLISHED
    pledge.published_on = today
    pledge.reviewed_by = by
    pledge.reviewed_at = timezone.now()
    pledge.save()
    queue_member_mail(
        member,
        "email/pledges/published",
        {"pledge": pledge, "member": member, "url": absolute_url(public_path(member))},
        key=f"pledge-published:{pledge.pk}",
    )
    # With the broker down the claim runs out and the PDF is drawn when next asked for
    # (views.pledge_pdf).
    if pledge.claim_pdf_render():
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
        raise Refused(_("Only a submitted pledge can be returned."), code="not_submitted")
    if not comments.strip():
        raise Refused(_("Say what the member should change."), code="no_comments")
    pledge.status = Pledge.Status.RETURNED
    pledge.review_comments = comments.strip()
    pledge.reviewed_by = by
    pledge.reviewed_at = timezone.now()
    pledge.save()
    queue_member_mail(
        member,
        "email/pledges/returned",
        {
            "pledge": pledge,
            "member": member,
            "url": absolute_url(reverse("portal:pledge", args=[member.pk, pledge.pk])),
        },
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
        raise Refused(_("Only a published pledge can be withdrawn."), code="not_published")
    pledge.status = Pledge.Status.WITHDRAWN
    pledge.withdrawn_on = max(pledge.member.cooperative.today(), pledge.published_on)  # type: ignore[type-var]
    pledge.save()
    return pledge


# Charter versions that raise a minimum -----------------------------------------------------


def notify_pledges_below(version: CharterVersion) -> int:
    """Tell each member whose pledge in force the version's policy refuses what it now
    requires, once per member and version, in its users' languages. Returns how many members
    were told."""
    told = 0
    for item in pledges_below(version):
        member = item.member
        queued = queue_mail_in_their_languages(
            member.email_recipients(),
            "email/pledges/below_minimum",
            {
                "member": member,
                "version": version,
                "pledge": item.pledge,
                "shortfalls": item.shortfalls,
                "url": absolute_url(reverse("portal:pledge_new", args=[member.pk])),
            },
            key=f"pledge-below-minimum:{version.pk}:{member.pk}",
        )
        told += 1 if queued else 0
    return told


@transaction.atomic
def publish_charter(version: CharterVersion, *, by: User | None) -> tuple[CharterVersion, int]:
    """Publish a charter version (charter.services.publish_charter_version) and tell the
    members whose pledge in force it would refuse (notify_pledges_below); both or neither.
    Returns the version and how many members were told."""
    version = publish_charter_version(version, by=by)
    return version, notify_pledges_below(version)


# Members' replies beside their public results ----------------------------------------------

# A reply is plain text: anything that reads as an HTML tag is refused, not stripped, so that
# the member sees exactly what is published.
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


def reply_period(member: Member) -> AssessmentPeriod | None:
    """The period whose result the member may answer now: that of its latest public result
    (a reply may be written until a newer period's result of the member is published)."""
    history = published.grade_history(member)
    return history[-1].period if history else None


def replyable_inspections(member: Member) -> QuerySet[Inspection]:
    """The member's spot-check results its public page shows, which it may answer."""
    return Inspection.objects.filter(member=member).spot_checks().final()


def _reply_text(text: str) -> str:
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    if not text:
        raise Refused(_("Write your reply."), code="text_required")
    if len(text) > REPLY_LENGTH:
        raise Refused(
            _("A reply has at most %(limit)d characters (this one has %(length)d).")
            % {"limit": REPLY_LENGTH, "length": len(text)},
            code="too_long",
        )
    if HTML_TAG.search(text):
        raise Refused(_("Write plain text, without HTML."), code="html")
    return text


@transaction.atomic
def publish_reply(
    member: Member,
    *,
    text: str,
    by: User | None,
    period: AssessmentPeriod | None = None,
    inspection: Inspection | None = None,
) -> Reply:
    """Publish the member's reply beside its assessment result of ``period``, beside the
    spot-check result ``inspection``, or (neither given) beside its complaint statistics. It
    is public at once, under the member's responsibility; a reply to the same result replaces
    the earlier one (kept in the history), even one the cooperative refused."""
    text = _reply_text(text)
    if member.status == Member.Status.APPLICANT:
        raise Refused(_("An applicant has no public results to reply to."), code="applicant")
    if period is not None and inspection is not None:
        raise Refused(_("A reply answers one result."), code="two_targets")
    target: dict[str, object]
    if period is not None:
        if period != reply_period(member):
            raise Refused(
                _(
                    "You may reply to your latest published assessment result only: a newer "
                    "period's result has been published since."
                ),
                code="not_latest",
            )
        target = {"subject": Reply.Subject.ASSESSMENT, "period": period}
    elif inspection is not None:
        if not replyable_inspections(member).filter(pk=inspection.pk).exists():
            raise Refused(
                _("You may reply only to a spot-check result your public page shows."),
                code="not_shown",
            )
        target = {"subject": Reply.Subject.INSPECTION, "inspection": inspection}
    else:
        target = {"subject": Reply.Subject.COMPLAINTS}
    reply = Reply.objects.select_for_update().filter(member=member, **target).first()
    if reply is None:
        return Reply.objects.create(member=member, text=text, written_by=by, **target)
    reply.text = text
    reply.written_at = timezone.now()
    reply.written_by = by
    reply.refused_at = None
    reply.refused_by = None
    reply.refusal_reason = ""
    note_change_reason(reply, "replaced by the member")
    reply.save()
    return reply


@transaction.atomic
def refuse_reply(reply: Reply, *, by: User, reason: str) -> Reply:
    """An administrator of the member's cooperative refuses its reply as offensive or plainly
    untrue: the public pages no longer show it; who, when and why are recorded, and the member
    is told by e-mail (and on its notifications page)."""
    reply = (
        Reply.objects.select_for_update(of=("self",))
        .select_related("member__cooperative", "period", "inspection")
        .get(pk=reply.pk)
    )
    member = reply.member
    if not by.administers(member.cooperative):
        raise Refused(
            _("Only an administrator of the member's cooperative may refuse its reply."),
            code="not_admin",
        )
    if reply.is_refused:
        raise Refused(_("This reply was refused already."), code="refused")
    if not reason.strip():
        raise Refused(_("Say why the reply is refused."), code="reason_required")
    reply.refused_at = timezone.now()
    reply.refused_by = by
    reply.refusal_reason = reason.strip()
    note_change_reason(reply, reason)
    reply.save()
    queue_member_mail(
        member,
        "email/pledges/reply_refused",
        {
            "reply": reply,
            "member": member,
            "url": absolute_url(reply_path(reply)),
        },
        key=f"reply-refused:{reply.pk}:{reply.refused_at.isoformat()}",
    )
    return reply


def reply_path(reply: Reply) -> str:
    """The member portal's page where the member writes this reply again."""
    if reply.period_id is not None:
        return reverse("portal:reply_assessment", args=[reply.member_id, reply.period_id])
    if reply.inspection_id is not None:
        return reverse("portal:reply_inspection", args=[reply.member_id, reply.inspection_id])
    return reverse("portal:reply_complaints", args=[reply.member_id])
