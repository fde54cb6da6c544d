"""State changes of the charter and the exit mechanism: atomic, recorded, mailed after commit."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coop_portal.evidence import CheckedFile, store_evidence
from coop_portal.history import note_change_reason
from coop_portal.links import absolute_url
from coop_portal.mail import queue_mail, queue_mail_in_their_languages
from coop_portal.refusal import Refused
from coop_portal.workdays import Deadline
from members import services as registry
from members.models import Conversion, Cooperative, Member, User
from members.notices import queue_member_mail
from members.services import can_change_status, change_status
from members.team import invite_first_owner

from .models import (
    SECTIONS,
    Appeal,
    AppealEvidence,
    Application,
    CharterAcceptance,
    CharterVersion,
    ExitCase,
    ExitStep,
    ScoringPolicy,
)

Status = Member.Status
Kind = ExitStep.Kind

# The member status each step puts into effect (a trademark eligibility changes none).
STATUS_AFTER: dict[str, str] = {
    Kind.WARNING: Status.WARNED,
    Kind.SUSPENSION: Status.SUSPENDED,
    Kind.REMOVAL: Status.REMOVED,
    Kind.WITHDRAWAL: Status.WITHDRAWN,
    Kind.RESTORATION: Status.ACTIVE,
}
# Steps that end the case when they take effect.
CLOSING_KINDS = {Kind.REMOVAL, Kind.WITHDRAWAL, Kind.RESTORATION, Kind.TRADEMARK_ELIGIBLE}
# Steps that come with a rectification period.
RECTIFYING_KINDS = {Kind.WARNING, Kind.SUSPENSION}
PROPOSABLE_KINDS = {"warning", "suspension", "removal", "trademark_eligible"}
# A member that has left, or has not joined yet, has nothing to propose.
NOT_PROPOSABLE_STATUSES = {Status.APPLICANT, Status.REMOVED, Status.WITHDRAWN}
# A suspended member may not use the collective trademark, so it is not proposed for it.
NOT_ELIGIBLE_STATUSES = NOT_PROPOSABLE_STATUSES | {Status.SUSPENDED}
# How far each step reaches: a step supersedes pending proposals that reach no further.
SEVERITY: dict[str, int] = {
    Kind.TRADEMARK_ELIGIBLE: 0,
    Kind.WARNING: 1,
    Kind.SUSPENSION: 2,
    Kind.REMOVAL: 3,
}
DEFAULT_LANGUAGE = "zh-hans"


def policy_in_force(cooperative: Cooperative, on: datetime.date) -> ScoringPolicy:
    """The scoring policy of the charter in force on a day (the defaults when there is none)."""
    version = CharterVersion.objects.in_force(cooperative, on=on)
    if version is None or not hasattr(version, "policy"):
        return ScoringPolicy()
    return version.policy


# Charter versions ------------------------------------------------------------------------


def next_version_number(cooperative: Cooperative) -> int:
    latest = cooperative.charter_versions.aggregate(latest=Max("number"))["latest"]
    return (latest or 0) + 1


@transaction.atomic
def draft_charter_version(
    cooperative: Cooperative, *, effective_from: datetime.date
) -> CharterVersion:
    """Start the next version as a draft, copying the text and policy of the latest one."""
    Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    latest = cooperative.charter_versions.order_by("-number").first()
    fields = ["title_zh", "title_en"] + [
        f"{key}_{language}" for key, _heading in SECTIONS for language in ("zh", "en")
    ]
    draft = CharterVersion.objects.create(
        cooperative=cooperative,
        number=next_version_number(cooperative),
        effective_from=effective_from,
        status=CharterVersion.Status.DRAFT,
        **({field: getattr(latest, field) for field in fields} if latest else {}),
    )
    policy = ScoringPolicy(charter_version=draft)
    if latest is not None and hasattr(latest, "policy"):
        for field in ScoringPolicy._meta.concrete_fields:
            if field.name not in {"id", "charter_version"}:
                setattr(policy, field.attname, getattr(latest.policy, field.attname))
    policy.save()
    return draft


@transaction.atomic
def publish_charter_version(
    version: CharterVersion, *, by: User | None, on: datetime.date | None = None
) -> CharterVersion:
    """Publish a draft: it comes into force on its effective date and never changes again.

    Refused for a version already published, one without text in both languages or with an
    invalid policy, and one whose effective date is in the past or not after the effective
    date of every version published before it (so exactly one version is in force each day).
    """
    cooperative = Cooperative.objects.select_for_update().get(pk=version.cooperative_id)
    version = CharterVersion.objects.select_for_update().get(pk=version.pk)
    today = on or cooperative.today()
    if version.is_published:
        raise Refused(_("This charter version is published already."), code="published")
    missing = version.missing_sections()
    if missing:
        raise Refused(
            _("Write every section in both languages before publishing. Missing: %(missing)s.")
            % {"missing": "; ".join(missing)},
            code="missing_sections",
        )
    if not hasattr(version, "policy"):
        raise Refused(_("The version has no scoring policy."), code="no_policy")
    version.policy.full_clean(exclude=["charter_version"])
    if version.effective_from < today:
        raise Refused(
            _("The effective date %(date)s is in the past: choose today or a later day.")
            % {"date": date_format(version.effective_from)},
            code="effective_in_past",
        )
    latest = (
        cooperative.charter_versions.published()
        .exclude(pk=version.pk)
        .order_by("-effective_from")
        .first()
    )
    if latest is not None and version.effective_from <= latest.effective_from:
        raise Refused(
            _(
                "Version %(number)s is in force, or will be, from %(date)s: the new version "
                "must come into force after that day."
            )
            % {"number": latest.number, "date": date_format(latest.effective_from)},
            code="effective_too_early",
        )
    version.status = CharterVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version.save()
    return version


# Acceptance ------------------------------------------------------------------------------


@transaction.atomic
def accept_charter(
    member: Member, version: CharterVersion, *, signatory_name: str, by: User | None
) -> CharterAcceptance:
    """Record that the member accepts a published version; accepting it again changes nothing."""
    if not version.is_published or version.cooperative_id != member.cooperative_id:
        raise Refused(_("This charter version cannot be accepted."), code="not_acceptable")
    if not signatory_name.strip():
        raise Refused(_("Give the name of the person signing."), code="no_signatory")
    acceptance, _created = CharterAcceptance.objects.get_or_create(
        member=member,
        version=version,
        defaults={"signatory_name": signatory_name.strip(), "recorded_by": by},
    )
    return acceptance


def has_accepted_charter_in_force(member: Member, on: datetime.date) -> bool:
    """Whether the member accepted the charter version in force on the day."""
    version = CharterVersion.objects.in_force(member.cooperative, on=on)
    return version is not None and CharterAcceptance.objects.has_accepted(member, version)


@transaction.atomic
def remind_to_accept(version: CharterVersion, members: list[Member] | None = None) -> int:
    """E-mail members who have not accepted the version; each member once per version."""
    pending = version.members_not_accepted()
    if members is not None:
        pending = pending.filter(pk__in=[member.pk for member in members])
    sent = 0
    for member in pending:
        queued = queue_member_mail(
            member,
            "email/charter/acceptance_reminder",
            {"member": member, "version": version, "url": absolute_url(reverse("charter:accept"))},
            key=f"charter-reminder:{version.pk}:{member.pk}",
        )
        sent += bool(queued)
    return sent


# Applications ----------------------------------------------------------------------------


def readmission_date(member: Member, policy: ScoringPolicy) -> datetime.date | None:
    """The first day a member that left may apply again (None: it has not left)."""
    if member.status not in {Status.REMOVED, Status.WITHDRAWN} or member.left_on is None:
        return None
    return member.left_on + datetime.timedelta(days=policy.cooling_off_days)


def check_may_apply(
    cooperative: Cooperative, credit_code: str, on: datetime.date, *, exclude_pk: int | None = None
) -> Member | None:
    """Refuse a duplicate, an existing member or a re-admission inside the cooling-off period.

    Returns the former member the application would re-admit, if any.
    """
    pending = Application.objects.pending().filter(cooperative=cooperative, credit_code=credit_code)
    if exclude_pk is not None:
        pending = pending.exclude(pk=exclude_pk)
    if pending.exists():
        raise Refused(
            _("An application with this credit code is already awaiting review."),
            code="duplicate",
        )
    member = Member.objects.filter(cooperative=cooperative, credit_code=credit_code).first()
    if member is None:
        return None
    if member.status not in {Status.REMOVED, Status.WITHDRAWN}:
        raise Refused(
            _("A member with this credit code belongs to the cooperative already."),
            code="already_member",
        )
    may_apply_from = readmission_date(member, policy_in_force(cooperative, on))
    if may_apply_from is not None and on < may_apply_from:
        raise Refused(
            _(
                "This firm left the cooperative on %(left)s. It may apply to be re-admitted "
                "from %(date)s."
            )
            % {"left": date_format(member.left_on or on), "date": date_format(may_apply_from)},
            code="cooling_off",
        )
    return member


@transaction.atomic
def submit_application(application: Application) -> Application:
    """File an application (unsaved, from the public form) and acknowledge it by e-mail."""
    cooperative = Cooperative.objects.select_for_update().get(pk=application.cooperative_id)
    today = cooperative.today()
    version = CharterVersion.objects.in_force(cooperative, on=today)
    if version is None or application.charter_version_id != version.pk:
        raise Refused(
            _("The charter changed while you were filling in the form: read it and apply again."),
            code="charter_changed",
        )
    check_may_apply(cooperative, application.credit_code, today)
    application.status = Application.Status.PENDING
    application.save()
    queue_mail(
        [application.email],
        "email/charter/application_received",
        {"application": application, "cooperative": cooperative},
        language=application.language,
        key=f"application:{application.pk}:received",
    )
    return application


def _check_conditions(version: CharterVersion, checklist: list[int]) -> list[str]:
    """Every basic condition of the version confirmed (``checklist``: their positions)."""
    conditions = version.basic_conditions("zh")
    if sorted(set(checklist)) != list(range(len(conditions))):
        raise Refused(
            _("Confirm every basic condition of the charter before approving."),
            code="checklist",
        )
    return conditions


def _admit(
    member: Member,
    version: CharterVersion,
    *,
    by: User,
    reason: str,
    signatory_name: str,
    on: datetime.date,
) -> Member:
    """Make an applicant or a former member active and record its acceptance of the charter.

    A re-admission ends the removal or withdrawal that was in effect: the member is no longer
    listed among the removed.
    """
    change_status(member, Status.ACTIVE, by=by, reason=reason, on=on)
    for step in ExitStep.objects.for_member(member).in_effect().filter(kind__in=STATUS_AFTER):
        step.ended_on = on
        note_change_reason(step, reason)
        step.save(update_fields=["ended_on"])
    member.refresh_from_db()
    accept_charter(member, version, signatory_name=signatory_name, by=by)
    return member


def _version_for_admission(cooperative: Cooperative, on: datetime.date) -> CharterVersion:
    version = CharterVersion.objects.in_force(cooperative, on=on)
    if version is None:
        raise Refused(_("No charter is in force to admit a member under."), code="charter")
    return version


@transaction.atomic
def approve_application(
    application: Application, *, by: User, checklist: list[int], on: datetime.date | None = None
) -> Member:
    """Admit the applicant: a new member, or a former one re-admitted after its cooling-off.

    Every basic condition of the charter must be confirmed (``checklist``: their positions).
    The member becomes active, its acceptance of the charter in force is recorded, and the
    applicant is told by e-mail; its contact address is invited to be the member's owner, so
    that the new member has a first login.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    cooperative = application.cooperative
    today = on or cooperative.today()
    if application.status != Application.Status.PENDING:
        raise Refused(_("This application was decided already."), code="decided")
    version = CharterVersion.objects.in_force(cooperative, on=today)
    if version is None or version.pk != application.charter_version_id:
        raise Refused(
            _(
                "The applicant accepted a charter version that is no longer in force; admission "
                "requires accepting the version in force. Reject it and ask for a new application."
            ),
            code="charter_changed",
        )
    conditions = _check_conditions(version, checklist)
    former = check_may_apply(cooperative, application.credit_code, today, exclude_pk=application.pk)
    details = {
        "name": application.name,
        "name_en": application.name_en,
        "kind": application.kind,
        "scale": application.scale,
        "address": application.address,
        "contact_person": application.contact_person,
        "phone": application.phone,
        "email": application.email,
    }
    if former is not None:
        member = former
        for field, value in details.items():
            setattr(member, field, value)
        member.save(update_fields=[*details, "updated_at"])
        reason = _("Re-admitted on application no. %(number)s.") % {"number": application.pk}
    else:
        member = Member.objects.create(
            cooperative=cooperative,
            credit_code=application.credit_code,
            status=Status.APPLICANT,
            **details,
        )
        reason = _("Admitted on application no. %(number)s.") % {"number": application.pk}
    member = _admit(
        member,
        version,
        by=by,
        reason=reason,
        signatory_name=application.signatory_name,
        on=today,
    )
    application.status = Application.Status.APPROVED
    application.checklist = conditions
    application.decided_at = timezone.now()
    application.decided_by = by
    application.decision_reason = reason
    application.member = member
    application.save()
    invite_first_owner(member, by=by, language=application.language)
    queue_mail(
        [application.email],
        "email/charter/application_approved",
        {"application": application, "cooperative": cooperative, "member": member},
        language=application.language,
        key=f"application:{application.pk}:decision",
    )
    return member


