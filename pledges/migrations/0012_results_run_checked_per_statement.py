"""A result's run is checked once per statement, not by a per-row foreign key.

A chunk of an assessment writes tens of thousands of results of one run in one COPY. The
foreign key checked each row with a query of its own, at commit, and every chunk of the run
locked the same run row over and over (two chunks side by side turn that lock into a shared
"multixact"): a tenth of the whole assessment (benchmarks/bench_assessment.py). The same
guarantees now come from triggers:

- inserting results: the statement trigger that already refuses results of a published run
  (migration 0007) also refuses a run that does not exist, and locks each run written to
  FOR KEY SHARE, as the foreign key did, so that it cannot be deleted before the insert
  commits;
- updating a result's run: the row trigger refuses a run that does not exist;
- deleting or renumbering a run: refused while it has results, checked after the row is
  deleted (so after any insert holding its lock has committed) with a fresh snapshot. The
  ORM deletes a draft's results before the draft (CASCADE), as before.

On SQLite (the embedded default) row triggers refuse a result of a run that does not exist;
the deletion of a run with results is left to the ORM (CASCADE), because Django empties
SQLite test databases with DELETE, table by table, which a deletion guard would refuse. The errors are foreign-key
violations (IntegrityError), as before.
"""

import django.db.models.deletion
from django.db import migrations, models

LOCKED = "('published', 'final', 'superseded')"

INSERT_CHECK = f"""
CREATE OR REPLACE FUNCTION pledges_memberassessment_insert_immutable() RETURNS trigger AS $$
DECLARE
  run_ids bigint[];
  missing_run bigint;
  locked_run bigint;
BEGIN
  SELECT array_agg(runs.run_id) INTO run_ids FROM (SELECT DISTINCT run_id FROM inserted) AS runs;
  SELECT wanted.id INTO missing_run FROM unnest(run_ids) AS wanted (id)
    WHERE NOT EXISTS (SELECT 1 FROM pledges_assessmentrun r WHERE r.id = wanted.id)
    LIMIT 1;
  IF missing_run IS NOT NULL THEN
    RAISE EXCEPTION 'assessment run % does not exist', missing_run
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  -- As a foreign key would: the runs stay until this transaction ends.
  PERFORM 1 FROM pledges_assessmentrun r WHERE r.id = ANY (run_ids) FOR KEY SHARE;
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

RUN_GUARD = """
CREATE OR REPLACE FUNCTION pledges_assessmentrun_results_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM pledges_memberassessment WHERE run_id = OLD.id) THEN
    RAISE EXCEPTION 'assessment run % still has results', OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER pledges_assessmentrun_results_guard
  AFTER DELETE OR UPDATE OF id ON pledges_assessmentrun
  FOR EACH ROW EXECUTE FUNCTION pledges_assessmentrun_results_guard();
"""

POSTGRESQL = INSERT_CHECK + ROW_CHECK + RUN_GUARD

POSTGRESQL_BACK = f"""
DROP TRIGGER IF EXISTS pledges_assessmentrun_results_guard ON pledges_assessmentrun;
DROP FUNCTION IF EXISTS pledges_assessmentrun_results_guard();

CREATE OR REPLACE FUNCTION pledges_memberassessment_insert_immutable() RETURNS trigger AS $$
DECLARE
  locked_run bigint;
BEGIN
  SELECT r.id INTO locked_run FROM pledges_assessmentrun r
    WHERE r.status IN {LOCKED} AND r.id IN (SELECT DISTINCT run_id FROM inserted)
    LIMIT 1;
  IF locked_run IS NOT NULL THEN
    RAISE EXCEPTION 'the results of published assessment run % cannot change', locked_run
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pledges_memberassessment_immutable() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pledges_assessmentrun WHERE id = OLD.run_id AND status IN {LOCKED}) THEN
    RAISE EXCEPTION 'the results of published assessment run % cannot change', OLD.run_id
      USING ERRCODE = 'integrity_constraint_violation';
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

SQLITE = [
    """
CREATE TRIGGER pledges_memberassessment_run_exists
BEFORE INSERT ON pledges_memberassessment
WHEN NOT EXISTS (SELECT 1 FROM pledges_assessmentrun WHERE id = NEW.run_id)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: assessment run does not exist');
END
""",
    """
CREATE TRIGGER pledges_memberassessment_run_exists_update
BEFORE UPDATE OF run_id ON pledges_memberassessment
WHEN NOT EXISTS (SELECT 1 FROM pledges_assessmentrun WHERE id = NEW.run_id)
BEGIN
  SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: assessment run does not exist');
END
""",
]

SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS pledges_memberassessment_run_exists",
    "DROP TRIGGER IF EXISTS pledges_memberassessment_run_exists_update",
    "DROP TRIGGER IF EXISTS pledges_assessmentrun_results_guard",
    "DROP TRIGGER IF EXISTS pledges_assessmentrun_results_guard_update",
]


def create_checks(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


def drop_checks(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACK, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACK:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0011_commitment_pledge_targets_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="memberassessment",
            name="run",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="results",
                to="pledges.assessmentrun",
                verbose_name="run",
            ),
        ),
        migrations.RunPython(create_checks, drop_checks),
    ]
