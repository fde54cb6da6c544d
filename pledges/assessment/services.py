"""State changes of assessments: start, publish, object, finalise (SCORING.md).

Each function is atomic and refuses an impossible step with a ValidationError; work that
follows a change (computing the chunks, drawing the PDFs, checking the hash) is queued once
the transaction commits. The computation itself and the run's hash are in computing.py; the
views, ``manage.py assess`` and the schedule (schedule.py) call these.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charter.models import CharterVersion
from coop_portal.tasks import enqueue
from members.models import Cooperative, Member, User
from pledges.models.assessment import (
    AssessmentPeriod,
    AssessmentRun,
    MemberAssessment,
    MemberObjection,
    RunChunk,
)

from . import computing, gather
from .consequences import propose_consequences
from .pdf import render_run_pdfs
from .periods import PeriodCodeError, period_days
from .tasks import check_run_task, compute_run_chunk, finish_run_task

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
    size = chunk_size or computing.chunk_size_for(len(member_ids))
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
        # With the broker down the run waits, computing, for the stalled-runs sweep.
        for number in range(len(chunks)):
            enqueue(compute_run_chunk, run.pk, number)
        if not chunks:
            enqueue(finish_run_task, run.pk)
    return run


def compute_run_now(run: AssessmentRun, runner: Callable[[int, int], bool] | None = None) -> None:
    """Compute every chunk of a run in this process, then finish it (``manage.py assess``)."""
    step = runner or computing.compute_chunk
    for number in range(run.chunks_total):
        step(run.pk, number)
    computing.finish_run(run.pk)


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
    propose_consequences(run)
    # Once the publication is committed, the workers draw its PDFs (so that they exist before
    # the first reader asks) and compute the period again for the verification page.
    run_id = run.pk
    _after_publication(run_id)
    return run


def _after_publication(run_id: int) -> None:
    # With the broker down, the PDFs are drawn when first asked for and the check is queued
    # by the verification page (published.recomputation_check).
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