def check_readmission(member: Member, on: datetime.date) -> None:
    """Refuse to re-admit a member that has not left, or before its cooling-off has passed."""
    if not member.has_left:
        raise Refused(
            _("Only a member that has left can be re-admitted; %(member)s is %(status)s.")
            % {"member": member, "status": member.get_status_display()},
            code="not_left",
        )
    check_may_apply(member.cooperative, member.credit_code, on)


@transaction.atomic
def readmit_member(
    member: Member,
    *,
    by: User,
    reason: str,
    signatory_name: str,
    checklist: list[int],
    on: datetime.date | None = None,
) -> Member:
    """Re-admit a former member whose application came on paper (the admin's front door).

    The same rules as an application: an administrator decides, the cooling-off period has
    passed, no application with the credit code is waiting, every basic condition of the
    charter in force is confirmed, and the member's acceptance of it is recorded.
    """
    _require_administrator(by, member.cooperative)
    member = Member.objects.select_for_update().get(pk=member.pk)
    cooperative = member.cooperative
    today = on or cooperative.today()
    if not reason.strip():
        raise Refused(_("Give the reason for this step."), code="reason_required")
    if not signatory_name.strip():
        raise Refused(_("Give the name of the person signing."), code="no_signatory")
    check_readmission(member, today)
    version = _version_for_admission(cooperative, today)
    _check_conditions(version, checklist)
    return _admit(
        member,
        version,
        by=by,
        reason=_("Re-admitted on a paper application: %(reason)s") % {"reason": reason.strip()},
        signatory_name=signatory_name.strip(),
        on=today,
    )


