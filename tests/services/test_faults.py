"""Faults injected into the production processes: nothing is lost, nothing half-done shows.

- Redis stopped while consumers file complaints: every complaint is stored and every
  notification goes out exactly once after Redis is back (the outbox and beat's sweep).
- A worker killed with SIGKILL in the middle of an assessment: a new worker completes the
  run with the results (and hash) of an uninterrupted run; the public never sees the
  partial run.
- The database connection of an import killed mid-file: nothing of the file is stored.
"""

from __future__ import annotations

import datetime
import email
import email.header
import time
from typing import Any

import psycopg

from coop_portal.celery import app
from coop_portal.models import OutboxEmail
from inspections.models import Inspection, ItemResult, Rectification
from members.models import Member
from pledges.assessment import computing
from pledges.assessment import services as assessment
from pledges.assessment.tasks import compute_run_chunk
from pledges.models import AssessmentRun, MemberAssessment
from pledges.models.assessment import RunChunk
from tests.factories import MemberFactory
from tests.inspections.factories import FailedInspectionFactory, InspectionFactory
from tests.pledges.pledge_factories import published

from .conftest import (
    SERVICES,
    Portal,
    Stack,
    database_url,
    file_complaint,
    run_reaching,
    wait_for,
)

pytestmark = SERVICES

PERIOD = "2025"


def database_connection() -> psycopg.Connection[Any]:
    """A connection of the test's own, outside Django's, to hold locks and kill backends."""
    return psycopg.connect(database_url(), autocommit=True)


