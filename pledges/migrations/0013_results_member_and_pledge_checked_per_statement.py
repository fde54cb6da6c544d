"""A result's member and pledge are checked once per statement, not by per-row foreign keys.

As migration 0012 did for the run: a chunk of an assessment writes tens of thousands of
results in one COPY, and the two remaining foreign keys checked each row with a query of its
own at commit (about 0.24 s for 33,000 results, a sixth of a chunk). The same guarantees now
come from triggers, with one advisory lock (REFERENCES_LOCK) in place of a row lock on every
member and pledge referred to:

- inserting results: the statement trigger takes the lock shared (results are written side
  by side), then, with a fresh snapshot, refuses a member or pledge that does not exist;
- updating a result's member or pledge: the row trigger does the same for the new ones;
- deleting or renumbering a member or pledge that results refer to is refused: the guard runs
  after the row is deleted, takes the lock exclusively (so it waits for every transaction
  writing results to end, and they wait for it) and looks for results with a fresh snapshot.

So a member cannot disappear between a chunk's check and its commit, nor a chunk refer to a
member being deleted: whichever comes second waits for the first, then sees it. (Statements
run in READ COMMITTED, Django's default, where each statement of a trigger sees what was
committed before it.) The ORM's PROTECT is as before. On SQLite, row triggers refuse a result of a
member or pledge that does not exist; deletions are left to the ORM (PROTECT), as for the
run (migration 0012).
"""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

previous = import_module("pledges.migrations.0012_results_run_checked_per_statement")
LOCKED = previous.LOCKED

# An advisory lock of this application: results referring to members and pledges (shared)
# against members and pledges being deleted or renumbered (exclusive).
REFERENCES_LOCK = 2_026_112_408

# The members and pledges the results of a statement refer to (its transition table
# "inserted"): refused when one does not exist.
MISSING = """
  SELECT wanted.member_id INTO missing
    FROM (SELECT DISTINCT member_id FROM inserted) AS wanted
    WHERE NOT EXISTS (SELECT 1 FROM members_member m WHERE m.id = wanted.member_id)
    LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'member % does not exist', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  SELECT wanted.pledge_id INTO missing
    FROM (SELECT DISTINCT pledge_id FROM inserted WHERE pledge_id IS NOT NULL) AS wanted
    WHERE NOT EXISTS (SELECT 1 FROM pledges_pledge p WHERE p.id = wanted.pledge_id)
    LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'pledge % does not exist', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
"""

INSERT_CHECK = f"""
CREATE OR REPLACE FUNCTION pledges_memberassessment_insert_immutable() RETURNS trigger AS $$
DECLARE
  run_ids bigint[];
  missing bigint;
  locked_run bigint;
BEGIN
  PERFORM pg_advisory_xact_lock_shared({REFERENCES_LOCK});
  SELECT array_agg(runs.run_id) INTO run_ids FROM (SELECT DISTINCT run_id FROM inserted) AS runs;
  SELECT wanted.id INTO missing FROM unnest(run_ids) AS wanted (id)
    WHERE NOT EXISTS (SELECT 1 FROM pledges_assessmentrun r WHERE r.id = wanted.id)
    LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'assessment run % does not exist', missing
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  -- As a foreign key would: the runs stay until this transaction ends.
  PERFORM 1 FROM pledges_assessmentrun r WHERE r.id = ANY (run_ids) FOR KEY SHARE;
{MISSING}
  SELECT r.id INTO locked_run FROM pledges_assessmentrun r
    WHERE r.status IN {LOCKED} AND r.id = ANY (run_ids)
    LIMIT 1;
  IF locked_run IS NOT NULL THEN
    RAISE EXCEPTION 'the results of published assessment run % cannot change', locked_run
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

ROW_CHECK = f"""
CREATE OR REPLACE FUNCTION pledges_memberassessment_immutable() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pledges_assessmentrun WHERE id = OLD.run_id AND status IN {LOCKED}) THEN
    RAISE EXCEPTION 'the results of published assessment run % cannot change', OLD.run_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.run_id IS DISTINCT FROM OLD.run_id THEN
    PERFORM 1 FROM pledges_assessmentrun WHERE id = NEW.run_id FOR KEY SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'assessment run % does not exist', NEW.run_id
        USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.member_id IS DISTINCT FROM OLD.member_id
                           OR NEW.pledge_id IS DISTINCT FROM OLD.pledge_id) THEN
    PERFORM pg_advisory_xact_lock_shared({REFERENCES_LOCK});
    IF NOT EXISTS (SELECT 1 FROM members_member WHERE id = NEW.member_id) THEN
      RAISE EXCEPTION 'member % does not exist', NEW.member_id
        USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.pledge_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pledges_pledge WHERE id = NEW.pledge_id) THEN
      RAISE EXCEPTION 'pledge % does not exist', NEW.pledge_id
        USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND EXISTS (
      SELECT 1 FROM pledges_assessmentrun WHERE id = NEW.run_id AND status IN {LOCKED}) THEN
    RAISE EXCEPTION 'the results of published assessment run % cannot change', NEW.run_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

