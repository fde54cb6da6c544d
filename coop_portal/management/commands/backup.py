from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from coop_portal.backups import BackupError, write_backup


class Command(BaseCommand):
    help = "Write a backup of the database and the uploaded files to one archive (- for standard output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the .tar.gz file to write, or - for standard output")

    def handle(self, *args: Any, archive: str, **options: Any) -> None:
        try:
            if archive == "-":
                manifest = write_backup(sys.stdout.buffer)
            else:
                with Path(archive).open("wb") as stream:
                    manifest = write_backup(stream)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        # The summary goes to standard error, so that standard output can carry the archive.
        self.stderr.write(
            _("Backup written: %(rows)d rows, database and uploaded files.")
            % {"rows": sum(manifest["rows"].values())}
        )
