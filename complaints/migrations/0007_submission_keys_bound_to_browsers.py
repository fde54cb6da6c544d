from django.db import migrations


def forget_plaintext_keys(apps, schema_editor):
    # Until now a complaint kept its form's key as sent, which granted the complaint to any
    # browser that sent it again. Keys are now bound to the browser (a keyed hash); the old
    # ones can only ever be misused, so they go.
    Complaint = apps.get_model("complaints", "Complaint")
    Complaint.objects.exclude(submission_key="").update(submission_key="")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0006_covering_assessment_indexes")]

    operations = [migrations.RunPython(forget_plaintext_keys, migrations.RunPython.noop)]
