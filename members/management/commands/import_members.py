from __future__ import annotations

from typing import IO

from coop_portal.csvimport import ImportReport, run_import
from coop_portal.import_command import ImportCommand
from members.importers import MembersImporter
from members.models import Cooperative


class Command(ImportCommand):
    help = "Import members.csv (DATA_FORMATS.md) into a cooperative: all rows or none."

    def run(self, cooperative: Cooperative, stream: IO[bytes]) -> ImportReport:
        return run_import(MembersImporter(cooperative), stream)
