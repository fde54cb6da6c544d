"""A result refers to a run, a member and a pledge that exist, and they stay while results
refer to them, as foreign keys would have it, though the database checks them once per
statement rather than row by row (migrations 0012 and 0013): on PostgreSQL by the statement
trigger, a row lock on the run and an advisory lock against deletions, on SQLite by row
triggers."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import ProtectedError

from pledges.assessment import services
from pledges.models import AssessmentRun, MemberAssessment
from tests.factories import MemberFactory

from .conftest import compute
from .test_computing import example_one

pytestmark = pytest.mark.django_db

MISSING_RUN = 987_654_321
MISSING = 876_543_219


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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="deletion guards are PostgreSQL's (SQLite leaves them to the ORM)",
)
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


def test_a_result_of_a_member_or_pledge_that_does_not_exist_is_refused(draft):
    insert = (
        "INSERT INTO pledges_memberassessment "
        "(run_id, member_id, pledge_id, status, grade, details, chunk, inputs_digest) "
        "VALUES (%s, %s, %s, 'no_pledge', '', '{}', 0, '')"
    )
    member = MemberFactory(cooperative=draft.period.cooperative)
    with pytest.raises(IntegrityError):
        execute(insert, [draft.pk, MISSING, None])
    with pytest.raises(IntegrityError):
        execute(insert, [draft.pk, member.pk, MISSING])
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberAssessment.objects.create(run=draft, member_id=MISSING, status="no_pledge")
    # Existing ones, or no pledge, pass.
    result = MemberAssessment.objects.get(run=draft)
    execute(insert, [draft.pk, member.pk, result.pledge_id])
    assert MemberAssessment.objects.filter(run=draft).count() == 2


def test_a_result_cannot_be_moved_to_a_member_or_pledge_that_does_not_exist(draft):
    for column in ("member_id", "pledge_id"):
        with pytest.raises(IntegrityError):
            execute(
                f"UPDATE pledges_memberassessment SET {column} = %s WHERE run_id = %s",  # noqa: S608
                [MISSING, draft.pk],
            )
    result = MemberAssessment.objects.get(run=draft)
    assert result.pledge_id is not None
    # To no pledge, or to another member that exists, it can.
    other = MemberFactory(cooperative=draft.period.cooperative)
    execute(
        "UPDATE pledges_memberassessment SET pledge_id = NULL, member_id = %s WHERE id = %s",
        [other.pk, result.pk],
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="deletion guards are PostgreSQL's (SQLite leaves them to the ORM)",
)
def test_a_member_or_pledge_with_results_cannot_be_deleted_or_renumbered(draft):
    result = MemberAssessment.objects.get(run=draft)
    for table, key in (
        ("members_member", result.member_id),
        ("pledges_pledge", result.pledge_id),
    ):
        with pytest.raises(IntegrityError):
            execute(f"DELETE FROM {table} WHERE id = %s", [key])  # noqa: S608
        with pytest.raises(IntegrityError):
            execute(f"UPDATE {table} SET id = %s WHERE id = %s", [MISSING, key])  # noqa: S608
    # The ORM refuses first, as before (PROTECT).
    with pytest.raises(ProtectedError):
        result.member.delete()


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
    other = other_connection()
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


def other_connection() -> psycopg.Connection:
    database = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=database["USER"],
        host=database["HOST"],
        port=database["PORT"] or 5432,
        password=database["PASSWORD"] or None,
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_member_cannot_be_deleted_while_its_results_are_being_written(coop, charter):
    """The member's deletion waits for the results being written to commit, then sees them;
    results written while a member is being deleted wait for the deletion, then see it."""
    run = compute(coop, "2025")
    member = MemberFactory(cooperative=coop)
    other = other_connection()
    other.execute("SET lock_timeout = '200ms'")
    try:
        with transaction.atomic():
            MemberAssessment.objects.create(run=run, member=member, status="no_pledge")
            # Uncommitted results: the deletion cannot go ahead (it would wait for them).
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM members_member WHERE id = %s", [member.pk])
            other.rollback()
        # Committed: the deletion sees them and is refused.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            other.execute("DELETE FROM members_member WHERE id = %s", [member.pk])
        other.rollback()

        # The other way round: a member being deleted (uncommitted) holds back new results.
        doomed = MemberFactory(cooperative=coop)
        other.execute("SET lock_timeout = 0")
        other.execute("DELETE FROM members_member WHERE id = %s", [doomed.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            with pytest.raises(OperationalError), transaction.atomic():
                MemberAssessment.objects.create(run=run, member=doomed, status="no_pledge")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        other.commit()
        # Deleted and committed: results for it are refused.
        with pytest.raises(IntegrityError), transaction.atomic():
            MemberAssessment.objects.create(run=run, member_id=doomed.pk, status="no_pledge")
    finally:
        other.close()
