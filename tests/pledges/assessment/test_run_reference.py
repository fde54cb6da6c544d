"""A result belongs to a run that exists, and a run with results stays, as a foreign key would
have it, though the database checks the run once per statement rather than row by row
(migration 0012): on PostgreSQL by the statement trigger, on SQLite by row triggers."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from pledges.assessment import services
from pledges.models import AssessmentRun, MemberAssessment
from tests.factories import MemberFactory

from .conftest import compute
from .test_computing import example_one

pytestmark = pytest.mark.django_db

MISSING_RUN = 987_654_321


@pytest.fixture
def draft(coop, charter):
    example_one(MemberFactory(cooperative=coop))
    return compute(coop, "2025")


def execute(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_result_of_a_run_that_does_not_exist_is_refused(draft):
    member = MemberFactory(cooperative=draft.period.cooperative)
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberAssessment.objects.create(run_id=MISSING_RUN, member=member, status="no_pledge")
    with pytest.raises(IntegrityError):
        execute(
            "INSERT INTO pledges_memberassessment "
            "(run_id, member_id, status, grade, details, chunk, inputs_digest) "
            "VALUES (%s, %s, 'no_pledge', '', '{}', 0, '')",
            [MISSING_RUN, member.pk],
        )
    assert not MemberAssessment.objects.filter(run_id=MISSING_RUN).exists()


def test_a_result_cannot_be_moved_to_a_run_that_does_not_exist(draft):
    with pytest.raises(IntegrityError):
        execute(
            "UPDATE pledges_memberassessment SET run_id = %s WHERE run_id = %s",
            [MISSING_RUN, draft.pk],
        )
    assert MemberAssessment.objects.filter(run=draft).count() == 1


def test_a_run_with_results_cannot_be_deleted_or_renumbered_behind_the_orms_back(draft):
    with pytest.raises(IntegrityError):
        execute("DELETE FROM pledges_assessmentrun WHERE id = %s", [draft.pk])
    with pytest.raises(IntegrityError):
        execute("UPDATE pledges_assessmentrun SET id = %s WHERE id = %s", [MISSING_RUN, draft.pk])
    assert AssessmentRun.objects.filter(pk=draft.pk).exists()
    # Without results it can go.
    execute("DELETE FROM pledges_memberassessment WHERE run_id = %s", [draft.pk])
    execute("DELETE FROM pledges_assessmentrun WHERE id = %s", [draft.pk])
    assert not AssessmentRun.objects.filter(pk=draft.pk).exists()


def test_the_orm_deletes_a_drafts_results_with_it(draft):
    AssessmentRun.objects.filter(pk=draft.pk).delete()
    assert not MemberAssessment.objects.filter(run_id=draft.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_a_chunk_copied_into_a_run_that_does_not_exist_is_refused(draft):
    result = MemberAssessment.objects.get(run=draft)
    [row] = services._chunk_rows(draft)(
        services.rules_of(draft),
        services.gather.scoring_period(draft.period),
        [result.member_id],
    )
    with pytest.raises(psycopg.errors.ForeignKeyViolation), transaction.atomic():
        services._write_rows(AssessmentRun(pk=MISSING_RUN), 0, [row])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_results_being_written_hold_their_run_as_a_foreign_key_would(coop, charter):
    """Until the transaction writing a run's results ends, nobody else can delete the run."""
    example_one(MemberFactory(cooperative=coop))
    run = compute(coop, "2025")
    member = MemberFactory(cooperative=coop)
    database = settings.DATABASES["default"]
    other = psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=database["USER"],
        host=database["HOST"],
        port=database["PORT"] or 5432,
        password=database["PASSWORD"] or None,
    )
    try:
        with transaction.atomic():
            MemberAssessment.objects.create(run=run, member=member, status="no_pledge")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(
                    "SELECT 1 FROM pledges_assessmentrun WHERE id = %s FOR UPDATE NOWAIT", [run.pk]
                )
            other.rollback()
        # Committed: the run is free again, and still refuses to go while it has results.
        other.execute(
            "SELECT 1 FROM pledges_assessmentrun WHERE id = %s FOR UPDATE NOWAIT", [run.pk]
        )
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            other.execute("DELETE FROM pledges_assessmentrun WHERE id = %s", [run.pk])
        other.rollback()
    finally:
        other.close()
