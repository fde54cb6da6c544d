"""Trigram indexes for the member searches (PostgreSQL only).

Every member search — the directory, the complaint form, the assessment list — asks for a
name, English name or credit code that *contains* the text: ``UPPER(col::text) LIKE
UPPER('%…%')``, which no B-tree index can answer, so each search read every member of the
cooperative (70,000 in the reference dataset: about 50 ms, twice per complaint form). pg_trgm
answers it from a GIN index on the same expression, Chinese names included (their
characters make trigrams in a UTF-8 database). The indexes are on exactly the expressions
Django writes for ``icontains``, so the planner uses them without a change to the queries.

pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it. SQLite
has no such index; it keeps scanning, which at its sizes is fast.
"""

from django.db import migrations

COLUMNS = ("name", "name_en", "credit_code")


def _index(column: str) -> str:
    return f"members_member_{column}_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{_index(column)}" ON "members_member" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )
    # Statistics on the indexed expressions, so that the planner weighs the new indexes now
    # rather than after autovacuum's next visit.
    schema_editor.execute('ANALYZE "members_member"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{_index(column)}"')


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_conversion_historicalconversion_historicalmember_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
