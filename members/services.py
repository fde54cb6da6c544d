"""State changes of the member registry: atomic, recorded, refused when impossible."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Member, StatusChange, User

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
    change = StatusChange.objects.create(
        member=member, from_status=member.status, to_status=to, on=day, reason=reason.strip(), by=by
    )
    if to in LEFT:
        member.left_on = day
    elif member.status in LEFT or member.status == Status.APPLICANT:
        member.joined_on = day
        member.left_on = None
    member.status = to
    member.save(update_fields=["status", "left_on", "joined_on", "updated_at"])
    return change
