"""State changes of the member registry: atomic, recorded, refused when impossible."""

from __future__ import annotations

import datetime
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coop_portal.csvimport import ImportReport, run_import
from coop_portal.history import note_change_reason
from coop_portal.refusal import Refused

from .credit_code import normalise, problem
from .importers import MembersImporter
from .models import (
    Conversion,
    Cooperative,
    Member,
    MemberImport,
    PastMembership,
    QualityOfficer,
    StatusChange,
    TrademarkLicence,
    User,
)

Status = Member.Status

# The lifecycle: applicant → active → warned → suspended → removed; withdrawn; re-admitted.
TRANSITIONS: dict[str, set[str]] = {
    Status.APPLICANT: {Status.ACTIVE, Status.WITHDRAWN},
    Status.ACTIVE: {Status.WARNED, Status.SUSPENDED, Status.REMOVED, Status.WITHDRAWN},
    Status.WARNED: {Status.ACTIVE, Status.SUSPENDED, Status.REMOVED, Status.WITHDRAWN},
    Status.SUSPENDED: {Status.ACTIVE, Status.REMOVED, Status.WITHDRAWN},
    Status.REMOVED: {Status.ACTIVE},
    Status.WITHDRAWN: {Status.ACTIVE},
}
LEFT = {Status.REMOVED, Status.WITHDRAWN}


def can_change_status(member: Member, to: str) -> bool:
    return to in TRANSITIONS.get(member.status, set())


@transaction.atomic
def change_status(
    member: Member, to: str, *, by: User | None, reason: str, on: datetime.date | None = None
) -> StatusChange:
    """Move a member along its lifecycle and record the step; refuse an impossible one.

    Leaving (removed, withdrawn) sets ``left_on``; coming back from it (re-admission) starts
    a new membership on the day, and the earlier one stays in the recorded steps.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    day = on or member.cooperative.today()
    if not reason.strip():
        raise Refused(_("Give a reason for this change."), code="reason_required")
    if not can_change_status(member, to):
        raise Refused(
            _("A member that is %(current)s cannot become %(target)s.")
            % {"current": member.get_status_display(), "target": Status(to).label},
            code="impossible_transition",
        )
    if to in LEFT and member.joined_on and day < member.joined_on:
        raise Refused(
            _("A member cannot leave (%(day)s) before it joined (%(joined)s).")
            % {"day": day, "joined": member.joined_on},
            code="left_before_joined",
        )
    if member.status in LEFT and to == Status.ACTIVE and member.left_on and day <= member.left_on:
        raise Refused(
            _("A member can be re-admitted only after the day it left (%(left)s).")
            % {"left": member.left_on},
            code="readmitted_before_left",
        )
    change = StatusChange.objects.create(
        member=member, from_status=member.status, to_status=to, on=day, reason=reason.strip(), by=by
    )
    if to in LEFT:
        member.left_on = day
    elif member.status in LEFT or member.status == Status.APPLICANT:
        if member.status in LEFT and member.joined_on and member.left_on:
            # Re-admission: the closed membership is kept for "who was a member on day D".
            PastMembership.objects.create(
                member=member,
                joined_on=member.joined_on,
                left_on=member.left_on,
                left_as=member.status,
            )
        member.joined_on = day
        member.left_on = None
    member.status = to
    note_change_reason(member, reason)
    member.save(update_fields=["status", "left_on", "joined_on", "updated_at"])
    return change


@transaction.atomic
def undo_leaving(
    member: Member, to: str, *, by: User | None, reason: str, on: datetime.date
) -> StatusChange:
    """A removal or withdrawal revoked on appeal: the membership goes on as if the member had
    never left (its joining day stays, no earlier membership is closed), in the status it had
    before leaving."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status not in LEFT or to not in (Status.ACTIVE, Status.WARNED, Status.SUSPENDED):
        raise Refused(
            _("A member that is %(current)s cannot become %(target)s.")
            % {"current": member.get_status_display(), "target": Status(to).label},
            code="impossible_transition",
        )
    change = StatusChange.objects.create(
        member=member, from_status=member.status, to_status=to, on=on, reason=reason, by=by
    )
    member.status = to
    member.left_on = None
    note_change_reason(member, reason)
    member.save(update_fields=["status", "left_on", "updated_at"])
    return change


