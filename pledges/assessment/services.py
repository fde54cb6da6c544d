"""State changes of assessments: start, publish, object, finalise (SCORING.md).

Each function is atomic and refuses an impossible step with coop_portal.refusal.Refused; work that
follows a change (computing the chunks, drawing the PDFs, checking the hash) is queued once
the transaction commits. The computation itself and the run's hash are in computing.py; the
views, ``manage.py assess`` and the schedule (schedule.py) call these.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable, Sequence

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from charter.models import CharterVersion
from coop_portal.evidence import CheckedFile, store_evidence
from coop_portal.refusal import Refused
from coop_portal.tasks import enqueue
from coop_portal.workdays import (
    PUBLICATION_WORKING_DAYS,
    Deadline,
    WorkCalendar,
    working_deadline,
)
from members.models import Cooperative, Member, User
from pledges.models.assessment import (
    AssessmentPeriod,
    AssessmentRun,
    MemberAssessment,
    MemberObjection,
    MemberObjectionEvidence,
    RunChunk,
)

from . import computing, gather, notifications
from .consequences import propose_consequences
from .pdf import claim_notices, render_notice_pdf
from .periods import PeriodCodeError, period_days
from .tasks import check_run_task, compute_run_chunk, finish_run_task, notify_publication_task

Status = AssessmentRun.Status


def period_for(cooperative: Cooperative, code: str) -> AssessmentPeriod:
    """The cooperative's period of this code, created when it does not exist yet."""
    try:
        first_day, last_day = period_days(code)
    except PeriodCodeError:
        raise Refused(
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


def check_started(period: AssessmentPeriod) -> None:
    """Refuse a period that has not started: a preview of it would only show empty records."""
    if period.first_day > period.cooperative.today():
        raise Refused(
            _(
                "The %(period)s has not started yet (it starts on %(day)s): there is nothing to compute."
            )
            % {"period": period.label, "day": date_format(period.first_day)},
            code="not_started",
        )


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
    check_started(period)
    if AssessmentRun.objects.filter(period=period, status=Status.COMPUTING).exists():
        raise Refused(
            _("This period is being computed already; wait for it to finish."), code="busy"
        )
    version = CharterVersion.objects.in_force(period.cooperative, on=period.last_day)
    if version is None:
        raise Refused(
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
        # A period that has not ended yet can only be previewed: its events are not all in.
        is_preview=not period.has_ended(period.cooperative.today()),
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


def publishable_from(run: AssessmentRun) -> datetime.date:
    """The first day the run's period may be published: after its last day and the charter
    policy's grace days for late lab data."""
    policy = getattr(run.charter_version, "policy", None)
    grace = getattr(policy, "late_data_grace_days", 15)
    return run.period.last_day + datetime.timedelta(days=grace + 1)


def publication_deadline(run: AssessmentRun) -> Deadline:
    """The last day to publish the run's period: 20 working days once late lab data is in."""
    return working_deadline(
        publishable_from(run) - datetime.timedelta(days=1),
        PUBLICATION_WORKING_DAYS,
        gettext_lazy(
            "the regulator publishes a period's results once late lab data has had time to arrive"
        ),
    )


def check_publishable(run: AssessmentRun) -> None:
    """Refuse, with the reason, a run that may not be published (yet)."""
    if run.status != Status.DRAFT:
        raise Refused(_("Only a draft can be published."), code="not_draft")
    if run.is_preview:
        raise Refused(
            _(
                "This run is a preview of a period that had not ended when it was computed; "
                "it can never be published. Compute the period again once it has ended."
            ),
            code="preview",
        )
    first_day = publishable_from(run)
    if run.period.cooperative.today() < first_day:
        raise Refused(
            _(
                "The %(period)s can be published from %(day)s: late lab data for it may "
                "still arrive until then."
            )
            % {"period": run.period.label, "day": first_day.isoformat()},
            code="too_early",
        )


@transaction.atomic
def publish_run(
    run: AssessmentRun,
    *,
    by: User | None,
    note: str = "",
    progress: Callable[[int, int], None] | None = None,
    on: datetime.date | None = None,
) -> AssessmentRun:
    """Publish a draft as the period's public snapshot and open the notice period.

    A correction of a period published already becomes its next revision, with a note of what
    changed and why; the revision it replaces is superseded in the same transaction, so a
    reader sees all of the old or all of the new. ``on`` is the day of publication (today,
    unless the demo tells a story that began earlier).
    """
    run = (
        AssessmentRun.objects.select_for_update(of=("self",))
        .select_related("period__cooperative", "charter_version__policy")
        .get(pk=run.pk)
    )
    check_publishable(run)
    period = AssessmentPeriod.objects.select_for_update().get(pk=run.period_id)
    previous = AssessmentRun.objects.current(period)
    latest_revision = max(
        AssessmentRun.objects.filter(period=period).values_list("revision", flat=True),
        default=0,
    )
    note = note.strip()
    note_required(period, note)
    today = on or period.cooperative.today()
    if previous is not None:
        previous.status = Status.SUPERSEDED
        previous.superseded_at = timezone.now()
        previous.save(update_fields=["status", "superseded_at"])
    notice_days = run.notice_days
    run.status = Status.PUBLISHED
    run.revision = latest_revision + 1
    run.revision_note = note
    run.published_by = by
    run.published_at = timezone.now() if on is None else _noon(period.cooperative, on)
    # An administrative procedure: the notice period counts working days.
    run.notice_ends_on = WorkCalendar().add_working_days(today, notice_days)
    run.publication_requested_at = None
    run.publication_error = ""
    run.save(
        update_fields=[
            "status",
            "revision",
            "revision_note",
            "published_by",
            "published_at",
            "notice_ends_on",
            "publication_requested_at",
            "publication_error",
        ]
    )
    propose_consequences(run, progress=progress)
    # Once the publication is committed, the workers draw its PDFs (so that they exist before
    # the first reader asks) and compute the period again for the verification page.
    _after_publication(run)
    return run


def _noon(cooperative: Cooperative, day: datetime.date) -> datetime.datetime:
    """Noon of a day in the cooperative's time zone."""
    zone = zoneinfo.ZoneInfo(cooperative.time_zone)
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=zone)


def note_required(period: AssessmentPeriod, note: str) -> None:
    if not note.strip() and AssessmentRun.objects.filter(period=period, revision__gt=0).exists():
        raise Refused(
            _("This period was published already: say what this revision changes and why."),
            code="note_required",
        )


def publication_progress_key(run_id: int) -> str:
    return f"assessment-publication-progress:{run_id}"


def publication_progress(run: AssessmentRun) -> tuple[int, int] | None:
    """(proposals done, proposals in all) of a publication under way, when it reported any."""
    value = cache.get(publication_progress_key(run.pk))
    return (int(value[0]), int(value[1])) if value else None


def publish_requested(run_id: int) -> AssessmentRun | None:
    """Publish a run whose publication was requested (publish_run_task). None, doing nothing,
    when there is nothing to do: published already, or no longer requested. A refusal is
    recorded on the run, and the request cleared so that it can be made again."""
    run = AssessmentRun.objects.select_related("publication_requested_by").get(pk=run_id)
    if run.status != Status.DRAFT or run.publication_requested_at is None:
        return None

    def report(done: int, total: int) -> None:
        cache.set(publication_progress_key(run_id), (done, total), timeout=3600)

    try:
        return publish_run(
            run, by=run.publication_requested_by, note=run.publication_note, progress=report
        )
    except ValidationError as error:
        AssessmentRun.objects.filter(pk=run_id, status=Status.DRAFT).update(
            publication_requested_at=None, publication_error=" ".join(error.messages)
        )
        return None
    finally:
        cache.delete(publication_progress_key(run_id))


def _after_publication(run: AssessmentRun) -> None:
    # The notices are claimed with the publication, so readers never queue them; with the
    # broker down the claims run out (pdf.CLAIM_LIFETIME) and the next reader queues a render,
    # and the check is queued by the verification page (published.recomputation_check).
    for language in claim_notices(run):
        enqueue(render_notice_pdf, run.pk, language)
    enqueue(check_run_task, run.pk)
    enqueue(notify_publication_task, run.pk)


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
    return run.in_notice_period


@transaction.atomic
def lodge_objection(
    run: AssessmentRun,
    member: Member,
    *,
    text: str,
    by: User | None,
    evidence: Sequence[CheckedFile] = (),
) -> MemberObjection:
    """A member objects to its published result, during the notice period only, with the
    photos and documents that support it (checked already: coop_portal.evidence)."""
    if not in_notice_period(run):
        raise Refused(
            _("Objections can be lodged only during the public notice period."),
            code="notice_closed",
        )
    if not MemberAssessment.objects.filter(run=run, member=member).exists():
        raise Refused(_("This member was not assessed in this run."), code="not_assessed")
    if not text.strip():
        raise Refused(_("Say what is wrong and why."), code="text_required")
    objection = MemberObjection.objects.create(
        run=run, member=member, text=text.strip(), lodged_by=by
    )
    store_evidence(MemberObjectionEvidence, evidence, objection=objection)
    return objection


@transaction.atomic
def decide_objection(
    objection: MemberObjection, *, decision: str, note: str, by: User
) -> MemberObjection:
    """Record the regulator's decision on an objection, with its reason."""
    objection = MemberObjection.objects.select_for_update().get(pk=objection.pk)
    if objection.decision != MemberObjection.Decision.PENDING:
        raise Refused(_("This objection was decided already."), code="decided")
    if decision not in (MemberObjection.Decision.UPHELD, MemberObjection.Decision.DISMISSED):
        raise Refused(_("Choose a decision."), code="bad_decision")
    if not note.strip():
        raise Refused(_("Give a reason for the decision."), code="reason_required")
    objection.decision = decision
    objection.decision_note = note.strip()
    objection.decided_by = by
    objection.decided_at = timezone.now()
    objection.save(update_fields=["decision", "decision_note", "decided_by", "decided_at"])
    notifications.notify_objection_decided(objection)
    return objection