@transaction.atomic
def reject_application(application: Application, *, by: User, reason: str) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Application.Status.PENDING:
        raise Refused(_("This application was decided already."), code="decided")
    if not reason.strip():
        raise Refused(_("Give the reason for the rejection."), code="reason_required")
    application.status = Application.Status.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = by
    application.decision_reason = reason.strip()
    application.save()
    queue_mail(
        [application.email],
        "email/charter/application_rejected",
        {"application": application, "cooperative": application.cooperative},
        language=application.language,
        key=f"application:{application.pk}:decision",
    )
    return application


# Exit cases ------------------------------------------------------------------------------


def _open_case_for(
    member: Member, kind: str, *, by: User | None, at: datetime.datetime | None = None
) -> ExitCase:
    """The member's open exit case, or a new one (opened ``at``, now unless given); a
    trademark eligibility is a case of its own."""
    cases = member.exit_cases.open()
    if kind == Kind.TRADEMARK_ELIGIBLE:
        case = cases.filter(steps__kind=Kind.TRADEMARK_ELIGIBLE).first()
    else:
        case = cases.exclude(steps__kind=Kind.TRADEMARK_ELIGIBLE).first()
    return case or ExitCase.objects.create(
        member=member, opened_by=by, opened_at=at or timezone.now()
    )


