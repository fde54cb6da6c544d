"""Licences of members suspended or gone before licences followed their members.

A migration of its own, after the columns exist (see charter 0005).
"""

from django.db import migrations


def follow_the_members(apps, schema_editor):
    """Licences of members suspended or gone before licences followed their members."""
    Member = apps.get_model("members", "Member")
    StatusChange = apps.get_model("members", "StatusChange")
    TrademarkLicence = apps.get_model("members", "TrademarkLicence")
    for member in Member.objects.filter(status__in=["suspended", "removed", "withdrawn"]):
        licences = TrademarkLicence.objects.filter(
            licensee=member, granted_on__isnull=False, revoked_on__isnull=True
        )
        if member.status == "suspended":
            change = (
                StatusChange.objects.filter(member=member, to_status="suspended")
                .order_by("-at")
                .first()
            )
            day = change.on if change else member.updated_at.date()
            licences.filter(suspended_on__isnull=True).update(suspended_on=day)
        elif member.left_on is not None:
            for licence in licences:
                licence.revoked_on = max(member.left_on, licence.granted_on)
                licence.save(update_fields=["revoked_on"])


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0005_licences_follow_members"),
    ]

    operations = [
        migrations.RunPython(follow_the_members, migrations.RunPython.noop),
    ]
