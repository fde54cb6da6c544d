from __future__ import annotations

from members.import_command import ImportCommand

from ...importers import ComplaintImporter


class Command(ImportCommand):
    help = "Import complaints.csv (DATA_FORMATS.md) into a cooperative; all or nothing."
    importer = ComplaintImporter
