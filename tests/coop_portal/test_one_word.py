"""One English message, one Chinese translation.

gettext merges the catalogues into one: for a message without context, the project's
catalogue wins, then the apps' in INSTALLED_APPS order, and that translation is shown on
every page of every app. So when two catalogues translate the same msgid differently, one
app's pages show the other app's word (a complaint "accepted" once read 接受时间, the
time an invitation was accepted). Either the catalogues agree on one wording, or the less
general use gets its own context (pgettext, ``{% translate … context … %}``).
"""

from collections import defaultdict

import polib
from django.conf import settings

from coop_portal.management.commands.makemessages import APPS


def catalogue(app: str):
    base = settings.BASE_DIR / ("locale" if app == "coop_portal" else f"{app}/locale")
    return base / "zh_Hans" / "LC_MESSAGES" / "django.po"


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
