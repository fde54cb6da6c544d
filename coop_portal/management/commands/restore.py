from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from coop_portal.backups import BackupError, archive_stream, restore_backup


class Command(BaseCommand):
    help = (
        "Replace the database and the uploaded files with those of a backup (- for standard input)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "archive", help="the .tar.gz file of manage.py backup, or - for standard input"
        )
        parser.add_argument(
            "--yes", action="store_true", help="do not ask: everything there now is replaced"
        )

    def handle(self, *args: Any, archive: str, yes: bool, **options: Any) -> None:
        if not yes:
            raise CommandError(
                _(
                    "Restoring replaces the whole database and every uploaded file. Run it again with --yes to go ahead."
                )
            )
        try:
            with archive_stream(archive, "rb") as stream:
                manifest = restore_backup(stream)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stderr.write(
            _("Backup of %(created)s restored: %(rows)d rows, database and uploaded files.")
            % {"created": manifest["created"], "rows": sum(manifest["rows"].values())}
        )
