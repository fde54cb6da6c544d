import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Hash version 2 (per-member digests kept by the chunks), and the recomputation checks.

    Runs that exist already were hashed the first way: they get hash version 1, which is how
    they will be verified; new runs get version 2.
    """

    dependencies = [
        ("pledges", "0005_assessmentpdf"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessmentrun",
            name="hash_version",
            field=models.PositiveSmallIntegerField(
                db_default=1, default=1, verbose_name="hash version"
            ),
        ),
        migrations.AlterField(
            model_name="assessmentrun",
            name="hash_version",
            field=models.PositiveSmallIntegerField(
                db_default=2, default=2, verbose_name="hash version"
            ),
        ),
        migrations.AddField(
            model_name="runchunk",
            name="digests",
            field=models.TextField(blank=True, default="", verbose_name="result digests"),
        ),
        migrations.CreateModel(
            name="RunCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "checked_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="checked"
                    ),
                ),
                ("matches", models.BooleanField(verbose_name="gives the published hash")),
                (
                    "recomputed_hash",
                    models.CharField(max_length=64, verbose_name="hash computed again"),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="checks",
                        to="pledges.assessmentrun",
                        verbose_name="run",
                    ),
                ),
            ],
            options={
                "verbose_name": "recomputation check",
                "verbose_name_plural": "recomputation checks",
                "ordering": ["run", "-checked_at"],
                "indexes": [models.Index(fields=["run", "-checked_at"], name="run_check_latest")],
            },
        ),
    ]
