from __future__ import annotations

from members.import_command import ImportCommand
from pledges.importers import PledgeImporter


class Command(ImportCommand):
    help = "Import pledges.csv (DATA_FORMATS.md): paper pledges as published versions, all or none."
    importer = PledgeImporter