def may_be_proposed(status: str, kind: str) -> bool:
    """Whether a member in this status may be proposed this kind of step: one rule for the
    publication's confirmation (which counts) and for the proposal itself (which records)."""
    barred = NOT_ELIGIBLE_STATUSES if kind == Kind.TRADEMARK_ELIGIBLE else NOT_PROPOSABLE_STATUSES
    return status not in barred


# Atomic itself: its row lock needs a transaction (PostgreSQL refuses one outside), and a
# caller must not have to remember to open it.
@transaction.atomic
def propose_consequence(
    member: Member, kind: str, *, reason: str, source_ref: str, reason_en: str = ""
) -> ExitCase | None:
    """Record a consequence proposed by the assessment engine, awaiting an administrator.

    Nothing happens to the member until an administrator confirms it. Proposing the same kind
    from the same source again returns the case it is in. Returns None for a member that has
    left or not joined yet: there is nothing to propose. ``reason`` is Chinese, ``reason_en``
    the same in English.
    """
    if kind not in PROPOSABLE_KINDS:
        raise ValueError(f"Not a consequence the charter knows: {kind}")
    member = Member.objects.select_for_update().get(pk=member.pk)
    existing = (
        ExitStep.objects.for_member(member)
        .filter(kind=kind, source_ref=source_ref)
        .select_related("case")
        .first()
    )
    if existing is not None:
        return existing.case
    if not may_be_proposed(member.status, kind):
        return None
    case = _open_case_for(member, kind, by=None)
    ExitStep.objects.create(
        case=case, kind=kind, reason=reason, reason_en=reason_en, source_ref=source_ref
    )
    return case


def _dismiss(step: ExitStep, *, by: User | None, reason: str, on: datetime.date) -> None:
    """Dismiss a proposed step; its case closes when nothing else in it stands."""
    step.status = ExitStep.Status.DISMISSED
    step.decided_by = by
    step.decided_at = timezone.now()
    step.decided_on = on
    step.decision_reason = reason
    step.save()
    case = step.case
    if not case.steps.exclude(status=ExitStep.Status.DISMISSED).exists():
        case.closed_on = on
        case.closing_reason = _("Every proposal was dismissed.")
        case.save(update_fields=["closed_on", "closing_reason"])


