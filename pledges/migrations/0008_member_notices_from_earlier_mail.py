"""The member notices of e-mails queued before notices were recorded: each outbox e-mail to a
member, found by the key it was queued with, becomes a notice of that member (the
notifications page then shows the member's mail from before as well).

It lives in the pledges app, the top of the import order, because the keys name records of
every app (a pledge, an exit step, an inspection, a complaint, an assessment)."""

from __future__ import annotations

import re

from django.db import migrations

LANGUAGES = ("zh-hans", "en")


def _member_of(apps, prefix: str, ids: list[int]) -> int | None:
    """The member an e-mail queued with the key ``prefix:ids…`` was written to."""
    model_and_path = {
        "pledge-published": ("pledges", "Pledge", "member_id"),
        "pledge-returned": ("pledges", "Pledge", "member_id"),
        "exit-step": ("charter", "ExitStep", "case__member_id"),
        "appeal": ("charter", "Appeal", "step__case__member_id"),
        "inspection-failed": ("inspections", "Inspection", "member_id"),
        "objection-decided": ("inspections", "Objection", "inspection__member_id"),
        "service-moved": ("inspections", "ServiceUpdate", "request__member_id"),
        "complaint-forwarded": ("complaints", "Complaint", "member_id"),
        "complaint-reminder": ("complaints", "Complaint", "member_id"),
        "assessment-objection-decided": ("pledges", "MemberObjection", "member_id"),
    }
    if prefix in ("charter-reminder", "assessment-published"):
        return ids[1] if len(ids) > 1 else None
    if prefix not in model_and_path:
        return None
    app, model, path = model_and_path[prefix]
    found = apps.get_model(app, model).objects.filter(pk=ids[0]).values_list(path, flat=True)
    return found.first()


KEY = re.compile(r"^(?P<prefix>[a-z-]+):(?P<ids>\d+(?::\d+)?)")


def record_notices(apps, schema_editor) -> None:
    OutboxEmail = apps.get_model("coop_portal", "OutboxEmail")
    Member = apps.get_model("members", "Member")
    MemberNotice = apps.get_model("members", "MemberNotice")
    recorded = set(MemberNotice.objects.values_list("email_id", flat=True))
    members = set(Member.objects.values_list("pk", flat=True))
    notices = []
    for email in OutboxEmail.objects.exclude(pk__in=recorded).iterator():
        match = KEY.match(email.key)
        if match is None:
            continue
        ids = [int(part) for part in match.group("ids").split(":")]
        member_id = _member_of(apps, match.group("prefix"), ids)
        if member_id is None or member_id not in members:
            continue
        group, _, language = email.key.rpartition(":")
        if language not in LANGUAGES:
            group, language = email.key, ""
        notices.append(
            MemberNotice(member_id=member_id, email_id=email.pk, group=group, language=language)
        )
    MemberNotice.objects.bulk_create(notices, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0007_member_objection_evidence"),
        ("members", "0010_member_notices"),
        ("coop_portal", "0003_outbox_redact_and_rate_limit_counts"),
        ("charter", "0007_appeal_evidence"),
        ("inspections", "0010_objection_evidence"),
        ("complaints", "0009_personal_data"),
    ]

    operations = [migrations.RunPython(record_notices, migrations.RunPython.noop)]
