"""Fill an app's catalogues: Chinese from a JSON file of msgid → translation, English from the
msgids themselves (they are English already), and list what is still missing.

    python manage.py translations --app members --missing          # JSON of untranslated msgids
    python manage.py translations --app members --apply zh.json    # write Chinese translations
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from .makemessages import APPS


def catalogue(app: str, language: str) -> Path:
    base = settings.BASE_DIR / ("locale" if app == "coop_portal" else f"{app}/locale")
    return base / language / "LC_MESSAGES" / "django.po"


def untranslated(po: Any) -> list[Any]:
    def is_missing(entry: Any) -> bool:
        if entry.msgid_plural:
            return not all(entry.msgstr_plural.values())
        return not entry.msgstr

    return [
        entry
        for entry in po
        if not entry.obsolete and ("fuzzy" in entry.flags or is_missing(entry))
    ]


class Command(BaseCommand):
    help = "Apply Chinese translations to an app's catalogue and complete its English one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app", choices=APPS, required=True)
        parser.add_argument(
            "--apply", type=Path, help="JSON object: msgid → Chinese (a list for plurals)"
        )
        parser.add_argument(
            "--missing", action="store_true", help="print the untranslated msgids as JSON"
        )

    def handle(
        self, *args: Any, app: str, apply: Path | None, missing: bool, **options: Any
    ) -> None:
        import polib  # type: ignore[import-untyped]  # a development tool: polib comes with the dev dependencies

        chinese_path, english_path = catalogue(app, "zh_Hans"), catalogue(app, "en")
        if not chinese_path.exists():
            raise CommandError(
                f"No catalogue at {chinese_path}; run `make messages APP={app}` first."
            )
        chinese = polib.pofile(str(chinese_path))
        if apply:
            translations = json.loads(apply.read_text(encoding="utf-8"))
            for entry in chinese:
                if entry.msgid in translations:
                    value = translations[entry.msgid]
                    if entry.msgid_plural:
                        entry.msgstr_plural = {0: value[0] if isinstance(value, list) else value}
                    else:
                        entry.msgstr = value
                    if "fuzzy" in entry.flags:
                        entry.flags.remove("fuzzy")
            chinese.save()
        if english_path.exists():
            english = polib.pofile(str(english_path))
            for entry in english:
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                else:
                    entry.msgstr = entry.msgid
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            english.save()
        left = untranslated(chinese)
        if missing:
            self.stdout.write(
                json.dumps({entry.msgid: "" for entry in left}, ensure_ascii=False, indent=1)
            )
        else:
            self.stdout.write(f"{app}: {len(left)} Chinese string(s) still untranslated.")
