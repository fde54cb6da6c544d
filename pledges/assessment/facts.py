"""Facts changed since publication: the flag a published period shows, and its answers.

The services that change facts (inspections, complaints) write ``FactsChange`` records; here
a run reads those of its period written after its publication and after the regulator's last
decision that no correction was needed. A correction is a new revision published with its
note (services.publish_run), which starts the count again from its own publication.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import DateTimeField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from members.models import FactsChange, User

from ..models import AssessmentRun
from ..models.assessment import FactsReview

# Runs whose facts may change under them: published to the public, before or after the notice.
FLAGGED_STATUSES = (AssessmentRun.Status.PUBLISHED, AssessmentRun.Status.FINAL)


class FactsReviewRefused(Exception):
    pass


def facts_changed(run: AssessmentRun) -> QuerySet[FactsChange]:
    """The changes of the run's period's facts since its publication, or since the
    regulator's latest decision that they need no correction (always after publication);
    none for a run that is not published and current. One query."""
    if run.status not in FLAGGED_STATUSES or run.published_at is None:
        return FactsChange.objects.none()
    decided = FactsReview.objects.filter(run=run).order_by("-decided_at").values("decided_at")
    since = Coalesce(Subquery(decided[:1]), Value(run.published_at), output_field=DateTimeField())
    period = run.period
    return FactsChange.objects.filter(cooperative_id=period.cooperative_id, at__gt=since).touching(
        period.first_day, period.last_day
    )


def latest_change_at(run: AssessmentRun) -> datetime.datetime | None:
    """When the run's period's facts last changed after its publication, if they did."""
    return facts_changed(run).order_by("-at").values_list("at", flat=True).first()


@transaction.atomic
def record_facts_review(run: AssessmentRun, *, by: User, reason: str) -> FactsReview:
    """The regulator's recorded decision that the changed facts need no correction."""
    run = AssessmentRun.objects.select_for_update().get(pk=run.pk)
    if not reason.strip():
        raise FactsReviewRefused(_("Say why the published results need no correction."))
    if not facts_changed(run).exists():
        raise FactsReviewRefused(_("No facts of this period changed since its publication."))
    return FactsReview.objects.create(run=run, reason=reason.strip(), decided_by=by)