@transaction.atomic
def revise_proposal(step: ExitStep, *, reason: str, source_ref: str, reason_en: str = "") -> bool:
    """A new revision of the assessment that proposed a step still calls for it: the proposal
    takes the revision's reason and source instead of being proposed again. Returns whether
    it changed; a step decided already is left as it is."""
    step = ExitStep.objects.select_for_update().get(pk=step.pk)
    if step.status != ExitStep.Status.PROPOSED:
        return False
    if (step.reason, step.reason_en, step.source_ref) == (reason, reason_en, source_ref):
        return False
    step.reason = reason
    step.reason_en = reason_en
    step.source_ref = source_ref
    note_change_reason(step, source_ref)
    step.save(update_fields=["reason", "reason_en", "source_ref"])
    return True


@transaction.atomic
def withdraw_proposal(step: ExitStep, *, reason: str) -> bool:
    """A new revision of the assessment no longer calls for a proposed step: it is dismissed
    with the reason, without an administrator. Returns whether it was still proposed."""
    step = ExitStep.objects.select_for_update().select_related("case__member").get(pk=step.pk)
    if step.status != ExitStep.Status.PROPOSED:
        return False
    _dismiss(step, by=None, reason=reason, on=step.case.member.cooperative.today())
    return True


def _require_administrator(user: User, cooperative: Cooperative) -> None:
    if not user.administers(cooperative):
        raise Refused(
            _("Only an administrator of the cooperative may decide this."), code="not_admin"
        )


def _end_earlier_steps(step: ExitStep, on: datetime.date) -> None:
    """The member's other status steps in effect end: this step replaces them."""
    earlier = (
        ExitStep.objects.for_member(step.case.member)
        .in_effect()
        .filter(kind__in=STATUS_AFTER)
        .exclude(pk=step.pk)
    )
    for other in earlier:
        other.ended_on = on
        other.ended_by = step
        note_change_reason(other, str(step.get_kind_display()))
        other.save(update_fields=["ended_on", "ended_by"])


def _withdraw_superseded(step: ExitStep, on: datetime.date) -> None:
    """Pending proposals of the same or a lesser kind lose their point once the step is in
    effect: they are withdrawn, with the reason, instead of waiting for a decision no one
    can usefully take (or that the member's new status no longer even allows)."""
    reach = SEVERITY.get(step.kind, max(SEVERITY.values()))
    reason = _("Withdrawn: superseded by the %(step)s of %(day)s (%(case)s).") % {
        "step": step.get_kind_display(),
        "day": date_format(on),
        "case": step.case,
    }
    pending = ExitStep.objects.for_member(step.case.member).proposed().exclude(pk=step.pk)
    for other in pending.select_related("case"):
        if SEVERITY.get(other.kind, reach + 1) <= reach:
            _dismiss(other, by=None, reason=reason, on=on)


def _licences_follow(step: ExitStep, member: Member, on: datetime.date) -> None:
    """The member's collective trademark licences follow the step (members.services)."""
    reason = _("%(step)s (%(case)s)") % {"step": step.get_kind_display(), "case": step.case}
    if step.kind == Kind.SUSPENSION:
        registry.suspend_licences(member, on=on, reason=reason)
    elif step.kind == Kind.RESTORATION:
        registry.restore_licences(member, reason=reason)
    elif step.kind in (Kind.REMOVAL, Kind.WITHDRAWAL):
        registry.revoke_licences(member, on=on, reason=reason)
    elif step.kind == Kind.TRADEMARK_ELIGIBLE:
        registry.draft_licence(
            member,
            note=_("%(step)s (%(case)s): %(reason)s")
            % {"step": step.get_kind_display(), "case": step.case, "reason": step.reason},
        )


def _put_into_effect(step: ExitStep, *, by: User | None, reason: str, on: datetime.date) -> None:
    member = Member.objects.select_for_update().get(pk=step.case.member_id)
    policy = policy_in_force(member.cooperative, on)
    step.status_before = member.status
    target = STATUS_AFTER.get(step.kind)
    if target is not None and member.status != target:
        change_status(
            member,
            target,
            by=by,
            reason=_("%(step)s (%(case)s): %(reason)s")
            % {"step": step.get_kind_display(), "case": step.case, "reason": step.reason},
            on=on,
        )
    step.status = ExitStep.Status.CONFIRMED
    step.decided_by = by
    step.decided_at = timezone.now()
    step.decided_on = on
    step.decision_reason = reason
    if step.kind in RECTIFYING_KINDS:
        step.rectification_until = on + datetime.timedelta(days=policy.rectification_period_days)
    step.save()
    if target is not None:
        _end_earlier_steps(step, on)
        if step.kind != Kind.RESTORATION:
            _withdraw_superseded(step, on)
    _licences_follow(step, member, on)
    if step.kind in CLOSING_KINDS:
        case = step.case
        case.closed_on = on
        case.closing_reason = step.get_kind_display()
        case.save(update_fields=["closed_on", "closing_reason"])
    appealable = step.kind in ExitStep.APPEALABLE_KINDS
    queue_member_mail(
        member,
        "email/charter/exit_step",
        {
            "member": member,
            "step": step,
            "appeal_window": step.appeal_window(policy.appeal_window_days) if appealable else None,
            "url": absolute_url(reverse("charter:member_cases") + f"?member={member.pk}"),
        },
        key=f"exit-step:{step.pk}:confirmed",
    )


