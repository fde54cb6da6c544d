from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from inspections.services import import_inspections
from members.import_command import ImportCommand, connection_guard, cooperative_named, opened


class Command(ImportCommand):
    help = "Import inspections.csv (DATA_FORMATS.md) into a cooperative, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--items", type=Path, default=None, help="optional item-results CSV of the same reports"
        )
        parser.add_argument(
            "--reason",
            default="",
            help="why reports already stored change (required for a change of verdict); "
            "kept in each result's history",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        found = cooperative_named(options["cooperative"])
        items: Path | None = options["items"]
        with contextlib.ExitStack() as files:
            stream = files.enter_context(opened(options["file"]))
            items_stream = None if items is None else files.enter_context(opened(items))
            with connection_guard():
                outcome = import_inspections(
                    found,
                    stream,
                    items_stream=items_stream,
                    reason=options["reason"],
                    max_bytes=None,
                )
        if not outcome.ok:
            for problem in outcome.problems():
                self.stderr.write(problem)
            raise CommandError(outcome.summary())
        self.stdout.write(outcome.summary())
