from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from members.models import Cooperative
from pledges.assessment import services
from pledges.assessment.tasks import compute_run_chunk
from pledges.models.assessment import AssessmentRun, MemberAssessment


def _run_chunk(run_id: int, number: int) -> bool:
    # The same task the workers run, executed here in-process.
    return bool(compute_run_chunk.apply(args=(run_id, number), throw=True).get())


class Command(BaseCommand):
    help = "Compute a period's assessment as a draft run (and publish it with --publish)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cooperative", required=True, help="the cooperative's short name")
        parser.add_argument("--period", required=True, help="YYYY, YYYY-H1|H2 or YYYY-Q1..Q4")
        parser.add_argument("--publish", action="store_true", help="publish the draft")
        parser.add_argument("--note", default="", help="what a new revision changes and why")

    def handle(
        self, *args: Any, cooperative: str, period: str, publish: bool, note: str, **options: Any
    ) -> None:
        found = Cooperative.objects.filter(slug=cooperative).first()
        if found is None:
            raise CommandError(_("No cooperative “%(slug)s”.") % {"slug": cooperative})
        try:
            # Atomic: a refused period (not started yet) leaves no empty period behind.
            with transaction.atomic():
                assessment_period = services.period_for(found, period)
                run = services.start_run(assessment_period, dispatch=False)
            services.compute_run_now(run, runner=_run_chunk)
            run.refresh_from_db()
            if run.status != AssessmentRun.Status.DRAFT:
                raise CommandError(
                    _("The computation failed: %(message)s") % {"message": run.failure_message}
                )
            if publish:
                run = services.publish_run(run, by=None, note=note)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        counts = {
            status: MemberAssessment.objects.filter(run=run, status=status).count()
            for status in MemberAssessment.Status.values
        }
        self.stdout.write(
            _(
                "%(cooperative)s %(period)s: run %(run)s %(status)s, %(rated)d rated, "
                "%(not_rated)d not rated, %(no_pledge)d without a pledge."
            )
            % {
                "cooperative": found.slug,
                "period": assessment_period.code,
                "run": run.pk,
                "status": run.get_status_display() + (f" r{run.revision}" if run.revision else ""),
                "rated": counts["rated"],
                "not_rated": counts["not_rated"],
                "no_pledge": counts["no_pledge"],
            }
        )