# The steps an administrator takes by hand (the trademark eligibility is only proposed).
HAND_KINDS = (Kind.WARNING, Kind.SUSPENSION, Kind.REMOVAL, Kind.WITHDRAWAL, Kind.RESTORATION)


def check_step(member: Member, kind: str) -> None:
    """Refuse a step the member's present status does not allow, with the reason why."""
    if kind not in HAND_KINDS:
        raise Refused(_("This step cannot be taken by hand."), code="kind")
    target = STATUS_AFTER[kind]
    if member.status != target and not can_change_status(member, target):
        raise Refused(
            _("A member that is %(current)s cannot be given a %(step)s.")
            % {"current": member.get_status_display(), "step": Kind(kind).label},
            code="impossible_step",
        )
    if kind == Kind.RESTORATION and not member.exit_cases.open().exists():
        raise Refused(_("The member has no open case to close."), code="no_case")


def _take_step(
    member: Member,
    kind: str,
    *,
    by: User | None,
    reason: str,
    evidence: str = "",
    source_ref: str = "",
    on: datetime.date | None = None,
) -> ExitStep:
    if not reason.strip():
        raise Refused(_("Give the reason for this step."), code="reason_required")
    member = Member.objects.select_for_update().get(pk=member.pk)
    check_step(member, kind)
    day = on or member.cooperative.today()
    # A step recorded for an earlier day (a paper decision entered late, a conversion on its
    # date) was proposed, and opened its case, that day: not after it took effect.
    at = _taken_at(member.cooperative, day)
    case = _open_case_for(member, kind, by=by, at=at)
    step = ExitStep.objects.create(
        case=case,
        kind=kind,
        reason=reason.strip(),
        evidence=evidence.strip(),
        source_ref=source_ref,
        proposed_by=by,
        proposed_at=at,
    )
    _put_into_effect(step, by=by, reason=reason.strip(), on=day)
    return step


def _taken_at(cooperative: Cooperative, day: datetime.date) -> datetime.datetime:
    """The moment a step taken on ``day`` is recorded: now for today, else noon of the day in
    the cooperative's time zone."""
    if day >= cooperative.today():
        return timezone.now()
    zone = zoneinfo.ZoneInfo(cooperative.time_zone)
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)


@transaction.atomic
def take_exit_step(
    member: Member,
    kind: str,
    *,
    by: User,
    reason: str,
    evidence: str = "",
    source_ref: str = "",
    on: datetime.date | None = None,
) -> ExitStep:
    """An administrator takes a step by hand (opening a case if needed); it takes effect now.

    This is the one way a member is warned, suspended, removed, withdrawn or restored, from
    the charter's step page and from the member list's admin actions alike.
    """
    _require_administrator(by, member.cooperative)
    return _take_step(
        member, kind, by=by, reason=reason, evidence=evidence, source_ref=source_ref, on=on
    )


@transaction.atomic
def record_conversion(
    member: Member,
    *,
    credit_code: str,
    name: str,
    on: datetime.date,
    by: User | None,
    note: str = "",
) -> Conversion:
    """A sole proprietor became a company (个转企): the new firm is a member from the day, and
    the old registration withdraws from the cooperative by an exit step that says why."""
    if by is not None:
        _require_administrator(by, member.cooperative)
    conversion = registry.convert_to_company(
        member, credit_code=credit_code, name=name, on=on, by=by, note=note
    )
    member.refresh_from_db()
    if can_change_status(member, Status.WITHDRAWN):
        firm = conversion.firm
        _take_step(
            member,
            Kind.WITHDRAWAL,
            by=by,
            reason=_("Converted into a company: %(name)s (%(code)s).")
            % {
                "name": firm.name if firm else conversion.new_name,
                "code": conversion.new_credit_code,
            },
            source_ref=f"conversion:{conversion.pk}",
            on=on,
        )
    return conversion


