"""Published assessment data cannot change: PostgreSQL refuses it in triggers.

The models refuse it in code on every database (PublishedDataError); these triggers make the
database itself refuse an UPDATE or DELETE of a published, final or superseded run (except
the status moves published → final → superseded) and any write to such a run's results.
"""

from django.db import migrations

LOCKED = "('published', 'final', 'superseded')"

CREATE = f"""
CREATE OR REPLACE FUNCTION pledges_assessmentrun_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status IN {LOCKED} THEN
      RAISE EXCEPTION 'published assessment run % cannot be deleted', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status IN {LOCKED} THEN
    IF NOT ((OLD.status, NEW.status) IN (('published', 'final'), ('published', 'superseded'),
                                          ('final', 'superseded'))) THEN
      RAISE EXCEPTION 'published assessment run % cannot be changed', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (to_jsonb(NEW) - 'status' - 'finalised_at' - 'superseded_at')
       IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'finalised_at' - 'superseded_at') THEN
      RAISE EXCEPTION 'published assessment run % cannot be changed', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER pledges_assessmentrun_immutable
  BEFORE UPDATE OR DELETE ON pledges_assessmentrun
  FOR EACH ROW EXECUTE FUNCTION pledges_assessmentrun_immutable();

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

CREATE TRIGGER pledges_memberassessment_immutable
  BEFORE INSERT OR UPDATE OR DELETE ON pledges_memberassessment
  FOR EACH ROW EXECUTE FUNCTION pledges_memberassessment_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS pledges_memberassessment_immutable ON pledges_memberassessment;
DROP FUNCTION IF EXISTS pledges_memberassessment_immutable();
DROP TRIGGER IF EXISTS pledges_assessmentrun_immutable ON pledges_assessmentrun;
DROP FUNCTION IF EXISTS pledges_assessmentrun_immutable();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0002_memberobjection_runchunk_and_more"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
