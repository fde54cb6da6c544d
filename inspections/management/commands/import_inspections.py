from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from inspections.services import import_inspections
from members.models import Cooperative


class Command(BaseCommand):
    help = "Import inspections.csv (DATA_FORMATS.md) into a cooperative, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cooperative", required=True, help="the cooperative's short name")
        parser.add_argument("file", type=Path, help="inspections.csv")
        parser.add_argument(
            "--items", type=Path, default=None, help="optional item-results CSV of the same reports"
        )

    def handle(
        self, *args: Any, cooperative: str, file: Path, items: Path | None, **options: Any
    ) -> None:
        found = Cooperative.objects.filter(slug=cooperative).first()
        if found is None:
            raise CommandError(_("There is no cooperative %(slug)s.") % {"slug": cooperative})
        for path in (file, items):
            if path is not None and not path.is_file():
                raise CommandError(_("There is no file %(path)s.") % {"path": path})
        with file.open("rb") as stream:
            if items is None:
                outcome = import_inspections(found, stream, max_bytes=None)
            else:
                with items.open("rb") as items_stream:
                    outcome = import_inspections(
                        found, stream, items_stream=items_stream, max_bytes=None
                    )
        if not outcome.ok:
            for problem in outcome.problems():
                self.stderr.write(problem)
            raise CommandError(outcome.summary())
        self.stdout.write(outcome.summary())
