"""makemessages with one catalogue per app.

Each app keeps its strings in ``<app>/locale`` (Django loads an installed app's catalogue by
itself), including those of its templates in ``templates/<app>/``; the project's own strings
(coop_portal and the shared templates) live in ``locale/``. ``--app NAME`` extracts one
catalogue only, so that people working on different apps never rewrite each other's files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import makemessages

APPS = ["coop_portal", "members", "charter", "inspections", "complaints", "pledges"]
SKIPPED_DIRS = {".venv", "node_modules", "var", "tests", "benchmarks", ".git", "static"}


class Command(makemessages.Command):
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--app", choices=APPS, help="Extract the strings of this app only.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.only_app = options.pop("app", None)
        if not options.get("locale") and not options.get("all"):
            options["locale"] = ["zh_Hans", "en"]
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *SKIPPED_DIRS]
        super().handle(*args, **options)

    def catalogue_of(self, path: Path) -> str | None:
        """The app whose catalogue a source file's strings belong to."""
        parts = path.relative_to(settings.BASE_DIR).parts
        if parts[0] in APPS:
            return parts[0]
        if parts[0] == "templates":
            # templates/<app>/… and templates/email/<app>/… belong to the app's catalogue.
            inner = parts[2:] if len(parts) > 3 and parts[1] == "email" else parts[1:]
            return inner[0] if len(inner) > 1 and inner[0] in APPS else "coop_portal"
        return None

    def find_files(self, root: str) -> list[Any]:
        files = []
        for translatable in super().find_files(root):
            # django-stubs do not know TranslatableFile.path (the file's full path).
            app = self.catalogue_of(Path(translatable.path).resolve())  # type: ignore[attr-defined]
            if app is None or (self.only_app and app != self.only_app):
                continue
            locale_dir = settings.BASE_DIR / ("locale" if app == "coop_portal" else f"{app}/locale")
            locale_dir.mkdir(exist_ok=True)
            translatable.locale_dir = os.fspath(locale_dir)
            if translatable.locale_dir not in self.locale_paths:
                self.locale_paths.append(translatable.locale_dir)
            files.append(translatable)
        if not files:
            raise CommandError("No translatable files found.")
        return files
