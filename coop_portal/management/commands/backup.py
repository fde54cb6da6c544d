from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from coop_portal.backups import BackupError, archive_stream, write_backup


class Command(BaseCommand):
    help = "Write a backup of the database and the uploaded files to one archive (- for standard output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the .tar.gz file to write, or - for standard output")

    def handle(self, *args: Any, archive: str, **options: Any) -> None:
        try:
            with archive_stream(archive, "wb") as stream:
                manifest = write_backup(stream)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        # The summary goes to standard error, so that standard output can carry the archive.
        self.stderr.write(
            _("Backup written: %(rows)d rows, database and uploaded files.")
            % {"rows": sum(manifest["rows"].values())}
        )
