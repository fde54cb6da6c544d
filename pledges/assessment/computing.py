"""Computing a run: each chunk's members assessed and written, the run's hash (SCORING.md).

The chunk tasks (tasks.py) call these; so do ``manage.py assess`` and the verification of a
published run, which computes its period again without writing anything.

The hash of a run (``inputs_hash``) covers the period, the charter version and policy used,
and every member's inputs and result, in member order: the SHA-256 of a JSON header, then for
each member a newline and the digest of its result (``result_digest``: the SHA-256 of the JSON
line ``[member id, pledge id, status, score, grade]`` followed by the details as canonical
JSON (``canonical_json``: keys sorted, no spaces); the details hold the inputs: each
indicator's target and the counts behind it, and the counts deducted). Each chunk keeps its
members' digests as it writes their results, so finishing a run only joins them; verifying a
run computes its period again, writing nothing, and compares the hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, NamedTuple

import orjson
from django.db import connection, transaction
from django.utils import timezone

from pledges.models.assessment import (
    AssessmentRun,
    MemberAssessment,
    RunCheck,
    RunChunk,
)

from . import gather, scoring

# Members per chunk: a chunk is one task, three gathering queries and one transaction.
# Inspections and complaints are stored in the order they arrive, not by member, so each
# chunk's gathering reads nearly every page of those tables whatever its share of the
# members: fewer, larger chunks read them fewer times. A run is cut into at least
# MIN_CHUNKS chunks (of at least MIN_CHUNK_SIZE members) so that it is spread over the
# workers, and into chunks of at most CHUNK_SIZE members, which still fit easily in a worker
# (benchmarks/bench_assessment.py: 100,000 members in three cooperatives).
CHUNK_SIZE = 35_000
MIN_CHUNKS = 2
MIN_CHUNK_SIZE = 1_000


def chunk_size_for(members: int) -> int:
    """How many members go into each chunk of a run of this many members."""
    return min(CHUNK_SIZE, max(MIN_CHUNK_SIZE, -(-members // MIN_CHUNKS)))


Status = AssessmentRun.Status


def canonical_json(value: Any) -> str:
    """``value`` as the JSON the hash covers: keys sorted, no spaces (what ``json.dumps`` gives
    with ``sort_keys=True, separators=(",", ":")`` for the ASCII text of results). orjson
    writes it about six times faster than the standard library, which mattered here: every
    member's details are written once per run and once per verification."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


class Assessed(NamedTuple):
    """A member's result in a run, as it is written and hashed."""

    member_id: int
    status: str
    score: Decimal | None
    grade: str
    details: str  # canonical JSON (keys sorted, no spaces)
    pledge_id: int | None


def assess_members(run: AssessmentRun, member_ids: list[int]) -> list[Assessed]:
    """The results of these members (a run of ids in order) in the run."""
    policy = gather.policy_of(run.charter_version)
    results = []
    for member_id, member in gather.gather(policy, gather.scoring_period(run.period), member_ids):
        result = scoring.assess(policy, member.pledge, member.tallies)
        details = canonical_json(result.details(run.charter_version.number))
        results.append(
            Assessed(
                member_id,
                result.status,
                result.score,
                result.grade,
                details,
                result.pledge_id,
            )
        )
    return results


# The results' columns, for COPY: an Assessed row follows its run and chunk.
RESULT_COLUMNS = ("run_id", "chunk", *Assessed._fields)


