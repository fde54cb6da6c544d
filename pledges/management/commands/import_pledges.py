from __future__ import annotations

from typing import IO

from coop_portal.csvimport import ImportReport, run_import
from coop_portal.import_command import ImportCommand
from members.models import Cooperative
from pledges.importers import PledgeImporter


class Command(ImportCommand):
    help = "Import pledges.csv (DATA_FORMATS.md): paper pledges as published versions, all or none."

    def run(self, cooperative: Cooperative, stream: IO[bytes]) -> ImportReport:
        return run_import(PledgeImporter(cooperative), stream, max_bytes=None)
