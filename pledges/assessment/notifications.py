"""E-mail to the members about their assessment: a published result with the objection
deadline, and the decision on an objection (through the outbox, in each reader's language)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from coop_portal.links import absolute_url
from members.notices import queue_member_mail
from pledges.models.assessment import AssessmentRun, MemberAssessment, MemberObjection


def objection_url(run: AssessmentRun, member_id: int) -> str:
    """The member's result and objection page: for the member named, whichever of several
    members the reader works for."""
    path = reverse(
        "pledges:assessment_objection",
        kwargs={"slug": run.period.cooperative.slug, "run_id": run.pk},
    )
    return absolute_url(f"{path}?member={member_id}")


def notify_publication(run_id: int) -> int:
    """Tell every member assessed in a public run its result and until when it may object
    (once per member and language, however often this runs). Returns the e-mails queued."""
    run = AssessmentRun.objects.public().select_related("period__cooperative").filter(pk=run_id)
    published = run.first()
    if published is None:
        return 0
    context: dict[str, Any] = {"run": published, "period": published.period}
    queued = 0
    results = (
        MemberAssessment.objects.filter(run=published)
        .select_related("member")
        .order_by("member_id")
        .iterator(chunk_size=2000)
    )
    for result in results:
        queued += queue_member_mail(
            result.member,
            "email/pledges/assessment_published",
            {
                **context,
                "member": result.member,
                "result": result,
                "url": objection_url(published, result.member_id),
            },
            key=f"assessment-published:{published.pk}:{result.member_id}",
        )
    return queued


def notify_objection_decided(objection: MemberObjection) -> int:
    """Tell the member the regulator's decision on its objection, with the reason."""
    run = AssessmentRun.objects.select_related("period__cooperative").get(pk=objection.run_id)
    return queue_member_mail(
        objection.member,
        "email/pledges/assessment_objection_decided",
        {
            "objection": objection,
            "run": run,
            "period": run.period,
            "url": objection_url(run, objection.member_id),
        },
        key=f"assessment-objection-decided:{objection.pk}",
    )
