from __future__ import annotations

from members.import_command import ImportCommand
from members.importers import MembersImporter


class Command(ImportCommand):
    help = "Import members.csv (DATA_FORMATS.md) into a cooperative: all rows or none."
    importer = MembersImporter
    # The importer's own size limit (20 MB), as on the upload page.
    max_bytes = True
