"""Both languages are complete: every Chinese message is translated and none is fuzzy."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

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