@transaction.atomic
def decide_proposal(
    step: ExitStep, *, by: User, confirm: bool, reason: str, on: datetime.date | None = None
) -> ExitStep:
    """Confirm a proposed step (it takes effect) or dismiss it, with the reason."""
    step = ExitStep.objects.select_for_update().select_related("case__member").get(pk=step.pk)
    member = step.case.member
    _require_administrator(by, member.cooperative)
    if step.status != ExitStep.Status.PROPOSED:
        raise Refused(_("This proposal was decided already."), code="decided")
    if not reason.strip():
        raise Refused(_("Give the reason for the decision."), code="reason_required")
    day = on or member.cooperative.today()
    if not confirm:
        _dismiss(step, by=by, reason=reason.strip(), on=day)
        return step
    target = STATUS_AFTER.get(step.kind)
    if target is not None and member.status != target and not can_change_status(member, target):
        raise Refused(
            _("A member that is %(current)s cannot be given a %(step)s.")
            % {"current": member.get_status_display(), "step": step.get_kind_display()},
            code="impossible_step",
        )
    _put_into_effect(step, by=by, reason=reason.strip(), on=day)
    return step


@transaction.atomic
def decide_proposals(
    steps: list[ExitStep], *, by: User, confirm: bool, reason: str
) -> list[ExitStep]:
    """Decide several proposals alike, each through ``decide_proposal``, all or none: when
    one is refused, none is decided and the refusal names its member. A confirmation without
    a reason of its own gives each step the reason it was proposed for; a dismissal needs a
    reason."""
    if not confirm and not reason.strip():
        raise Refused(_("Give the reason for dismissing the proposals."), code="reason_required")
    decided = []
    for step in steps:
        try:
            decided.append(
                decide_proposal(step, by=by, confirm=confirm, reason=reason.strip() or step.reason)
            )
        except Refused as refused:
            raise Refused(
                _("%(member)s, %(step)s: %(refusal)s Nothing was decided.")
                % {
                    "member": step.case.member.display_name,
                    "step": step.get_kind_display(),
                    "refusal": " ".join(refused.messages),
                },
                code=refused.code,
            ) from refused
    return decided


def appeal_window(
    step: ExitStep, policies: dict[datetime.date, ScoringPolicy] | None = None
) -> Deadline | None:
    """The member's window to appeal the step, under the charter in force on the day it was
    decided (None for a step not decided): the one rule the member's page shows and
    lodge_appeal enforces. ``policies`` keeps the policies already read, by day, for a page
    that shows many steps."""
    day = step.decided_on
    if day is None:
        return None
    policies = {} if policies is None else policies
    if day not in policies:
        policies[day] = policy_in_force(step.case.member.cooperative, day)
    return step.appeal_window(policies[day].appeal_window_days)


def appeal_deadline(step: ExitStep) -> datetime.date | None:
    """The last day the member may appeal the step (appeal_window)."""
    window = appeal_window(step)
    return None if window is None else window.due


@transaction.atomic
def lodge_appeal(
    step: ExitStep,
    *,
    by: User,
    grounds: str,
    on: datetime.date | None = None,
    evidence: Sequence[CheckedFile] = (),
) -> Appeal:
    """The member appeals a step in effect, within the policy's appeal window, with the
    photos and documents that support it (checked already: coop_portal.evidence)."""
    step = ExitStep.objects.select_for_update().select_related("case__member").get(pk=step.pk)
    member = step.case.member
    day = on or member.cooperative.today()
    if step.status != ExitStep.Status.CONFIRMED or step.kind not in ExitStep.APPEALABLE_KINDS:
        raise Refused(_("This step cannot be appealed."), code="not_appealable")
    if Appeal.objects.filter(step=step).exists():
        raise Refused(_("This step has been appealed already."), code="appealed")
    deadline = appeal_deadline(step)
    if deadline is not None and day > deadline:
        raise Refused(
            _("The appeal window closed on %(date)s.") % {"date": date_format(deadline)},
            code="appeal_window_closed",
        )
    if not grounds.strip():
        raise Refused(_("Give the grounds of the appeal."), code="grounds_required")
    appeal = Appeal.objects.create(step=step, grounds=grounds.strip(), lodged_by=by, lodged_on=day)
    store_evidence(AppealEvidence, evidence, appeal=appeal)
    return appeal


def _revert(step: ExitStep, member: Member, *, by: User, reason: str, on: datetime.date) -> None:
    """Undo a step revoked on appeal: the member's status before it, the steps it had ended
    in effect again, and its licences back as they were."""
    why = _("Appeal upheld: %(reason)s") % {"reason": reason}
    back = step.status_before or Status.ACTIVE
    if member.has_left:
        registry.undo_leaving(member, back, by=by, reason=why, on=on)
    else:
        if not can_change_status(member, back):
            back = Status.ACTIVE
        change_status(member, back, by=by, reason=why, on=on)
    for earlier in step.ended_steps.all():
        earlier.ended_on = None
        earlier.ended_by = None
        note_change_reason(earlier, why)
        earlier.save(update_fields=["ended_on", "ended_by"])
    if step.kind in (Kind.REMOVAL, Kind.WITHDRAWAL) and step.decided_on is not None:
        registry.reinstate_licences(member, revoked_on=step.decided_on, reason=why)
    if back != Status.SUSPENDED:
        registry.restore_licences(member, reason=why)


