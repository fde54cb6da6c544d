"""A first history record for every result stored before results kept their history.

A migration of its own, after the history tables exist (see charter 0005).
"""

from django.db import migrations

# The first record of each result stored before results kept their history: its state then.
BACKFILL_REASON = "Recorded before results kept their history."


def backfill(apps, schema_editor):
    """One "+" record per stored result, so the first change has an "old" to show."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for name in ("Inspection", "ItemResult"):
        model = apps.get_model("inspections", name)
        history = apps.get_model("inspections", f"Historical{name}")
        names = [
            quote(field.column)
            for field in history._meta.concrete_fields
            if not field.name.startswith("history_")
        ]
        extra = ", ".join(
            quote(column)
            for column in ("history_date", "history_change_reason", "history_type")
        )
        # An item result's first record has the moment of its report's: both were recorded
        # together, which is how a change tells them from items added later.
        source = f"{quote(model._meta.db_table)} AS r"
        if name == "ItemResult":
            inspections = quote(apps.get_model("inspections", "Inspection")._meta.db_table)
            source += f" JOIN {inspections} AS i ON i.id = r.inspection_id"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(names)}, {extra}) "  # noqa: S608
                f"SELECT {', '.join('r.' + column for column in names)}, "
                f"{'r' if name == 'Inspection' else 'i'}.created_at, %s, '+' FROM {source}",
                [BACKFILL_REASON],
            )


class Migration(migrations.Migration):

    dependencies = [
        ("inspections", "0006_results_history"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