@transaction.atomic
def appoint_quality_officer(
    member: Member,
    *,
    name: str,
    on: datetime.date | None = None,
    phone: str = "",
    email: str = "",
) -> QualityOfficer:
    """Make a person the member's chief quality officer; the one in office is replaced."""
    day = on or member.cooperative.today()
    current = member.quality_officers.current().select_for_update().first()
    if current is not None:
        current.replaced_on = day
        current.save(update_fields=["replaced_on"])
    return QualityOfficer.objects.create(
        member=member, name=name.strip(), phone=phone, email=email, appointed_on=day
    )


@transaction.atomic
def convert_to_company(
    member: Member,
    *,
    credit_code: str,
    name: str,
    on: datetime.date,
    by: User | None,
    note: str = "",
) -> Conversion:
    """Record that a sole proprietor became a company (个转企).

    The new firm becomes (or stays) a member of the same cooperative from the day of the
    conversion. The old registration's withdrawal is a step of the charter's exit mechanism
    (``charter.services.record_conversion`` takes it), like every change of a member's status.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    code = normalise(credit_code)
    if member.kind != Member.Kind.SOLE_PROPRIETOR:
        raise Refused(_("Only a sole proprietor can be converted into a company."), code="not_sole")
    if Conversion.objects.filter(sole_proprietor=member).exists():
        raise Refused(_("This sole proprietor was converted already."), code="converted")
    message = problem(code)
    if message:
        raise Refused({"new_credit_code": message})
    if code == member.credit_code:
        raise Refused(
            {"new_credit_code": _("The new firm needs its own credit code, not the old one.")}
        )
    if on > member.cooperative.today():
        raise Refused({"converted_on": _("This date is in the future.")})
    firm = Member.objects.filter(cooperative=member.cooperative, credit_code=code).first()
    if firm is None:
        firm = Member.objects.create(
            cooperative=member.cooperative,
            credit_code=code,
            name=name.strip(),
            kind=Member.Kind.FIRM,
            scale=Member.Scale.SME,
            status=Status.ACTIVE,
            joined_on=on,
            address=member.address,
            contact_person=member.contact_person,
            phone=member.phone,
            email=member.email,
        )
    return Conversion.objects.create(
        sole_proprietor=member,
        old_credit_code=member.credit_code,
        new_credit_code=code,
        new_name=name.strip() or firm.name,
        firm=firm,
        converted_on=on,
        note=note,
        recorded_by=by,
    )


# Collective trademark licences follow the licensee's membership. The charter's exit steps
# call these as they take effect, so every way a status changes moves the licences with it.


def _save_licence(licence: TrademarkLicence, fields: list[str], reason: str) -> None:
    note_change_reason(licence, reason)
    licence.save(update_fields=fields)


@transaction.atomic
def suspend_licences(member: Member, *, on: datetime.date, reason: str) -> int:
    """Suspend the member's licences in force (a suspension of the member)."""
    licences = list(
        member.trademark_licences.select_for_update()
        .granted()
        .filter(revoked_on__isnull=True, suspended_on__isnull=True)
    )
    for licence in licences:
        licence.suspended_on = on
        _save_licence(licence, ["suspended_on"], reason)
    return len(licences)


@transaction.atomic
def restore_licences(member: Member, *, reason: str) -> int:
    """Lift the suspension of the member's licences (the member is restored)."""
    licences = list(
        member.trademark_licences.select_for_update().filter(
            revoked_on__isnull=True, suspended_on__isnull=False
        )
    )
    for licence in licences:
        licence.suspended_on = None
        _save_licence(licence, ["suspended_on"], reason)
    return len(licences)


@transaction.atomic
def revoke_licences(member: Member, *, on: datetime.date, reason: str) -> int:
    """Revoke every licence and draft of a member that leaves the cooperative."""
    licences = list(member.trademark_licences.select_for_update().filter(revoked_on__isnull=True))
    for licence in licences:
        # A licence is never revoked before it was granted, even one granted after the day.
        licence.revoked_on = max(on, licence.granted_on) if licence.granted_on else on
        _save_licence(licence, ["revoked_on"], reason)
    return len(licences)


@transaction.atomic
def reinstate_licences(member: Member, *, revoked_on: datetime.date, reason: str) -> int:
    """Undo ``revoke_licences`` of one day (the leaving was revoked on appeal)."""
    licences = list(member.trademark_licences.select_for_update().filter(revoked_on=revoked_on))
    for licence in licences:
        licence.revoked_on = None
        _save_licence(licence, ["revoked_on"], reason)
    return len(licences)