@transaction.atomic
def decide_appeal(
    appeal: Appeal, *, by: User, upheld: bool, reason: str, on: datetime.date | None = None
) -> Appeal:
    """Decide an appeal. Only an administrator who neither proposed nor decided the step may.

    An upheld appeal revokes the step and gives the member back its status before the step.
    """
    appeal = (
        Appeal.objects.select_for_update().select_related("step__case__member").get(pk=appeal.pk)
    )
    step = appeal.step
    member = step.case.member
    _require_administrator(by, member.cooperative)
    if by.pk in {step.proposed_by_id, step.decided_by_id}:
        raise Refused(
            _(
                "You took part in this step, so another administrator must decide the appeal "
                "against it."
            ),
            code="not_independent",
        )
    if appeal.status != Appeal.Status.PENDING:
        raise Refused(_("This appeal was decided already."), code="decided")
    if not reason.strip():
        raise Refused(_("Give the reason for the decision."), code="reason_required")
    day = on or member.cooperative.today()
    appeal.status = Appeal.Status.UPHELD if upheld else Appeal.Status.REJECTED
    appeal.decided_by = by
    appeal.decided_at = timezone.now()
    appeal.decision_reason = reason.strip()
    appeal.save()
    if upheld:
        member = Member.objects.select_for_update().get(pk=member.pk)
        step.status = ExitStep.Status.REVOKED
        step.save(update_fields=["status"])
        if member.status == STATUS_AFTER.get(step.kind) and step.ended_on is None:
            _revert(step, member, by=by, reason=reason.strip(), on=day)
        case = step.case
        if case.steps.in_effect().exists():
            case.closed_on = None
            case.closing_reason = ""
        else:
            case.closed_on = day
            case.closing_reason = _("Appeal upheld.")
        case.save(update_fields=["closed_on", "closing_reason"])
    queue_member_mail(
        member,
        "email/charter/appeal_decided",
        {
            "member": member,
            "appeal": appeal,
            "step": step,
            "url": absolute_url(reverse("charter:member_cases") + f"?member={member.pk}"),
        },
        key=f"appeal:{appeal.pk}:decided",
    )
    return appeal


def send_proposal_digest(cooperative: Cooperative, on: datetime.date | None = None) -> int:
    """E-mail the cooperative's administrators the proposals waiting for their decision, by
    kind (once a day: the key holds the day). Returns the e-mails queued."""
    day = on or cooperative.today()
    waiting = ExitStep.objects.proposed().of_cooperative(cooperative)
    counts = dict.fromkeys(Kind.values, 0)
    oldest = None
    for kind, proposed_at in waiting.values_list("kind", "proposed_at"):
        counts[kind] += 1
        oldest = proposed_at if oldest is None else min(oldest, proposed_at)
    total = sum(counts.values())
    if not total:
        return 0
    return queue_mail_in_their_languages(
        cooperative.administrator_emails(),
        "email/charter/proposal_digest",
        {
            "cooperative": cooperative,
            "total": total,
            "counts": [(Kind(kind).label, count) for kind, count in counts.items() if count],
            "oldest": oldest.date() if oldest else None,
            "url": absolute_url(reverse("charter:manage", kwargs={"slug": cooperative.slug})),
        },
        key=f"proposal-digest:{cooperative.pk}:{day.isoformat()}",
    )


@transaction.atomic
def propose_overdue_removals(cooperative: Cooperative, on: datetime.date | None = None) -> int:
    """Propose removal of suspended members whose rectification period has ended (SCORING.md).

    Safe to run again: a proposal is keyed by the suspension it follows. Returns how many
    proposals were new.
    """
    day = on or cooperative.today()
    overdue = (
        ExitStep.objects.in_effect()
        .of_cooperative(cooperative)
        .filter(
            kind=Kind.SUSPENSION,
            rectification_until__lt=day,
            case__member__status=Status.SUSPENDED,
        )
        .select_related("case__member")
    )
    created = 0
    for step in overdue:
        source_ref = f"rectification-overdue:{step.pk}"
        if ExitStep.objects.filter(case__member=step.case.member, source_ref=source_ref).exists():
            continue
        propose_consequence(
            step.case.member,
            "removal",
            reason=_(
                "Suspended on %(day)s and not restored by the end of the rectification period "
                "(%(until)s)."
            )
            % {
                "day": date_format(step.decided_on or day),
                "until": date_format(step.rectification_until or day),
            },
            source_ref=source_ref,
        )
        created += 1
    return created
