"""The exit mechanism's proposals from a published run (SCORING.md, "Consequences").

An assessment run proposes; administrators decide in the charter app. Each proposal carries
``source_ref = "assessment:<period code>:r<revision>"``. A period proposes each kind of step
once per member: a later revision updates the proposal still awaiting a decision, withdraws
it when it no longer calls for it, and leaves a decided one alone.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from charter.models import ExitStep
from charter.services import (
    may_be_proposed,
    propose_consequence,
    revise_proposal,
    withdraw_proposal,
)
from members.models import Member
from pledges.models.assessment import AssessmentPeriod, AssessmentRun, MemberAssessment

from .periods import SOURCE, PeriodCodeError, period_label, previous_code, source_name

WARNING = "warning"
SUSPENSION = "suspension"
REMOVAL = "removal"
TRADEMARK = "trademark_eligible"


def consecutive_grades(run: AssessmentRun, count: int) -> dict[int, list[str]]:
    """Each member's grades in this run and the ``count - 1`` periods of the same length
    before it (their current public runs), newest first; a missing period ends the streak."""
    runs = [run]
    code = run.period.code
    periods = AssessmentPeriod.objects.filter(cooperative_id=run.period.cooperative_id)
    by_code = {period.code: period for period in periods}
    for _step in range(count - 1):
        try:
            code = previous_code(code)
        except PeriodCodeError:
            break
        period = by_code.get(code)
        previous = AssessmentRun.objects.current(period) if period else None
        if previous is None:
            break
        runs.append(previous)
    position = {r.pk: index for index, r in enumerate(runs)}
    grades: dict[int, list[str]] = defaultdict(lambda: [""] * len(runs))
    for run_id, member_id, grade in MemberAssessment.objects.filter(
        run__in=[r.pk for r in runs]
    ).values_list("run_id", "member_id", "grade"):
        grades[member_id][position[run_id]] = grade
    return dict(grades)


def joined_late(run: AssessmentRun) -> set[int]:
    """Members of the run's period that were not members yet on the first day of the policy's
    grace period before its last day: admitted, re-admitted or converted too late in the
    period to publish a pledge or build a record."""
    policy = getattr(run.charter_version, "policy", None)
    grace = getattr(policy, "new_member_grace_days", 60)
    period = run.period
    cutoff = period.last_day - datetime.timedelta(days=grace)
    members = Member.objects.filter(cooperative_id=period.cooperative_id)
    in_period = members.active_between(period.first_day, period.last_day)
    return set(
        in_period.exclude(pk__in=members.active_on(cutoff).values("pk")).values_list(
            "pk", flat=True
        )
    )


def proposals(run: AssessmentRun) -> list[tuple[int, str, Reason]]:
    """(member id, kind, reason) for every consequence publishing the run proposes, once per
    member and kind: the one answer for the confirmation page (which counts) and for the
    publication (which records), so that the two never disagree.

    Only members of the run's period that may still be proposed the step are proposed
    anything (charter.services.may_be_proposed: not members that have left, no trademark
    eligibility for a suspended member); members that joined within the grace period before
    its end are proposed no sanction; a member proposed a sanction is not also proposed the
    trademark eligibility for the same period.
    """
    found = _called_for(run)
    assessed = set(MemberAssessment.objects.filter(run=run).values_list("member_id", flat=True))
    late = joined_late(run)
    statuses = dict(
        Member.objects.filter(
            pk__in={member_id for member_id, _kind, _reason in found}
        ).values_list("pk", "status")
    )
    sanctioned = {member_id for member_id, kind, _reason in found if kind != TRADEMARK}
    chosen: dict[tuple[int, str], Reason] = {}
    for member_id, kind, reason in found:
        if member_id not in assessed or not may_be_proposed(statuses.get(member_id, ""), kind):
            continue
        if kind == TRADEMARK and member_id in sanctioned:
            continue
        if kind != TRADEMARK and member_id in late:
            continue
        chosen.setdefault((member_id, kind), reason)
    return [(member_id, kind, reason) for (member_id, kind), reason in chosen.items()]


# A reason the portal writes: in Chinese and in English, so that each reader reads their own.
Reason = tuple[str, str]


def _both(message: str, *, period: str = "", **values: object) -> Reason:
    """The reason ``message`` (marked with gettext_noop) in Chinese and in English, the period
    ``period`` named in words in each."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            if period:
                values["code"] = period_label(period)
            texts.append(_(message) % values)
    return texts[0], texts[1]


