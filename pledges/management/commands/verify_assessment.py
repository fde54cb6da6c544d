from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from pledges.assessment import computing
from pledges.models.assessment import AssessmentPeriod, AssessmentRun


class Command(BaseCommand):
    help = "Recompute a published period and check it gives the hash it was published with."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cooperative", required=True)
        parser.add_argument("--period", required=True)

    def handle(self, *args: Any, cooperative: str, period: str, **options: Any) -> None:
        found = AssessmentPeriod.objects.filter(cooperative__slug=cooperative, code=period).first()
        run = AssessmentRun.objects.current(found) if found else None
        if run is None:
            raise CommandError(
                _("No published assessment of %(cooperative)s %(period)s.")
                % {"cooperative": cooperative, "period": period}
            )
        if not computing.verify_run(run):
            raise CommandError(
                _("%(cooperative)s %(period)s r%(revision)d does NOT reproduce its hash %(hash)s.")
                % {
                    "cooperative": cooperative,
                    "period": period,
                    "revision": run.revision,
                    "hash": run.inputs_hash,
                }
            )
        self.stdout.write(
            _("%(cooperative)s %(period)s r%(revision)d reproduces its hash %(hash)s.")
            % {
                "cooperative": cooperative,
                "period": period,
                "revision": run.revision,
                "hash": run.inputs_hash,
            }
        )
