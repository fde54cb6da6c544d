from __future__ import annotations

from typing import IO

from coop_portal.csvimport import ImportReport, run_import
from coop_portal.import_command import ImportCommand
from members.models import Cooperative

from ...importers import ComplaintImporter


class Command(ImportCommand):
    help = "Import complaints.csv (DATA_FORMATS.md) into a cooperative; all or nothing."

    def run(self, cooperative: Cooperative, stream: IO[bytes]) -> ImportReport:
        # The command line sets no size limit: historical files may be large.
        return run_import(ComplaintImporter(cooperative), stream, max_bytes=None)
