"""One English message, one Chinese translation.

gettext merges the catalogues into one: for a message without context, the project's
catalogue wins, then the apps' in INSTALLED_APPS order, and that translation is shown on
every page of every app. So when two catalogues translate the same msgid differently, one
app's pages show the other app's word (a complaint "accepted" once read 接受时间, the
time an invitation was accepted). Either the catalogues agree on one wording, or the less
general use gets its own context (pgettext, ``{% translate … context … %}``).
"""

import gettext as gettext_module
from collections import defaultdict
from pathlib import Path

import django
import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from coop_portal.management.commands.makemessages import APPS


def catalogue(app: str, language: str = "zh_Hans") -> Path:
    base = settings.BASE_DIR / ("locale" if app == "coop_portal" else f"{app}/locale")
    return base / language / "LC_MESSAGES" / "django.po"


def translations() -> dict[str, dict[str, str]]:
    """Each msgid without context: its Chinese translation in each catalogue that has it."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for app in APPS:
        for entry in polib.pofile(str(catalogue(app))):
            if entry.obsolete or entry.msgctxt or not entry.msgstr:
                continue
            found[entry.msgid][app] = entry.msgstr
    return found


def test_every_catalogue_is_read():
    assert all(catalogue(app).exists() for app in APPS)


def test_a_message_without_context_has_one_chinese_translation():
    clashes = [
        f"{msgid!r}: " + ", ".join(f"{app} {text}" for app, text in by_app.items())
        for msgid, by_app in sorted(translations().items())
        if len(set(by_app.values())) > 1
    ]
    assert clashes == [], (
        "translated differently in two catalogues (only one wins on every page); agree on "
        "one wording, or give the less general use a context:\n" + "\n".join(clashes)
    )


def shown(entry: polib.POEntry, n: int) -> str:
    """What Django's gettext returns for a catalogue's entry in the active language."""
    if entry.msgid_plural and entry.msgctxt:
        return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
    if entry.msgid_plural:
        return translation.ngettext(entry.msgid, entry.msgid_plural, n)
    if entry.msgctxt:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


def expected(entry: polib.POEntry) -> list[tuple[int, str]]:
    """The catalogue's own translation for one thing and for two (the last plural form: the
    only one in Chinese, the plural in English)."""
    if entry.msgid_plural:
        return [(1, entry.msgstr_plural[0]), (2, entry.msgstr_plural[max(entry.msgstr_plural)])]
    return [(1, entry.msgstr)]


def catalogues_translating(entry: polib.POEntry, language: str, text: str) -> list[str]:
    """The compiled catalogues of Django and of the installed apps that give ``text`` for the
    entry: where a translation that wins over the project's comes from."""
    key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
    directories = [Path(django.__file__).parent / "conf" / "locale"]
    directories += [Path(config.path) / "locale" for config in apps.get_app_configs()]
    directories += [Path(path) for path in settings.LOCALE_PATHS]
    found = []
    for directory in dict.fromkeys(directories):
        for path in sorted(directory.glob(f"{language}/LC_MESSAGES/*.mo")):
            with path.open("rb") as file:
                # A compiled catalogue keys a plural message by (msgid, form).
                texts = gettext_module.GNUTranslations(file)._catalog
            if text in {texts.get(key), *(texts.get((key, form)) for form in range(3))}:
                found.append(str(path))
    return found


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
@pytest.mark.parametrize("app", APPS)
def test_the_project_translation_of_a_message_is_the_one_shown(app, language):
    """The libraries listed before our apps in INSTALLED_APPS (Django's admin and auth,
    rest_framework, simple_history, axes, otp) outrank an app's catalogue: a member's status
    "active" read 有效, a user account's word, instead of the app's 正常. Such a message needs a context of its own,
    or the app's duplicate goes and the library's word is the app's. Where the project means
    to replace a library's wording (coop_portal/library_strings.py), its catalogue in
    ``locale/`` comes first and wins. Reads the compiled catalogues: run compilemessages."""
    shadowed = []
    with translation.override(translation.to_language(language)):
        for entry in polib.pofile(str(catalogue(app, language))):
            if entry.obsolete or "fuzzy" in entry.flags:
                continue
            for n, text in expected(entry):
                if text and (actual := shown(entry, n)) != text:
                    where = catalogues_translating(entry, language, actual) or ["nowhere"]
                    context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
                    shadowed.append(
                        f"{entry.msgid!r}{context}: {text!r} in the catalogue, {actual!r} "
                        f"shown, found in {', '.join(where)}"
                    )
    assert shadowed == [], (
        f"{catalogue(app, language)}: another catalogue's translation is shown (if it is "
        "found nowhere, the .mo is stale: run compilemessages); give the app's message a "
        "context, or drop it and use the library's word:\n" + "\n".join(shadowed)
    )
