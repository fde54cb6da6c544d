"""The assessment part of the demo cooperative: a final period, one in its public notice
with a member's objection, and a draft under review. Safe to run again."""

from __future__ import annotations

import datetime

from members.models import Cooperative, Role, User
from pledges.models.assessment import AssessmentRun, MemberAssessment, MemberObjection

from . import services

FINAL_PERIOD = "2024"
NOTICE_PERIOD = "2025-H1"
DRAFT_PERIOD = "2025"


def _computed(cooperative: Cooperative, code: str) -> AssessmentRun:
    run = services.start_run(services.period_for(cooperative, code), dispatch=False)
    services.compute_run_now(run)
    run.refresh_from_db()
    return run


def _regulator(cooperative: Cooperative) -> User | None:
    role = (
        Role.objects.filter(cooperative=cooperative, kind=Role.Kind.REGULATOR)
        .select_related("user")
        .first()
    )
    return role.user if role else None


def load(cooperative: Cooperative) -> None:
    """Add this part's demo records to the cooperative; safe to run again."""
    regulator = _regulator(cooperative)
    final_period = services.period_for(cooperative, FINAL_PERIOD)
    if AssessmentRun.objects.current(final_period) is None:
        run = services.publish_run(_computed(cooperative, FINAL_PERIOD), by=regulator)
        # The demo closes the 2024 notice period at once, as if it had run its course.
        assert run.notice_ends_on is not None  # noqa: S101 - publish_run sets it
        services.finalise_run(run, on=run.notice_ends_on + datetime.timedelta(days=1))

    notice_period = services.period_for(cooperative, NOTICE_PERIOD)
    current = AssessmentRun.objects.current(notice_period)
    run = current or services.publish_run(_computed(cooperative, NOTICE_PERIOD), by=regulator)
    if not MemberObjection.objects.filter(run=run).exists() and services.in_notice_period(run):
        result = (
            MemberAssessment.objects.filter(run=run, status=MemberAssessment.Status.RATED)
            .select_related("member")
            .order_by("score", "member_id")
            .first()
        )
        if result is not None:
            user_role = Role.objects.filter(
                member=result.member, kind=Role.Kind.MEMBER_USER
            ).first()
            services.lodge_objection(
                run,
                result.member,
                text="我们认为一份不合格报告的样品并非本企业产品，申请复核。",
                by=user_role.user if user_role else None,
            )

    draft_period = services.period_for(cooperative, DRAFT_PERIOD)
    if (
        not AssessmentRun.objects.filter(
            period=draft_period, status=AssessmentRun.Status.DRAFT
        ).exists()
        and AssessmentRun.objects.current(draft_period) is None
    ):
        _computed(cooperative, DRAFT_PERIOD)
