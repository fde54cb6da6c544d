"""State changes of assessments: compute, publish, object, finalise, verify (SCORING.md).

Each function is atomic and refuses an impossible step with a ValidationError. The Celery
tasks in tasks.py call these; so does ``manage.py assess``.

The hash of a run (``inputs_hash``) covers the period, the charter version and policy used,
and every member's inputs and result, in member order: the SHA-256 of a JSON header, then for
each member a newline and the digest of its result (``result_digest``: the SHA-256 of the JSON
line ``[member id, pledge id, status, score, grade]`` followed by the details as canonical
JSON, keys sorted and no spaces; the details hold the inputs: each indicator's target and the
counts behind it, and the counts deducted). Each chunk keeps its members' digests as it writes
their results, so finishing a run only joins them; verifying a run computes its period again,
writing nothing, and compares the hashes.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charter.models import CharterVersion
from members.models import Cooperative, Member, User
from pledges.models.assessment import (
    AssessmentPeriod,
    AssessmentRun,
    MemberAssessment,
    MemberObjection,
    RunCheck,
    RunChunk,
)

from . import gather, scoring
from .periods import PeriodCodeError, period_days

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


def period_for(cooperative: Cooperative, code: str) -> AssessmentPeriod:
    """The cooperative's period of this code, created when it does not exist yet."""
    try:
        first_day, last_day = period_days(code)
    except PeriodCodeError:
        raise ValidationError(
            _("“%(code)s” is not a period code: use YYYY, YYYY-H1, YYYY-H2 or YYYY-Q1 to YYYY-Q4.")
            % {"code": code},
            code="bad_period",
        ) from None
    period, _created = AssessmentPeriod.objects.get_or_create(
        cooperative=cooperative,
        code=code,
        defaults={"first_day": first_day, "last_day": last_day},
    )
    return period


@transaction.atomic
def start_run(
    period: AssessmentPeriod,
    *,
    by: User | None = None,
    chunk_size: int | None = None,
    dispatch: bool = True,
) -> AssessmentRun:
    """Open a run of the period in status computing and cut its members into chunks.

    With ``dispatch`` the chunk tasks are queued once the transaction commits; otherwise the
    caller runs them (``manage.py assess`` does, in-process). The previous draft stays until
    this run is complete, and is replaced then.
    """
    period = (
        AssessmentPeriod.objects.select_for_update(of=("self",))
        .select_related("cooperative")
        .get(pk=period.pk)
    )
    if AssessmentRun.objects.filter(period=period, status=Status.COMPUTING).exists():
        raise ValidationError(
            _("This period is being computed already; wait for it to finish."), code="busy"
        )
    version = CharterVersion.objects.in_force(period.cooperative, on=period.last_day)
    if version is None:
        raise ValidationError(
            _("No charter version is in force on %(day)s.") % {"day": period.last_day},
            code="no_charter",
        )
    member_ids = gather.assessed_member_ids(period)
    size = chunk_size or chunk_size_for(len(member_ids))
    chunks = [member_ids[i : i + size] for i in range(0, len(member_ids), size)]
    run = AssessmentRun.objects.create(
        period=period,
        status=Status.COMPUTING,
        charter_version=version,
        created_by=by,
        chunks_total=len(chunks),
        policy=gather.policy_of(version).figures(),
    )
    RunChunk.objects.bulk_create(
        RunChunk(run=run, number=number, member_ids=ids) for number, ids in enumerate(chunks)
    )
    if dispatch:
        from coop_portal.tasks import enqueue

        from .tasks import compute_run_chunk, finish_run_task

        # With the broker down the run waits, computing, for the stalled-runs sweep.
        for number in range(len(chunks)):
            enqueue(compute_run_chunk, run.pk, number)
        if not chunks:
            enqueue(finish_run_task, run.pk)
    return run


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
        details = json.dumps(
            result.details(run.charter_version.number), sort_keys=True, separators=(",", ":")
        )
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
                details=json.loads(row.details),
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
            .select_related("run__period", "run__charter_version")
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
    return hashlib.sha256(
        (json.dumps(line, separators=(",", ":")) + result.details).encode()
    ).hexdigest()


def run_hash(run: AssessmentRun, digests: Iterable[str]) -> str:
    """The run's hash from its members' result digests, in member order."""
    digest = hashlib.sha256()
    digest.update(json.dumps(_header(run), sort_keys=True, separators=(",", ":")).encode())
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


def compute_run_now(run: AssessmentRun, runner: Callable[[int, int], bool] | None = None) -> None:
    """Compute every chunk of a run in this process, then finish it (``manage.py assess``)."""
    step = runner or compute_chunk
    for number in range(run.chunks_total):
        step(run.pk, number)
    finish_run(run.pk)