@transaction.atomic
def draft_licence(member: Member, *, note: str) -> TrademarkLicence | None:
    """Draft a licence for a member found eligible for the collective trademark.

    The draft names the trademark the cooperative licensed last (an administrator may change
    it) and waits for an administrator to grant it. None when the member holds a licence or
    a draft already, or has left: there is nothing to draft.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.has_left or member.trademark_licences.filter(revoked_on__isnull=True).exists():
        return None
    latest = (
        TrademarkLicence.objects.granted()
        .filter(licensee__cooperative_id=member.cooperative_id)
        .exclude(trademark="")
        .order_by("-granted_on", "-pk")
        .values_list("trademark", flat=True)
        .first()
    )
    licence = TrademarkLicence(licensee=member, trademark=latest or "", note=note.strip())
    note_change_reason(licence, note)
    licence.save()
    return licence


@transaction.atomic
def grant_licence(
    licence: TrademarkLicence, *, by: User | None, on: datetime.date | None = None
) -> TrademarkLicence:
    """Grant a drafted licence from the day (today); suspended at once if the member is."""
    licence = (
        TrademarkLicence.objects.select_for_update().select_related("licensee").get(pk=licence.pk)
    )
    member = licence.licensee
    day = on or member.cooperative.today()
    if licence.granted_on is not None or licence.revoked_on is not None:
        raise Refused(_("Only a draft licence can be granted."), code="not_draft")
    if not licence.trademark.strip():
        raise Refused(
            {"trademark": _("Name the trademark the licence grants.")}, code="no_trademark"
        )
    if member.has_left or member.status == Status.APPLICANT:
        raise Refused(
            _("%(member)s is not a member of the cooperative: the licence cannot be granted.")
            % {"member": member},
            code="not_member",
        )
    licence.granted_on = day
    if member.status == Status.SUSPENDED:
        licence.suspended_on = day
    reason = _("Granted.")
    note_change_reason(licence, reason)
    licence._history_user = by  # type: ignore[attr-defined]
    licence.save(update_fields=["granted_on", "suspended_on"])
    return licence


# Imports of members.csv: preview, then a worker imports -----------------------------------


def preview_member_import(
    cooperative: Cooperative, user: User, *, file_name: str, content: IO[bytes]
) -> tuple[MemberImport, ImportReport]:
    """Keep the file in the default storage and check every row without writing."""
    upload = MemberImport(cooperative=cooperative, user=user, file_name=file_name[:200])
    upload.file.save(file_name, File(content), save=False)
    report = _run_member_import(upload, dry_run=True)
    upload.status = MemberImport.Status.PREVIEWED if report.ok else MemberImport.Status.REFUSED
    upload.save()
    return upload, report


@transaction.atomic
def confirm_member_import(upload: MemberImport) -> MemberImport:
    """Mark a previewed file for import; the caller queues tasks.import_members for it."""
    upload = MemberImport.objects.select_for_update().get(pk=upload.pk)
    if upload.status != MemberImport.Status.PREVIEWED:
        raise Refused(_("This import has been confirmed or cancelled already."), code="done")
    upload.status = MemberImport.Status.QUEUED
    upload.confirmed_at = timezone.now()
    upload.save(update_fields=["status", "confirmed_at"])
    return upload


def cancel_member_import(upload: MemberImport) -> None:
    """Forget a previewed file that was not confirmed."""
    if upload.status in (MemberImport.Status.PREVIEWED, MemberImport.Status.REFUSED):
        upload.file.delete(save=False)
        upload.delete()


@transaction.atomic
def run_member_import(upload_id: int) -> str:
    """Import a queued file, all or nothing, noting the progress after each batch. The row
    stays locked meanwhile, so that a second delivery of the task waits and then finds the
    work done. Only the import's own row is locked: PostgreSQL refuses FOR UPDATE on the
    nullable side of the join to its user."""
    upload = (
        MemberImport.objects.select_for_update(of=("self",))
        .select_related("cooperative", "user")
        .filter(pk=upload_id)
        .first()
    )
    if upload is None or upload.status != MemberImport.Status.QUEUED:
        return "nothing to import"
    report = _run_member_import(upload, dry_run=False)
    upload.status = MemberImport.Status.IMPORTED if report.written else MemberImport.Status.REFUSED
    upload.save()
    return report.summary()


def _run_member_import(upload: MemberImport, *, dry_run: bool) -> ImportReport:
    with upload.file.open("rb") as stream:
        report = run_import(
            MembersImporter(upload.cooperative, by=upload.user),
            stream,
            dry_run=dry_run,
            max_bytes=settings.CSV_IMPORT_MAX_BYTES,
            keep_preview=dry_run,
            progress=None if dry_run else upload.note_progress,
        )
    upload.count(report)
    return report
