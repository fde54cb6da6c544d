"""Inserting results into a published run is refused once per statement, not once per row.

Migration 0003's row trigger looked the run up for every inserted result: a tenth of the
time of writing a chunk of thousands of results with COPY. An AFTER INSERT statement trigger
with a transition table checks them all in one join, with the same outcome (the statement,
and its transaction, fail). Updates and deletes keep their row trigger.
"""

from django.db import migrations

LOCKED = "('published', 'final', 'superseded')"

ROW_CHECK = f"""
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

DROP TRIGGER IF EXISTS pledges_memberassessment_immutable ON pledges_memberassessment;
CREATE TRIGGER pledges_memberassessment_immutable
  BEFORE UPDATE OR DELETE ON pledges_memberassessment
  FOR EACH ROW EXECUTE FUNCTION pledges_memberassessment_immutable();

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

CREATE TRIGGER pledges_memberassessment_insert_immutable
  AFTER INSERT ON pledges_memberassessment
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION pledges_memberassessment_insert_immutable();
"""

# Back to migration 0003's row trigger for every write.
PER_ROW = f"""
DROP TRIGGER IF EXISTS pledges_memberassessment_insert_immutable ON pledges_memberassessment;
DROP FUNCTION IF EXISTS pledges_memberassessment_insert_immutable();

CREATE OR REPLACE FUNCTION pledges_memberassessment_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
      SELECT 1 FROM pledges_assessmentrun WHERE id = OLD.run_id AND status IN {LOCKED}) THEN
    RAISE EXCEPTION 'the results of published assessment run % cannot change', OLD.run_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
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

DROP TRIGGER IF EXISTS pledges_memberassessment_immutable ON pledges_memberassessment;
CREATE TRIGGER pledges_memberassessment_immutable
  BEFORE INSERT OR UPDATE OR DELETE ON pledges_memberassessment
  FOR EACH ROW EXECUTE FUNCTION pledges_memberassessment_immutable();
"""


def per_statement(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ROW_CHECK, params=None)


def per_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PER_ROW, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0006_assessmentrun_hash_version_runchunk_digests_runcheck"),
    ]

    operations = [migrations.RunPython(per_statement, per_row)]