@transaction.atomic
def publish_run(run: AssessmentRun, *, by: User | None, note: str = "") -> AssessmentRun:
    """Publish a draft as the period's public snapshot and open the notice period.

    A correction of a period published already becomes its next revision, with a note of what
    changed and why; the revision it replaces is superseded in the same transaction, so a
    reader sees all of the old or all of the new.
    """
    run = (
        AssessmentRun.objects.select_for_update(of=("self",))
        .select_related("period__cooperative", "charter_version__policy")
        .get(pk=run.pk)
    )
    if run.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be published."), code="not_draft")
    period = AssessmentPeriod.objects.select_for_update().get(pk=run.period_id)
    previous = AssessmentRun.objects.current(period)
    latest_revision = max(
        AssessmentRun.objects.filter(period=period).values_list("revision", flat=True),
        default=0,
    )
    note = note.strip()
    if latest_revision and not note:
        raise ValidationError(
            _("This period was published already: say what this revision changes and why."),
            code="note_required",
        )
    today = period.cooperative.today()
    if previous is not None:
        previous.status = Status.SUPERSEDED
        previous.superseded_at = timezone.now()
        previous.save(update_fields=["status", "superseded_at"])
    notice_days = getattr(getattr(run.charter_version, "policy", None), "notice_period_days", 7)
    run.status = Status.PUBLISHED
    run.revision = latest_revision + 1
    run.revision_note = note
    run.published_by = by
    run.published_at = timezone.now()
    run.notice_ends_on = today + datetime.timedelta(days=notice_days)
    run.save(
        update_fields=[
            "status",
            "revision",
            "revision_note",
            "published_by",
            "published_at",
            "notice_ends_on",
        ]
    )
    from .consequences import propose_consequences

    propose_consequences(run)
    # Once the publication is committed, the workers draw its PDFs (so that they exist before
    # the first reader asks) and compute the period again for the verification page.
    run_id = run.pk
    _after_publication(run_id)
    return run


def _after_publication(run_id: int) -> None:
    # With the broker down, the PDFs are drawn when first asked for and the check is queued
    # by the verification page (published.recomputation_check).
    from coop_portal.tasks import enqueue

    from .tasks import check_run_task, render_run_pdfs

    enqueue(render_run_pdfs, run_id)
    enqueue(check_run_task, run_id)


@transaction.atomic
def finalise_run(run: AssessmentRun, *, on: datetime.date) -> bool:
    """Make a published run final once its notice period has ended (before ``on``)."""
    run = AssessmentRun.objects.select_for_update().get(pk=run.pk)
    if run.status != Status.PUBLISHED or run.notice_ends_on is None:
        return False
    if run.notice_ends_on >= on:
        return False
    run.status = Status.FINAL
    run.finalised_at = timezone.now()
    run.save(update_fields=["status", "finalised_at"])
    return True


def finalise_due_runs() -> int:
    """Every published run whose notice period ended, in its cooperative's calendar."""
    count = 0
    runs = AssessmentRun.objects.filter(status=Status.PUBLISHED).select_related(
        "period__cooperative"
    )
    for run in runs:
        if finalise_run(run, on=run.period.cooperative.today()):
            count += 1
    return count


def in_notice_period(run: AssessmentRun) -> bool:
    return (
        run.status == Status.PUBLISHED
        and run.notice_ends_on is not None
        and run.period.cooperative.today() <= run.notice_ends_on
    )


@transaction.atomic
def lodge_objection(
    run: AssessmentRun, member: Member, *, text: str, by: User | None
) -> MemberObjection:
    """A member objects to its published result, during the notice period only."""
    if not in_notice_period(run):
        raise ValidationError(
            _("Objections can be lodged only during the public notice period."),
            code="notice_closed",
        )
    if not MemberAssessment.objects.filter(run=run, member=member).exists():
        raise ValidationError(_("This member was not assessed in this run."), code="not_assessed")
    if not text.strip():
        raise ValidationError(_("Say what is wrong and why."), code="text_required")
    return MemberObjection.objects.create(run=run, member=member, text=text.strip(), lodged_by=by)


@transaction.atomic
def decide_objection(
    objection: MemberObjection, *, decision: str, note: str, by: User
) -> MemberObjection:
    """Record the regulator's decision on an objection, with its reason."""
    objection = MemberObjection.objects.select_for_update().get(pk=objection.pk)
    if objection.decision != MemberObjection.Decision.PENDING:
        raise ValidationError(_("This objection was decided already."), code="decided")
    if decision not in (MemberObjection.Decision.UPHELD, MemberObjection.Decision.DISMISSED):
        raise ValidationError(_("Choose a decision."), code="bad_decision")
    if not note.strip():
        raise ValidationError(_("Give a reason for the decision."), code="reason_required")
    objection.decision = decision
    objection.decision_note = note.strip()
    objection.decided_by = by
    objection.decided_at = timezone.now()
    objection.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    return objection