GUARD = f"""
CREATE OR REPLACE FUNCTION pledges_results_referenced_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock({REFERENCES_LOCK});
  IF TG_TABLE_NAME = 'members_member' THEN
    IF EXISTS (SELECT 1 FROM pledges_memberassessment WHERE member_id = OLD.id) THEN
      RAISE EXCEPTION 'member % has assessment results', OLD.id
        USING ERRCODE = 'foreign_key_violation';
    END IF;
  ELSIF EXISTS (SELECT 1 FROM pledges_memberassessment WHERE pledge_id = OLD.id) THEN
    RAISE EXCEPTION 'pledge % has assessment results', OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER pledges_results_referenced_guard
  AFTER DELETE OR UPDATE OF id ON members_member
  FOR EACH ROW EXECUTE FUNCTION pledges_results_referenced_guard();

CREATE TRIGGER pledges_results_referenced_guard
  AFTER DELETE OR UPDATE OF id ON pledges_pledge
  FOR EACH ROW EXECUTE FUNCTION pledges_results_referenced_guard();
"""

POSTGRESQL = INSERT_CHECK + ROW_CHECK + GUARD

POSTGRESQL_BACK = (
    """
DROP TRIGGER IF EXISTS pledges_results_referenced_guard ON members_member;
DROP TRIGGER IF EXISTS pledges_results_referenced_guard ON pledges_pledge;
DROP FUNCTION IF EXISTS pledges_results_referenced_guard();
"""
    + previous.INSERT_CHECK
    + previous.ROW_CHECK
)


def _sqlite_refusal(name: str, when: str, table: str, event: str, message: str) -> str:
    return (
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {when} "
        f"BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: {message}'); END"
    )


MEMBER_MISSING = "NOT EXISTS (SELECT 1 FROM members_member WHERE id = NEW.member_id)"
PLEDGE_MISSING = "NEW.pledge_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pledges_pledge WHERE id = NEW.pledge_id)"
SQLITE_TRIGGERS = {
    # name: (when, table, event, message)
    "pledges_memberassessment_member_exists": (
        MEMBER_MISSING,
        "pledges_memberassessment",
        "INSERT",
        "member does not exist",
    ),
    "pledges_memberassessment_member_exists_update": (
        MEMBER_MISSING,
        "pledges_memberassessment",
        "UPDATE OF member_id",
        "member does not exist",
    ),
    "pledges_memberassessment_pledge_exists": (
        PLEDGE_MISSING,
        "pledges_memberassessment",
        "INSERT",
        "pledge does not exist",
    ),
    "pledges_memberassessment_pledge_exists_update": (
        PLEDGE_MISSING,
        "pledges_memberassessment",
        "UPDATE OF pledge_id",
        "pledge does not exist",
    ),
}


def drop_run_checks_on_sqlite(apps, schema_editor):
    """SQLite rebuilds the results' table to alter its columns, and refuses to while triggers
    (migration 0012's) name it: they are dropped first and made again after."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in previous.SQLITE_BACK:
            schema_editor.execute(statement, params=None)


def create_run_checks_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in previous.SQLITE:
            schema_editor.execute(statement, params=None)


def create_checks(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    elif vendor == "sqlite":
        create_run_checks_on_sqlite(apps, schema_editor)
        for name, (when, table, event, message) in SQLITE_TRIGGERS.items():
            schema_editor.execute(_sqlite_refusal(name, when, table, event, message), params=None)


def drop_checks(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACK, params=None)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
        drop_run_checks_on_sqlite(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_trigram_search"),
        ("pledges", "0012_results_run_checked_per_statement"),
    ]

    operations = [
        migrations.RunPython(drop_run_checks_on_sqlite, create_run_checks_on_sqlite),
        migrations.AlterField(
            model_name="memberassessment",
            name="member",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessments",
                to="members.member",
                verbose_name="member",
            ),
        ),
        migrations.AlterField(
            model_name="memberassessment",
            name="pledge",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="pledges.pledge",
                verbose_name="pledge assessed",
            ),
        ),
        migrations.RunPython(create_checks, drop_checks),
    ]
