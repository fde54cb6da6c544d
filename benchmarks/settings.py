"""Settings of the load benchmarks: production's, plus what only a benchmark may need.

gunicorn runs the portal with these (``DJANGO_SETTINGS_MODULE=benchmarks.settings``) and the
production environment (DEBUG off, a secret key, DATABASE_URL, REDIS_URL). They differ from
coop_portal/settings.py in three ways, none of which changes how a page is served:

- the URLconf adds ``/bench/trivial/``, the floor of the page benchmarks (benchmarks/urls.py);
  production's URLconf never contains it;
- the complaint form's per-address rate limit is raised: every benchmark request comes from
  127.0.0.1, and the portal keys the limit on REMOTE_ADDR only (it trusts no forwarded-for
  header, so spreading client addresses is not possible). The limit is still counted in Redis
  on every submission, as in production; only its threshold is higher. The honeypot field is
  untouched;
- static files are collected into a directory of the benchmarks' own, with Django's manifest
  storage but without WhiteNoise's compression (minutes of CPU on this machine for files no
  benchmark requests); pages name their static files through the same manifest either way.
"""

from coop_portal.settings import *  # noqa: F403
from coop_portal.settings import VAR_DIR

ROOT_URLCONF = "benchmarks.urls"

# Production's default is 5 an hour per address (complaints/views.py).
COMPLAINTS_FORM_RATE = "1000000/h"

STATIC_ROOT = VAR_DIR / "bench-static"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
