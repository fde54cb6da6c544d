"""Steps in effect end where the next change of status began, and every status has its step.

A migration of its own, after the columns exist: PostgreSQL refuses to build the new
columns' indexes in the transaction that has just updated the rows.
"""

import datetime

from django.db import migrations

# The member status each step puts into effect (charter.services.STATUS_AFTER).
STATUS_AFTER = {
    "warning": "warned",
    "suspension": "suspended",
    "removal": "removed",
    "withdrawal": "withdrawn",
    "restoration": "active",
}

# The labels ExitStep.Kind gives the steps that close a case (its closing reason).
CLOSING_REASONS = {"removal": "removal", "withdrawal": "voluntary withdrawal"}


def end_superseded_steps(apps, schema_editor):
    """A confirmed step in effect ends where the member's next change of status began.

    Each member's confirmed status steps, in the order they took effect: each one ends with
    the next. The last one stays in effect only while the member still has its status; if
    the member moved on by another way (a re-admission), it ends on that change's day.
    """
    ExitStep = apps.get_model("charter", "ExitStep")
    StatusChange = apps.get_model("members", "StatusChange")
    steps = (
        ExitStep.objects.filter(status="confirmed", kind__in=list(STATUS_AFTER))
        .select_related("case__member")
        .order_by("case__member_id", "decided_at", "pk")
    )
    by_member = {}
    for step in steps:
        by_member.setdefault(step.case.member_id, []).append(step)
    for member_steps in by_member.values():
        for step, following in zip(member_steps, member_steps[1:]):
            ExitStep.objects.filter(pk=step.pk).update(
                ended_on=following.decided_on, ended_by=following
            )
        last = member_steps[-1]
        member = last.case.member
        if member.status != STATUS_AFTER[last.kind]:
            change = (
                StatusChange.objects.filter(member=member, on__gte=last.decided_on)
                .exclude(to_status=STATUS_AFTER[last.kind])
                .order_by("-at")
                .first()
            )
            ExitStep.objects.filter(pk=last.pk).update(
                ended_on=change.on if change else last.decided_on
            )


def rectification_days(apps, member, on):
    """The rectification period of the charter in force on the day (the default without one)."""
    ScoringPolicy = apps.get_model("charter", "ScoringPolicy")
    policy = (
        ScoringPolicy.objects.filter(
            charter_version__cooperative_id=member.cooperative_id,
            charter_version__status="published",
            charter_version__effective_from__lte=on,
        )
        .order_by("-charter_version__effective_from")
        .first()
    )
    return policy.rectification_period_days if policy else 90


def explain_every_status(apps, schema_editor):
    """Members whose status an admin action changed without a step get the step it was.

    Before every change of status went through the exit mechanism, the member list's actions
    changed it alone. Each such member gets the step its last change of status was, in a case
    of its own, dated and reasoned as that change (``source_ref`` names it), so that every
    warned, suspended, removed or withdrawn member has the step that explains its status.
    """
    ExitCase = apps.get_model("charter", "ExitCase")
    ExitStep = apps.get_model("charter", "ExitStep")
    Member = apps.get_model("members", "Member")
    StatusChange = apps.get_model("members", "StatusChange")
    kind_of = {status: kind for kind, status in STATUS_AFTER.items() if status != "active"}
    for member in Member.objects.filter(status__in=list(kind_of)):
        kind = kind_of[member.status]
        if ExitStep.objects.filter(
            case__member=member, kind=kind, status="confirmed", ended_on__isnull=True
        ).exists():
            continue
        change = (
            StatusChange.objects.filter(member=member, to_status=member.status)
            .order_by("-at")
            .first()
        )
        if change is None:
            continue
        closing = kind in ("removal", "withdrawal")
        case = ExitCase.objects.create(
            member=member,
            opened_at=change.at,
            opened_by=change.by,
            closed_on=change.on if closing else None,
            closing_reason=CLOSING_REASONS.get(kind, ""),
        )
        ExitStep.objects.create(
            case=case,
            kind=kind,
            status="confirmed",
            reason=change.reason,
            source_ref=f"status-change:{change.pk}",
            proposed_by=change.by,
            proposed_at=change.at,
            decided_by=change.by,
            decided_at=change.at,
            decided_on=change.on,
            decision_reason=change.reason,
            status_before=change.from_status,
            rectification_until=(
                change.on
                + datetime.timedelta(days=rectification_days(apps, member, change.on))
                if kind in ("warning", "suspension")
                else None
            ),
        )


class Migration(migrations.Migration):

    dependencies = [
        ("charter", "0004_exit_steps_end"),
        ("members", "0006_licences_follow_members_data"),
    ]

    operations = [
        migrations.RunPython(end_superseded_steps, migrations.RunPython.noop),
        migrations.RunPython(explain_every_status, migrations.RunPython.noop),
    ]
