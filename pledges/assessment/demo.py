"""The assessment part of the demo cooperative: a final period, one in its public notice
with a member's objection, and a draft under review. Safe to run again."""

from __future__ import annotations

import datetime

from coop_portal.models import OutboxEmail
from members.demo import story_year
from members.models import Cooperative, Role, User
from pledges.demo import owner_members
from pledges.models.assessment import AssessmentRun, MemberAssessment, MemberObjection
from pledges.models.reply import Reply
from pledges.services import publish_reply, reply_period

from . import notifications, services

# The story's periods (moved by whole years with the day the demo is loaded, like every date
# of the demo: members.demo.story_year): a final year, a half-year in its public notice and
# the last year as a draft.
FINAL_PERIOD = (2024, "")
NOTICE_PERIOD = (2025, "-H1")
DRAFT_PERIOD = (2025, "")
# How long ago the final period was published: longer than any notice period.
PUBLISHED_DAYS_AGO = 30


def period_code(period: tuple[int, str], today: datetime.date) -> str:
    year, part = period
    return f"{story_year(year, today)}{part}"


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
    today = cooperative.today()
    final_code = period_code(FINAL_PERIOD, today)
    final_period = services.period_for(cooperative, final_code)
    if AssessmentRun.objects.current(final_period) is None:
        # Published a month ago: its notice period has run its course, and every page and
        # e-mail says so with the same dates.
        run = services.publish_run(
            _computed(cooperative, final_code),
            by=regulator,
            on=today - datetime.timedelta(days=PUBLISHED_DAYS_AGO),
        )
        _date_publication_mail(run)
        services.finalise_run(run, on=today)

    notice_code = period_code(NOTICE_PERIOD, today)
    notice_period = services.period_for(cooperative, notice_code)
    current = AssessmentRun.objects.current(notice_period)
    run = current or services.publish_run(_computed(cooperative, notice_code), by=regulator)
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

    _reply(cooperative)

    draft_code = period_code(DRAFT_PERIOD, today)
    draft_period = services.period_for(cooperative, draft_code)
    if (
        not AssessmentRun.objects.filter(
            period=draft_period, status=AssessmentRun.Status.DRAFT
        ).exists()
        and AssessmentRun.objects.current(draft_period) is None
    ):
        _computed(cooperative, draft_code)


def _date_publication_mail(run: AssessmentRun) -> None:
    """The e-mails telling the members of a run the demo publishes in the past, dated when it
    was published, as they would have been: not today, inviting objections until a day gone.
    Queued now rather than by the task after the load's commit (which then finds them queued:
    each is queued once), so that they can be dated."""
    notifications.notify_publication(run.pk)
    OutboxEmail.objects.filter(key__startswith=f"assessment-published:{run.pk}:").update(
        created_at=run.published_at
    )


# The first owner's member answers its latest published result, as a member may at any time
# until its next result is published (written on the day the demo is loaded).
REPLY_TEXT = (
    "针对本期消费者反映的起球问题，我们已更换面料供应商并加强出厂检验；整改情况欢迎消费者监督。"
)


def _reply(cooperative: Cooperative) -> None:
    owners = owner_members(cooperative)
    if not owners:
        return
    member = owners[0]
    period = reply_period(member)
    if period is None or Reply.objects.filter(member=member, period=period).exists():
        return
    role = Role.objects.filter(member=member, kind=Role.Kind.MEMBER_USER, is_owner=True).first()
    publish_reply(member, text=REPLY_TEXT, by=role.user if role else None, period=period)