def _called_for(run: AssessmentRun) -> list[tuple[int, str, Reason]]:
    policy = getattr(run.charter_version, "policy", None)
    d_streak = getattr(policy, "suspension_after_consecutive_d", 2)
    a_streak = getattr(policy, "trademark_after_consecutive_a", 2)
    critical_limit = getattr(policy, "suspension_critical_failures", 2)
    # Reasons name the period in words: administrators read them, and so may the member.
    code = run.period.code
    grades = consecutive_grades(run, max(d_streak, a_streak, 1))
    found: list[tuple[int, str, Reason]] = []
    results = MemberAssessment.objects.filter(run=run).values_list(
        "member_id", "status", "grade", "details"
    )
    for member_id, status, grade, details in results:
        history = grades.get(member_id, [grade])
        critical = int((details.get("deductions") or {}).get("critical") or 0)
        if status == MemberAssessment.Status.NO_PLEDGE:
            found.append(
                (
                    member_id,
                    WARNING,
                    _both(gettext_noop("No published pledge in force in %(code)s."), period=code),
                )
            )
        if grade == "D":
            found.append(
                (member_id, WARNING, _both(gettext_noop("Grade D in %(code)s."), period=code))
            )
        if len(history) >= d_streak and all(g == "D" for g in history[:d_streak]):
            found.append(
                (
                    member_id,
                    SUSPENSION,
                    _both(
                        gettext_noop(
                            "Grade D in %(count)d consecutive published periods, the last %(code)s."
                        ),
                        period=code,
                        count=d_streak,
                    ),
                )
            )
        elif critical >= critical_limit:
            found.append(
                (
                    member_id,
                    SUSPENSION,
                    _both(
                        gettext_noop("%(count)d critical failures in %(code)s."),
                        period=code,
                        count=critical,
                    ),
                )
            )
        if len(history) >= a_streak and all(g == "A" for g in history[:a_streak]):
            found.append(
                (
                    member_id,
                    TRADEMARK,
                    _both(
                        gettext_noop(
                            "Grade A in %(count)d consecutive published periods, the last %(code)s."
                        ),
                        period=code,
                        count=a_streak,
                    ),
                )
            )
    today = run.period.cooperative.today()
    overdue = (
        ExitStep.objects.in_effect()
        .filter(
            kind=ExitStep.Kind.SUSPENSION,
            case__member__cooperative_id=run.period.cooperative_id,
            case__member__status=Member.Status.SUSPENDED,
            rectification_until__lt=today,
        )
        .values_list("case__member_id", "rectification_until")
        .distinct()
    )
    for member_id, until in overdue:
        found.append(
            (
                member_id,
                REMOVAL,
                _both(
                    gettext_noop(
                        "Suspended and not restored by the end of the rectification period "
                        "(%(day)s)."
                    ),
                    day=until,
                ),
            )
        )
    return found


def period_ref(run: AssessmentRun) -> str:
    """What the source of every proposal of the run's period starts with."""
    return f"assessment:{run.period.code}:"


def describe_source(rest: str) -> str:
    """A proposal's source in words, from what follows ``assessment:`` (``2025-H1:r2``): the
    charter reads its steps' sources through this (charter.sources)."""
    return source_name(f"assessment:{rest}")


def source_caveat(cooperative_id: int, rest: str) -> str:
    """Of a proposal from a result still in its public notice period: that the member may
    still object and the result change (charter.sources shows it to whoever decides)."""
    match = SOURCE.match(f"assessment:{rest}")
    if match is None or not match["revision"]:
        return ""
    run = (
        AssessmentRun.objects.filter(
            period__cooperative_id=cooperative_id,
            period__code=match["code"],
            revision=int(match["revision"]),
            status=AssessmentRun.Status.PUBLISHED,
        )
        .select_related("period__cooperative")
        .first()
    )
    if run is None or not run.in_notice_period:
        return ""
    assert run.notice_ends_on is not None  # noqa: S101 - in its notice period
    return _(
        "The result is still in its public notice period, until %(day)s: the member may object "
        "and the result may change."
    ) % {"day": date_format(run.notice_ends_on, "SHORT_DATE_FORMAT")}


def proposal_counts(run: AssessmentRun) -> dict[str, int]:
    """How many of each kind of step the run would propose, for the confirmation page."""
    return dict(Counter(kind for _member_id, kind, _reason in proposals(run)))


def propose_consequences(
    run: AssessmentRun, *, progress: Callable[[int, int], None] | None = None
) -> int:
    """Send the run's proposals to the charter app, once per member, kind and period; returns
    how many it recorded or revised. ``progress`` hears (done, total) as it goes."""
    prefix = period_ref(run)
    source_ref = f"{prefix}r{run.revision}"
    wanted = {(member_id, kind): reason for member_id, kind, reason in proposals(run)}
    earlier: dict[tuple[int, str], list[ExitStep]] = defaultdict(list)
    for step in ExitStep.objects.filter(
        case__member__cooperative_id=run.period.cooperative_id, source_ref__startswith=prefix
    ).select_related("case"):
        earlier[(step.case.member_id, step.kind)].append(step)
    members = Member.objects.in_bulk({member_id for member_id, _kind in wanted})
    total = len(wanted) + len(earlier)
    recorded = done = 0
    for (member_id, kind), reason in wanted.items():
        steps = earlier.pop((member_id, kind), [])
        if steps:
            recorded += sum(
                revise_proposal(step, reason=reason[0], reason_en=reason[1], source_ref=source_ref)
                for step in steps
            )
        elif propose_consequence(
            members[member_id], kind, reason=reason[0], reason_en=reason[1], source_ref=source_ref
        ):
            recorded += 1
        done += 1
        if progress is not None and done % 200 == 0:
            progress(done, total)
    withdrawn = _("Withdrawn: revision %(revision)s of the %(period)s no longer calls for it.") % {
        "revision": run.revision,
        "period": run.period.label,
    }
    for steps in earlier.values():
        for step in steps:
            withdraw_proposal(step, reason=withdrawn)
        done += 1
    if progress is not None:
        progress(total, total)
    return recorded
