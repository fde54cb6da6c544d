from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from coop_portal.csvimport import run_import
from members.models import Cooperative

from ...importers import ComplaintImporter


class Command(BaseCommand):
    help = "Import complaints.csv (DATA_FORMATS.md) into a cooperative; all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cooperative", required=True, help="the cooperative's slug")
        parser.add_argument("file", type=Path, help="complaints CSV file")

    def handle(self, *args: Any, cooperative: str, file: Path, **options: Any) -> None:
        found = Cooperative.objects.filter(slug=cooperative).first()
        if found is None:
            raise CommandError(
                _("There is no cooperative with the short name “%(slug)s”.") % {"slug": cooperative}
            )
        try:
            stream = file.open("rb")
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            ) from None
        with stream:
            # The command line sets no size limit: historical files may be large.
            report = run_import(ComplaintImporter(found), stream, max_bytes=None)
        if not report.ok:
            lines = [str(problem) for problem in report.errors]
            if report.error_count > len(report.errors):
                lines.append(
                    _("… and %(count)d more.") % {"count": report.error_count - len(report.errors)}
                )
            lines.append(report.summary())
            raise CommandError("\n".join(lines))
        self.stdout.write(report.summary())
