"""Both languages are complete: every message is translated, none is fuzzy, and no string of
the sources is missing from the catalogues."""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from coop_portal.management.commands.makemessages import APPS


def catalogue(app: str, language: str) -> Path:
    base = settings.BASE_DIR / ("locale" if app == "coop_portal" else f"{app}/locale")
    return base / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_catalogue_is_complete(app, language):
    path = catalogue(app, language)
    assert path.exists(), f"{path} is missing: run `make messages APP={app}`"
    po = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in po.untranslated_entries() if not entry.obsolete]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [], f"{path}: untranslated {untranslated[:10]}"
    assert fuzzy == [], f"{path}: fuzzy {fuzzy[:10]}"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A copy of the sources and catalogues, after `makemessages` ran over it.

    Running it on a copy leaves the real catalogues alone (others may be editing them); what
    it adds or marks fuzzy there is what a developer forgot to extract and translate.
    """
    root = tmp_path_factory.mktemp("sources").resolve()
    ignored = shutil.ignore_patterns("__pycache__", "*.mo", "migrations")
    for name in [*APPS, "templates"]:
        shutil.copytree(settings.BASE_DIR / name, root / name, ignore=ignored)
    shutil.copytree(settings.BASE_DIR / "locale", root / "locale", dirs_exist_ok=True)
    previous = Path.cwd()
    os.chdir(root)
    try:
        with override_settings(BASE_DIR=root, LOCALE_PATHS=[root / "locale"]):
            call_command("makemessages", verbosity=0)
    finally:
        os.chdir(previous)
    return root


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_makemessages_finds_no_string_missing_from_the_catalogue(extracted, app, language):
    path = extracted / catalogue(app, language).relative_to(settings.BASE_DIR)
    po = polib.pofile(str(path))
    new = [entry.msgid for entry in po.untranslated_entries() if not entry.obsolete]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert new == [], (
        f"not in {catalogue(app, language)}: {new[:10]} (run `make messages APP={app}`)"
    )
    assert fuzzy == [], f"changed strings in {catalogue(app, language)}: {fuzzy[:10]}"
