"""What the import commands of DATA_FORMATS.md share (``import_members``, ``import_pledges``,
``import_inspections``, ``import_complaints``): the ``--cooperative`` option and the file, the
messages for a cooperative or a file that is not there, the report of a refused file, and a
lost database connection told as what it is — the import is all or nothing, so nothing of the
file was stored and running it again is safe — rather than as a traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from coop_portal.csvimport import CONNECTION_LOST, Importer, ImportReport, run_import
from members.models import Cooperative


def cooperative_named(slug: str) -> Cooperative:
    found = Cooperative.objects.filter(slug=slug).first()
    if found is None:
        raise CommandError(
            _("There is no cooperative with the short name “%(slug)s”.") % {"slug": slug}
        )
    return found


def opened(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as error:
        raise CommandError(
            _("Cannot read %(file)s: %(error)s") % {"file": path, "error": error.strerror}
        ) from None


@contextlib.contextmanager
def connection_guard() -> Iterator[None]:
    """A database connection lost mid-import (a restart, a network cut, a killed backend)
    becomes a CommandError that says nothing was stored."""
    try:
        yield
    except CONNECTION_LOST as error:
        text = str(error).strip()
        reason = text.splitlines()[0] if text else type(error).__name__
        raise CommandError(
            _(
                "The connection to the database was lost during the import (%(reason)s). "
                "Nothing of the file was stored: run the command again."
            )
            % {"reason": reason}
        ) from None


def refused(report: ImportReport) -> CommandError:
    """The error of a file with problems: each problem (the first ones), then the summary."""
    lines = [str(problem) for problem in report.errors]
    if report.error_count > len(report.errors):
        lines.append(
            _("… and %(count)d more.") % {"count": report.error_count - len(report.errors)}
        )
    lines.append(report.summary())
    return CommandError("\n".join(lines))


class ImportCommand(BaseCommand):
    """An import of one file into one cooperative through ``importer`` (a csvimport.Importer
    class taking the cooperative). The command line sets no size limit unless ``max_bytes``
    says so: historical files may be large."""

    importer: Callable[[Cooperative], Importer[Any]]
    max_bytes: int | None | bool = None

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cooperative", required=True, help="the cooperative's short name")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        found = cooperative_named(options["cooperative"])
        with opened(options["file"]) as stream, connection_guard():
            report = run_import(type(self).importer(found), stream, max_bytes=self.max_bytes)
        if not report.ok:
            raise refused(report)
        self.stdout.write(report.summary())