def _write_results(run: AssessmentRun, chunk: int, results: list[Assessed]) -> None:
    """Insert a chunk's results: with COPY on PostgreSQL (thousands of rows with their JSON in
    a fraction of the time of an INSERT), with bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        MemberAssessment.objects.bulk_create(
            MemberAssessment(
                run=run,
                chunk=chunk,
                member_id=row.member_id,
                status=row.status,
                score=row.score,
                grade=row.grade,
                details=orjson.loads(row.details),
                pledge_id=row.pledge_id,
            )
            for row in results
        )
        return
    table = connection.ops.quote_name(MemberAssessment._meta.db_table)
    with connection.cursor() as cursor:
        copy_sql = f"COPY {table} ({', '.join(RESULT_COLUMNS)}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
            for row in results:
                copy.write_row((run.pk, chunk, *row))


def compute_chunk(run_id: int, number: int) -> bool:
    """Compute one chunk's results (delete-then-insert, so a rerun never duplicates).

    Returns whether the run is complete; the finishing step then turns it into the draft.
    A chunk another worker is computing is skipped at once (False): a starting worker queues
    every pending chunk again, and those duplicates must not wait for the lock one by one. If
    that worker fails, its own retry or the stalled-run sweep computes the chunk.
    """
    with transaction.atomic():
        chunk = (
            # Lock the chunk only: locking its run too would make the chunks wait for each
            # other instead of running side by side.
            RunChunk.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("run__period", "run__charter_version__policy")
            .filter(run_id=run_id, number=number)
            .first()
        )
        if chunk is None:
            return False
        run = chunk.run
        if run.status != Status.COMPUTING:
            return False
        if chunk.done_at is None:
            MemberAssessment.objects.filter(run=run, chunk=number).delete()
            results = assess_members(run, list(chunk.member_ids))
            _write_results(run, number, results)
            chunk.digests = "".join(result_digest(result) for result in results)
            chunk.done_at = timezone.now()
            chunk.save(update_fields=["done_at", "digests"])
    # A second transaction, serialised on the run's row: the last chunk to get here sees
    # every other chunk's commit, so exactly one finishing step sees the run complete.
    with transaction.atomic():
        run = AssessmentRun.objects.select_for_update().get(pk=run_id)
        if run.status != Status.COMPUTING:
            return False
        done = RunChunk.objects.filter(run=run, done_at__isnull=False).count()
        if done != run.chunks_done:
            run.chunks_done = done
            run.save(update_fields=["chunks_done"])
        return done == run.chunks_total


def _header(run: AssessmentRun) -> dict[str, Any]:
    return {
        "cooperative": run.period.cooperative.slug,
        "period": [
            run.period.code,
            run.period.first_day.isoformat(),
            run.period.last_day.isoformat(),
        ],
        "charter_version": run.charter_version.number,
        "policy": run.policy,
    }


def result_digest(result: Assessed) -> str:
    """A member's part of the run's hash: its result line and details (see the module)."""
    score = None if result.score is None else str(result.score)
    line = [result.member_id, result.pledge_id, result.status, score, result.grade]
    return hashlib.sha256((canonical_json(line) + result.details).encode()).hexdigest()


def run_hash(run: AssessmentRun, digests: Iterable[str]) -> str:
    """The run's hash from its members' result digests, in member order."""
    digest = hashlib.sha256()
    digest.update(canonical_json(_header(run)).encode())
    for member_digest in digests:
        digest.update(b"\n")
        digest.update(member_digest.encode())
    return digest.hexdigest()


def _chunks_hash(run: AssessmentRun) -> str:
    """The run's hash from the digests its chunks kept, checked against their members."""
    pieces = []
    for number, member_ids, digests in (
        RunChunk.objects.filter(run=run)
        .order_by("number")
        .values_list("number", "member_ids", "digests")
    ):
        if len(digests) != 64 * len(member_ids):
            raise ValueError(f"chunk {number} of run {run.pk} holds no digest for each member")
        pieces.append(digests)
    joined = "".join(pieces)
    return run_hash(run, (joined[i : i + 64] for i in range(0, len(joined), 64)))


def recomputed_hash(run: AssessmentRun) -> str:
    """The hash of the run's period computed again now, from the database, writing nothing."""
    ids = gather.assessed_member_ids(run.period)
    return run_hash(
        run,
        (
            result_digest(result)
            for start in range(0, len(ids), CHUNK_SIZE)
            for result in assess_members(run, ids[start : start + CHUNK_SIZE])
        ),
    )


def verify_run(run: AssessmentRun) -> bool:
    """Whether computing the run's period again gives the hash it was published with."""
    return bool(run.inputs_hash) and recomputed_hash(run) == run.inputs_hash


def check_run(run: AssessmentRun) -> RunCheck:
    """Compute the run's period again and record whether it gave the run's hash."""
    again = recomputed_hash(run)
    return RunCheck.objects.create(
        run=run, matches=bool(run.inputs_hash) and again == run.inputs_hash, recomputed_hash=again
    )


@transaction.atomic
def finish_run(run_id: int) -> AssessmentRun:
    """Turn a complete computing run into the period's draft, replacing the previous draft."""
    run = (
        AssessmentRun.objects.select_for_update(of=("self",))
        .select_related("period__cooperative", "charter_version")
        .get(pk=run_id)
    )
    if run.status != Status.COMPUTING:
        return run
    if RunChunk.objects.filter(run=run, done_at__isnull=True).exists():
        return run
    for draft in AssessmentRun.objects.filter(period=run.period, status=Status.DRAFT):
        draft.delete()
    run.chunks_done = run.chunks_total
    run.inputs_hash = _chunks_hash(run)
    run.status = Status.DRAFT
    run.finished_at = timezone.now()
    run.save(update_fields=["chunks_done", "inputs_hash", "status", "finished_at"])
    run.chunks.all().delete()
    return run


@transaction.atomic
def fail_run(run_id: int, message: str) -> None:
    run = AssessmentRun.objects.select_for_update().get(pk=run_id)
    if run.status != Status.COMPUTING:
        return
    run.status = Status.FAILED
    run.failure_message = message[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "failure_message", "finished_at"])
