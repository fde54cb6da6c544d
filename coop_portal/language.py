"""The language switcher's target: Django's set_language, without a CSRF check.

Changing the display language only sets the visitor's language cookie (and redirects to a
``next`` address on this site, which set_language checks), so a forged request can do no harm
beyond switching the language. Without the check the switcher's form needs no CSRF token, so
the pages that show it set no CSRF cookie and can be served from the public pages' cache
(coop_portal/public_cache.py). Also which of a record's two texts a reader sees.
"""

from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language as django_set_language

set_language = csrf_exempt(django_set_language)


def localised(chinese: str, english: str) -> str:
    """The English text when English is active and there is one, else the Chinese."""
    if english and (get_language() or "").startswith("en"):
        return english
    return chinese