def backends_waiting_for_a_lock(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return int(row[0]) if row else 0


def results_of(run: AssessmentRun) -> dict[int, tuple[Any, ...]]:
    return {
        row[0]: row[1:]
        for row in MemberAssessment.objects.filter(run=run).values_list(
            "member_id", "status", "score", "grade", "details", "pledge_id"
        )
    }


def public_results(browser: Any, slug: str) -> dict[str, tuple[Any, ...]]:
    response = browser.get("/api/v1/assessments/", params={"cooperative": slug, "period": PERIOD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next"] is None
    return {
        item["credit_code"]: (item["status"], item["score"], item["grade"], item["revision"])
        for item in body["results"]
    }


def cooperative_of_sixty(portal: Portal) -> None:
    """Sixty members with pledges and a year of inspections, some failed."""
    cooperative = portal.cooperative
    members = [portal.member_a, portal.member_b]
    for _ in range(58):
        member = MemberFactory(cooperative=cooperative)
        published(member)
        members.append(member)
    category = cooperative.test_categories.get(code="bedding")
    for number, member in enumerate(members):
        factory = FailedInspectionFactory if number % 4 == 0 else InspectionFactory
        factory(
            cooperative=cooperative,
            member=member,
            category=category,
            report_no=f"R2025-{number:05d}",
            sampled_on=datetime.date(2025, 1 + number % 12, 5),
            reported_on=datetime.date(2025, 1 + number % 12, 15),
        )


def test_a_worker_killed_mid_assessment_is_replaced_and_the_run_completes_identically(
    stack: Stack, portal: Portal, browser: Any
) -> None:
    cooperative_of_sixty(portal)
    slug = portal.cooperative.slug
    period = assessment.period_for(portal.cooperative, PERIOD)
    # The uninterrupted run, published: the public's figures while the rerun computes.
    first = assessment.start_run(period, chunk_size=10, dispatch=False)
    assessment.compute_run_now(first)
    first.refresh_from_db()
    assert first.status == AssessmentRun.Status.DRAFT
    assessment.publish_run(first, by=portal.regulator)
    uninterrupted = results_of(first)
    assert len(uninterrupted) == 60
    stack.start_web()
    public = browser()
    published_figures = public_results(public, slug)
    assert len(published_figures) == 60

    # The rerun: the test holds the members of two of its six chunks locked, so the worker's
    # two processes block inside those chunks when they write their results (the foreign key
    # to the member waits), mid-run, after the first chunks were written. (Locking the chunks
    # themselves would not do: a worker skips a chunk another one holds.)
    rerun = assessment.start_run(period, chunk_size=10, dispatch=False)
    assert rerun.chunks_total == 6
    held = [
        member_id
        for chunk in RunChunk.objects.filter(run=rerun, number__in=(2, 3))
        for member_id in chunk.member_ids
    ]
    locker = database_connection()
    try:
        locker.execute("BEGIN")
        locker.execute(
            f"SELECT id FROM {Member._meta.db_table} WHERE id = ANY(%s) FOR UPDATE",  # noqa: S608
            [held],
        )
        worker = stack.start_worker()
        with app.connection_for_write(stack.redis.url) as broker:
            for number in range(rerun.chunks_total):
                compute_run_chunk.apply_async((rerun.pk, number), connection=broker)
        watcher = database_connection()
        wait_for(
            lambda: backends_waiting_for_a_lock(watcher) == 2
            and RunChunk.objects.filter(run=rerun, done_at__isnull=False).count() == 2,
            timeout=60,
            message="the worker did not reach the locked chunks\n" + worker.output(),
        )
        worker.kill()
        assert not worker.alive()
        # The killed processes' transactions wait for the lock at their commit; a database
        # notices a vanished client only when it next talks to it, so it is told here, as a
        # lost machine's connections are ended by TCP keepalive. None of them may commit.
        watcher.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    # The partial run: twenty results written, the run still computing and not public.
    rerun.refresh_from_db()
    assert rerun.status == AssessmentRun.Status.COMPUTING
    assert MemberAssessment.objects.filter(run=rerun).count() == 20
    assert public_results(public, slug) == published_figures
    assert public.get(f"/pledges/assessments/{slug}/{PERIOD}/r2/").status_code == 404
    # The backends of the killed processes go away with their connections.
    wait_for(
        lambda: backends_waiting_for_a_lock(watcher) == 0,
        timeout=30,
        message="a killed worker's query still waits",
    )
    watcher.close()

    replacement = stack.start_worker()
    run_reaching(
        rerun.pk,
        AssessmentRun.Status.DRAFT,
        message="the run did not complete after a new worker started\n" + replacement.output(),
    )
    rerun.refresh_from_db()
    assert rerun.inputs_hash == first.inputs_hash
    assert results_of(rerun) == uninterrupted
    assert computing.verify_run(rerun)
    # The completed rerun is a draft: the public still reads the published revision.
    assert public_results(public, slug) == published_figures


def test_with_redis_stopped_complaints_are_stored_and_each_email_goes_out_once_later(
    stack: Stack, portal: Portal, browser: Any
) -> None:
    stack.env_overrides["OUTBOX_SWEEP_SECONDS"] = "4"
    stack.start_web()
    stack.start_worker()
    beat = stack.start_beat()
    stack.redis.stop()
    # Still ready: complaints are taken with the broker down, its absence reported.
    health = browser().get("/readyz")
    assert health.status_code == 200
    assert health.json()["broker"] is False

    complaints = []
    for number in range(3):
        started = time.monotonic()
        complaints.append(file_complaint(browser(), portal, f"产品{number}"))
        # The consumer is not kept waiting for the broker.
        assert time.monotonic() - started < 5
    assert {c.product for c in complaints} == {"产品0", "产品1", "产品2"}
    # Each complaint queued the consumer's receipt and the administrators' notice; none
    # could be sent while Redis was down.
    assert OutboxEmail.objects.count() == 6
    assert OutboxEmail.objects.pending().count() == 6
    # Beat keeps running through a sweep it could not send.
    time.sleep(6)
    assert beat.alive(), beat.output()

    stack.redis.start()
    wait_for(
        lambda: not OutboxEmail.objects.pending().exists(),
        timeout=90,
        message="the outbox was not flushed after Redis came back\n" + stack.logs(),
    )
    # Two more sweeps: none sends anything again.
    time.sleep(9)
    sent = sent_subjects(stack)
    expected = sorted(OutboxEmail.objects.values_list("subject", flat=True))
    assert sorted(sent) == expected
    assert len(set(sent)) == 6
    assert set(OutboxEmail.objects.values_list("attempts", flat=True)) == {1}
    for complaint in complaints:
        assert any(complaint.reference in subject for subject in sent)


def sent_subjects(stack: Stack) -> list[str]:
    subjects = []
    for path in sorted(stack.mail_dir.glob("*.log")):
        for raw in path.read_bytes().split(b"-" * 79):
            if raw.strip():
                header = email.message_from_bytes(raw.strip())["Subject"]
                subjects.append(str(email.header.make_header(email.header.decode_header(header))))
    return subjects


def inspections_file(portal: Portal, rows: int) -> bytes:
    members = [MemberFactory(cooperative=portal.cooperative) for _ in range(20)]
    lines = ["report_no,credit_code,product,category,sampled_on,reported_on,verdict,severity"]
    for number in range(rows):
        failed = number % 10 == 0
        lines.append(
            f"NT-{number:06d},{members[number % 20].credit_code},全棉四件套,bedding,"
            f"2025-03-01,2025-03-10,{'fail' if failed else 'pass'},{'major' if failed else ''}"
        )
    return ("\n".join(lines) + "\n").encode()


def test_an_import_whose_database_connection_is_killed_mid_file_stores_nothing(
    stack: Stack, portal: Portal
) -> None:
    path = stack.directory / "inspections.csv"
    path.write_bytes(inspections_file(portal, 30_000))
    command = ["python", "manage.py", "import_inspections", "--cooperative", "nantong", str(path)]
    name = "coop_import_under_test"
    importer = stack.start("import", command, env={"PGAPPNAME": name})
    watcher = database_connection()
    table = Inspection._meta.db_table
    # The import has written rows of the file into its transaction when it holds this lock.
    pid = wait_for(
        lambda: watcher.execute(
            "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
            " WHERE a.application_name = %s AND l.relation = %s::regclass"
            " AND l.mode = 'RowExclusiveLock'",
            [name, table],
        ).fetchone(),
        timeout=120,
        every=0.05,
        message="the import never wrote a row\n" + importer.output(),
    )[0]
    watcher.execute("SELECT pg_terminate_backend(%s)", [pid])
    watcher.close()
    assert importer.popen.wait(timeout=60) != 0
    # Told as what happened, with the database's reason, not as a traceback.
    assert "terminating connection" in importer.output()
    # (in the portal's default language, Chinese: "nothing of the file was stored").
    assert "文件中的内容均未保存" in importer.output()
    assert "Traceback" not in importer.output()
    assert not Inspection.objects.exists()
    assert not ItemResult.objects.exists()
    assert not Rectification.objects.exists()

    # Run again, the same file goes in whole.
    output = stack.run(command, name="import")
    assert Inspection.objects.count() == 30_000, output
    assert Inspection.objects.failed().count() == 3_000
