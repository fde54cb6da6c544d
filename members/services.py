"""State changes of the member registry: atomic, recorded, refused when impossible."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .credit_code import normalise, problem
from .models import Conversion, Member, PastMembership, QualityOfficer, StatusChange, User

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
        raise ValidationError(_("Give a reason for this change."), code="reason_required")
    if not can_change_status(member, to):
        raise ValidationError(
            _("A member that is %(current)s cannot become %(target)s.")
            % {"current": member.get_status_display(), "target": Status(to).label},
            code="impossible_transition",
        )
    if to in LEFT and member.joined_on and day < member.joined_on:
        raise ValidationError(
            _("A member cannot leave (%(day)s) before it joined (%(joined)s).")
            % {"day": day, "joined": member.joined_on},
            code="left_before_joined",
        )
    if member.status in LEFT and to == Status.ACTIVE and member.left_on and day <= member.left_on:
        raise ValidationError(
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
    member._change_reason = reason.strip()  # type: ignore[attr-defined]
    member.save(update_fields=["status", "left_on", "joined_on", "updated_at"])
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
    conversion; the old registration withdraws with the reason recorded, and both keep
    their history.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    code = normalise(credit_code)
    if member.kind != Member.Kind.SOLE_PROPRIETOR:
        raise ValidationError(
            _("Only a sole proprietor can be converted into a company."), code="not_sole"
        )
    if Conversion.objects.filter(sole_proprietor=member).exists():
        raise ValidationError(_("This sole proprietor was converted already."), code="converted")
    message = problem(code)
    if message:
        raise ValidationError({"new_credit_code": message})
    if code == member.credit_code:
        raise ValidationError(
            {"new_credit_code": _("The new firm needs its own credit code, not the old one.")}
        )
    if on > member.cooperative.today():
        raise ValidationError({"converted_on": _("This date is in the future.")})
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
    conversion = Conversion.objects.create(
        sole_proprietor=member,
        old_credit_code=member.credit_code,
        new_credit_code=code,
        new_name=name.strip() or firm.name,
        firm=firm,
        converted_on=on,
        note=note,
        recorded_by=by,
    )
    if can_change_status(member, Status.WITHDRAWN):
        change_status(
            member,
            Status.WITHDRAWN,
            by=by,
            on=on,
            reason=_("Converted into a company: %(name)s (%(code)s).")
            % {"name": firm.name, "code": code},
        )
    return conversion
